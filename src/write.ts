// Writes the project so that a failure or a signal leaves the disk as it was.
//
// The project is rendered into a staging directory, then moved into place with renames recorded in a
// journal. Whatever the target held and the project replaces is moved aside into a backup directory,
// deleted only after success. On any failure the journal is undone in reverse and both temporary
// directories are removed.
//
// The staging and backup directories go beside a new target (in its parent) but inside a target
// that exists: renames then never cross filesystems (a target that is a mount point, such as a
// container volume), and writing needs permission only where the project goes (a directory of your
// own in a parent you cannot write to, such as /workspaces/<repo>).
// Synchronous calls (the default export, so tests can inject errors): a write is a few dozen of them,
// and going through fs.promises cost more than they do (loading it alone was ~2 ms of a ~80 ms run).
// The checkpoints still await, so signals and the test-only delay act between steps.
import fs from 'node:fs';
import path from 'node:path';
import type { TemplateContext } from './context.js';
import { stepSync } from './errors.js';
import { buildRecord, writeRecord } from './record.js';
import { renderTree } from './render.js';
import { KEPT_ENTRIES, type Placement } from './target.js';

export const TEMP_MARKER = 'create-serverless-dash';

/**
 * Called before every step, told what comes next: rendering a file into the staging directory, or a
 * rename (of the target's contents, or of the staged project into place). Throws to abort.
 */
export type Checkpoint = (next: 'render' | 'rename') => void | Promise<void>;

/** Writing failed and the target was restored; `cause` says why. */
export class WriteError extends Error {}

/**
 * Every file system call here and in the render is synchronous, so a signal that arrives meanwhile
 * waits for the event loop; this lets it reach its handler before the next rename's checkpoint.
 * Signals are read in the loop's poll phase: an immediate queued now may run before the next one,
 * an immediate queued from it runs after it.
 */
function signalsSeen(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Renames, remembered so they can be undone. */
export class Journal {
  private readonly moves: { from: string; to: string }[] = [];
  private backup?: string;

  /** The backup directory goes in `home`, named after the target `name`. */
  constructor(
    private readonly home: string,
    private readonly name: string,
    private readonly checkpoint: Checkpoint,
  ) {}

  async move(from: string, to: string): Promise<void> {
    await signalsSeen();
    await this.checkpoint('rename');
    stepSync(`moving ${from} to ${to}`, () => fs.renameSync(from, to));
    this.moves.push({ from, to });
  }

  /** Moves `rel` of `dir` into the backup directory, keeping its relative path. */
  async moveAside(dir: string, rel: string): Promise<void> {
    this.backup ??= stepSync(`creating a backup directory in ${this.home}`, () =>
      fs.mkdtempSync(path.join(this.home, `.${this.name}.${TEMP_MARKER}-backup-`)),
    );
    const to = path.join(this.backup, rel);
    stepSync(`creating ${path.dirname(to)}`, () => fs.mkdirSync(path.dirname(to), { recursive: true }));
    await this.move(path.join(dir, rel), to);
  }

  /** Undoes every move, newest first. Returns the moves that could not be undone. */
  undo(): string[] {
    const stuck: string[] = [];
    for (const { from, to } of this.moves.reverse()) {
      try {
        fs.renameSync(to, from);
      } catch (e) {
        stuck.push(`${to} → ${from}: ${(e as Error).message}`);
      }
    }
    return stuck;
  }

  get backupDir(): string | undefined {
    return this.backup;
  }
}

/** Moves everything under `src` into `dest`; what it replaces goes aside. Directories are merged. */
export async function mergeInto(src: string, dest: string, rel: string, journal: Journal): Promise<void> {
  for (const name of fs.readdirSync(path.join(src, rel)).sort()) {
    const r = path.join(rel, name);
    const existing = fs.lstatSync(path.join(dest, r), { throwIfNoEntry: false });
    if (existing?.isDirectory() && fs.lstatSync(path.join(src, r)).isDirectory()) {
      await mergeInto(src, dest, r, journal);
      continue;
    }
    if (existing) await journal.moveAside(dest, r);
    await journal.move(path.join(src, r), path.join(dest, r));
  }
}

/** Moves the staged project into `target` (staging may be inside it). Exported for tests. */
export async function place(staging: string, target: string, placement: Placement, journal: Journal): Promise<void> {
  if (placement === 'create') return journal.move(staging, target);
  if (placement === 'empty') {
    const kept = [...KEPT_ENTRIES, path.relative(target, staging)];
    for (const entry of fs.readdirSync(target).sort()) {
      if (!kept.includes(entry)) await journal.moveAside(target, entry);
    }
  }
  await mergeInto(staging, target, '', journal);
}

export interface WriteOptions {
  templateDir: string;
  target: string;
  placement: Placement;
  context: TemplateContext;
  checkpoint?: Checkpoint;
  /**
   * What made the project (src/record.ts): written beside it as .serverless-dash/, so that `upgrade`
   * can tell later what this version wrote. Omitted: no record (the template tests' fixtures).
   */
  record?: { version: string; answers: Record<string, string | boolean> };
}

/** Renders and places the project; returns the written paths relative to the target. */
export interface WriteResult {
  /** Written paths, relative to the target, sorted. */
  files: string[];
  /** Temporary directories that could not be removed after success (with why), for a warning. */
  leftovers: string[];
}

/** Removes a temporary directory; returns why it could not, instead of throwing. */
function removeTemp(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  } catch (e) {
    return `${dir}: ${(e as Error).message}`;
  }
}

/** Renders and places the project, or leaves the disk as it was and throws WriteError. */
export async function writeProject(opts: WriteOptions): Promise<WriteResult> {
  const checkpoint = opts.checkpoint ?? (() => {});
  const target = path.resolve(opts.target);
  const parent = path.dirname(target);
  const name = path.basename(target);
  const home = opts.placement === 'create' ? parent : target;
  // Not mkdtemp: that makes it 0700, and on 'create' this directory becomes the project. Not
  // node:crypto for the name either: loading it took 2-3 ms of a 90 ms run. mkdir below refuses a
  // name that exists, so a clash fails safely.
  const unique = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const staging = path.join(home, `.${name}.${TEMP_MARKER}-${unique}`);
  const journal = new Journal(home, name, checkpoint);
  let createdParent: string | undefined;
  let files: string[];
  try {
    // mkdir returns the first directory it created: that one goes too if we fail.
    createdParent = stepSync(`creating ${parent}`, () => fs.mkdirSync(parent, { recursive: true }));
    stepSync(`writing in ${home}`, () => fs.mkdirSync(staging));
    // What was written, kept for the record (hashed as rendered: no second read of each file).
    const written = new Map<string, string | Buffer>();
    const keep = opts.record ? (out: string, content: string | Buffer) => written.set(out, content) : undefined;
    files = await renderTree(opts.templateDir, staging, opts.context, () => checkpoint('render'), keep);
    if (opts.record) {
      const { record, base } = buildRecord(written, opts.record.version, opts.record.answers);
      writeRecord(staging, record, base);
    }
    await place(staging, target, opts.placement, journal);
  } catch (e) {
    const stuck = journal.undo();
    const notRemoved = [removeTemp(staging)];
    if (stuck.length === 0) notRemoved.push(removeTemp(journal.backupDir), removeTemp(createdParent));
    const restore =
      stuck.length === 0
        ? `${target} is as it was`
        : `could not restore everything; what was there is in ${journal.backupDir}:\n  ${stuck.join('\n  ')}`;
    const left = notRemoved.filter(Boolean);
    const leftNote = left.length ? `\nplease delete: ${left.join('; ')}` : '';
    throw new WriteError(`${(e as Error).message}\n${restore}${leftNote}`, { cause: e });
  }
  // The project is in place: nothing is undone from here. What the backup held, the user agreed to
  // replace; a temporary directory that cannot be removed is a warning, not a failure.
  const emptied = opts.placement === 'create' ? undefined : removeTemp(staging); // on create it is the project
  const leftovers = [removeTemp(journal.backupDir), emptied].filter((l) => l !== undefined);
  return { files, leftovers };
}
