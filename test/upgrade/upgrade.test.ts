// After an upgrade N → N+1 of a project the user changed (harness.ts), the project still passes its
// own checks: `make test` (its pytest suite) and `make lint` (ruff, ruff format --check,
// `sam validate --lint` and SAM's transform), with the shared venv (SERVERLESS_DASH_VENV, default
// .cache/venv; global-setup.ts brings it up to date). The user's dependency goes in through the
// project's `make lock` (uv against PyPI: network needed, as in the matrix's addDependency step).
// Two projects (a --auth cognito and a --cdn one): a few minutes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settings, venvBin, venvEnv } from '../matrix/settings.js';
import { buildNextVersion, changeAsUser, generate, tempDir, TEMPLATE_MARK, upgrade, USER_DEPENDENCY, USER_RESOURCE, type Next } from './harness.js';

const PYTHON = venvBin('python');

// The legs DESIGN.md section 5 asks for: a project with sign-in and one with CloudFront, each
// carrying the deploy workflow (every project) and background callbacks (on by default).
const LEGS: [string, string[]][] = [
  ['--auth cognito', ['--auth', 'cognito']],
  ['--cdn', ['--cdn']],
];

const make = (project: string, target: string) =>
  execa('make', [target, `PYTHON=${PYTHON}`], { cwd: project, env: { ...venvEnv(settings.venvDir), NO_COLOR: '1' }, all: true, reject: false, stdin: 'ignore' });

let root: string;
let next: Next;
beforeAll(async () => {
  root = await tempDir('csd-upgrade-checks-');
  next = await buildNextVersion(root);
}, 180_000);
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe.each(LEGS)('a %s project, upgraded, passes its own checks', (leg, flags) => {
  let project: string;
  beforeAll(async () => {
    project = await generate(root, `upgraded${leg.replace(/[^a-z]+/g, '-')}`, flags);
    // The dependency through the project's own `make lock` (uv, against PyPI), as a user adds one.
    await changeAsUser(project, { python: PYTHON, env: venvEnv() });
    const r = await upgrade(next.bin, project);
    if (r.exitCode !== 0) throw new Error(`upgrade failed (${r.exitCode}):\n${r.all}`);
  }, 300_000);

  it('carries the deploy workflow and background callbacks, and holds both sets of changes', async () => {
    for (const file of ['.github/workflows/deploy.yml', 'pipeline/bootstrap.yaml', 'src/serverless_dash/background.py']) {
      await fs.access(path.join(project, file));
    }
    const template = await fs.readFile(path.join(project, 'template.yaml'), 'utf8');
    expect(template).toContain(USER_RESOURCE);
    expect(template).toContain(TEMPLATE_MARK);
    expect(template).toContain('DashJobsTable');
    expect((await fs.readFile(path.join(project, 'src', 'requirements.txt'), 'utf8')).split('\n')).toContain(USER_DEPENDENCY);
  });

  it('make test', async () => {
    const r = await make(project, 'test');
    expect(r.exitCode, r.all?.slice(-6000)).toBe(0);
    // pytest's summary line: many passed, nothing failed, errored or skipped.
    const summary = /^=*\s*(\d+ passed[^\n]*) in [\d.]+s/m.exec(r.all ?? '')?.[1] ?? '';
    expect(summary, r.all?.slice(-2000)).toMatch(/^\d{2,} passed/);
    expect(summary).not.toMatch(/failed|error|skipped/);
  }, 1_200_000);

  it('make lint (ruff, ruff format --check, sam validate --lint, sam validate)', async () => {
    const r = await make(project, 'lint');
    expect(r.exitCode, r.all?.slice(-6000)).toBe(0);
    expect(r.all).toMatch(/sam validate --lint|samcli validate --lint/);
  }, 600_000);
});
