// upgrade's plan file by file, for the cases a whole N → N+1 run does not reach: files deleted by
// the user, files a new version drops, a file of the user's at a platform path, no base, binary
// shared files. Real files and real git merge-file; the record is built as a generation builds it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNERSHIP, ownerOf } from '../../src/ownership.js';
import { buildRecord } from '../../src/record.js';
import { makePlan, type PlanEntry } from '../../src/upgrade.js';
import { tempDir } from '../cli/run.js';
import { GIT_HERMETIC } from './harness.js';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await tempDir('csd-plan-');
  // git merge-file runs in this process: none of the machine's git config (merge.conflictStyle).
  Object.assign(process.env, GIT_HERMETIC);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

type Files = Record<string, string | Buffer>;

async function writeTree(dir: string, files: Files): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
}

/**
 * The plan for a project that version 1.0.0 wrote as `old`, the user then left as `now`, and 1.1.0
 * writes as `next`. Keyed by path.
 */
async function plan(old: Files, now: Files, next: Files, force = false): Promise<Record<string, PlanEntry>> {
  const dir = path.join(root, `case-${++n}`);
  const [project, work] = ['project', 'work'].map((d) => path.join(dir, d));
  await writeTree(project, now);
  await fs.mkdir(work, { recursive: true });
  const { record, base: gz } = buildRecord(new Map(Object.entries(old)), '1.0.0', {});
  const { gunzipSync } = await import('node:zlib');
  const base = new Map(Object.entries(JSON.parse(gunzipSync(gz).toString()) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  const rendered = new Map(Object.entries(next).map(([rel, c]) => [rel, { content: Buffer.from(c), mode: 0o644 }]));
  const entries = makePlan({ project, record, base, rendered, newVersion: '1.1.0', force, work });
  return Object.fromEntries(entries.map((e) => [e.rel, e]));
}

describe('the ownership table', () => {
  it('classifies the project layout (DESIGN.md section 4) by path', () => {
    const cases: Record<string, string> = {
      'src/app.py': 'user',
      'src/pages/overview.py': 'user',
      'src/assets/style.css': 'user',
      'src/data.py': 'user',
      'src/gapminder.csv': 'user',
      'src/serverless_dash/handler.py': 'platform',
      'src/serverless_dash/auth.py': 'platform',
      'src/requirements.in': 'shared',
      'src/requirements.txt': 'shared',
      'tools/serve.py': 'platform',
      'tests/test_doors.py': 'platform',
      'tests/fixture_app/app.py': 'platform',
      'tests/conftest.py': 'shared',
      'template.yaml': 'shared',
      'Makefile': 'shared',
      'samconfig.toml': 'shared',
      'README.md': 'shared',
      'pyproject.toml': 'shared',
      'requirements-dev.txt': 'shared',
      '.gitignore': 'shared',
      '.github/workflows/deploy.yml': 'shared',
      'pipeline/bootstrap.yaml': 'shared',
      // Not a prefix match on a longer name.
      'src/serverless_dash_extra.py': 'user',
      'toolsmith.txt': 'shared',
    };
    for (const [rel, owner] of Object.entries(cases)) expect(ownerOf(rel), rel).toBe(owner);
  });

  it('is one ordered table ending in a rule for everything else', () => {
    expect(OWNERSHIP.at(-1)?.pattern).toBe('**');
    expect(new Set(OWNERSHIP.map((r) => r.pattern)).size).toBe(OWNERSHIP.length);
  });
});

describe('the plan', () => {
  it('platform: unchanged → replace; changed by the user → refuse, or replace with --force; new → add; dropped → remove', async () => {
    const old = { 'tools/a.py': 'a = 1\n', 'tools/b.py': 'b = 1\n', 'tools/gone.py': 'g = 1\n', 'tools/same.py': 's = 1\n' };
    const now = { ...old, 'tools/b.py': 'b = 2  # mine\n' };
    const next = { 'tools/a.py': 'a = 10\n', 'tools/b.py': 'b = 10\n', 'tools/new.py': 'n = 1\n', 'tools/same.py': 's = 1\n' };
    const p = await plan(old, now, next);
    expect(p['tools/a.py'].action).toBe('replace');
    expect(p['tools/a.py'].content?.toString()).toBe('a = 10\n');
    expect(p['tools/b.py']).toMatchObject({ action: 'refuse', note: 'you changed it since version 1.0.0 wrote it' });
    expect(p['tools/new.py'].action).toBe('add');
    expect(p['tools/gone.py'].action).toBe('remove');
    expect(p['tools/same.py'].action).toBe('keep');
    const forced = await plan(old, now, next, true);
    expect(forced['tools/b.py']).toMatchObject({ action: 'replace', forced: true });
    expect(forced['tools/b.py'].content?.toString()).toBe('b = 10\n');
  });

  it('platform: a file the user deleted, one they changed that the new version drops, one of theirs at a new platform path', async () => {
    const old = { 'tools/deleted.py': 'd = 1\n', 'tools/dropped.py': 'x = 1\n' };
    const now = { 'tools/dropped.py': 'x = 2  # mine\n', 'tools/mine.py': 'm = 1\n' };
    const next = { 'tools/deleted.py': 'd = 2\n', 'tools/mine.py': 'platform = 1\n' };
    const p = await plan(old, now, next);
    expect(p['tools/deleted.py']).toMatchObject({ action: 'refuse', note: 'you deleted it since version 1.0.0 wrote it' });
    expect(p['tools/dropped.py']).toMatchObject({ action: 'refuse', note: 'you changed it, and version 1.1.0 removes it' });
    expect(p['tools/mine.py']).toMatchObject({ action: 'refuse', note: 'a file of yours has its name since version 1.0.0 wrote it' });
    const forced = await plan(old, now, next, true);
    expect(forced['tools/deleted.py']).toMatchObject({ action: 'add', forced: true });
    expect(forced['tools/dropped.py']).toMatchObject({ action: 'remove', forced: true });
    expect(forced['tools/mine.py']).toMatchObject({ action: 'replace', forced: true });
  });

  it('a file of the user\'s beside the platform\'s (neither version wrote it) is not in the plan', async () => {
    const p = await plan({ 'tests/test_x.py': 'x\n' }, { 'tests/test_x.py': 'x\n', 'tests/test_mine.py': 'mine\n' }, { 'tests/test_x.py': 'y\n' });
    expect(Object.keys(p)).toEqual(['tests/test_x.py']);
  });

  it('user: never written, whatever either version did', async () => {
    const old = { 'src/app.py': 'app = 1\n', 'src/pages/a.py': 'a = 1\n' };
    const now = { 'src/app.py': 'app = 2  # mine\n' };
    const next = { 'src/app.py': 'app = 3\n', 'src/pages/a.py': 'a = 2\n', 'src/pages/b.py': 'b = 1\n' };
    const p = await plan(old, now, next);
    for (const rel of Object.keys(next)) {
      expect(p[rel], rel).toMatchObject({ action: 'keep', owner: 'user' });
      expect(p[rel].content, rel).toBeUndefined();
    }
  });

  it('shared: only the new version changed → merge to it; only the user → keep; both, apart → merge; both, same lines → conflict markers', async () => {
    const lines = (xs: string[]) => `${xs.join('\n')}\n`;
    const base = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
    const old = { 'a.txt': lines(base), 'b.txt': lines(base), 'c.txt': lines(base), 'd.txt': lines(base) };
    const now = { 'a.txt': lines(base), 'b.txt': lines(['ONE', ...base.slice(1)]), 'c.txt': lines(['ONE', ...base.slice(1)]), 'd.txt': lines(['uno', ...base.slice(1)]) };
    const next = { 'a.txt': lines([...base, 'nine']), 'b.txt': lines(base), 'c.txt': lines([...base, 'nine']), 'd.txt': lines(['eins', ...base.slice(1)]) };
    const p = await plan(old, now, next);
    expect(p['a.txt']).toMatchObject({ action: 'merge' });
    expect(p['a.txt'].content?.toString()).toBe(next['a.txt']);
    expect(p['b.txt']).toMatchObject({ action: 'keep', note: 'your change; the new version changed nothing here' });
    expect(p['c.txt'].action).toBe('merge');
    expect(p['c.txt'].content?.toString()).toBe(lines(['ONE', ...base.slice(1), 'nine']));
    expect(p['d.txt'].action).toBe('conflict');
    expect(p['d.txt'].content?.toString()).toBe(
      lines(['<<<<<<< yours', 'uno', '=======', 'eins', '>>>>>>> create-serverless-dash 1.1.0', ...base.slice(1)]),
    );
  });

  it('shared: new → add; deleted by the user → keep deleted, or the new version beside it when it changed; dropped → remove, or keep when the user changed it', async () => {
    const old = { 'del-same.txt': 'x\n', 'del-changed.txt': 'x\n', 'drop.txt': 'x\n', 'drop-mine.txt': 'x\n' };
    const now = { 'drop.txt': 'x\n', 'drop-mine.txt': 'x mine\n' };
    const next = { 'added.txt': 'new\n', 'del-same.txt': 'x\n', 'del-changed.txt': 'y\n' };
    const p = await plan(old, now, next);
    expect(p['added.txt'].action).toBe('add');
    expect(p['del-same.txt']).toMatchObject({ action: 'keep', note: 'you deleted it; the new version did not change it' });
    expect(p['del-changed.txt']).toMatchObject({ action: 'conflict' });
    expect(p['del-changed.txt'].sidecar?.toString()).toBe('y\n');
    expect(p['drop.txt'].action).toBe('remove');
    expect(p['drop-mine.txt']).toMatchObject({ action: 'keep', note: 'version 1.1.0 no longer writes it; kept, you changed it' });
  });

  it('shared: a file the user has where the recorded version wrote none is a conflict against an empty base', async () => {
    const p = await plan({}, { 'extra.txt': 'mine\n' }, { 'extra.txt': 'theirs\n' });
    expect(p['extra.txt']).toMatchObject({ action: 'conflict', note: 'no base to merge against: conflict markers' });
    expect(p['extra.txt'].content?.toString()).toContain('<<<<<<< yours\nmine\n=======\ntheirs\n>>>>>>>');
  });

  it('a checkout with CRLF line endings (git core.autocrlf) is not a change of the user\'s', async () => {
    const crlf = (t: string) => t.replaceAll('\n', '\r\n');
    const old = { 'tools/a.py': 'a = 1\nb = 2\n', 'Makefile': 'one\ntwo\nthree\nfour\nfive\n' };
    const now = { 'tools/a.py': crlf(old['tools/a.py']), 'Makefile': crlf('ONE\ntwo\nthree\nfour\nfive\n') };
    const next = { 'tools/a.py': 'a = 10\nb = 2\n', 'Makefile': 'one\ntwo\nthree\nfour\nfive\nsix\n' };
    const p = await plan(old, now, next);
    expect(p['tools/a.py'].action).toBe('replace');
    expect(p['Makefile'].action).toBe('merge');
    expect(p['Makefile'].content?.toString()).toBe('ONE\ntwo\nthree\nfour\nfive\nsix\n');
    // A user's real change is still one.
    const changed = await plan(old, { 'tools/a.py': crlf('a = 1\nb = 3\n') }, next);
    expect(changed['tools/a.py'].action).toBe('refuse');
  });

  it('shared: a binary file both changed is kept, the new version written beside it', async () => {
    const bin = (b: number) => Buffer.from([0, 1, 2, b, 0, 0, 255]);
    const p = await plan({ 'logo.bin': bin(1) }, { 'logo.bin': bin(2) }, { 'logo.bin': bin(3) });
    expect(p['logo.bin']).toMatchObject({ action: 'conflict', note: 'cannot be merged as text: the new version is in logo.bin.new' });
    expect(p['logo.bin'].sidecar?.equals(bin(3))).toBe(true);
    expect(p['logo.bin'].content).toBeUndefined();
  });
});
