// `npm run bench`: the performance budgets of DESIGN.md section 6, each figure beside a baseline
// measured in the same run. Prints a table (and the same table as Markdown, for README.md) and
// writes bench/results.json. A benchmark, not a test: a missed budget never fails it; only a
// measurement that cannot be made does.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { progress, runStep } from '../test/matrix/harness.js';
import { REPO_ROOT, venvBin, venvEnv } from '../test/matrix/settings.js';
import { prepareSharedVenv } from '../test/matrix/venv.js';

const WHO = 'bench';
// `npm run bench -- --only scaffold`: the scaffold figure alone (seconds instead of minutes);
// `--only serving`: the serving-path figures of issue 11 alone (bench/results.json untouched);
// `--only pandas`: the artefact with pandas added through `make lock` alone (a few minutes);
// `--only signin`: sign-in's overhead on a --auth cognito project alone;
// `--only jobs`: the request that starts a background job against a plain callback alone;
// `--only project`: a default project's files and its pytest run alone;
// `--only artefact`: the default artefact (size, files, cold start) beside the figures before issue 15.
// `--before DIR`: a project generated and built (`sam build`) at the commit before issue 15, whose
// artefact's cold start is then measured in turns with today's (README "Benchmarks" says how).
const BEFORE_DIR = process.argv.includes('--before') ? path.resolve(process.argv[process.argv.indexOf('--before') + 1]) : undefined;
const PARTS = ['scaffold', 'serving', 'pandas', 'signin', 'project', 'artefact', 'jobs'];
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (ONLY !== undefined && !PARTS.includes(ONLY)) {
  throw new Error(`${WHO}: --only takes ${PARTS.join(', ')}; got ${ONLY}`);
}
const RUNS = {
  scaffold: 21, // whole-process runs of each scaffolder (and of bare node), in turns
  cold: 9, // fresh Python processes per program
  warm: 600, // requests per request type (callbacks: a third of it)
  artefactCold: 5, // fresh processes per artefact (without bytecode one takes seconds)
  serving: 9, // warm first page loads per Accept-Encoding
};
// The stage throttling the template sets (DashApi), and the burst it had before issue 11.
const THROTTLE = { rate: 10, burst: 250, previousBurst: 50 };
const MB = 1_000_000; // decimal megabytes throughout (2.0 MB = 2,000,000 bytes)
const LAMBDA_RESPONSE_LIMIT = 6_291_456;
const DIST = path.join(REPO_ROOT, 'dist');
const CREATE_BIN = path.join(DIST, 'index.js');
const VITE_DIR = path.join(REPO_ROOT, 'node_modules', 'create-vite');
const MEASURE = path.join(REPO_ROOT, 'bench', 'measure.py');
const RESULTS = path.join(REPO_ROOT, 'bench', 'results.json');

interface Figure {
  figure: string;
  value: string;
  baseline: string;
  ratio: number | null;
  budget: string;
  /** null: informational, no budget. */
  met: boolean | null;
}

const figures: Figure[] = [];
function record(figure: Figure): void {
  figures.push(figure);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const bytes = (x: number) => `${x.toLocaleString('en-US')} B`;
const mb = (x: number) => `${(x / MB).toFixed(2)} MB`;
const ratio = (x: number) => `${x.toFixed(2)}×`;

// --- scaffold time ------------------------------------------------------------------------------

// One whole process, timed by Python's os.wait4: Node cannot read a child's CPU time (user + system),
// which on a shared machine says more than wall time. stdio is /dev/null, as with stdio 'ignore'.
const TIME_PROCESS = `
import os, sys, time
started = time.perf_counter_ns()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter_ns() - started, round((usage.ru_utime + usage.ru_stime) * 1e6), os.waitstatus_to_exitcode(status))
`;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeProcess(args: string[], cwd: string, produces?: string): Timing {
  const result = spawnSync('python3', ['-c', TIME_PROCESS, process.execPath, ...args], { cwd, encoding: 'utf8' });
  const [wallNs, cpuUs, status] = result.stdout.trim().split(' ').map(Number);
  if (result.status !== 0 || status !== 0 || (produces && !existsSync(path.join(cwd, produces)))) {
    throw new Error(`${WHO}: node ${args.join(' ')} failed (exit ${status}) or did not write ${produces}: ${result.stderr}`);
  }
  return { wallMs: wallNs / 1e6, cpuMs: cpuUs / 1e3 };
}

async function benchScaffold(scratch: string) {
  const ours = (dir: string) => [CREATE_BIN, dir, '--yes', '--no-git', '--no-install'];
  const vite = (dir: string) => [path.join(VITE_DIR, 'index.js'), dir, '--template', 'vanilla', '--no-interactive'];
  type Who = 'ours' | 'vite' | 'node';
  const samples: Record<Who, Timing[]> = { ours: [], vite: [], node: [] };
  const once = async (who: Who, n: number) => {
    const dir = `${who}-${n}`;
    if (who === 'node') return timeProcess(['-e', ''], scratch); // the start-up floor: both pay it
    const timing =
      who === 'ours'
        ? timeProcess(ours(dir), scratch, `${dir}/template.yaml`)
        : timeProcess(vite(dir), scratch, `${dir}/package.json`);
    await fs.rm(path.join(scratch, dir), { recursive: true, force: true });
    return timing;
  };
  const turn: Who[] = ['ours', 'vite', 'node'];
  for (const who of turn) await once(who, -1); // untimed: page cache
  for (let n = 0; n < RUNS.scaffold; n++) {
    const rotated = [...turn.slice(n % turn.length), ...turn.slice(0, n % turn.length)];
    for (const who of rotated) samples[who].push(await once(who, n));
  }
  const medians = (who: Who) => ({
    wallMs: median(samples[who].map((s) => s.wallMs)),
    cpuMs: median(samples[who].map((s) => s.cpuMs)),
  });
  const result = {
    runs: RUNS.scaffold,
    oursMedianMs: medians('ours').wallMs,
    viteMedianMs: medians('vite').wallMs,
    oursCpuMedianMs: medians('ours').cpuMs,
    viteCpuMedianMs: medians('vite').cpuMs,
    nodeMedianMs: medians('node').wallMs,
    nodeCpuMedianMs: medians('node').cpuMs,
    samples,
  };
  const r = result.oursMedianMs / result.viteMedianMs;
  record({
    figure: 'Scaffold time, median wall (`--yes --no-git --no-install`)',
    value: `${ms(result.oursMedianMs)} (CPU ${ms(result.oursCpuMedianMs)})`,
    baseline:
      `create-vite --template vanilla --no-interactive: ${ms(result.viteMedianMs)} (CPU ${ms(result.viteCpuMedianMs)}); ` +
      `bare \`node -e ''\`: ${ms(result.nodeMedianMs)} (CPU ${ms(result.nodeCpuMedianMs)})`,
    ratio: r,
    budget: '≤ 1.00×',
    met: r <= 1.0,
  });
  return result;
}

// --- package ------------------------------------------------------------------------------------

function runtimeDependencyCount(pkg: Record<string, unknown>): number {
  const keys = ['dependencies', 'optionalDependencies', 'peerDependencies'];
  keys.push('bundleDependencies', 'bundledDependencies'); // npm reads either spelling
  return keys.reduce((n, k) => n + Object.keys((pkg[k] as object | undefined) ?? {}).length, 0);
}

/** Module specifiers dist/index.js loads that are not Node built-ins (a bundle must have none). */
function externalImports(bundle: string): string[] {
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']([@\w][\w@./:-]*)["']/g;
  const found = new Set([...bundle.matchAll(specifier)].map((m) => m[1]));
  return [...found].filter((s) => !builtinModules.includes(s.replace(/^node:/, '')));
}

async function treeSize(dir: string): Promise<{ files: number; bytes: number }> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const sizes = await Promise.all(files.map(async (f) => (await fs.stat(f)).size));
  return { files: files.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}

async function benchPackage(scratch: string) {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const packed = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT });
  const [pack] = JSON.parse(packed.stdout);
  const ours = {
    runtimeDependencies: runtimeDependencyCount(pkg),
    // dist/index.js and the files it loads on demand
    externalImports: externalImports(
      readdirSync(DIST)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(path.join(DIST, f), 'utf8'))
        .join('\n'),
    ),
    packedBytes: pack.size as number,
    unpackedBytes: pack.unpackedSize as number,
    files: pack.entryCount as number,
  };
  // create-vite as installed (npm would need the registry for its published sizes); its packed
  // size is a tar.gz of those files, made here the same way for both packages.
  const vitePkg = JSON.parse(readFileSync(path.join(VITE_DIR, 'package.json'), 'utf8'));
  const viteTar = path.join(scratch, 'create-vite.tgz');
  await execa('tar', ['-czf', viteTar, '-C', path.dirname(VITE_DIR), path.basename(VITE_DIR)]);
  const vite = {
    version: vitePkg.version as string,
    runtimeDependencies: runtimeDependencyCount(vitePkg),
    packedBytes: (await fs.stat(viteTar)).size,
    ...(await treeSize(VITE_DIR)),
  };
  const depsMet = ours.runtimeDependencies === 0 && ours.externalImports.length === 0;
  record({
    figure: 'Runtime dependencies of the package (and non-built-in imports in dist/index.js)',
    value: `${ours.runtimeDependencies} (${ours.externalImports.length} imports)`,
    baseline: `create-vite ${vite.version}: ${vite.runtimeDependencies}`,
    ratio: null,
    budget: '0',
    met: depsMet,
  });
  record({
    figure: 'Package size: packed / unpacked / files (`npm pack --dry-run`)',
    value: `${bytes(ours.packedBytes)} / ${bytes(ours.unpackedBytes)} / ${ours.files}`,
    baseline: `create-vite installed: ${bytes(vite.packedBytes)} (tar.gz) / ${bytes(vite.bytes)} / ${vite.files}`,
    ratio: ours.unpackedBytes / vite.bytes,
    budget: '—',
    met: null,
  });
  return { ours, createVite: vite };
}

// --- the generated project (Python side) --------------------------------------------------------

async function measure(what: string, project: string, runs: number, extra: string[] = [], env: Record<string, string> = {}): Promise<any> {
  const result = await execa(venvBin('python'), [MEASURE, what, '--project', project, '--runs', String(runs), ...extra], {
    env: { ...venvEnv(), ...env },
    stderr: 'inherit',
  });
  return JSON.parse(result.stdout);
}

function recordCold(cold: any) {
  record({
    figure: `Cold start: fresh process → first GET ${cold.prefix} through serverless_dash.handler.lambda_handler (median of ${cold.runs})`,
    value: `${ms(cold.handler.median_ms)} (CPU ${ms(cold.handler.cpu_median_ms)})`,
    baseline: `import Dash and build the app (\`import app\` at the prefix): ${ms(cold.floor.median_ms)} (CPU ${ms(cold.floor.cpu_median_ms)})`,
    ratio: cold.handler_ratio,
    budget: '≤ 1.15×',
    met: cold.handler_ratio <= 1.15,
  });
  record({
    figure: 'Cold start of the ten-line handler (`import app`, apig-wsgi, nothing else of the platform)',
    value: ms(cold.ten_line.median_ms),
    baseline: `import Dash and build the app: ${ms(cold.floor.median_ms)}`,
    ratio: cold.ten_line_ratio,
    budget: '—',
    met: null,
  });
}

/** DESIGN.md section 6: sign-in overhead on a warm request, ≤ 1.10× the same request without it. */
function recordJobs(jobs: any) {
  record({
    figure: `The request that starts a background job (the Report page; a job record in moto's table, the worker in a thread), median of ${jobs.requests}`,
    value: `${ms(jobs.job_start_ms)} (+${ms(jobs.difference_ms)})`,
    baseline: `a plain warm callback (the charts), same process, in turns: ${ms(jobs.plain_callback_ms)}`,
    ratio: jobs.ratio,
    budget: '≤ 1.5× (DESIGN.md); ≤ +50 ms (issue 17)',
    met: jobs.ratio <= 1.5,
  });
  record({
    figure: 'Job-table reads a container makes for the signing secret before its first page is answered',
    value: String(jobs.first_page_store_reads),
    baseline: 'the stack resolves the secret into DASH_JOBS_SECRET at deploy; the manager hands it to Dash',
    ratio: null,
    budget: '≤ 1',
    met: jobs.first_page_store_reads <= 1,
  });
}

function recordSignin(signin: any) {
  const names: Record<string, string> = { index: 'GET /<prefix>/', layout: 'GET /<prefix>/_dash-layout', callback: 'POST /<prefix>/_dash-update-component (the charts)' };
  for (const kind of ['index', 'layout', 'callback']) {
    const s = signin[kind];
    record({
      figure: `Warm ${names[kind]} with sign-in on (a valid session cookie checked), median of ${s.requests}`,
      value: ms(s.with_ms),
      baseline: `the same request, sign-in off: ${ms(s.without_ms)}`,
      ratio: s.ratio,
      budget: '≤ 1.10×',
      met: s.ratio <= 1.1,
    });
  }
}

function recordWarm(warm: any) {
  for (const [kind, label] of [
    ['index', 'GET /<prefix>/'],
    ['layout', 'GET /<prefix>/_dash-layout'],
    ['callback', 'POST /<prefix>/_dash-update-component (the charts)'],
  ]) {
    const w = warm[kind];
    const worst = Math.max(w.ratio, w.ratio_to_direct_wsgi);
    record({
      figure: `Warm ${label} through the handler, median of ${w.requests}`,
      value: ms(w.handler_ms),
      baseline:
        `the same app, bare (its own process): direct WSGI call ${ms(w.direct_wsgi_ms)}; ` +
        `werkzeug test client ${ms(w.bare_ms)} (${ratio(w.ratio)}); ` +
        `ten-line apig-wsgi handler ${ms(w.ten_line_ms)} (${ratio(w.ratio_to_ten_line)})`,
      ratio: w.ratio_to_direct_wsgi,
      budget: '≤ 1.10× (direct and client)',
      met: worst <= 1.1,
    });
  }
  const d = warm.dash_defaults_index;
  record({
    figure: `Warm GET /<prefix>/ of the same app with Dash's defaults (Dash Pages' validation layout in the page), direct WSGI call, median of ${d.requests}`,
    value: ms(d.direct_wsgi_ms),
    baseline: `through the handler (which turns it off): ${ms(d.handler_ms)}`,
    ratio: d.direct_wsgi_ms / d.handler_ms,
    budget: '—',
    met: null,
  });
}

function recordPage(page: any) {
  const browser = page.loads.browser;
  const gzip = page.loads.gzip;
  const none = page.loads.none;
  record({
    figure: `Full first page load: Lambda invocations (REST, .js typed ${page.js_mime_type})`,
    value: String(browser.invocations),
    baseline: '—',
    ratio: null,
    budget: '—',
    met: null,
  });
  for (const [load, label] of [
    [browser, `Chromium's Accept-Encoding (${browser.accept_encoding})`],
    [gzip, `gzip only (${gzip.accept_encoding})`],
  ]) {
    record({
      figure: `Page load bytes over the wire, ${label}`,
      value: `${bytes(load.wire_bytes)} (${mb(load.wire_bytes)})`,
      baseline: `uncompressed: ${mb(none.wire_bytes)}`,
      ratio: load.wire_bytes / (2 * MB),
      budget: '≤ 2.00 MB (2,000,000 B)',
      met: load.wire_bytes <= 2 * MB,
    });
  }
  const largest = Math.max(browser.largest_response_bytes, gzip.largest_response_bytes);
  const largestName = gzip.largest_response_url.split('/').pop();
  record({
    figure: `Largest Lambda response of a page load (JSON, base64 included): ${largestName}`,
    value: bytes(largest),
    baseline: `Lambda limit ${bytes(LAMBDA_RESPONSE_LIMIT)}; uncompressed ${bytes(none.largest_response_bytes)}`,
    ratio: largest / LAMBDA_RESPONSE_LIMIT,
    budget: '≤ 3,145,728 B',
    met: largest <= LAMBDA_RESPONSE_LIMIT / 2,
  });
}

// --- before and after issue 15 (one public prefix, ordinary Dash, only what the answers chose) ----

/** The figures of the default project at the commit before issue 15, kept in bench/results.json
 *  (`beforeIssue15`, measured once with that commit's own bench; README "Benchmarks" says how). */
function beforeIssue15(): any {
  if (!existsSync(RESULTS)) return undefined;
  return JSON.parse(readFileSync(RESULTS, 'utf8')).beforeIssue15;
}

/** A default project (`--yes`): its files, and its pytest run (`make test`) with the shared venv. */
async function benchProject(scratch: string) {
  const project = path.join(scratch, 'default-project');
  await runStep(WHO, 'generate (defaults)', process.execPath, [CREATE_BIN, project, '--yes', '--no-git', '--no-install']);
  const { files } = await treeSize(project);
  const started = performance.now();
  const run = await execa(venvBin('python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
    cwd: project,
    env: venvEnv(),
    reject: false,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = run.stdout.trim().split('\n').pop() ?? '';
  const passed = Number(/(\d+) passed/.exec(summary)?.[1] ?? NaN);
  const seconds = Number(/ in ([\d.]+)s/.exec(summary)?.[1] ?? NaN);
  const failed = run.exitCode !== 0 || !Number.isFinite(passed);
  if (failed) {
    // Reported in the table (a time of a failing suite says nothing), the rest of the run goes on.
    console.error(`${WHO}: pytest of the default project failed (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}`);
  }
  const pytest = { passed, seconds, wallSeconds: +wallSeconds.toFixed(1), failed, exitCode: run.exitCode };
  const result = { flags: '--yes --no-git --no-install', files, pytest, summary };
  recordProject(result, beforeIssue15());
  return result;
}

function recordProject(project: any, before: any) {
  const was = before?.project;
  record({
    figure: 'Files in a default project (`--yes`)',
    value: String(project.files),
    baseline: was ? `before issue 15 (${before.commit.slice(0, 7)}, measured ${before.date.slice(0, 10)}): ${was.files}` : '—',
    ratio: was ? project.files / was.files : null,
    budget: 'only what the answers chose',
    met: null,
  });
  record({
    figure: '`make test` of a default project (`python -m pytest -q`, the shared venv): tests, pytest time (process wall time)',
    value: project.pytest.failed
      ? `FAILED (exit ${project.pytest.exitCode}): ${project.summary}`
      : `${project.pytest.passed} passed in ${project.pytest.seconds.toFixed(1)} s (${project.pytest.wallSeconds.toFixed(1)} s)`,
    baseline: was
      ? `before issue 15: ${was.pytest.passed} passed in ${was.pytest.seconds.toFixed(1)} s (${was.pytest.wallSeconds.toFixed(1)} s)`
      : '—',
    ratio: was && !project.pytest.failed ? project.pytest.seconds / was.pytest.seconds : null,
    budget: '≤ 15 s',
    met: !project.pytest.failed && project.pytest.wallSeconds <= 15,
  });
}

function recordArtefactBeforeAfter(artefact: any, before: any) {
  const was = before?.artefact;
  if (!was) return;
  const tag = `before issue 15 (${before.commit.slice(0, 7)}, measured ${before.date.slice(0, 10)})`;
  // DESIGN.md section 6: no larger than before sign-in existed (98.62 MB), which was before issue 11
  // added the copies compressed at build time (stored encodings): compared without them.
  const stored = artefact.after_stored_encodings;
  const withoutStored = artefact.after.bytes - stored.bytes;
  record({
    figure: `Default sam build artefact (${artefact.runtime}, ${artefact.architecture}) with bytecode: unzipped / zipped / files`,
    value:
      `${mb(artefact.after.bytes)} / ${mb(artefact.after_zipped_bytes)} / ${artefact.after.files} ` +
      `(without issue 11's ${stored.files} stored encodings, ${mb(stored.bytes)}: ${mb(withoutStored)})`,
    baseline: `${tag}: ${mb(was.after.bytes)} / ${mb(was.after_zipped_bytes)} / ${was.after.files}; before sign-in existed (and stored encodings): 98.62 MB`,
    ratio: artefact.after.bytes / was.after.bytes,
    budget: '≤ 98.62 MB unzipped, stored encodings aside',
    met: withoutStored <= 98.62 * MB,
  });
  const cold = artefact.cold_start;
  const sameRun = cold?.before_issue_15;
  if (cold && (sameRun || was.cold_start)) {
    const then = sameRun ?? was.cold_start.bytecode;
    record({
      figure: `Cold start from the default artefact as Lambda runs it, with its bytecode (median of ${cold.runs})`,
      value: `${ms(cold.bytecode.median_ms)} (CPU ${ms(cold.bytecode.cpu_median_ms)})`,
      baseline: `${sameRun ? 'before issue 15 (its artefact, in turns, same run)' : tag}: ${ms(then.median_ms)} (CPU ${ms(then.cpu_median_ms)})`,
      ratio: sameRun ? cold.bytecode.median_ms / then.median_ms : cold.bytecode.cpu_median_ms / then.cpu_median_ms,
      budget: sameRun ? '—' : '— (ratio of CPU times: another run)',
      met: null,
    });
  }
}

function recordArtefact(artefact: any) {
  const { before, after } = artefact;
  // The artefact before bytecode and before the copies compressed at build time (issue 11).
  const stored = artefact.after_stored_encodings?.bytes ?? 0;
  const pruned = after.bytes - artefact.after_bytecode_bytes - stored;
  const removed = Object.entries(artefact.removed as Record<string, { files: number; bytes: number }>)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([category, r]) => `${category} ${mb(r.bytes)} (${r.files})`)
    .join('; ');
  record({
    figure: `sam build artefact (${artefact.runtime}, ${artefact.architecture}), unzipped: pruned, before bytecode and stored encodings`,
    value: `${mb(pruned)}`,
    baseline: `pip install -r src/requirements.txt -t: ${mb(before.bytes)}, ${before.files} files`,
    ratio: pruned / before.bytes,
    budget: 'pruned of source maps, dev bundles, Jupyter files',
    met: artefact.left_unpruned === 0,
  });
  record({
    figure: 'Pruned by category',
    value: mb(Object.values(artefact.removed as Record<string, { bytes: number }>).reduce((n, r) => n + r.bytes, 0)),
    baseline: removed,
    ratio: null,
    budget: '—',
    met: null,
  });
  record({
    figure: 'sam build artefact as shipped: with bytecode for the runtime (unzipped / zipped / files)',
    value: `${mb(after.bytes)} / ${mb(artefact.after_zipped_bytes)} / ${after.files}`,
    baseline: `bytecode ${mb(artefact.after_bytecode_bytes)}; Lambda limit 250 MB unzipped`,
    ratio: after.bytes / before.bytes,
    budget: '—',
    met: null,
  });
  const cold = artefact.cold_start;
  if (cold) {
    record({
      figure: `Cold start from the artefact as Lambda runs it (read-only, no site-packages), median of ${cold.runs}`,
      value: `${ms(cold.bytecode.median_ms)} (CPU ${ms(cold.bytecode.cpu_median_ms)}) with the shipped bytecode`,
      baseline: `without bytecode: ${ms(cold.no_bytecode.median_ms)} (CPU ${ms(cold.no_bytecode.cpu_median_ms)})`,
      ratio: cold.bytecode.median_ms / cold.no_bytecode.median_ms,
      budget: '—',
      met: null,
    });
  }
}

function recordPandas(withPandas: any, artefact?: any) {
  const { after } = withPandas;
  const without = artefact ? `without it (this run): ${mb(artefact.after.bytes)}; ` : '';
  record({
    figure: `sam build artefact with ${withPandas.requirement} added through make lock, with bytecode (unzipped / zipped / files)`,
    value: `${mb(after.bytes)} / ${mb(withPandas.after_zipped_bytes)} / ${after.files}`,
    baseline: `${without}Lambda limit ${mb(withPandas.limit_bytes)} (250 MiB); added pins: ${withPandas.pins_added.join(', ')}`,
    ratio: after.bytes / withPandas.limit_bytes,
    budget: '< 250 MB unzipped',
    met: after.bytes < withPandas.limit_bytes,
  });
  const cold = withPandas.cold_start;
  if (cold) {
    record({
      figure: `Cold start from that artefact, pandas imported at module level (src/data.py), median of ${cold.runs}`,
      value: `${ms(cold.imported.median_ms)} (CPU ${ms(cold.imported.cpu_median_ms)})`,
      baseline: `pandas in the artefact, not imported: ${ms(cold.not_imported.median_ms)} (CPU ${ms(cold.not_imported.cpu_median_ms)})`,
      ratio: cold.imported.median_ms / cold.not_imported.median_ms,
      budget: '—',
      met: null,
    });
  }
}

// --- the serving path (issue 11) ----------------------------------------------------------------

/**
 * The four serving-path figures: each beside what the same page load did before (files compressed
 * per request, no CloudFront, a burst of 50), measured in the same run. `built` is the function's
 * sam build artefact, whose Dash and Plotly carry the copies compressed at build time.
 */
async function benchServing(scratch: string, project: string, built: string, coldStartMs: number) {
  progress(WHO, 'serving: page loads compressed per request (source) and as stored (sam build artefact)');
  const before = await measure('serving', project, RUNS.serving);
  const after = await measure('serving', project, RUNS.serving, [], { PYTHONPATH: built });
  if (!after.stored_encodings) throw new Error(`${WHO}: the sam build artefact has no stored encodings`);

  progress(WHO, 'serving: a --cdn project, two visitors through the modelled distribution');
  const cdnProject = path.join(scratch, 'bench-cdn');
  await runStep(WHO, 'generate --cdn', process.execPath, [CREATE_BIN, cdnProject, '--yes', '--no-git', '--no-install', '--cdn']);
  const cdn = await measure('cdn', cdnProject, 1);

  progress(WHO, 'serving: visitors in the same second (token bucket and Lambda model)');
  const servingFile = path.join(scratch, 'serving.json');
  await fs.writeFile(servingFile, JSON.stringify({ before, after }));
  const visitors = await measure('visitors', project, 1, [
    '--serving', servingFile, '--cold-start-ms', String(coldStartMs), '--rate', String(THROTTLE.rate),
    '--bursts', `${THROTTLE.previousBurst},${THROTTLE.burst}`,
  ]);
  recordServing(before, after, cdn, visitors, coldStartMs);
  return { before, after, cdn, visitors, coldStartMs, throttle: THROTTLE };
}

function recordServing(before: any, after: any, cdn: any, visitors: any, coldStartMs: number) {
  const second = cdn.second_visit;
  record({
    figure: "Lambda invocations, a second visitor's first page load (new browser), --cdn",
    value: `${second.invocations} of ${second.requests} requests`,
    baseline: `first visitor through CloudFront: ${cdn.first_visit.invocations}; without CloudFront: every one of ${before.loads.Chromium.invocations}`,
    ratio: second.invocations / before.loads.Chromium.invocations,
    budget: '≤ 5',
    met: second.invocations <= 5,
  });
  const model = (load: string, burst: number, viaCdn: boolean) =>
    visitors[`${load}, burst ${burst}, ${viaCdn ? 'with' : 'without'} CloudFront`];
  for (const [viaCdn, budget] of [[false, 10], [true, 25]] as const) {
    const now = model('after', THROTTLE.burst, viaCdn);
    const then = model('before', THROTTLE.previousBurst, viaCdn);
    record({
      figure: `Visitors opening it in the same second with no 429, ${viaCdn ? 'with' : 'without'} --cdn (model: ${THROTTLE.rate}/s, burst ${THROTTLE.burst}, cold start ${Math.round(coldStartMs)} ms)`,
      value: `${now.visitors} (peak ${now.peak_concurrency} containers, ${now.cold_starts} cold starts)`,
      baseline: `burst ${THROTTLE.previousBurst}, compressed per request: ${then.visitors}`,
      ratio: then.visitors ? now.visitors / then.visitors : null,
      budget: `≥ ${budget}`,
      met: now.visitors >= budget,
    });
  }
  for (const browser of ['Chromium', 'Safari']) {
    const [a, b] = [after.loads[browser], before.loads[browser]];
    record({
      figure: `Bytes on the wire, first page load, ${browser} (${a.accept_encoding})`,
      value: `${bytes(a.wire_bytes)} (${mb(a.wire_bytes)})`,
      baseline: `compressed per request: ${mb(b.wire_bytes)}`,
      ratio: a.wire_bytes / b.wire_bytes,
      budget: '≤ 1.50 MB',
      met: a.wire_bytes <= 1.5 * MB,
    });
  }
  const worst = (loads: any) => Object.values(loads).reduce((w: any, l: any) => (l.handler_ms > w.handler_ms ? l : w));
  const [slowAfter, slowBefore] = [worst(after.loads) as any, worst(before.loads) as any];
  const each = (loads: any) => Object.entries(loads).map(([n, l]: [string, any]) => `${n} ${ms(l.handler_ms)}`).join(', ');
  record({
    figure: `Handler time, warm first page load (${after.loads.Chromium.invocations} requests), slowest Accept-Encoding, median of ${RUNS.serving}`,
    value: `${ms(slowAfter.handler_ms)} (${each(after.loads)})`,
    baseline: `compressed per request: ${ms(slowBefore.handler_ms)} (${each(before.loads)})`,
    ratio: slowAfter.handler_ms / slowBefore.handler_ms,
    budget: '≤ 25 ms',
    met: slowAfter.handler_ms <= 25,
  });
}

// --- output -------------------------------------------------------------------------------------

const verdict = (f: Figure) => (f.met === null ? '' : f.met ? 'met' : 'MISSED');

function markdownTable(): string {
  const rows = figures.map((f) =>
    [f.figure, f.value, f.baseline, f.ratio === null ? '' : ratio(f.ratio), f.budget, verdict(f)]
      .map((c) => c.replace(/\|/g, '\\|'))
      .join(' | '),
  );
  const header = ['| figure | value | baseline (same run) | ratio | budget | |', '|---|---|---|---|---|---|'];
  return [...header, ...rows.map((r) => `| ${r} |`)].join('\n');
}

function printTable(): void {
  for (const f of figures) {
    const r = f.ratio === null ? '' : `  ${ratio(f.ratio)}`;
    const v = verdict(f);
    console.log(`\n${f.figure}\n  ${f.value}${r}   [budget ${f.budget}]${v ? `  ${v}` : ''}\n  vs ${f.baseline}`);
  }
}

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
}

async function main() {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'serverless-dash-bench-'));
  const started = performance.now();
  const loadBefore = os.loadavg();
  try {
    const whole = ONLY === undefined;
    if (whole || ONLY === 'scaffold') progress(WHO, `scaffold time: ${RUNS.scaffold} runs each`);
    const scaffold = whole || ONLY === 'scaffold' ? await benchScaffold(scratch) : undefined;
    if (ONLY === 'scaffold') {
      printTable(); // a part only: bench/results.json keeps the last full run
      return;
    }
    const pkg = whole ? await benchPackage(scratch) : undefined;
    const partDone = () => {
      printTable(); // a part only: bench/results.json keeps the last full run
      console.log(`\nMarkdown (README.md, "Benchmarks"):\n\n${markdownTable()}\n`);
    };

    // One project for every Python figure: python3.11 (the runtime this machine's Python can
    // compile bytecode for) on this machine's architecture, so its sam build artefact can run here.
    const arch = process.arch === 'arm64' ? 'arm64' : 'x86_64';
    const project = path.join(scratch, 'bench-project');
    const flags = ['--yes', '--no-git', '--no-install', '--runtime', 'python3.11', '--arch', arch];
    await runStep(WHO, 'generate', process.execPath, [CREATE_BIN, project, ...flags]);
    await prepareSharedVenv(WHO, project);
    const python = (await execa(venvBin('python'), ['-c', 'import sys; print(sys.version.split()[0])'])).stdout;
    // Sign-in's figures need a project with sign-in (the default has none of its code).
    const benchSignin = async () => {
      const signinProject = path.join(scratch, 'bench-signin');
      await runStep(WHO, 'generate --auth cognito', process.execPath, [CREATE_BIN, signinProject, ...flags, '--auth', 'cognito']);
      progress(WHO, 'sign-in overhead (warm, with and without a session check, a process each)');
      const signin = await measure('signin', signinProject, RUNS.warm);
      recordSignin(signin);
      return signin;
    };
    const benchArtefact = async () => {
      progress(WHO, 'artefact size (pip install, sam build)');
      const artefact = await measure('artefact', project, RUNS.artefactCold, BEFORE_DIR ? ['--before', BEFORE_DIR] : []);
      recordArtefact(artefact);
      recordArtefactBeforeAfter(artefact, beforeIssue15());
      return artefact;
    };

    if (ONLY === 'project') {
      progress(WHO, 'a default project: files and make test');
      await benchProject(scratch);
      return partDone();
    }
    if (ONLY === 'signin') {
      await benchSignin();
      return partDone();
    }
    if (ONLY === 'jobs') {
      progress(WHO, 'background callbacks: the request that starts a job against a plain callback');
      recordJobs(await measure('jobs', project, RUNS.warm));
      return partDone();
    }
    if (ONLY === 'artefact') {
      await benchArtefact();
      return partDone();
    }
    if (ONLY === 'pandas') {
      progress(WHO, 'artefact with pandas (make lock, sam build)');
      recordPandas(await measure('artefact-pandas', project, RUNS.artefactCold));
      return partDone();
    }
    progress(WHO, 'cold start');
    const cold = await measure('cold', project, RUNS.cold);
    recordCold(cold);
    const built = path.join(project, '.aws-sam', 'build', 'DashFunction');
    if (ONLY === 'serving') {
      await runStep(WHO, 'sam build', venvBin('sam'), ['build'], { cwd: project, env: venvEnv() });
      await benchServing(scratch, project, built, cold.handler.median_ms);
      printTable();
      console.log(`\nMarkdown:\n\n${markdownTable()}\n`);
      return;
    }
    progress(WHO, 'warm latency');
    const warm = await measure('warm', project, RUNS.warm);
    recordWarm(warm);
    const signin = await benchSignin();
    progress(WHO, 'background callbacks: the request that starts a job against a plain callback');
    const jobs = await measure('jobs', project, RUNS.warm);
    recordJobs(jobs);
    progress(WHO, 'page weight');
    const page = await measure('page', project, 1);
    recordPage(page);
    const artefact = await benchArtefact();
    progress(WHO, 'a default project: files and make test');
    const defaultProject = await benchProject(scratch);
    const serving = await benchServing(scratch, project, built, cold.handler.median_ms);
    progress(WHO, 'artefact with pandas (make lock, sam build)');
    const withPandas = await measure('artefact-pandas', project, RUNS.artefactCold);
    recordPandas(withPandas, artefact);

    const machine = {
      nproc: os.availableParallelism(),
      cpu: cpuModel(),
      ramGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      python,
      platform: `${os.platform()} ${os.release()} ${process.arch}`,
      loadAverage: { before: loadBefore.map((x) => +x.toFixed(2)), after: os.loadavg().map((x) => +x.toFixed(2)) },
    };
    const results = {
      beforeIssue15: beforeIssue15(), // kept from run to run: measured once, at that commit
      date: new Date().toISOString(),
      machine,
      seconds: Math.round((performance.now() - started) / 1000),
      units: 'ms: milliseconds; MB: 1,000,000 bytes; B: bytes',
      figures,
      details: { scaffold, package: pkg, cold, warm, signin, jobs, page, artefact, defaultProject, serving, withPandas },
    };
    await fs.writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

    printTable();
    const missed = figures.filter((f) => f.met === false);
    const load = `${machine.loadAverage.before.join(' ')} → ${machine.loadAverage.after.join(' ')}`;
    console.log(`\nMachine: ${machine.nproc} × ${machine.cpu}, ${machine.ramGiB} GiB RAM, ${machine.platform}`);
    console.log(`Node ${machine.node}, Python ${python}; load average ${load}`);
    const names = missed.map((f) => f.figure).join('; ');
    console.log(`Budgets: ${figures.filter((f) => f.met).length} met, ${missed.length} missed${names ? `: ${names}` : ''}`);
    console.log(`\nMarkdown (README.md, "Benchmarks"):\n\n${markdownTable()}\n`);
    console.log(`Written: ${path.relative(REPO_ROOT, RESULTS)} (${results.seconds} s)`);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

await main();
