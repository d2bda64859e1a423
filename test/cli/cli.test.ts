// The built binary, run as a user runs it: no TTY, flags only. Refused input exits 2 and leaves the
// disk exactly as it was.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { OPTIONS } from '../../src/options.js';
import { REPO_ROOT, runCli, snapshot, tempDir, valuesOf } from './run.js';

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const QUIET = ['--no-git', '--no-install'];

let cwd: string;
beforeEach(async () => {
  cwd = await tempDir();
});
afterEach(async () => {
  await fs.rm(cwd, { recursive: true, force: true });
});

async function templateYaml(dir: string) {
  const doc = parseDocument(await fs.readFile(path.join(dir, 'template.yaml'), 'utf8'));
  expect(doc.errors).toEqual([]); // CloudFormation's !Ref/!Sub tags are warnings, not errors
  return doc.toJS();
}

describe('--help and --version', () => {
  it('--help lists every flag and the exit statuses, exit 0, writes nothing', async () => {
    const r = await runCli(['--help'], cwd);
    expect(r.exitCode).toBe(0);
    for (const o of OPTIONS.filter((o) => o.flag !== '')) expect(r.stdout).toContain(`--${o.flag}`);
    expect(r.stdout).toMatch(/Exit status:[\s\S]*130/);
    expect(await fs.readdir(cwd)).toEqual([]);
  });

  it('--version and -v print the package version', async () => {
    const { version } = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag], cwd);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });
});

describe('generating without a TTY', () => {
  it('takes answers from flags alone, in both --flag VALUE and --flag=VALUE forms', async () => {
    const r = await runCli(
      ['my-dash', '--api', 'http', '--stage=dev', '--memory', '512', '--timeout=20', '--arch', 'x86_64', '--runtime', 'python3.12', ...QUIET],
      cwd,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const project = path.join(cwd, 'my-dash');
    const doc = await templateYaml(project);
    expect(valuesOf(doc, 'MemorySize')).toContain(512);
    expect(valuesOf(doc, 'Timeout')).toContain(20);
    expect(valuesOf(doc, 'Runtime')).toContain('python3.12');
    expect(valuesOf(doc, 'Architectures')).toContainEqual(['x86_64']);
    expect(valuesOf(doc, 'StageName')).toContain('dev');
    expect(valuesOf(doc, 'BinaryMediaTypes')).toEqual([]); // HTTP API: none
    expect(r.stdout).toMatch(/cd my-dash[\s\S]*make install[\s\S]*make dev[\s\S]*make test[\s\S]*make build[\s\S]*sam deploy --guided/);
    expect(r.stdout).toContain('https://<api-id>.execute-api.<region>.amazonaws.com/dev/');
  });

  it('--yes takes the DESIGN.md defaults', async () => {
    const r = await runCli(['--yes', '--no-git'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const project = path.join(cwd, 'serverless-dash');
    const doc = await templateYaml(project);
    expect(valuesOf(doc, 'MemorySize')).toContain(1024);
    expect(valuesOf(doc, 'Timeout')).toContain(29);
    expect(valuesOf(doc, 'Runtime')).toContain('python3.13');
    expect(valuesOf(doc, 'Architectures')).toContainEqual(['arm64']);
    expect(valuesOf(doc, 'StageName')).toContain('Prod');
    expect(valuesOf(doc, 'BinaryMediaTypes')).toContainEqual(['*~1*']);
    // --yes means no install: nothing but the template's own files, and the user is told to install.
    await expect(fs.stat(path.join(project, '.venv'))).rejects.toThrow(/ENOENT/);
    expect(r.stdout).toContain('make install');
  });

  it('never waits on piped stdin: the input is not read as answers', async () => {
    const r = await runCli(['piped', '--no-git'], cwd, { input: 'other-name\nhttp\n64\n' });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = await templateYaml(path.join(cwd, 'piped'));
    expect(valuesOf(doc, 'MemorySize')).toContain(1024);
    expect(await fs.readdir(cwd)).toEqual(['piped']);
  });

  it('writes the custom domain answers and prints both URL shapes', async () => {
    const r = await runCli(
      ['dom', '--domain', 'dash.example.com', '--certificate-arn', ARN, '--hosted-zone-id', 'Z0ABC', '--base-path', 'reports', ...QUIET],
      cwd,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const text = await fs.readFile(path.join(cwd, 'dom', 'template.yaml'), 'utf8');
    for (const v of ['dash.example.com', ARN, 'Z0ABC', 'reports']) expect(text).toContain(v);
    expect(r.stdout).toContain('https://dash.example.com/reports/');
    // One public door: the execute-api URL is closed under a custom domain.
    expect(r.stdout).not.toContain('execute-api');
  });

  it('accepts a path: the last segment is the name; missing parents are created', async () => {
    await fs.mkdir(path.join(cwd, 'here'));
    const r = await runCli(['../deep/er/my-dash', ...QUIET], path.join(cwd, 'here'));
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = await templateYaml(path.join(cwd, 'deep', 'er', 'my-dash'));
    expect(JSON.stringify(doc)).toContain('my-dash');
    expect(r.stdout).toContain('cd ../deep/er/my-dash');
  });

  it('"." writes into the current directory, named after it', async () => {
    const here = path.join(cwd, 'dot-dash');
    await fs.mkdir(here);
    const r = await runCli(['.', ...QUIET], here);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await fs.readFile(path.join(here, 'template.yaml'), 'utf8')).toContain('dot-dash');
    expect(r.stdout).not.toMatch(/^\s*cd /m);
    expect((await fs.readdir(cwd)).sort()).toEqual(['dot-dash']); // no temp directories left beside it
  });
});

describe('refused input: exit 2, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag with a suggestion', ['--memroy', '512'], /unknown flag --memroy: did you mean --memory\?/],
    ['unknown flag', ['--region', 'eu-west-1'], /unknown flag --region/],
    ['memory below the minimum', ['--memory', '64'], /--memory 64: Lambda memory must be an integer from 128 to 10240 MB/],
    ['REST timeout over 29 s', ['--timeout', '30'], /--timeout 30: Lambda timeout must be an integer from 1 to 29 s/],
    ['HTTP timeout over 30 s', ['--api', 'http', '--timeout', '31'], /HTTP API integrations end at 30 s/],
    ['$default on REST', ['--stage', '$default'], /only for HTTP APIs \(--api http\)/],
    ['domain without certificate', ['--domain', 'dash.example.com'], /missing --certificate-arn/],
    ['base path without domain', ['--base-path', 'reports'], /--base-path reports: applies only with --domain/],
    ['binary types on HTTP', ['--api', 'http', '--binary-types', 'image/png'], /HTTP APIs pass binary bodies by default/],
    ['bad domain', ['--domain', 'localhost', '--certificate-arn', ARN], /--domain localhost: a domain is a lowercase hostname/],
    ['bad runtime', ['--runtime', 'python3.9'], /--runtime python3.9: must be one of/],
    ['uppercase name', ['My-Dash'], /project-dir My-Dash: the project name must start with a lowercase letter/],
    ['reserved name', ['nul'], /reserved device name/],
    ['two directories', ['a', 'b'], /one project directory expected/],
    ['flag missing its value', ['--memory'], /--memory needs a value/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    await fs.writeFile(path.join(cwd, 'existing.txt'), 'mine');
    const before = await snapshot(cwd);
    const r = await runCli([...args, '--yes'], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(await snapshot(cwd)).toEqual(before);
  });

  it('a target that is a file', async () => {
    await fs.writeFile(path.join(cwd, 'taken'), 'a file');
    const before = await snapshot(cwd);
    const r = await runCli(['taken', ...QUIET], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/taken exists and is not a directory/);
    expect(await snapshot(cwd)).toEqual(before);
  });
});
