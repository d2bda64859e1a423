// Runs the built CLI as a user does, and snapshots directory trees to prove "nothing written".
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO_ROOT, 'dist', 'index.js');

/** The environment of a plain non-TTY run: no colours, no inherited git identity surprises. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** `node dist/index.js ...args` in `cwd`, stdin not a TTY (closed unless `input` is piped in). */
export function runCli(args: string[], cwd: string, opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const stdin = opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input };
  return execa('node', [BIN, ...args], { cwd, env: opts.env ?? cleanEnv(), reject: false, ...stdin });
}

// A path that cannot be changed, even by root (tests run as root in CI): immutable for root
// (chattr +i, ext4/xfs), else a read-only directory (a file: its directory).
const asRoot = process.getuid?.() === 0;
export async function lock(p: string): Promise<void> {
  if (asRoot) await execa('chattr', ['+i', p]);
  else await fs.chmod((await fs.lstat(p)).isDirectory() ? p : path.dirname(p), 0o555);
}
export async function unlock(p: string): Promise<void> {
  if (asRoot) await execa('chattr', ['-i', p]);
  else await fs.chmod((await fs.lstat(p)).isDirectory() ? p : path.dirname(p), 0o755);
}

export async function tempDir(prefix = 'csd-cli-'): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/**
 * Every entry under `dir` with its type, mode, size and content hash: equal snapshots = untouched
 * tree. `times`: also each entry's modification time, so that even a file or directory created and
 * removed again (a temporary directory) shows, as the changed mtime of the directory that held it.
 */
export async function snapshot(dir: string, opts: { times?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, abs);
    const st = await fs.lstat(abs, { bigint: true });
    const mode = (st.mode & 0o7777n).toString(8);
    const time = opts.times ? ` mtime ${st.mtimeNs}` : '';
    if (e.isFile()) {
      const sha = createHash('sha256').update(await fs.readFile(abs)).digest('hex');
      out[rel] = `file ${mode} ${st.size} ${sha}${time}`;
    } else if (e.isSymbolicLink()) out[rel] = `link ${await fs.readlink(abs)}${time}`;
    else out[rel] = `dir ${mode}${time}`;
  }
  return out;
}

/** Every value stored under `key` anywhere in a parsed document. */
export function valuesOf(doc: unknown, key: string): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap((d) => valuesOf(d, key));
  if (doc === null || typeof doc !== 'object') return [];
  return Object.entries(doc).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
}
