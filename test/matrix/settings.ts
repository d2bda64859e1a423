// Every knob of the matrix and browser tests, read in one place (documented in test/README.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const env = process.env;
const fromRoot = (p: string) => path.resolve(REPO_ROOT, p);

export const settings = {
  /** The shared Python venv with the generated project's dev requirements (pytest, ruff, cfn-lint, SAM CLI). */
  venvDir: fromRoot(env.SERVERLESS_DASH_VENV || '.cache/venv'),
  /** checkov's own venv: it cannot join the shared one (checkov 3.3.30 needs packaging<24, the project pins 26.3). */
  checkovVenvDir: fromRoot(env.SERVERLESS_DASH_CHECKOV_VENV || '.cache/checkov-venv'),
  /** check-jsonschema's own venv: it needs a newer click than the SAM CLI of the shared venv pins. */
  checkJsonschemaVenvDir: fromRoot(env.SERVERLESS_DASH_CHECK_JSONSCHEMA_VENV || '.cache/check-jsonschema-venv'),
  /** Where generated projects, logs and screenshots go. */
  outputDir: fromRoot(env.SERVERLESS_DASH_OUTPUT || 'test-output'),
  /** Keep every generated project (failed ones are always kept). */
  keepOutput: ['1', 'true', 'yes'].includes((env.SERVERLESS_DASH_KEEP_OUTPUT ?? '').toLowerCase()),
  /** Variants run at once; each is a chain of processes (pytest, cfn-lint, sam) using about one core. */
  jobs: Math.max(1, Number(env.SERVERLESS_DASH_JOBS || 2)),
  /** The interpreter that creates the venv; its version decides which runtime `sam build` can build. */
  python: env.SERVERLESS_DASH_PYTHON || 'python3',
  chromium: env.SERVERLESS_DASH_CHROMIUM || '/usr/bin/chromium',
};

/** A program of a venv: the shared one unless `venvDir` says otherwise. */
export function venvBin(name: string, venvDir = settings.venvDir): string {
  return path.join(venvDir, 'bin', name);
}

/** The environment generated projects' tools run in: the venv (the shared one unless `venvDir`
 *  says otherwise) first on PATH, no AWS calls. */
export function venvEnv(venvDir = settings.venvDir): NodeJS.ProcessEnv {
  const { PYTHONPATH: _p, PYTHONHOME: _h, ...rest } = process.env;
  return {
    ...rest,
    VIRTUAL_ENV: venvDir,
    PATH: `${path.join(venvDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    SAM_CLI_TELEMETRY: '0',
    SAM_CLI_DISABLE_VERSION_CHECK: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}
