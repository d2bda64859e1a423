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
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TemplateContext } from './context.js';
import { step } from './errors.js';
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

async function lstatOrUndefined(p: string) {
  try {
    return await fs.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
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
    await this.checkpoint('rename');
    await step(`moving ${from} to ${to}`, () => fs.rename(from, to));
    this.moves.push({ from, to });
  }

  /** Moves `rel` of `dir` into the backup directory, keeping its relative path. */
  async moveAside(dir: string, rel: string): Promise<void> {
    this.backup ??= await step(`creating a backup directory in ${this.home}`, () =>
      fs.mkdtemp(path.join(this.home, `.${this.name}.${TEMP_MARKER}-backup-`)),
    );
    const to = path.join(this.backup, rel);
    await step(`creating ${path.dirname(to)}`, () => fs.mkdir(path.dirname(to), { recursive: true }));
    await this.move(path.join(dir, rel), to);
  }

  /** Undoes every move, newest first. Returns the moves that could not be undone. */
  async undo(): Promise<string[]> {
    const stuck: string[] = [];
    for (const { from, to } of this.moves.reverse()) {
      try {
        await fs.rename(to, from);
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
async function mergeInto(src: string, dest: string, rel: string, journal: Journal): Promise<void> {
  for (const name of (await fs.readdir(path.join(src, rel))).sort()) {
    const r = path.join(rel, name);
    const existing = await lstatOrUndefined(path.join(dest, r));
    if (existing?.isDirectory() && (await fs.lstat(path.join(src, r))).isDirectory()) {
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
    for (const entry of (await fs.readdir(target)).sort()) {
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
}

/** Renders and places the project; returns the written paths relative to the target. */
export interface WriteResult {
  /** Written paths, relative to the target, sorted. */
  files: string[];
  /** Temporary directories that could not be removed after success (with why), for a warning. */
  leftovers: string[];
}

/** Removes a temporary directory; returns why it could not, instead of throwing. */
async function removeTemp(dir: string | undefined): Promise<string | undefined> {
  if (!dir) return undefined;
  try {
    await fs.rm(dir, { recursive: true, force: true });
    return undefined;
  } catch (e) {
    return `${dir}: ${(e as Error).message}`;
  }
}

/**
 * The render makes synchronous calls, so a signal that arrives meanwhile waits for the event loop.
 * Signals are read in the loop's poll phase: an immediate queued now may run before the next one,
 * an immediate queued from it runs after it.
 */
function signalsSeen(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
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
    createdParent = await step(`creating ${parent}`, () => fs.mkdir(parent, { recursive: true }));
    await step(`writing in ${home}`, () => fs.mkdir(staging));
    files = await renderTree(opts.templateDir, staging, opts.context, () => checkpoint('render'));
    await signalsSeen();
    await place(staging, target, opts.placement, journal);
  } catch (e) {
    const stuck = await journal.undo();
    const notRemoved = [await removeTemp(staging)];
    if (stuck.length === 0) notRemoved.push(await removeTemp(journal.backupDir), await removeTemp(createdParent));
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
  const emptied = opts.placement === 'create' ? undefined : await removeTemp(staging); // on create it is the project
  const leftovers = [await removeTemp(journal.backupDir), emptied].filter((l) => l !== undefined);
  return { files, leftovers };
}
