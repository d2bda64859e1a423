// The target directory: what is there, and what the user allows us to do with it.
import fs from 'node:fs';
import path from 'node:path';
import type { OverwriteMode } from './args.js';
import { Cancelled, UsageError } from './errors.js';
import type { Mode } from './options.js';

/** Kept when a directory is emptied or merged into: the user's history is never ours to touch. */
export const KEPT_ENTRIES = ['.git'];

export type TargetState =
  | { kind: 'absent' }
  /** Exists with nothing in it but KEPT_ENTRIES. */
  | { kind: 'empty' }
  | { kind: 'nonEmpty'; entries: string[] };

/** How the new project goes in: into a new directory, after emptying the target, or merged into it. */
export type Placement = 'create' | OverwriteMode;

/** fs.statSync, or undefined when it fails for any reason. */
function statOrUndefined(p: string, stat: typeof fs.statSync = fs.statSync) {
  try {
    return stat(p);
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of `dir` that exists and is not a directory. */
function fileAbove(dir: string): string | undefined {
  for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
    const stat = statOrUndefined(p);
    if (stat && !stat.isDirectory()) return p;
  }
  return undefined;
}

// Synchronous calls: a few, before anything is written (fs.promises alone took ~2 ms to load).
export async function inspectTarget(dir: string): Promise<TargetState> {
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // A symbolic link to nothing: writing would replace the link, or fail half-way.
      if (statOrUndefined(dir, fs.lstatSync)?.isSymbolicLink()) {
        throw new UsageError(`${dir} is a symbolic link to ${fs.readlinkSync(dir)}, which does not exist: choose another project directory`);
      }
      return { kind: 'absent' };
    }
    if (code === 'ENOTDIR') {
      const file = fileAbove(dir) ?? path.dirname(dir);
      throw new UsageError(`${file} is a file, not a directory, so ${dir} cannot be created: choose another project directory`);
    }
    throw e;
  }
  if (!stat.isDirectory()) throw new UsageError(`${dir} exists and is not a directory: choose another project directory`);
  const entries = fs.readdirSync(dir).filter((e) => !KEPT_ENTRIES.includes(e)).sort();
  return entries.length === 0 ? { kind: 'empty' } : { kind: 'nonEmpty', entries };
}

/** Consent for a non-empty target: the --overwrite flag, or a question; never by default. */
export async function choosePlacement(
  dir: string,
  state: TargetState,
  overwrite: OverwriteMode | undefined,
  mode: Mode,
): Promise<Placement> {
  if (state.kind === 'absent') return 'create';
  if (state.kind === 'empty') return 'merge';
  if (overwrite) return overwrite;
  const shown = state.entries.slice(0, 5).join(', ') + (state.entries.length > 5 ? ', …' : '');
  if (!mode.interactive || mode.yes) {
    throw new UsageError(
      `${dir} is not empty (${shown}): pass --overwrite to empty it (keeps .git) or --overwrite=merge to write into it`,
    );
  }
  const { default: prompts } = await import('prompts'); // only when there is a question
  const { placement } = await prompts(
    {
      type: 'select',
      name: 'placement',
      message: `${dir} is not empty (${shown}). What now?`,
      choices: [
        { title: 'Cancel', value: 'cancel' },
        { title: 'Empty it and continue', value: 'empty', description: 'keeps .git' },
        { title: 'Merge: write the project into it', value: 'merge', description: 'replaces files with the same names' },
      ],
      initial: 0,
    },
    {
      onCancel: () => {
        throw new Cancelled();
      },
    },
  );
  if (placement === 'cancel') throw new Cancelled(`Cancelled: ${dir} left as it was.`);
  return placement as Placement;
}
