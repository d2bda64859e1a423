// `create-serverless-dash upgrade`, run at a project's root (DESIGN.md section 11): renders this
// version with the answers the project recorded, replaces the platform's files, merges the shared
// ones three ways (git merge-file) against what the recorded version wrote, and never writes the
// user's. Offline: the base is the project's own .serverless-dash/base.json.gz.
//
// Nothing is written until every check has passed and the plan is complete; the writes then go
// through the generator's journal of renames (src/write.ts), undone on failure or a signal.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bold, dim, green, red, yellow } from 'kolorist';
import { resolveAnswers } from './ask.js';
import { templateContext } from './context.js';
import { causeOf, EXIT, UsageError } from './errors.js';
import { OPTIONS, toAnswers, type RawAnswers } from './options.js';
import { ownerOf, RECORD_DIR, type Owner } from './ownership.js';
import { findPackage } from './paths.js';
import {
  answersAsFlags,
  BadRecord,
  buildRecord,
  compareVersions,
  flagOf,
  NoRecord,
  readRecord,
  RECORD_FILE,
  sha256,
  writeRecord,
  type ProjectRecord,
} from './record.js';
import { renderTree } from './render.js';
import { deferSignals, Interrupted, testStepDelay } from './signals.js';
import { Journal, mergeInto, TEMP_MARKER, WriteError } from './write.js';

export const UPGRADE_HELP = `Usage: create-serverless-dash upgrade [--dry-run] [--force]
       npm create serverless-dash@latest -- upgrade [--dry-run] [--force]

Run at the root of a project this generator wrote (a clean git tree). Renders this version with the
answers the project recorded (.serverless-dash/project.json), then:
  your files (src/ but src/serverless_dash/ and src/requirements.*)   never written
  the platform's (src/serverless_dash/, tools/, tests/ but conftest.py)  replaced, added, removed;
      one you changed is refused by name, unless --force
  shared files (template.yaml, Makefile, README.md, requirements, ...)  merged three ways against what
      the recorded version wrote; where both changed the same lines: conflict markers
No network: after a change to src/requirements.in it says to run \`make lock\`.

Flags:
  --dry-run   print the plan (replace / merge / conflict / add / remove / keep, file by file), write nothing
  --force     replace platform files you changed (it says which)
  -h, --help  show this help

Exit status:
  0    upgraded, or nothing to do
  1    writing failed; the project was restored as it was
  2    refused: not a project, no or bad record, not a git repository, dirty tree, downgrade,
       a platform file you changed (without --force), bad flag; nothing written
  3    upgraded with conflicts: fix the files listed (conflict markers), then commit
  130  SIGINT while writing (restored); 143: SIGTERM (restored)
`;

export type Action = 'replace' | 'merge' | 'conflict' | 'add' | 'remove' | 'keep' | 'refuse';

export interface PlanEntry {
  rel: string;
  owner: Owner;
  action: Action;
  note?: string;
  /** What goes at `rel` (replace, merge, conflict, add); absent for remove and keep. */
  content?: Buffer;
  mode?: number;
  /** A conflict that could not carry markers: the new version is written beside it as `<rel>.new`. */
  sidecar?: Buffer;
  /** --force overwrote (or removed) a platform file the user changed. */
  forced?: boolean;
}

/** Refusal, nothing written. */
class Refused extends Error {}

function git(cwd: string, args: string[]) {
  return spawnSync('git', args, { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
}

function readOrUndefined(p: string): Buffer | undefined {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The recorded answers through the option table's rules, as a new generation takes them. */
export async function replayAnswers(record: ProjectRecord): Promise<{ raw: RawAnswers; added: string[]; dropped: string[] }> {
  const given: RawAnswers = {};
  const added: string[] = [];
  for (const o of OPTIONS) {
    const flag = flagOf(o);
    const value = record.answers[flag];
    if (!record.questions.includes(flag)) added.push(flag);
    if (value === undefined) continue;
    if ((o.kind === 'confirm') !== (typeof value === 'boolean')) {
      throw new BadRecord(`${RECORD_FILE} is corrupted or was edited by hand (--${flag}: ${JSON.stringify(value)} is not a value of this flag)`);
    }
    Object.assign(given, { [o.key]: value });
  }
  const known = new Set(OPTIONS.map(flagOf));
  const dropped = Object.keys(record.answers).filter((f) => !known.has(f));
  try {
    const raw = await resolveAnswers(given, { yes: true, interactive: false });
    return { raw, added: added.filter((f) => raw[OPTIONS.find((o) => flagOf(o) === f)!.key] !== undefined), dropped };
  } catch (e) {
    if (e instanceof UsageError) {
      throw new BadRecord(`${RECORD_FILE} is corrupted or was edited by hand: its answers break a rule: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Three-way merge with git merge-file: ours = the user's file, base = what the recorded version
 * wrote, theirs = what this version writes. Returns the result and whether it has conflict markers,
 * or undefined when git cannot merge it (a binary file).
 */
function mergeFile(
  work: string,
  rel: string,
  ours: Buffer,
  base: Buffer,
  theirs: Buffer,
  labels: [string, string, string],
): { content: Buffer; conflicts: boolean } | undefined {
  const dir = fs.mkdtempSync(path.join(work, 'merge-'));
  const [o, b, t] = ['ours', 'base', 'theirs'].map((n) => path.join(dir, n));
  fs.writeFileSync(o, ours);
  fs.writeFileSync(b, base);
  fs.writeFileSync(t, theirs);
  const r = git(dir, ['merge-file', '-p', '-L', labels[0], '-L', labels[1], '-L', labels[2], o, b, t]);
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.error) throw new Error(`git merge-file ${rel}: ${r.error.message}`);
  // Exit status: the number of conflicts (capped at 127), negative (255 here) on error (binary input).
  if (r.status === null || r.status > 127) return undefined;
  return { content: r.stdout, conflicts: r.status > 0 };
}

/**
 * The file as the generator would compare it: with LF line endings when git's checkout turned them
 * into CRLF (core.autocrlf on Windows) and the generator wrote none. Without this every platform
 * file of such a checkout would look changed, and every shared line conflict. Binary files (a NUL
 * byte, git's own test) are left alone.
 */
function asGenerated(current: Buffer | undefined, generated: (Buffer | undefined)[]): Buffer | undefined {
  if (!current || !current.includes('\r\n') || current.includes(0)) return current;
  if (generated.some((g) => g?.includes('\r'))) return current;
  return Buffer.from(current.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
}

export interface PlanInput {
  project: string;
  record: ProjectRecord;
  base: Map<string, Buffer>;
  /** The new render: relative path → content and mode. */
  rendered: Map<string, { content: Buffer; mode: number }>;
  newVersion: string;
  force: boolean;
  /** A scratch directory for merges. */
  work: string;
}

/** What upgrade does with each file: the generator's files of both versions, and nothing else. */
export function makePlan(input: PlanInput): PlanEntry[] {
  const { project, record, base, rendered, force } = input;
  const labels: [string, string, string] = [
    'yours',
    `create-serverless-dash ${record.version}`,
    `create-serverless-dash ${input.newVersion}`,
  ];
  const paths = [...new Set([...rendered.keys(), ...Object.keys(record.files)])].sort();
  const plan: PlanEntry[] = [];
  for (const rel of paths) {
    if (rel === RECORD_DIR || rel.startsWith(`${RECORD_DIR}/`)) continue;
    const owner = ownerOf(rel);
    const next = rendered.get(rel);
    const was = record.files[rel];
    const pristine = base.get(rel);
    const current = asGenerated(readOrUndefined(path.join(project, rel)), [next?.content, pristine]);
    const entry = (action: Action, extra: Partial<PlanEntry> = {}) => plan.push({ rel, owner, action, ...extra });

    if (owner === 'user') {
      entry('keep', { note: 'yours: never written' });
      continue;
    }
    const unchangedByUser = current !== undefined && was !== undefined && sha256(current) === was.sha256;
    if (owner === 'platform') {
      if (next) {
        if (current?.equals(next.content)) entry('keep', { note: 'unchanged' });
        else if (current === undefined && was === undefined) entry('add', { content: next.content, mode: next.mode });
        else if (unchangedByUser) entry('replace', { content: next.content, mode: next.mode });
        else {
          const how = current === undefined ? 'you deleted it' : was === undefined ? 'a file of yours has its name' : 'you changed it';
          if (force) entry(current === undefined ? 'add' : 'replace', { content: next.content, mode: next.mode, forced: true, note: `--force: ${how}` });
          else entry('refuse', { note: `${how} since version ${record.version} wrote it` });
        }
      } else if (current !== undefined && was !== undefined) {
        if (unchangedByUser) entry('remove', { note: `version ${input.newVersion} no longer has it` });
        else if (force) entry('remove', { forced: true, note: `--force: you changed it; version ${input.newVersion} no longer has it` });
        else entry('refuse', { note: `you changed it, and version ${input.newVersion} removes it` });
      }
      continue;
    }

    // Shared: three ways.
    if (next) {
      if (current === undefined) {
        if (was === undefined) entry('add', { content: next.content, mode: next.mode });
        else if (pristine?.equals(next.content)) entry('keep', { note: 'you deleted it; the new version did not change it' });
        else entry('conflict', { sidecar: next.content, mode: next.mode, note: `you deleted it and the new version changed it: the new version is in ${rel}.new` });
        continue;
      }
      const mode = fs.statSync(path.join(project, rel)).mode & 0o7777;
      if (current.equals(next.content)) entry('keep', { note: 'unchanged' });
      else if (pristine?.equals(next.content)) entry('keep', { note: 'your change; the new version changed nothing here' });
      else if (pristine?.equals(current)) entry('merge', { content: next.content, mode, note: 'the new version\'s changes (you had none)' });
      else {
        const merged = mergeFile(input.work, rel, current, pristine ?? Buffer.alloc(0), next.content, labels);
        if (!merged) entry('conflict', { sidecar: next.content, mode, note: `cannot be merged as text: the new version is in ${rel}.new` });
        else if (merged.conflicts) entry('conflict', { content: merged.content, mode, note: pristine ? 'both changed the same lines: conflict markers' : 'no base to merge against: conflict markers' });
        else entry('merge', { content: merged.content, mode, note: 'your changes and the new version\'s' });
      }
    } else if (current !== undefined && was !== undefined) {
      if (unchangedByUser) entry('remove', { note: `version ${input.newVersion} no longer writes it` });
      else entry('keep', { note: `version ${input.newVersion} no longer writes it; kept, you changed it` });
    }
  }
  return plan;
}

const ACTION_WIDTH = 9;
export function formatPlan(plan: PlanEntry[]): string {
  const width = Math.max(...plan.map((e) => e.rel.length), 0);
  const colour: Record<Action, (s: string) => string> = {
    replace: green, merge: green, add: green, remove: yellow, conflict: red, refuse: red, keep: dim,
  };
  return plan
    .map((e) => `  ${colour[e.action](e.action.padEnd(ACTION_WIDTH))} ${e.rel.padEnd(width)}  ${dim(`${e.owner}${e.note ? `: ${e.note}` : ''}`)}`)
    .join('\n');
}

function parseUpgradeArgs(argv: string[]) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { 'dry-run': { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return { dryRun: values['dry-run'] === true, force: values.force === true, help: values.help === true };
  } catch (e) {
    throw new UsageError(`upgrade: ${(e as Error).message.split('\n')[0]} (upgrade takes --dry-run, --force, --help)`);
  }
}

/** Paths git reports as changed, staged or untracked under `dir`; undefined when `dir` is not in a repository. */
function dirtyFiles(dir: string): string[] | undefined {
  const top = git(dir, ['rev-parse', '--show-toplevel']);
  if (top.error) throw new Refused(`git is needed to upgrade and could not be run: ${top.error.message}`);
  if (top.status !== 0) return undefined;
  const status = git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']);
  if (status.status !== 0) throw new Refused(`git status failed: ${status.stderr.toString().trim()}`);
  // -z: "XY path\0", a rename adds "\0from"; paths are relative to the repository's root.
  const fields = status.stdout.toString('utf8').split('\0').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    out.push(fields[i].slice(3));
    if (/^[RC]/.test(fields[i])) i++;
  }
  return out;
}

/** The project looks generated (by a version before records): its template and tools are there. */
function looksGenerated(dir: string): boolean {
  return ['template.yaml', 'Makefile', 'tools'].every((f) => fs.existsSync(path.join(dir, f)));
}

export async function upgrade(argv: string[]): Promise<number> {
  let work: string | undefined;
  try {
    const args = parseUpgradeArgs(argv);
    if (args.help) {
      process.stdout.write(UPGRADE_HELP);
      return EXIT.ok;
    }
    const project = process.cwd();
    const pkg = findPackage();
    const signals = deferSignals();

    // 1. A generated project, with a record.
    if (!fs.existsSync(path.join(project, RECORD_FILE))) {
      if (looksGenerated(project)) {
        throw new Refused(
          `${project} has no ${RECORD_FILE}: it was generated before create-serverless-dash recorded what it wrote, so upgrade cannot tell your changes from the generator's. Nothing written.\n` +
            `  To move to ${pkg.version}: generate a new project with the same flags (npx create-serverless-dash@${pkg.version} <dir> …), copy your files (src/app.py, src/pages/, src/assets/, your data) and your changes to the shared files into it; its record lets later versions upgrade it.`,
        );
      }
      throw new Refused(`${project} is not a project generated by create-serverless-dash (no ${RECORD_FILE}): run upgrade at the root of one. Nothing written.`);
    }
    // 2. In git: the clean tree is what the user can always go back to.
    const dirty = dirtyFiles(project);
    signals.checkpoint(); // Ctrl-C reaches git too: its failure then says nothing about the project
    if (dirty === undefined) {
      throw new Refused(`${project} is not a git repository: upgrade changes files in place, and git is how you see and undo what it did (git init, git add -A, git commit, then upgrade again). Nothing written.`);
    }
    // 3. A record that is whole, answers that pass today's rules.
    const { record, base } = readRecord(project);
    const { raw, added, dropped } = await replayAnswers(record);
    // 4. Newer than the record.
    const order = compareVersions(pkg.version, record.version);
    if (order < 0) {
      throw new Refused(`this is create-serverless-dash ${pkg.version}, older than the ${record.version} that wrote this project: a downgrade is refused (run create-serverless-dash@${record.version} or later). Nothing written.`);
    }
    if (order === 0) {
      console.log(`${green('✔')} Already at create-serverless-dash ${pkg.version}: nothing to upgrade, nothing written.`);
      return EXIT.ok;
    }
    if (dirty.length > 0 && !args.dryRun) {
      const shown = dirty.slice(0, 20).join('\n  ') + (dirty.length > 20 ? `\n  … and ${dirty.length - 20} more` : '');
      throw new Refused(`the git tree is not clean: commit or stash these first (upgrade writes only onto a clean tree, so that git diff shows what it did). Nothing written.\n  ${shown}`);
    }
    signals.checkpoint();

    // 5. This version, rendered with those answers, outside the project.
    work = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_MARKER}-upgrade-`));
    const renderDir = path.join(work, 'render');
    fs.mkdirSync(renderDir);
    const answers = toAnswers(raw);
    const written = new Map<string, string | Buffer>();
    const files = await renderTree(pkg.templateDir, renderDir, templateContext(answers), () => signals.checkpoint(), (out, content) =>
      written.set(out, content),
    );
    const rendered = new Map(
      files.map((rel) => [rel, { content: Buffer.from(written.get(rel)!), mode: fs.statSync(path.join(renderDir, rel)).mode & 0o7777 }] as const),
    );
    const plan = makePlan({ project, record, base, rendered, newVersion: pkg.version, force: args.force, work });
    signals.checkpoint();

    console.log(bold(`Upgrade plan: create-serverless-dash ${record.version} → ${pkg.version}`));
    console.log(formatPlan(plan));
    for (const flag of added) console.log(`${yellow('!')} new question since ${record.version}: --${flag} takes its default, ${JSON.stringify(raw[OPTIONS.find((o) => flagOf(o) === flag)!.key])}`);
    for (const flag of dropped) console.log(`${yellow('!')} --${flag}: no longer a question, its recorded answer is not used`);

    const refused = plan.filter((e) => e.action === 'refuse');
    if (refused.length > 0) {
      throw new Refused(
        `platform files you changed (upgrade replaces the platform's files; --force overwrites them, or move your change out and git checkout the file). Nothing written.\n  ${refused.map((e) => `${e.rel}: ${e.note}`).join('\n  ')}`,
      );
    }
    const requirementsIn = plan.find((e) => e.rel === 'src/requirements.in' && e.content !== undefined);
    if (args.dryRun) {
      if (requirementsIn) console.log(`${yellow('!')} src/requirements.in would change: after the upgrade, run \`make lock\``);
      console.log(`\n${dim('Dry run: nothing written.')}${dirty.length ? yellow(` The git tree is not clean (${dirty.length} files): the upgrade itself would refuse.`) : ''}`);
      return EXIT.ok;
    }

    // 6. Staged, then moved into place through the journal; undone on failure or a signal.
    const newRecord = buildRecord(written, pkg.version, answersAsFlags(raw, answers.projectName));
    const writes = plan.filter((e) => e.content !== undefined || e.sidecar !== undefined);
    const removals = plan.filter((e) => e.action === 'remove');
    const delay = testStepDelay();
    await applyPlan(project, writes, removals, newRecord, async (next) => {
      if (next === 'rename') await delay();
      signals.checkpoint();
    });

    // 7. What it did, and what is left to do.
    const conflicts = plan.filter((e) => e.action === 'conflict');
    const forced = plan.filter((e) => e.forced);
    const changed = plan.filter((e) => e.action !== 'keep').length;
    console.log(`\n${green('✔')} Upgraded to create-serverless-dash ${pkg.version} (${changed} files changed; the record is in ${RECORD_DIR}/)`);
    for (const e of forced) console.log(`${yellow('!')} --force ${e.action === 'remove' ? 'removed' : 'overwrote'} your change to ${e.rel}`);
    if (requirementsIn) console.log(`${yellow('!')} src/requirements.in changed: run \`make lock\` (it needs the network), then \`make install\``);
    if (conflicts.length > 0) {
      console.error(`${red('✖')} ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: resolve, then commit\n  ${conflicts.map((e) => `${e.rel}: ${e.note}`).join('\n  ')}`);
      return EXIT.conflicts;
    }
    console.log(dim('Review with git diff, run make test, then commit.'));
    return EXIT.ok;
  } catch (e) {
    return report(e);
  } finally {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Writes through a staging directory in the project and the generator's journal of renames. */
async function applyPlan(
  project: string,
  writes: PlanEntry[],
  removals: PlanEntry[],
  record: ReturnType<typeof buildRecord>,
  checkpoint: (next: 'render' | 'rename') => Promise<void>,
): Promise<void> {
  const name = path.basename(project);
  const unique = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const staging = path.join(project, `.${name}.${TEMP_MARKER}-${unique}`);
  const journal = new Journal(project, name, checkpoint);
  try {
    fs.mkdirSync(staging);
    for (const e of writes) {
      const rel = e.sidecar ? `${e.rel}.new` : e.rel;
      const dest = path.join(staging, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, (e.sidecar ?? e.content)!, { mode: e.mode ?? 0o644 });
      if (e.mode !== undefined) fs.chmodSync(dest, e.mode);
    }
    writeRecord(staging, record.record, record.base);
    await mergeInto(staging, project, '', journal);
    for (const e of removals) await journal.moveAside(project, e.rel);
  } catch (e) {
    const stuck = journal.undo();
    fs.rmSync(staging, { recursive: true, force: true });
    if (stuck.length === 0 && journal.backupDir) fs.rmSync(journal.backupDir, { recursive: true, force: true });
    const restore =
      stuck.length === 0 ? `${project} is as it was` : `could not restore everything; what was there is in ${journal.backupDir}:\n  ${stuck.join('\n  ')}`;
    throw new WriteError(`${e instanceof Interrupted ? e.message : causeOf(e)}\n${restore}`, { cause: e });
  }
  // In place: nothing is undone from here.
  for (const dir of [staging, journal.backupDir]) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  // Directories the removals emptied.
  for (const e of removals) {
    for (let dir = path.dirname(path.join(project, e.rel)); dir.startsWith(project + path.sep); dir = path.dirname(dir)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
}

function report(e: unknown): number {
  if (e instanceof UsageError) {
    console.error(`${red('✖')} ${e.message}\n${dim('  Run create-serverless-dash upgrade --help for its flags.')}`);
    return e.exitCode;
  }
  if (e instanceof Refused || e instanceof NoRecord || e instanceof BadRecord) {
    console.error(`${red('✖')} ${e.message}${e instanceof Refused ? '' : ' Nothing written.'}`);
    return EXIT.refused;
  }
  if (e instanceof Interrupted) {
    console.error(`${red('✖')} ${e.message} before writing: nothing written.`);
    return e.exitCode;
  }
  if (e instanceof WriteError && e.cause instanceof Interrupted) {
    console.error(`${red('✖')} Interrupted while writing; ${e.message.split('\n').slice(1).join('\n')}`);
    return e.cause.exitCode;
  }
  if (e instanceof WriteError) {
    console.error(`${red('✖')} Writing the upgrade failed: ${e.message}`);
    return EXIT.writeFailed;
  }
  console.error(`${red('✖')} ${(e as Error)?.stack ?? String(e)}`);
  return EXIT.writeFailed;
}
