// The `upgrade` project's setup: dist/index.js (version N) built from the current source, and the
// shared Python venv (SERVERLESS_DASH_VENV) with a generated project's requirements-dev.txt, created
// if missing (test/matrix/venv.ts, as the matrix does), for the upgraded project's make test and lint.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { prepareSharedVenv, VENV_PROJECT_FLAGS } from '../matrix/venv.js';
import { BIN, cleanEnv, REPO_ROOT } from '../cli/run.js';

export default async function setup() {
  await execa('node', ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'csd-upgrade-setup-'));
  try {
    await execa('node', [BIN, 'requirements', '--yes', '--no-git', '--no-install', ...VENV_PROJECT_FLAGS], { cwd: scratch, env: cleanEnv(), stdin: 'ignore' });
    await prepareSharedVenv('upgrade setup', path.join(scratch, 'requirements'));
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
