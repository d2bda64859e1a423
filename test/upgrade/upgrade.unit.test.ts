// `create-serverless-dash upgrade` with real git and real files: version N (this checkout's
// dist/index.js) generates projects; version N+1 is built from a copy of the checkout (harness.ts).
// The generated project's own make test / make lint after an upgrade: upgrade.test.ts (slow).
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAnswers } from '../../src/options.js';
import { ownerOf } from '../../src/ownership.js';
import { BASE_FILE, readRecord, RECORD_FILE, sha256, type ProjectRecord } from '../../src/record.js';
import { replayAnswers } from '../../src/upgrade.js';
import { TEMP_MARKER } from '../../src/write.js';
import {
  BIN,
  buildNextVersion,
  changeAsUser,
  commitAll,
  ENV,
  generate,
  git,
  MAKEFILE_LINE,
  PLATFORM_ADDED,
  PLATFORM_DROPPED,
  PLATFORM_MARK,
  REQUIREMENTS_MARK,
  snapshot,
  tempDir,
  TEMPLATE_MARK,
  upgrade,
  USER_DEPENDENCY,
  USER_PAGE,
  USER_README_LINE,
  USER_RESOURCE,
  USER_TARGET,
  type Next,
} from './harness.js';

const VERSION_N = (JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
let root: string;
let next: Next;
let count = 0;
/** A fresh directory for one project. */
const parent = async () => {
  const dir = path.join(root, `case-${++count}`);
  await fs.mkdir(dir);
  return dir;
};

beforeAll(async () => {
  root = await tempDir('csd-upgrade-');
  next = await buildNextVersion(root);
}, 120_000);
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Every file under `dir` but .git (git status may refresh its index): content, size, mode. */
async function tree(dir: string): Promise<Record<string, string>> {
  const all = await snapshot(dir);
  return Object.fromEntries(Object.entries(all).filter(([rel]) => rel !== '.git' && !rel.startsWith(`.git${path.sep}`)));
}

const read = (project: string, rel: string) => fs.readFile(path.join(project, rel), 'utf8');
const exists = (p: string) => fs.stat(p).then(() => true, () => false);
const recordOf = async (project: string) => JSON.parse(await read(project, RECORD_FILE)) as ProjectRecord;

/** Writes a record as a generator would (integrity recomputed): what an older or other version wrote. */
async function rewriteRecord(project: string, change: (r: Omit<ProjectRecord, 'integrity'>) => void): Promise<void> {
  const { integrity: _, ...rest } = await recordOf(project);
  change(rest);
  const record = { ...rest, integrity: sha256(JSON.stringify(rest)) };
  await fs.writeFile(path.join(project, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

describe('the record every generation writes', () => {
  let project: string;
  beforeAll(async () => {
    project = await generate(await parent(), 'rec', ['--api', 'http', '--memory', '2048', '--domain', 'dash.example.com', '--certificate-arn', 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0', '--base-path', 'kpi']);
  });

  it('names every file written, with the owner the ownership table gives it and its sha256', async () => {
    const record = await recordOf(project);
    const { stdout } = await git(project, ['ls-files']);
    const committed = stdout.split('\n').filter(Boolean);
    // The first commit holds the record and the base.
    expect(committed).toContain(RECORD_FILE);
    expect(committed).toContain(BASE_FILE);
    const written = committed.filter((f) => !f.startsWith('.serverless-dash/')).sort();
    expect(Object.keys(record.files)).toEqual(written);
    for (const rel of written) {
      expect(record.files[rel], rel).toEqual({ owner: ownerOf(rel), sha256: sha256(await fs.readFile(path.join(project, rel))) });
    }
    // Each class is there (whatever Python files the tree holds today).
    const owners = new Set(Object.values(record.files).map((f) => f.owner));
    expect([...owners].sort()).toEqual(['platform', 'shared', 'user']);
    expect(record.files['template.yaml'].owner).toBe('shared');
    expect(record.files['tests/conftest.py'].owner).toBe('shared');
    expect(record.files['src/requirements.in'].owner).toBe('shared');
    expect(record.files['src/assets/favicon.ico'].owner).toBe('user');
  });

  it('keeps the pristine copy of every shared file, and only those, compressed', async () => {
    const record = await recordOf(project);
    const base = JSON.parse(gunzipSync(await fs.readFile(path.join(project, BASE_FILE))).toString('utf8')) as Record<string, string>;
    const shared = Object.entries(record.files).filter(([, f]) => f.owner === 'shared').map(([rel]) => rel);
    expect(Object.keys(base).sort()).toEqual(shared.sort());
    for (const rel of shared) expect(Buffer.from(base[rel], 'base64').equals(await fs.readFile(path.join(project, rel))), rel).toBe(true);
  });

  it('records the version and every answer as its flag, and they replay through the option table', async () => {
    const record = await recordOf(project);
    expect(record.version).toBe(VERSION_N);
    expect(record.answers).toMatchObject({ 'project-dir': 'rec', api: 'http', memory: '2048', domain: 'dash.example.com', 'base-path': 'kpi', git: true, install: false });
    const { raw, added, dropped } = await replayAnswers(readRecord(project).record);
    expect(added).toEqual([]);
    expect(dropped).toEqual([]);
    expect(toAnswers(raw)).toMatchObject({ projectName: 'rec', api: 'http', memory: 2048, timeout: 30, domain: 'dash.example.com', basePath: 'kpi', binaryTypes: [] });
  });

  it('a question the recording version did not ask takes its default and is listed', async () => {
    const copy = path.join(await parent(), 'rec');
    await fs.cp(project, copy, { recursive: true });
    await rewriteRecord(copy, (r) => {
      r.questions = r.questions.filter((q) => q !== 'cdn');
      delete r.answers.cdn;
    });
    const { raw, added } = await replayAnswers(readRecord(copy).record);
    expect(added).toEqual(['cdn']);
    expect(raw.cdn).toBe(false);
  });
});

describe('upgrade N → N+1 of a project the user changed', () => {
  let project: string;
  let userFilesBefore: Record<string, string>;
  let result: Awaited<ReturnType<typeof upgrade>>;
  beforeAll(async () => {
    project = await generate(await parent(), 'sales-dash');
    await changeAsUser(project);
    userFilesBefore = Object.fromEntries(Object.entries(await tree(project)).filter(([rel]) => ownerOf(rel.split(path.sep).join('/')) === 'user'));
    result = await upgrade(next.bin, project);
  });

  it('exits 0 and prints the plan, file by file', () => {
    expect(result.exitCode, result.all).toBe(0);
    const line = (action: string, rel: string) => new RegExp(`^\\s+${action}\\s+${rel.replaceAll('.', '\\.')}\\s`, 'm');
    expect(result.stdout).toMatch(line('replace', next.platformChanged));
    expect(result.stdout).toMatch(line('add', PLATFORM_ADDED));
    expect(result.stdout).toMatch(line('remove', PLATFORM_DROPPED));
    expect(result.stdout).toMatch(line('merge', 'template.yaml'));
    expect(result.stdout).toMatch(line('merge', 'Makefile'));
    expect(result.stdout).toMatch(line('merge', 'src/requirements.in'));
    expect(result.stdout).toMatch(line('keep', 'README.md'));
    expect(result.stdout).toMatch(line('keep', 'src/requirements.txt'));
    // The user's files the generator wrote are listed as kept; their own files are not its business.
    expect(result.stdout).toMatch(line('keep', 'src/assets/style.css'));
    expect(result.stdout).not.toContain(USER_PAGE);
    expect(result.stdout).toContain(`Upgrade plan: create-serverless-dash ${VERSION_N} → ${next.version}`);
    expect(result.stdout).toContain('run `make lock`');
  });

  it('holds both sets of changes', async () => {
    const template = await read(project, 'template.yaml');
    expect(template).toContain(USER_RESOURCE);
    expect(template).toContain(TEMPLATE_MARK);
    const makefile = await read(project, 'Makefile');
    expect(makefile).toContain(USER_TARGET.trim());
    expect(makefile).toContain(MAKEFILE_LINE.to);
    expect(await read(project, 'README.md')).toContain(USER_README_LINE);
    const requirementsIn = await read(project, 'src/requirements.in');
    expect(requirementsIn).toContain(USER_DEPENDENCY);
    expect(requirementsIn).toContain(REQUIREMENTS_MARK);
    expect((await read(project, 'src/requirements.txt')).split('\n')).toContain(USER_DEPENDENCY);
    expect(await read(project, next.platformChanged)).toContain(PLATFORM_MARK);
    expect(await exists(path.join(project, PLATFORM_ADDED))).toBe(true);
    expect(await exists(path.join(project, PLATFORM_DROPPED))).toBe(false);
  });

  it('leaves every file of the user byte-identical', async () => {
    const after = await tree(project);
    expect(Object.keys(userFilesBefore)).toContain(USER_PAGE.split('/').join(path.sep));
    for (const [rel, entry] of Object.entries(userFilesBefore)) expect(after[rel], rel).toBe(entry);
  });

  it('records the new version, and a new base that is what N+1 wrote', async () => {
    const { record, base } = readRecord(project);
    expect(record.version).toBe(next.version);
    expect(record.files[PLATFORM_ADDED]?.owner).toBe('platform');
    expect(record.files[PLATFORM_DROPPED]).toBeUndefined();
    expect(record.files[next.platformChanged].sha256).toBe(sha256(await fs.readFile(path.join(project, next.platformChanged))));
    // The base is N+1's render, not the merge: the user's lines are not in it.
    expect(base.get('template.yaml')!.toString()).toContain(TEMPLATE_MARK);
    expect(base.get('template.yaml')!.toString()).not.toContain(USER_RESOURCE);
    // No staging or backup directory is left behind.
    expect((await fs.readdir(project)).filter((e) => e.includes(TEMP_MARKER))).toEqual([]);
  });

  it('a second upgrade by the same version is a no-op that says so', async () => {
    await commitAll(project, 'Upgrade');
    const before = await tree(project);
    const again = await upgrade(next.bin, project);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toContain('nothing to upgrade');
    expect(await tree(project)).toEqual(before);
  });
});

describe('a question added since the recording version', () => {
  it('takes its default, is listed, and goes into the new record', async () => {
    const project = await generate(await parent(), 'older-record');
    // As a version without --cdn would have recorded it.
    await rewriteRecord(project, (r) => {
      r.questions = r.questions.filter((q) => q !== 'cdn');
      delete r.answers.cdn;
    });
    await commitAll(project, 'Recorded by an older version');
    const r = await upgrade(next.bin, project);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`new question since ${VERSION_N}: --cdn takes its default, false`);
    const { record } = readRecord(project);
    expect(record.answers.cdn).toBe(false);
    expect(record.questions).toContain('cdn');
  });
});

describe('conflicts, platform edits, --force, --dry-run', () => {
  it('both changed the same lines: conflict markers, the file listed, exit 3, the rest upgraded', async () => {
    const project = await generate(await parent(), 'clash');
    const makefile = path.join(project, 'Makefile');
    await fs.writeFile(makefile, (await fs.readFile(makefile, 'utf8')).replace(MAKEFILE_LINE.from, 'test: ## our way of testing'));
    await commitAll(project, 'Ours');

    const before = await tree(project);
    const dry = await upgrade(next.bin, project, ['--dry-run']);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stdout).toMatch(/^\s+conflict\s+Makefile\s.*both changed the same lines/m);
    expect(dry.stdout).toContain('nothing written');
    expect(await tree(project)).toEqual(before);

    const r = await upgrade(next.bin, project);
    expect(r.exitCode, r.all).toBe(3);
    expect(r.stderr).toMatch(/1 conflict\b[\s\S]*Makefile: both changed the same lines/);
    const text = await fs.readFile(makefile, 'utf8');
    expect(text).toMatch(/^<<<<<<< yours\ntest: ## our way of testing\n=======\ntest: ## the pytest suite \(every test\)\n>>>>>>> create-serverless-dash /m);
    expect(await read(project, 'template.yaml')).toContain(TEMPLATE_MARK);
    expect(await read(project, next.platformChanged)).toContain(PLATFORM_MARK);
    expect(readRecord(project).record.version).toBe(next.version);
  });

  it('a platform file the user changed is refused by name and nothing is written; --force overwrites it and says so', async () => {
    const project = await generate(await parent(), 'edited');
    const file = path.join(project, next.platformChanged);
    await fs.appendFile(file, '# our local tweak\n');
    await commitAll(project, 'Tweak the platform');
    const before = await tree(project);

    const refused = await upgrade(next.bin, project);
    expect(refused.exitCode, refused.all).toBe(2);
    expect(refused.stdout).toMatch(new RegExp(`^\\s+refuse\\s+${next.platformChanged}\\s`, 'm'));
    expect(refused.stderr).toContain(`${next.platformChanged}: you changed it`);
    expect(refused.stderr).toContain('--force');
    expect(await tree(project)).toEqual(before);

    const forced = await upgrade(next.bin, project, ['--force']);
    expect(forced.exitCode, forced.all).toBe(0);
    expect(forced.stdout).toContain(`--force overwrote your change to ${next.platformChanged}`);
    const text = await fs.readFile(file, 'utf8');
    expect(text).toContain(PLATFORM_MARK);
    expect(text).not.toContain('our local tweak');
  });

  it('--dry-run prints the plan (replace / merge / add / remove / keep) and writes nothing, even on a dirty tree', async () => {
    const project = await generate(await parent(), 'dry');
    await changeAsUser(project);
    await fs.appendFile(path.join(project, 'README.md'), 'uncommitted\n');
    const before = await snapshot(project, { times: true });
    const r = await upgrade(next.bin, project, ['--dry-run']);
    expect(r.exitCode, r.all).toBe(0);
    for (const action of ['replace', 'merge', 'add', 'remove', 'keep']) expect(r.stdout).toMatch(new RegExp(`^\\s+${action}\\s`, 'm'));
    expect(r.stdout).toContain('Dry run: nothing written');
    expect(r.stdout).toContain('src/requirements.in would change: after the upgrade, run `make lock`');
    expect(r.stdout).toContain('would refuse');
    const after = await snapshot(project, { times: true });
    const outsideGit = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== '.git' && !k.startsWith(`.git${path.sep}`)));
    expect(outsideGit(after)).toEqual(outsideGit(before));
  });
});

describe('bad input: a message naming the problem, exit 2, nothing written', () => {
  async function refused(project: string, message: string | RegExp, args: string[] = [], bin = next.bin) {
    const before = await tree(project);
    const r = await upgrade(bin, project, args);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await tree(project)).toEqual(before);
  }

  it('not a generated project', async () => {
    const dir = await parent();
    await execa('git', ['init', '-q'], { cwd: dir });
    await fs.writeFile(path.join(dir, 'notes.txt'), 'mine\n');
    await refused(dir, /is not a project generated by create-serverless-dash \(no \.serverless-dash\/project\.json\)/);
  });

  it('a project generated before records existed: says so and what to do', async () => {
    const project = await generate(await parent(), 'old');
    await fs.rm(path.join(project, '.serverless-dash'), { recursive: true });
    await commitAll(project, 'As an older version left it');
    await refused(project, /has no \.serverless-dash\/project\.json: it was generated before[\s\S]*generate a new project with the same flags/);
  });

  it('a hand-edited record (an answer changed)', async () => {
    const project = await generate(await parent(), 'edited-record');
    const file = path.join(project, RECORD_FILE);
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('"memory": "1024"', '"memory": "2048"'));
    await commitAll(project, 'Edit the record');
    await refused(project, /project\.json is corrupted or was edited by hand \(its integrity digest does not match/);
  });

  it('a corrupted record (not JSON)', async () => {
    const project = await generate(await parent(), 'broken-record');
    await fs.writeFile(path.join(project, RECORD_FILE), '{"generator": "create-serverless-dash", ');
    await commitAll(project, 'Break the record');
    await refused(project, /project\.json is corrupted or was edited by hand \(not JSON/);
  });

  it('a record whose answers break a rule', async () => {
    const project = await generate(await parent(), 'bad-answer');
    await rewriteRecord(project, (r) => {
      r.answers.memory = '64';
    });
    await commitAll(project, 'A bad answer');
    await refused(project, /corrupted or was edited by hand: its answers break a rule: --memory 64: Lambda memory must be an integer/);
  });

  it('a missing base', async () => {
    const project = await generate(await parent(), 'no-base');
    await fs.rm(path.join(project, BASE_FILE));
    await commitAll(project, 'Lose the base');
    await refused(project, /base\.json\.gz is missing: it holds what version .* wrote, the base of the merge/);
  });

  it('a damaged base', async () => {
    const project = await generate(await parent(), 'bad-base');
    await fs.writeFile(path.join(project, BASE_FILE), 'not gzip');
    await commitAll(project, 'Damage the base');
    await refused(project, /base\.json\.gz is damaged or was replaced/);
  });

  it('not a git repository', async () => {
    const project = await generate(await parent(), 'no-git', ['--no-git']);
    await refused(project, /is not a git repository/);
  });

  it('a dirty tree: the dirty files named', async () => {
    const project = await generate(await parent(), 'dirty');
    await fs.appendFile(path.join(project, 'README.md'), 'more\n');
    await fs.writeFile(path.join(project, 'src', 'scratch.py'), 'x = 1\n');
    await refused(project, /the git tree is not clean[\s\S]*README\.md[\s\S]*src\/scratch\.py/);
  });

  it('a downgrade', async () => {
    const project = await generate(await parent(), 'newer', [], next.bin);
    await refused(project, new RegExp(`older than the ${next.version.replaceAll('.', '\\.')} that wrote this project: a downgrade is refused`), [], BIN);
  });

  it('upgrade --help, and the main --help names the command', async () => {
    const dir = await parent();
    const help = await execa('node', [BIN, 'upgrade', '--help'], { cwd: dir, env: ENV, stdin: 'ignore' });
    expect(help.stdout).toMatch(/^Usage: create-serverless-dash upgrade \[--dry-run\] \[--force\]/);
    expect(help.stdout).toContain('3    upgraded with conflicts');
    const main = await execa('node', [BIN, '--help'], { cwd: dir, env: ENV, stdin: 'ignore' });
    expect(main.stdout).toContain('create-serverless-dash upgrade [--dry-run] [--force]');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('an unknown flag', async () => {
    const project = await generate(await parent(), 'flags');
    await refused(project, /upgrade: Unknown option '--frobnicate'/, ['--frobnicate']);
  });

  it('./upgrade still names a new project directory', async () => {
    const dir = await parent();
    const r = await execa('node', [BIN, './upgrade', '--yes', '--no-git', '--no-install'], { cwd: dir, env: ENV, stdin: 'ignore', reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await exists(path.join(dir, 'upgrade', 'template.yaml'))).toBe(true);
    expect(await exists(path.join(dir, 'upgrade', RECORD_FILE))).toBe(true);
  });
});

describe('interrupted', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s midway through the writes leaves the tree as it was: exit %i', async (signal, status) => {
    const project = await generate(await parent(), `interrupted-${signal.toLowerCase()}`);
    await changeAsUser(project);
    const before = await tree(project);
    // A wait before each rename (test-only, src/signals.ts), so that the signal lands among them.
    const child = upgrade(next.bin, project, [], { ...ENV, CREATE_SERVERLESS_DASH_TEST_DELAY_MS: '250' });
    // Midway: a file is already in the backup directory (moved aside), the rest not yet written.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const backups = (await fs.readdir(project)).filter((e) => e.includes(`${TEMP_MARKER}-backup-`));
      const moved = backups.length ? (await fs.readdir(path.join(project, backups[0]), { recursive: true })).length : 0;
      if (moved > 0) break;
      if (Date.now() > deadline) throw new Error('the upgrade never began writing');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill(signal);
    const r = await child;
    expect(r.exitCode, r.all).toBe(status);
    expect(r.stderr).toContain('Interrupted while writing');
    expect(await tree(project)).toEqual(before);
    expect((await fs.readdir(project)).filter((e) => e.includes(TEMP_MARKER))).toEqual([]);
    expect((await git(project, ['status', '--porcelain'])).stdout).toBe('');
  });
});
