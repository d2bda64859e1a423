// Targets that cannot be written, with the built binary. Tests run as root in CI, where permission
// bits stop nothing, so "read-only" is the immutable attribute (chattr +i; lock() in run.ts falls
// back to chmod when not root): no entry can be created, renamed or removed in such a directory.
//
// A failure while writing exits 1 naming the path and the cause; what is found unusable before
// anything is written (a file in the way) is a refusal, exit 2. Either way nothing that was there is
// lost and nothing is left behind. A directory of one's own inside a parent one cannot write to is
// written normally: an existing target holds its own staging directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lock, runCli, snapshot, tempDir, unlock } from './run.js';

const QUIET = ['--no-git', '--no-install'];
/** What a write into an immutable (root) or read-only (not root) directory fails with. */
const DENIED = String.raw`(operation not permitted \(EPERM\)|permission denied \(EACCES\))`;

let root: string;
let parent: string;
let target: string;
const locked: string[] = [];

beforeEach(async () => {
  root = await tempDir('csd-unwritable-');
  parent = path.join(root, 'parent');
  target = path.join(parent, 'my-dash');
  await fs.mkdir(parent);
  await fs.writeFile(path.join(parent, 'existing.txt'), 'mine\n');
});
afterEach(async () => {
  for (const p of locked.splice(0).reverse()) await unlock(p);
  await fs.rm(root, { recursive: true, force: true });
});

async function lockNow(p: string): Promise<void> {
  await lock(p);
  locked.push(p);
}

/** A project directory with work in it and, unless `git` is false, history. */
async function occupy(dir: string, git = true): Promise<void> {
  if (git) {
    await fs.mkdir(path.join(dir, '.git', 'refs'), { recursive: true });
    await fs.writeFile(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  }
  await fs.writeFile(path.join(dir, 'template.yaml'), 'old: template\n');
  await fs.mkdir(path.join(dir, 'src'));
  await fs.writeFile(path.join(dir, 'src', 'mine.py'), 'x = 1\n');
}

/** An existing target: one that counts as empty (only .git), or one with work in it and consent. */
const EXISTING: [string, string[]][] = [
  ['holding only .git', []],
  ['not empty, --overwrite', ['--overwrite']],
  ['not empty, --overwrite=merge', ['--overwrite=merge']],
];
async function existingTarget(flags: string[]): Promise<void> {
  await fs.mkdir(target);
  if (flags.length) await occupy(target);
  else await fs.mkdir(path.join(target, '.git'));
}

describe('read-only parent', () => {
  it('a new project directory cannot be created: exit 1, the parent named with the cause, nothing changed', async () => {
    await lockNow(parent);
    const before = await snapshot(root, { times: true });
    const r = await runCli(['my-dash', ...QUIET], parent);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^✖ Writing the project failed: writing in ${parent}: ${DENIED}\\n${target} is as it was$`));
    expect(await snapshot(root, { times: true })).toEqual(before);
  });

  it('nor its missing parents: exit 1 naming the directory that could not be made', async () => {
    await lockNow(parent);
    const before = await snapshot(root, { times: true });
    const r = await runCli(['new/deeper/my-dash', ...QUIET], parent);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^✖ Writing the project failed: creating ${parent}/new/deeper: ${DENIED}\\n`));
    expect(await snapshot(root, { times: true })).toEqual(before);
  });

  // The directory is the user's, the parent is not (a repository in /workspaces, a mounted volume).
  it.each(EXISTING)('an existing project directory %s is written: the parent is never touched', async (what, flags) => {
    await existingTarget(flags);
    await lockNow(parent);
    const parentBefore = (await snapshot(root, { times: true })).parent;
    const r = await runCli(['my-dash', ...flags, ...QUIET], parent);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await fs.readFile(path.join(target, 'template.yaml'), 'utf8')).toMatch(/AWS::Serverless/);
    await fs.stat(path.join(target, '.git')); // kept
    expect((await fs.readdir(target)).filter((e) => e.includes('create-serverless-dash'))).toEqual([]);
    expect((await snapshot(root, { times: true })).parent, what).toBe(parentBefore);
    expect((await fs.readdir(parent)).sort()).toEqual(['existing.txt', 'my-dash']);
  });
});

describe('read-only target', () => {
  it.each(EXISTING)('%s: exit 1 naming the directory and the cause, nothing lost', async (_what, flags) => {
    await existingTarget(flags);
    await lockNow(target);
    const before = await snapshot(root);
    const r = await runCli(['my-dash', ...flags, ...QUIET], parent);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^✖ Writing the project failed: writing in ${target}: ${DENIED}\\n${target} is as it was$`));
    expect(await snapshot(root)).toEqual(before);
  });

  it('a read-only directory inside it (--overwrite=merge must replace a file there): exit 1, every move undone', async () => {
    await fs.mkdir(target);
    await occupy(target);
    await fs.writeFile(path.join(target, 'src', 'app.py'), 'old = True\n');
    await lockNow(path.join(target, 'src'));
    const before = await snapshot(root);
    const r = await runCli(['my-dash', '--overwrite=merge', ...QUIET], parent);
    expect(r.exitCode, r.stderr).toBe(1);
    // The first move that touches src/ fails: the old src/app.py aside, or a new file in.
    expect(r.stderr).toMatch(new RegExp(`^✖ Writing the project failed: moving ${target}/\\S+ to ${target}/\\S*src/\\S+: ${DENIED}\\n${target} is as it was$`));
    expect(await snapshot(root)).toEqual(before);
  });
});

describe('something in the way (found before writing: exit 2)', () => {
  it.each([
    ['a file where the directory should be', async () => fs.writeFile(target, 'a file\n'), ['my-dash', '--overwrite'], /^✖ \S+\/my-dash exists and is not a directory: choose another project directory$/m],
    [
      'a file where a parent directory should be',
      async () => fs.writeFile(path.join(parent, 'notes.txt'), 'a file\n'),
      ['notes.txt/sub/my-dash'],
      /^✖ \S+\/parent\/notes\.txt is a file, not a directory, so \S+\/notes\.txt\/sub\/my-dash cannot be created: choose another project directory$/m,
    ],
    ['a symbolic link to nothing', async () => fs.symlink('gone', target), ['my-dash'], /^✖ \S+\/my-dash is a symbolic link to gone, which does not exist: choose another project directory$/m],
  ])('%s', async (_what, arrange, args, message) => {
    await arrange();
    const before = await snapshot(root, { times: true });
    const r = await runCli([...args, ...QUIET], parent);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await snapshot(root, { times: true })).toEqual(before);
  });
});

describe('a temporary directory that cannot be removed after success', () => {
  it('is left with a warning, and git is not run (its first commit would hold it)', async () => {
    await fs.mkdir(target);
    await occupy(target, false);
    const stuck = path.join(target, 'src', 'sub', 'stuck.txt');
    await fs.mkdir(path.dirname(stuck));
    await fs.writeFile(stuck, 'cannot delete me\n');
    await lockNow(stuck);
    const r = await runCli(['my-dash', '--overwrite', '--no-install'], parent);
    const [backup] = (await fs.readdir(target)).filter((e) => e.includes('backup'));
    locked.splice(0, 1, path.join(target, backup, 'src', 'sub', 'stuck.txt')); // unlock it where it now is
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/could not remove a temporary directory: \S+\/my-dash\/\.my-dash\.create-serverless-dash-backup-/);
    expect(r.stderr).toMatch(/git: not run until that directory is gone; then git init/);
    await expect(fs.stat(path.join(target, '.git'))).rejects.toThrow(/ENOENT/);
    expect(await fs.readFile(path.join(target, 'template.yaml'), 'utf8')).toMatch(/AWS::Serverless/);
  });
});
