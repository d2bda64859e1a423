// Optional steps after the project is in place. A failure here is reported and the project kept:
// everything they do, the user can redo by hand (the messages say how). A signal (`cancel`) stops a
// step's child process and skips the steps not yet begun: the project is complete all the same.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { bold, dim, yellow } from 'kolorist';

export interface StepResult {
  ok: boolean;
  /** Why the step did nothing or failed, for the user. */
  note?: string;
}

const COMMIT_MESSAGE = 'Initial commit from create-serverless-dash';

function warn(text: string): void {
  console.warn(yellow(`! ${text}`));
}

/** Identity from the environment or git config; without it `git commit` fails. */
async function hasGitIdentity(dir: string, cancel?: AbortSignal): Promise<boolean> {
  const config = async (key: string) =>
    (await execa('git', ['config', '--get', key], { cwd: dir, reject: false, cancelSignal: cancel })).stdout.trim() !== '';
  const env = process.env;
  const name = Boolean(env.GIT_AUTHOR_NAME && env.GIT_COMMITTER_NAME) || (await config('user.name'));
  const email = Boolean(env.GIT_AUTHOR_EMAIL && env.GIT_COMMITTER_EMAIL) || Boolean(env.EMAIL) || (await config('user.email'));
  return name && email;
}

export async function initGit(dir: string, cancel?: AbortSignal): Promise<StepResult> {
  if (cancel?.aborted) return failed(`git: not run (${reasonOf(cancel)}); the project is complete: git init when ready`);
  const run = (args: string[]) => execa('git', args, { cwd: dir, cancelSignal: cancel });
  try {
    if (existsSync(path.join(dir, '.git'))) {
      return skipped('git: the directory already has a .git (kept as it was); commit when ready');
    }
    const inside = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: dir, reject: false, cancelSignal: cancel });
    cancel?.throwIfAborted();
    if (inside.exitCode === 0) {
      return skipped(`git: inside the existing repository ${inside.stdout.trim()}, so no new one`);
    }
    await run(['init', '--quiet']);
    if (!(await hasGitIdentity(dir, cancel))) {
      return skipped(
        'git: initialised, but no first commit: user.name/user.email are not set (git config --global user.name "…"; then git add -A && git commit)',
      );
    }
    await run(['add', '--all']);
    await run(['commit', '--quiet', '--no-verify', '-m', COMMIT_MESSAGE]);
    console.log(`${dim('git:')} initialised with a first commit`);
    return { ok: true };
  } catch (e) {
    const why = cancel?.aborted ? reasonOf(cancel) : firstLine(e);
    return failed(`git failed, the project is kept: ${why}`);
  }
}

/** Dev requirements first: they include the runtime ones plus the tools `make test` needs. */
const REQUIREMENTS = ['requirements-dev.txt', 'requirements/dev.txt', 'src/requirements.txt'];

export function requirementsFile(dir: string): string | undefined {
  return REQUIREMENTS.find((f) => existsSync(path.join(dir, f)));
}

export async function installDependencies(dir: string, cancel?: AbortSignal): Promise<StepResult> {
  const requirements = requirementsFile(dir);
  if (!requirements) return failed('install: no requirements file found, nothing installed');
  if (cancel?.aborted) return failed(`install: not run (${reasonOf(cancel)}); the project is complete: make install when ready`);
  const python = process.platform === 'win32' ? 'python' : 'python3';
  const venvPython =
    process.platform === 'win32' ? path.join('.venv', 'Scripts', 'python.exe') : path.join('.venv', 'bin', 'python');
  try {
    console.log(bold(`Creating .venv and installing ${requirements} …`));
    await execa(python, ['-m', 'venv', '.venv'], { cwd: dir, stdio: 'inherit', cancelSignal: cancel });
    await execa(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements], {
      cwd: dir,
      stdio: 'inherit',
      cancelSignal: cancel,
    });
    return { ok: true };
  } catch (e) {
    const why = cancel?.aborted ? reasonOf(cancel) : firstLine(e);
    return failed(`install failed, the project is kept (run make install to retry): ${why}`);
  }
}

/** "interrupted by SIGINT" */
function reasonOf(cancel: AbortSignal): string {
  return (cancel.reason as Error)?.message ?? 'cancelled';
}

function firstLine(e: unknown): string {
  const err = e as { shortMessage?: string; message?: string };
  return (err.shortMessage ?? err.message ?? String(e)).split('\n')[0];
}

function skipped(note: string): StepResult {
  console.log(dim(note));
  return { ok: true, note };
}

function failed(note: string): StepResult {
  warn(note);
  return { ok: false, note };
}
