// Writes the project so that a failure or a signal leaves the disk as it was.
//
// The project is rendered into a staging directory beside the target (same parent, so renames are
// atomic), then moved into place with renames recorded in a journal. Whatever the target held and
// the project replaces is moved aside into a backup directory, deleted only after success. On any
// failure the journal is undone in reverse and both temporary directories are removed.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TemplateContext } from './context.js';
import { renderTree } from './render.js';
import { KEPT_ENTRIES, type Placement } from './target.js';

export const TEMP_MARKER = 'create-serverless-dash';

/** Called before every step; throws to abort (a signal arrived). */
export type Checkpoint = () => void;

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

  constructor(
    private readonly parent: string,
    private readonly name: string,
    private readonly checkpoint: Checkpoint,
  ) {}

  async move(from: string, to: string): Promise<void> {
    this.checkpoint();
    await fs.rename(from, to);
    this.moves.push({ from, to });
  }

  /** Moves `rel` of `dir` into the backup directory, keeping its relative path. */
  async moveAside(dir: string, rel: string): Promise<void> {
    this.backup ??= await fs.mkdtemp(path.join(this.parent, `.${this.name}.${TEMP_MARKER}-backup-`));
    const to = path.join(this.backup, rel);
    await fs.mkdir(path.dirname(to), { recursive: true });
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

  async removeBackup(): Promise<void> {
    if (this.backup) await fs.rm(this.backup, { recursive: true, force: true });
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

/** Moves the staged project into `target`. Exported for tests that abort it at every step. */
export async function place(staging: string, target: string, placement: Placement, journal: Journal): Promise<void> {
  if (placement === 'create') return journal.move(staging, target);
  if (placement === 'empty') {
    for (const entry of (await fs.readdir(target)).sort()) {
      if (!KEPT_ENTRIES.includes(entry)) await journal.moveAside(target, entry);
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
export async function writeProject(opts: WriteOptions): Promise<string[]> {
  const checkpoint = opts.checkpoint ?? (() => {});
  const target = path.resolve(opts.target);
  const parent = path.dirname(target);
  const name = path.basename(target);
  // mkdir returns the first directory it created: that one goes too if we fail.
  const createdParent = await fs.mkdir(parent, { recursive: true });
  let staging: string | undefined;
  const journal = new Journal(parent, name, checkpoint);
  try {
    // Not mkdtemp: that makes it 0700, and on 'create' this directory becomes the project.
    staging = path.join(parent, `.${name}.${TEMP_MARKER}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(staging);
    checkpoint();
    const files = await renderTree(opts.templateDir, staging, opts.context);
    checkpoint();
    await place(staging, target, opts.placement, journal);
    await journal.removeBackup();
    await fs.rm(staging, { recursive: true, force: true });
    return files;
  } catch (e) {
    const stuck = await journal.undo();
    if (staging) await fs.rm(staging, { recursive: true, force: true });
    if (stuck.length === 0) {
      await journal.removeBackup();
      if (createdParent) await fs.rm(createdParent, { recursive: true, force: true });
    }
    const restore =
      stuck.length === 0
        ? `${target} is as it was`
        : `could not restore everything; what was there is in ${journal.backupDir}:\n  ${stuck.join('\n  ')}`;
    throw new WriteError(`${(e as Error).message}\n${restore}`, { cause: e });
  }
}

