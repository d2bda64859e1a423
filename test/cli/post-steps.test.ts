// Post-steps: git init + first commit, skipped with a message where that would be wrong; a failing
// install warns and keeps the project (exit 0); a real venv install from a requirements file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installDependencies, requirementsFile } from '../../src/post-steps.js';
import { cleanEnv, runCli, tempDir } from './run.js';

let cwd: string;
beforeEach(async () => {
  cwd = await tempDir();
});
afterEach(async () => {
  await fs.rm(cwd, { recursive: true, force: true });
});

/** No global or system git config: only what the test's environment says. */
async function gitEnv(identity: boolean): Promise<NodeJS.ProcessEnv> {
  const home = path.join(cwd, '.home');
  await fs.mkdir(home, { recursive: true });
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig') });
  for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete env[k];
  if (identity) {
    await fs.writeFile(env.GIT_CONFIG_GLOBAL!, '[user]\n\tname = Test User\n\temail = test@example.com\n');
  }
  return env;
}

const git = (args: string[], dir: string, env: NodeJS.ProcessEnv) => execa('git', args, { cwd: dir, env, reject: false });

describe('git', () => {
  it('initialises a repository with one commit holding every file', async () => {
    const env = await gitEnv(true);
    const r = await runCli(['with-git', '--no-install'], cwd, { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = path.join(cwd, 'with-git');
    expect((await git(['log', '--format=%s'], dir, env)).stdout).toBe('Initial commit from create-serverless-dash');
    expect((await git(['status', '--porcelain'], dir, env)).stdout).toBe('');
    expect((await git(['ls-files'], dir, env)).stdout).toContain('template.yaml');
  });

  it('without an identity: initialises, no commit, says how to finish', async () => {
    const env = await gitEnv(false);
    const r = await runCli(['no-identity', '--no-install'], cwd, { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no first commit: user\.name\/user\.email are not set/);
    const dir = path.join(cwd, 'no-identity');
    await fs.stat(path.join(dir, '.git'));
    expect((await git(['rev-parse', 'HEAD'], dir, env)).exitCode).not.toBe(0);
  });

  it('inside an existing repository: no nested repository, says so', async () => {
    const env = await gitEnv(true);
    await git(['init', '--quiet'], cwd, env);
    const r = await runCli(['nested', '--no-install'], cwd, { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/inside the existing repository/);
    await expect(fs.stat(path.join(cwd, 'nested', '.git'))).rejects.toThrow(/ENOENT/);
  });

  it('--no-git leaves no repository', async () => {
    const r = await runCli(['no-git', '--no-git', '--no-install'], cwd);
    expect(r.exitCode).toBe(0);
    await expect(fs.stat(path.join(cwd, 'no-git', '.git'))).rejects.toThrow(/ENOENT/);
  });
});

describe('install', () => {
  it('a failing install warns, keeps the project and exits 0', async () => {
    // A python3 that fails, first on PATH: the step must report it, not undo the project.
    const bin = path.join(cwd, 'bin');
    await fs.mkdir(bin);
    await fs.writeFile(path.join(bin, 'python3'), '#!/bin/sh\necho "no python here" >&2\nexit 3\n', { mode: 0o755 });
    const env = cleanEnv({ PATH: `${bin}${path.delimiter}${process.env.PATH}` });
    const r = await runCli(['failing-install', '--install', '--no-git'], cwd, { env });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/install failed, the project is kept \(run make install to retry\)/);
    await fs.stat(path.join(cwd, 'failing-install', 'template.yaml'));
    expect(r.stdout).toContain('make install'); // still listed in the next steps
  });

  it('prefers requirements-dev.txt, falls back to src/requirements.txt', async () => {
    await fs.mkdir(path.join(cwd, 'src'));
    await fs.writeFile(path.join(cwd, 'src', 'requirements.txt'), '');
    expect(requirementsFile(cwd)).toBe('src/requirements.txt');
    await fs.writeFile(path.join(cwd, 'requirements-dev.txt'), '');
    expect(requirementsFile(cwd)).toBe('requirements-dev.txt');
  });

  it('creates .venv and installs the requirements into it', async () => {
    // A local package, so the real venv + pip path runs without the network.
    const pkg = path.join(cwd, 'localpkg');
    await fs.mkdir(path.join(pkg, 'localpkg'), { recursive: true });
    await fs.writeFile(path.join(pkg, 'localpkg', '__init__.py'), 'VALUE = 42\n');
    await fs.writeFile(path.join(pkg, 'pyproject.toml'), '[project]\nname = "localpkg"\nversion = "1.0"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n');
    const project = path.join(cwd, 'project');
    await fs.mkdir(project);
    await fs.writeFile(path.join(project, 'requirements-dev.txt'), `${pkg}\n`);
    const result = await installDependencies(project);
    expect(result).toEqual({ ok: true });
    const { stdout } = await execa(path.join(project, '.venv', 'bin', 'python'), ['-c', 'import localpkg; print(localpkg.VALUE)']);
    expect(stdout).toBe('42');
  }, 180_000);
});
