// Once per run, before any matrix or browser test: build and `npm pack` the scaffolder, install the
// tarball into a scratch prefix (exactly what `npm create` gives a user), and create or update the
// shared Python venv from a generated project's own requirements-dev.txt.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { BASE_FLAGS } from './variants.js';
import { progress, runStep } from './harness.js';
import { REPO_ROOT, settings, venvBin, venvEnv } from './settings.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `<prefix>/node_modules/.bin/create-serverless-dash` of the installed tarball. */
    createBin: string;
    /** The runtime `sam build` can build here ("python3.11"): the venv's Python. */
    buildRuntime: string;
  }
}

const SETUP = 'setup';

export default async function setup(project: TestProject) {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'serverless-dash-matrix-'));
  const root = { cwd: REPO_ROOT };

  await runStep(SETUP, 'npm run build', 'npm', ['run', 'build'], root);
  const packed = await runStep(SETUP, 'npm pack', 'npm', ['pack', '--json', '--pack-destination', scratch], root);
  const tarball = path.join(scratch, JSON.parse(packed.stdout)[0].filename);
  const prefix = path.join(scratch, 'prefix');
  await runStep(SETUP, 'npm install tarball', 'npm', ['install', '--no-audit', '--no-fund', '--prefix', prefix, tarball], root);
  const createBin = path.join(prefix, 'node_modules', '.bin', 'create-serverless-dash');

  // The venv gets what the generated project itself asks for, so the matrix tests with the same tools.
  const reqProject = 'venv-requirements';
  await runStep(SETUP, 'generate (for requirements)', createBin, [...BASE_FLAGS, reqProject], { cwd: scratch });
  const python = venvBin('python');
  if (!(await exists(python))) {
    await fs.mkdir(path.dirname(settings.venvDir), { recursive: true });
    await runStep(SETUP, `create venv ${settings.venvDir}`, settings.python, ['-m', 'venv', settings.venvDir], root);
  }
  await runStep(SETUP, 'pip install', python, ['-m', 'pip', 'install', '--quiet', '-r', 'requirements-dev.txt'], {
    cwd: path.join(scratch, reqProject),
    env: venvEnv(),
  });
  const version = await runStep(SETUP, 'python version', python, [
    '-c',
    'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")',
  ]);

  project.provide('createBin', createBin);
  project.provide('buildRuntime', version.stdout.trim());
  progress(SETUP, `ready: ${createBin} (sam build runtime ${version.stdout.trim()}, venv ${settings.venvDir})`);

  return async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  };
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
