// Writing: new directory, emptied directory (keeps .git), merge (keeps unrelated files); and a
// failure or abort at any step leaves the parent directory exactly as it was.
import fsSync, { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderTree } from '../../src/render.js';
import type { Placement } from '../../src/target.js';
import { Journal, place, TEMP_MARKER, writeProject, WriteError } from '../../src/write.js';
import { snapshot, tempDir } from '../cli/run.js';
import { context } from './answers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const TEMPLATE = path.join(FIXTURES, 'template');

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function scratch(): Promise<string> {
  const d = await tempDir('csd-write-');
  dirs.push(d);
  return d;
}

/** A target that already holds a repository, a file the project also has, and unrelated files. */
async function occupiedTarget(parent: string): Promise<string> {
  const target = path.join(parent, 'serverless-dash');
  await fs.mkdir(path.join(target, '.git', 'refs'), { recursive: true });
  await fs.writeFile(path.join(target, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await fs.writeFile(path.join(target, 'values.yaml'), 'old: true\n');
  await fs.writeFile(path.join(target, 'mine.txt'), 'keep me\n');
  await fs.mkdir(path.join(target, 'nested', 'deep'), { recursive: true });
  await fs.writeFile(path.join(target, 'nested', 'deep', 'other.txt'), 'also mine\n');
  await fs.writeFile(path.join(target, 'nested', 'deep', 'run.sh'), 'old script\n');
  // A file where the project wants a directory: it is replaced (and restored on failure).
  await fs.writeFile(path.join(target, '.github'), 'a file, not a directory\n');
  return target;
}

async function write(target: string, placement: Placement) {
  const result = await writeProject({ templateDir: TEMPLATE, target, placement, context: context() });
  expect(result.leftovers).toEqual([]);
  return result;
}

async function expectedTree(): Promise<Record<string, string>> {
  const dest = await scratch();
  await renderTree(TEMPLATE, dest, context());
  return snapshot(dest);
}

const leftovers = async (parent: string) => (await fs.readdir(parent)).filter((e) => e.includes(TEMP_MARKER));

describe('writeProject', () => {
  it('creates the target, and parents that do not exist, with the rendered tree', async () => {
    const parent = await scratch();
    const target = path.join(parent, 'a', 'b', 'serverless-dash');
    await write(target, 'create');
    expect(await snapshot(target)).toEqual(await expectedTree());
    expect(await leftovers(path.dirname(target))).toEqual([]);
  });

  it('empty: replaces everything but .git', async () => {
    const parent = await scratch();
    const target = await occupiedTarget(parent);
    const git = await snapshot(path.join(target, '.git'));
    await write(target, 'empty');
    const tree = await snapshot(target);
    expect(await snapshot(path.join(target, '.git'))).toEqual(git);
    for (const key of Object.keys(tree)) if (key.startsWith('.git/') || key === '.git') delete tree[key];
    expect(tree).toEqual(await expectedTree());
    expect(await leftovers(parent)).toEqual([]);
  });

  it('merge: writes the project, keeps unrelated files and .git', async () => {
    const parent = await scratch();
    const target = await occupiedTarget(parent);
    await write(target, 'merge');
    const tree = await snapshot(target);
    const expected = await expectedTree();
    for (const [file, entry] of Object.entries(expected)) expect(tree[file], file).toBe(entry);
    expect(await fs.readFile(path.join(target, 'mine.txt'), 'utf8')).toBe('keep me\n');
    expect(await fs.readFile(path.join(target, 'nested/deep/other.txt'), 'utf8')).toBe('also mine\n');
    expect(await fs.readFile(path.join(target, '.git/HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(await leftovers(parent)).toEqual([]);
  });

  it('a template error leaves the parent as it was, temp directories included', async () => {
    const parent = await scratch();
    const target = await occupiedTarget(parent);
    const before = await snapshot(parent);
    for (const placement of ['empty', 'merge'] as const) {
      await expect(
        writeProject({ templateDir: path.join(FIXTURES, 'broken-template'), target, placement, context: context() }),
      ).rejects.toThrow(/notAnAnswer[\s\S]*is as it was/);
      expect(await snapshot(parent)).toEqual(before);
    }
    const fresh = path.join(parent, 'new', 'serverless-dash');
    await expect(
      writeProject({ templateDir: path.join(FIXTURES, 'broken-template'), target: fresh, placement: 'create', context: context() }),
    ).rejects.toThrow(WriteError);
    expect(await snapshot(parent)).toEqual(before); // the created parent "new/" is gone too
  });

  // Every rename is a step; abort before each one in turn (as a signal would) and check the undo.
  describe.each(['create', 'empty', 'merge'] as const)('aborted at any step (%s)', (placement) => {
    it('leaves the parent as it was', async () => {
      const parent = await scratch();
      const target = placement === 'create' ? path.join(parent, 'serverless-dash') : await occupiedTarget(parent);
      const before = await snapshot(parent);
      let steps = 0;
      for (let abortAt = 1; ; abortAt++) {
        let calls = 0;
        const checkpoint = () => {
          if (++calls === abortAt) throw new Error(`abort at step ${abortAt}`);
        };
        try {
          await writeProject({ templateDir: TEMPLATE, target, placement, context: context(), checkpoint });
        } catch (e) {
          expect((e as Error).message).toMatch(`abort at step ${abortAt}`);
          expect(await snapshot(parent), `aborted at step ${abortAt}`).toEqual(before);
          continue;
        }
        steps = abortAt - 1;
        break;
      }
      // create: render + one rename; the others move several entries aside and in.
      expect(steps).toBeGreaterThanOrEqual(placement === 'create' ? 3 : 6);
    });
  });
});

describe('Journal', () => {
  it('undoes renames newest first and reports what it could not undo', async () => {
    const dir = await scratch();
    await fs.writeFile(path.join(dir, 'a'), 'a');
    const journal = new Journal(dir, 'x', () => {});
    await journal.move(path.join(dir, 'a'), path.join(dir, 'b'));
    await journal.move(path.join(dir, 'b'), path.join(dir, 'c'));
    expect(await journal.undo()).toEqual([]);
    expect(await fs.readdir(dir)).toEqual(['a']);
  });

  it('place() into an emptied target moves only what is not kept', async () => {
    const parent = await scratch();
    const target = await occupiedTarget(parent);
    const staging = path.join(parent, 'staging');
    await fs.mkdir(staging);
    await fs.writeFile(path.join(staging, 'new.txt'), 'new');
    const journal = new Journal(parent, 'serverless-dash', () => {});
    await place(staging, target, 'empty', journal);
    expect((await fs.readdir(target)).sort()).toEqual(['.git', 'new.txt']);
    await journal.undo();
    expect((await fs.readdir(target)).sort()).toEqual(['.git', '.github', 'mine.txt', 'nested', 'values.yaml']);
  });
});

// Disk errors, injected into the file-system calls src/write.ts and src/render.ts make: each failure
// names the step, the path and the cause, and the disk is left as it was; when even the undo fails,
// nothing is lost either: what could not be put back is in the backup directory, which is kept.
describe('disk errors', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** An error as Node.js makes it: "ENOSPC: no space left on device, write" with code and syscall. */
  function errno(code: string, words: string, syscall: string): NodeJS.ErrnoException {
    return Object.assign(new Error(`${code}: ${words}, ${syscall}`), { code, syscall });
  }

  /** Fails the `nth` call of the synchronous fs[method] (and, with `andAfter`, every later one). */
  function failCall(method: 'renameSync' | 'mkdirSync', nth: number, error: Error, andAfter = false) {
    const real = fsSync[method].bind(fsSync) as (...args: unknown[]) => unknown;
    let calls = 0;
    return vi.spyOn(fsSync, method).mockImplementation(((...args: unknown[]) => {
      if (++calls === nth || (andAfter && calls > nth)) throw error;
      return real(...args);
    }) as never);
  }

  /** Fails the render's file writes for which `fails` says so. */
  function failWrite(fails: (dest: string, data: unknown) => boolean, error: Error) {
    const real = fsSync.writeFileSync.bind(fsSync);
    return vi.spyOn(fsSync, 'writeFileSync').mockImplementation((dest, data, options) => {
      if (fails(String(dest), data)) throw error;
      return real(dest, data, options);
    });
  }

  const placements = ['create', 'empty', 'merge'] as const;
  async function start(placement: Placement) {
    const parent = await scratch();
    const target = placement === 'create' ? path.join(parent, 'serverless-dash') : await occupiedTarget(parent);
    return { parent, target, before: await snapshot(parent) };
  }
  const write = (target: string, placement: Placement) =>
    writeProject({ templateDir: TEMPLATE, target, placement, context: context() });

  it.each(placements)('ENOSPC on the 2nd rendered file (%s): names the file, the target is as it was', async (placement) => {
    const { parent, target, before } = await start(placement);
    let rendered = 0; // templates render to text; other files are written as read
    failWrite((_, data) => typeof data === 'string' && ++rendered === 2, errno('ENOSPC', 'no space left on device', 'write'));
    await expect(write(target, placement)).rejects.toThrow(
      new RegExp(`^writing ${parent}/\\S+/values\\.\\w+: no space left on device \\(ENOSPC\\)\\n${target} is as it was$`),
    );
    expect(await snapshot(parent)).toEqual(before);
  });

  it.each(placements)('ENOSPC writing the favicon (%s)', async (placement) => {
    const { parent, target, before } = await start(placement);
    failWrite((dest) => dest.endsWith('favicon.ico'), errno('ENOSPC', 'no space left on device', 'write'));
    await expect(write(target, placement)).rejects.toThrow(/^writing \S+\/favicon\.ico: no space left on device \(ENOSPC\)\n/);
    expect(await snapshot(parent)).toEqual(before);
  });

  it.each(placements)('EIO creating the staging directory (%s)', async (placement) => {
    const { parent, target, before } = await start(placement);
    const home = placement === 'create' ? parent : target;
    failCall('mkdirSync', 2, errno('EIO', 'i/o error', 'mkdir')); // the 1st makes sure the parent exists
    await expect(write(target, placement)).rejects.toThrow(new RegExp(`^writing in ${home}: i/o error \\(EIO\\)\\n${target} is as it was$`));
    expect(await snapshot(parent)).toEqual(before);
  });

  it.each([
    ['EACCES', 'permission denied'],
    ['EXDEV', 'cross-device link not permitted'],
    ['EPERM', 'operation not permitted'],
  ])('%s on a rename half-way through placing: the renames before it are undone', async (code, words) => {
    for (const placement of placements) {
      vi.restoreAllMocks();
      const { parent, target, before } = await start(placement);
      // create has a single rename (the commit); the others fail on the 3rd, after two have happened.
      failCall('renameSync', placement === 'create' ? 1 : 3, errno(code, words, 'rename'));
      const error = (await write(target, placement).catch((e: unknown) => e)) as Error;
      expect(error, placement).toBeInstanceOf(WriteError);
      expect(error.message, placement).toMatch(new RegExp(`^moving \\S+ to \\S+: ${words} \\(${code}\\)\\n${target} is as it was$`));
      expect(await snapshot(parent), placement).toEqual(before);
    }
  });

  it('a rename that fails and whose undo fails too: nothing lost, the rest is in the kept backup', async () => {
    const { parent, target, before } = await start('empty');
    // From the 3rd rename on, every rename fails: the two before it (moves aside) cannot be undone.
    failCall('renameSync', 3, errno('EACCES', 'permission denied', 'rename'), true);
    const error = (await write(target, 'empty').catch((e: unknown) => e)) as Error;
    vi.restoreAllMocks();
    expect(error.message).toMatch(/^moving \S+ to \S+: permission denied \(EACCES\)\ncould not restore everything; what was there is in \S+:\n {2}\S+ → \S+: EACCES/);
    const [backup] = (await fs.readdir(target)).filter((e) => e.includes(`${TEMP_MARKER}-backup-`));
    expect(backup).toBeDefined();
    // Every file that was in the target is still there, or in the backup at the same relative path.
    const now = await snapshot(parent);
    const rel = path.relative(parent, target);
    for (const [file, entry] of Object.entries(before)) {
      const aside = path.join(rel, backup, path.relative(rel, file));
      expect([now[file], now[aside]], file).toContain(entry);
    }
    expect(await fs.readdir(parent)).toEqual(['serverless-dash']); // and no staging directory
  });
});
