// A non-empty target: refused without consent; --overwrite empties it but keeps .git;
// --overwrite=merge keeps unrelated files.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lock, runCli, snapshot, tempDir, unlock } from './run.js';

const QUIET = ['--no-git', '--no-install'];

let cwd: string;
let target: string;

beforeEach(async () => {
  cwd = await tempDir();
  target = path.join(cwd, 'my-dash');
  await fs.mkdir(target);
  await execa('git', ['init', '--quiet'], { cwd: target });
  await fs.writeFile(path.join(target, 'template.yaml'), 'old: template\n');
  await fs.writeFile(path.join(target, 'notes.md'), 'my notes\n');
  await fs.mkdir(path.join(target, 'src'));
  await fs.writeFile(path.join(target, 'src', 'mine.py'), 'x = 1\n');
});
afterEach(async () => {
  await fs.rm(cwd, { recursive: true, force: true });
});

describe('non-empty target', () => {
  it('is refused without --overwrite (exit 2), untouched', async () => {
    const before = await snapshot(cwd);
    const r = await runCli(['my-dash', '--yes', ...QUIET], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/my-dash is not empty \(notes\.md, src, template\.yaml\): pass --overwrite .* or --overwrite=merge/);
    expect(await snapshot(cwd)).toEqual(before);
  });

  it('--overwrite empties it, keeping .git', async () => {
    const git = await snapshot(path.join(target, '.git'));
    const r = await runCli(['my-dash', '--overwrite', ...QUIET], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await snapshot(path.join(target, '.git'))).toEqual(git);
    await expect(fs.stat(path.join(target, 'notes.md'))).rejects.toThrow(/ENOENT/);
    await expect(fs.stat(path.join(target, 'src', 'mine.py'))).rejects.toThrow(/ENOENT/);
    expect(await fs.readFile(path.join(target, 'template.yaml'), 'utf8')).toMatch(/AWS::Serverless/);
    expect(await fs.readdir(cwd)).toEqual(['my-dash']); // staging and backup directories gone
  });

  it('--overwrite=merge writes the project and keeps unrelated files and .git', async () => {
    const git = await snapshot(path.join(target, '.git'));
    const r = await runCli(['my-dash', '--overwrite=merge', ...QUIET], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await snapshot(path.join(target, '.git'))).toEqual(git);
    expect(await fs.readFile(path.join(target, 'notes.md'), 'utf8')).toBe('my notes\n');
    expect(await fs.readFile(path.join(target, 'src', 'mine.py'), 'utf8')).toBe('x = 1\n');
    expect(await fs.readFile(path.join(target, 'template.yaml'), 'utf8')).toMatch(/AWS::Serverless/);
    await fs.stat(path.join(target, 'src', 'app.py'));
    expect(await fs.readdir(cwd)).toEqual(['my-dash']);
  });

  it('a failure while writing exits 1 and restores the directory exactly', async () => {
    const stuck = path.join(target, 'template.yaml'); // both modes must move it aside
    await lock(stuck);
    try {
      const before = await snapshot(cwd);
      for (const overwrite of ['--overwrite', '--overwrite=merge']) {
        const r = await runCli(['my-dash', overwrite, ...QUIET], cwd);
        expect(r.exitCode, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          /Writing the project failed: moving \S+\/my-dash\/template\.yaml to \S+: (operation not permitted|permission denied) \((EPERM|EACCES)\)\n\S+\/my-dash is as it was$/,
        );
        expect(await snapshot(cwd)).toEqual(before);
      }
    } finally {
      await unlock(stuck);
    }
  });

  it('a backup that cannot be deleted after success is a warning: exit 0, project in place', async () => {
    const deep = path.join(target, 'src', 'sub', 'stuck.txt');
    await fs.mkdir(path.dirname(deep));
    await fs.writeFile(deep, 'cannot delete me\n');
    await lock(deep);
    try {
      const r = await runCli(['my-dash', '--overwrite', ...QUIET], cwd);
      expect(r.exitCode, r.stderr).toBe(0);
      // An existing target holds its own backup (see src/write.ts); git would commit it, so no git.
      expect(r.stderr).toMatch(/could not remove a temporary directory: \S+\/my-dash\/\.my-dash\.create-serverless-dash-backup-/);
      expect(await fs.readFile(path.join(target, 'template.yaml'), 'utf8')).toMatch(/AWS::Serverless/);
    } finally {
      const [backup] = (await fs.readdir(target)).filter((e) => e.includes('backup'));
      await unlock(path.join(target, backup, 'src', 'sub', 'stuck.txt'));
    }
  });

  it('a directory holding only .git counts as empty: no --overwrite needed', async () => {
    await fs.rm(path.join(target, 'template.yaml'));
    await fs.rm(path.join(target, 'notes.md'));
    await fs.rm(path.join(target, 'src'), { recursive: true });
    const r = await runCli(['my-dash', ...QUIET], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    await fs.stat(path.join(target, 'template.yaml'));
  });
});
