// The shared Python venv (settings.venvDir): created once, then given a generated project's own
// requirements-dev.txt, so the matrix, the browser test and the benchmark (bench/run.ts) use the
// tools the project itself asks for.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runStep } from './harness.js';
import { REPO_ROOT, settings, venvBin, venvEnv } from './settings.js';

/** Creates the venv if missing, installs `projectDir`'s requirements-dev.txt; returns the venv's
 *  Python as a Lambda runtime name ("python3.11"): the runtime `sam build` can compile bytecode for. */
export async function prepareSharedVenv(who: string, projectDir: string): Promise<string> {
  const python = venvBin('python');
  if (!(await exists(python))) {
    await fs.mkdir(path.dirname(settings.venvDir), { recursive: true });
    await runStep(who, `create venv ${settings.venvDir}`, settings.python, ['-m', 'venv', settings.venvDir], {
      cwd: REPO_ROOT,
    });
  }
  await runStep(who, 'pip install', python, ['-m', 'pip', 'install', '--quiet', '-r', 'requirements-dev.txt'], {
    cwd: projectDir,
    env: venvEnv(),
  });
  const version = await runStep(who, 'python version', python, [
    '-c',
    'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")',
  ]);
  return version.stdout.trim();
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
