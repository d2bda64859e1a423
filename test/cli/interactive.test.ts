// A person at a terminal (a real pseudo-terminal, driven by test/cli/pty_session.py): prompts ask
// what flags did not say, a refused answer is asked again with the rule, Ctrl-C writes nothing.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { BIN, cleanEnv, snapshot, tempDir, valuesOf } from './run.js';

const DRIVER = path.join(import.meta.dirname, 'pty_session.py');
const ENTER = '\r';
const DOWN = '\u001b[B';
const CTRL_C = '\u0003';
const BACKSPACE = '\u007f';

type Step = { expect: string; send: string };

let cwd: string;
beforeEach(async () => {
  cwd = await tempDir();
});
afterEach(async () => {
  await fs.rm(cwd, { recursive: true, force: true });
});

function session(args: string[], steps: Step[]) {
  return execa('python3', [DRIVER, JSON.stringify(steps), 'node', BIN, ...args], {
    cwd,
    env: cleanEnv({ TERM: 'xterm' }),
    reject: false,
  });
}

describe('interactive', () => {
  it('asks what flags did not answer, re-asks a refused answer naming the rule', async () => {
    const r = await session(
      ['--no-git', '--no-install', '--runtime', 'python3.12'],
      [
        { expect: 'Project name', send: `asked-dash${ENTER}` },
        { expect: 'API Gateway flavour', send: `${DOWN}${ENTER}` }, // HTTP API
        { expect: 'API Gateway stage', send: `${ENTER}` },
        { expect: 'Put CloudFront in front?', send: ENTER }, // default: no
        { expect: 'Custom domain', send: ENTER },
        { expect: 'Lambda memory', send: `${BACKSPACE.repeat(4)}64${ENTER}` },
        { expect: 'must be an integer from 128 to 10240 MB', send: `${BACKSPACE.repeat(2)}512${ENTER}` },
        { expect: 'Lambda timeout', send: ENTER }, // default follows the API: 30 for HTTP
        { expect: 'Run long callbacks in the background', send: `n${ENTER}` },
        { expect: 'Lambda architecture', send: ENTER },
        { expect: 'Who may open the dashboard', send: `${DOWN}${ENTER}` }, // people you invite
      ],
    );
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/people you invite/);
    expect(r.stdout).not.toMatch(/only these networks/); // HTTP API: --auth ip is not offered
    expect(r.stdout).not.toMatch(/Python runtime/); // given as a flag: not asked
    expect(r.stdout).not.toMatch(/Binary media types/); // HTTP API: not asked
    const doc = parseDocument(await fs.readFile(path.join(cwd, 'asked-dash', 'template.yaml'), 'utf8')).toJS();
    expect(valuesOf(doc, 'MemorySize')).toContain(512);
    expect(valuesOf(doc, 'Timeout')).toContain(30);
    expect(valuesOf(doc, 'Runtime')).toContain('python3.12');
    expect(valuesOf(doc, 'AllowAdminCreateUserOnly')).toContain(true); // the Cognito user pool
    expect(valuesOf(doc, 'BillingMode')).toEqual([]); // background callbacks answered no: no job table
  });

  it('with --cdn, re-asks a certificate outside us-east-1 naming the CloudFront rule', async () => {
    const arn = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
    const r = await session(
      ['edge', '--yes', '--no-git', '--cdn', '--domain', 'dash.example.com'],
      [
        { expect: 'ACM certificate ARN', send: `${arn('eu-west-1')}${ENTER}` },
        { expect: 'with --cdn the certificate must be in us-east-1', send: `${BACKSPACE.repeat(arn('eu-west-1').length)}${arn('us-east-1')}${ENTER}` },
      ],
    );
    expect(r.exitCode, r.stdout).toBe(0);
    expect(await fs.readFile(path.join(cwd, 'edge', 'template.yaml'), 'utf8')).toContain(arn('us-east-1'));
  });

  it('asks for the certificate when a domain is given, and the domain-only questions', async () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
    const r = await session(
      ['dom', '--yes', '--no-git', '--domain', 'dash.example.com'],
      [
        { expect: 'ACM certificate ARN', send: `not-an-arn${ENTER}` },
        { expect: 'a custom domain needs an ACM certificate ARN', send: `${BACKSPACE.repeat(10)}${arn}${ENTER}` },
      ],
    );
    expect(r.exitCode, r.stdout).toBe(0);
    expect(await fs.readFile(path.join(cwd, 'dom', 'template.yaml'), 'utf8')).toContain(arn);
  });

  it('Ctrl-C at a prompt exits 130 with nothing written', async () => {
    const before = await snapshot(cwd);
    const r = await session(
      ['--no-git'],
      [
        { expect: 'Project name', send: `ctrl-c-dash${ENTER}` },
        { expect: 'API Gateway flavour', send: ENTER },
        { expect: 'API Gateway stage', send: CTRL_C },
      ],
    );
    expect(r.exitCode, r.stdout).toBe(130);
    expect(r.stdout).toMatch(/Cancelled, nothing written/);
    expect(await snapshot(cwd)).toEqual(before);
  });

  it('a non-empty target asks first: Cancel exits 130 untouched, merge keeps my files', async () => {
    await fs.mkdir(path.join(cwd, 'busy'));
    await fs.writeFile(path.join(cwd, 'busy', 'mine.txt'), 'mine\n');
    const before = await snapshot(cwd);
    const cancel = await session(['busy', '--no-git', '--no-install', '--arch', 'arm64'], [
      { expect: 'API Gateway flavour', send: ENTER },
      ...['stage', 'CloudFront', 'Custom domain', 'memory', 'timeout', 'in the background', 'Binary media types'].map((q) => ({ expect: q, send: ENTER })),
      { expect: 'Python runtime', send: ENTER },
      { expect: 'Who may open the dashboard', send: ENTER },
      { expect: 'is not empty', send: ENTER }, // first choice: Cancel
    ]);
    expect(cancel.exitCode, cancel.stdout).toBe(130);
    expect(await snapshot(cwd)).toEqual(before);

    const yes = await session(['busy', '--yes', '--no-git'], []);
    expect(yes.exitCode, yes.stdout).toBe(2); // --yes: no consent is assumed, even at a terminal
    expect(yes.stdout).toMatch(/pass --overwrite/);
    const everyAnswer = ['--api', 'http', '--stage', 'x', '--no-cdn', '--domain', '', '--memory', '256', '--timeout', '9', '--background', '--arch', 'arm64', '--runtime', 'python3.13', '--auth', 'none'];
    const asked = await session(['busy', '--no-git', '--no-install', ...everyAnswer], [
      { expect: 'is not empty', send: `${DOWN}${DOWN}${ENTER}` },
    ]);
    expect(asked.exitCode, asked.stdout).toBe(0);
    expect(await fs.readFile(path.join(cwd, 'busy', 'mine.txt'), 'utf8')).toBe('mine\n');
    await fs.stat(path.join(cwd, 'busy', 'template.yaml'));
  });
});
