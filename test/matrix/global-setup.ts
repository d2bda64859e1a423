// Once per run, before any matrix or browser test: build and `npm pack` the scaffolder, install the
// tarball into a scratch prefix (exactly what `npm create` gives a user), and create or update the
// shared Python venv from a generated project's own requirements-dev.txt, and checkov's venv.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { BASE_FLAGS } from './variants.js';
import { progress, runStep } from './harness.js';
import { REPO_ROOT, settings } from './settings.js';
import { prepareCheckJsonschemaVenv, prepareCheckovVenv, prepareSharedVenv, VENV_PROJECT_FLAGS } from './venv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `<prefix>/node_modules/.bin/create-serverless-dash` of the installed tarball. */
    createBin: string;
    /** The runtime `sam build` can build here ("python3.11"): the venv's Python. */
    buildRuntime: string;
    /** The pinned checkov, in its own venv (settings.checkovVenvDir). */
    checkovBin: string;
    /** The pinned check-jsonschema, in its own venv (settings.checkJsonschemaVenvDir). */
    checkJsonschemaBin: string;
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
  await runStep(SETUP, 'generate (for requirements)', createBin, [...BASE_FLAGS, ...VENV_PROJECT_FLAGS, reqProject], { cwd: scratch });
  // Independent venvs, prepared at once.
  const [buildRuntime, checkovBin, checkJsonschemaBin] = await Promise.all([
    prepareSharedVenv(SETUP, path.join(scratch, reqProject)),
    prepareCheckovVenv(SETUP),
    prepareCheckJsonschemaVenv(SETUP),
  ]);

  project.provide('createBin', createBin);
  project.provide('buildRuntime', buildRuntime);
  project.provide('checkovBin', checkovBin);
  project.provide('checkJsonschemaBin', checkJsonschemaBin);
  progress(SETUP, `ready: ${createBin} (sam build runtime ${buildRuntime}, venv ${settings.venvDir}, checkov ${checkovBin})`);

  return async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  };
}
