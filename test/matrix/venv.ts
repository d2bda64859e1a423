// The Python venvs of the matrix, each created once and then brought up to date with pip (pip's
// cache, ~/.cache/pip, makes a new one quicker):
// - the shared venv (settings.venvDir) gets a generated project's own requirements-dev.txt, so the
//   matrix, the browser test and the benchmark (bench/run.ts) use the tools the project asks for;
// - checkov's venv (settings.checkovVenvDir) gets checkov-requirements.txt, apart because checkov's
//   dependencies conflict with the project's pins (packaging<24 against packaging==26.3).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStep } from './harness.js';
import { REPO_ROOT, settings, venvBin, venvEnv } from './settings.js';

const CHECKOV_REQUIREMENTS = fileURLToPath(new URL('checkov-requirements.txt', import.meta.url));
const CHECK_JSONSCHEMA_REQUIREMENTS = fileURLToPath(new URL('check-jsonschema-requirements.txt', import.meta.url));

/**
 * The answers of the project whose requirements-dev.txt the shared venv gets: every optional part
 * that brings libraries (sign-in's authlib and joserfc), so that every variant's tests find theirs.
 */
export const VENV_PROJECT_FLAGS = ['--auth', 'cognito', '--cdn'] as const;

/** Creates the venv if missing, installs `projectDir`'s requirements-dev.txt; returns the venv's
 *  Python as a Lambda runtime name ("python3.11"): the runtime `sam build` can compile bytecode for. */
export async function prepareSharedVenv(who: string, projectDir: string): Promise<string> {
  await prepareVenv(who, settings.venvDir, path.join(projectDir, 'requirements-dev.txt'));
  const version = await runStep(who, 'python version', venvBin('python'), [
    '-c',
    'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")',
  ]);
  return version.stdout.trim();
}

/** Creates checkov's venv if missing and installs the pinned checkov; returns the checkov program. */
export async function prepareCheckovVenv(who: string): Promise<string> {
  await prepareVenv(who, settings.checkovVenvDir, CHECKOV_REQUIREMENTS, 'checkov');
  return venvBin('checkov', settings.checkovVenvDir);
}

/** Creates check-jsonschema's venv if missing and installs the pinned one; returns the program. */
export async function prepareCheckJsonschemaVenv(who: string): Promise<string> {
  await prepareVenv(who, settings.checkJsonschemaVenvDir, CHECK_JSONSCHEMA_REQUIREMENTS, 'check-jsonschema');
  return venvBin('check-jsonschema', settings.checkJsonschemaVenvDir);
}

/** `python -m venv venvDir` unless it exists, then `pip install -r requirements`. */
async function prepareVenv(who: string, venvDir: string, requirements: string, label = ''): Promise<void> {
  const python = venvBin('python', venvDir);
  if (!(await exists(python))) {
    await fs.mkdir(path.dirname(venvDir), { recursive: true });
    await runStep(who, `create venv ${venvDir}`, settings.python, ['-m', 'venv', venvDir], { cwd: REPO_ROOT });
  }
  await runStep(who, `pip install${label && ` (${label})`}`, python, ['-m', 'pip', 'install', '--quiet', '-r', requirements], {
    cwd: path.dirname(requirements),
    env: venvEnv(venvDir),
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
