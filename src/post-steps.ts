// Optional steps after the project is in place. A failure here is reported and the project kept:
// everything they do, the user can redo by hand (the messages say how).
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
async function hasGitIdentity(dir: string): Promise<boolean> {
  const config = async (key: string) =>
    (await execa('git', ['config', '--get', key], { cwd: dir, reject: false })).stdout.trim() !== '';
  const env = process.env;
  const name = Boolean(env.GIT_AUTHOR_NAME && env.GIT_COMMITTER_NAME) || (await config('user.name'));
  const email = Boolean(env.GIT_AUTHOR_EMAIL && env.GIT_COMMITTER_EMAIL) || Boolean(env.EMAIL) || (await config('user.email'));
  return name && email;
}

export async function initGit(dir: string): Promise<StepResult> {
  try {
    if (existsSync(path.join(dir, '.git'))) {
      return skipped('git: the directory already has a .git (kept as it was); commit when ready');
    }
    const inside = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: dir, reject: false });
    if (inside.exitCode === 0) {
      return skipped(`git: inside the existing repository ${inside.stdout.trim()}, so no new one`);
    }
    await execa('git', ['init', '--quiet'], { cwd: dir });
    if (!(await hasGitIdentity(dir))) {
      return skipped(
        'git: initialised, but no first commit: user.name/user.email are not set (git config --global user.name "…"; then git add -A && git commit)',
      );
    }
    await execa('git', ['add', '--all'], { cwd: dir });
    await execa('git', ['commit', '--quiet', '--no-verify', '-m', COMMIT_MESSAGE], { cwd: dir });
    console.log(`${dim('git:')} initialised with a first commit`);
    return { ok: true };
  } catch (e) {
    return failed(`git failed, the project is kept: ${firstLine(e)}`);
  }
}

/** Dev requirements first: they include the runtime ones plus the tools `make test` needs. */
const REQUIREMENTS = ['requirements-dev.txt', 'requirements/dev.txt', 'src/requirements.txt'];

export function requirementsFile(dir: string): string | undefined {
  return REQUIREMENTS.find((f) => existsSync(path.join(dir, f)));
}

export async function installDependencies(dir: string): Promise<StepResult> {
  const requirements = requirementsFile(dir);
  if (!requirements) return failed('install: no requirements file found, nothing installed');
  const python = process.platform === 'win32' ? 'python' : 'python3';
  const venvPython =
    process.platform === 'win32' ? path.join('.venv', 'Scripts', 'python.exe') : path.join('.venv', 'bin', 'python');
  try {
    console.log(bold(`Creating .venv and installing ${requirements} …`));
    await execa(python, ['-m', 'venv', '.venv'], { cwd: dir, stdio: 'inherit' });
    await execa(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements], {
      cwd: dir,
      stdio: 'inherit',
    });
    return { ok: true };
  } catch (e) {
    return failed(`install failed, the project is kept (run make install to retry): ${firstLine(e)}`);
  }
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
