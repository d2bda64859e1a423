// SIGINT and SIGTERM at random points of a generation by the built binary: into a new directory, and
// into a non-empty one with --overwrite and with --overwrite=merge. Whenever the signal lands, the
// target ends up either exactly the complete project (what an uninterrupted run makes from the same
// start) with exit 0, or exactly what was there before (.git included) with exit 130 / 143 (or the
// process killed by the signal before it began writing: its shell reads the same 130 / 143), and the
// parent holds nothing else: no staging or backup directory.
//
// A whole write takes a few milliseconds, too short a window to hit by timing alone, so the runs set
// the test-only CREATE_SERVERLESS_DASH_TEST_DELAY_MS (src/cli.ts): a wait before each rename, the
// steps that change the target and decide the outcome (the render before them only fills the
// staging directory). Delays are spread evenly, with seeded jitter, from 0 to a little beyond the
// duration of an uninterrupted run measured first under the same conditions, so they fall before,
// during and after the write. SERVERLESS_DASH_INTERRUPT_SEED=<n> repeats a run's delays.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_MARKER } from '../../src/write.js';
import { BIN, cleanEnv, snapshot, tempDir } from './run.js';

const SEED = Number(process.env.SERVERLESS_DASH_INTERRUPT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS_PER_MODE = 8; // × 3 modes = 24 runs, SIGINT and SIGTERM alternating
const RENAME_DELAY_MS = '20';
/** How far past the measured duration of an uninterrupted run the latest signal may come. */
const BEYOND = 1.15;
const ENV = cleanEnv({ CREATE_SERVERLESS_DASH_TEST_DELAY_MS: RENAME_DELAY_MS });
const EXIT_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;

/** mulberry32: a small seeded PRNG, so a failing run's delays can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mode = { name: string; flags: string[]; occupied: boolean };
const MODES: Mode[] = [
  { name: 'a new directory', flags: [], occupied: false },
  { name: 'a non-empty directory, --overwrite', flags: ['--overwrite'], occupied: true },
  { name: 'a non-empty directory, --overwrite=merge', flags: ['--overwrite=merge'], occupied: true },
];

let root: string;
let runs = 0;
beforeAll(async () => {
  root = await tempDir('csd-interrupt-');
  console.log(`interrupt seed ${SEED} (SERVERLESS_DASH_INTERRUPT_SEED=${SEED} repeats these delays)`);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** parent/ with a file of its own and, if `occupied`, my-dash/ holding .git, files the project also has, and others. */
async function fixture(occupied: boolean): Promise<{ parent: string; target: string }> {
  const parent = path.join(root, `run-${++runs}`);
  const target = path.join(parent, 'my-dash');
  await fs.mkdir(parent);
  await fs.writeFile(path.join(parent, 'existing.txt'), 'mine\n');
  if (occupied) {
    await fs.mkdir(path.join(target, '.git', 'objects', 'ab'), { recursive: true });
    await fs.writeFile(path.join(target, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await fs.writeFile(path.join(target, '.git', 'objects', 'ab', 'cdef'), 'object\n');
    await fs.writeFile(path.join(target, 'template.yaml'), 'old: template\n');
    await fs.writeFile(path.join(target, 'notes.md'), 'my notes\n');
    await fs.mkdir(path.join(target, 'src'));
    await fs.writeFile(path.join(target, 'src', 'app.py'), 'old = True\n');
    await fs.writeFile(path.join(target, 'src', 'mine.py'), 'x = 1\n', { mode: 0o600 });
  }
  return { parent, target };
}

const generate = (mode: Mode, cwd: string) =>
  execa('node', [BIN, 'my-dash', '--no-git', '--no-install', ...mode.flags], { cwd, env: ENV, reject: false, stdin: 'ignore' });

/** Snapshot of a directory, or undefined when it does not exist. */
const snapshotOrNone = (dir: string) => snapshot(dir).catch(() => undefined);
/** Temporary directories anywhere under `dir`. */
const temporaries = async (dir: string) =>
  (await fs.readdir(dir, { recursive: true })).filter((e) => e.includes(TEMP_MARKER));

const tally = { complete: 0, undone: 0, killedBeforeWriting: 0 };

describe.each(MODES)('SIGINT / SIGTERM at random points, into $name', (mode) => {
  const random = prng(SEED + MODES.indexOf(mode));
  let reference: Record<string, string>;
  let duration: number;

  beforeAll(async () => {
    // The complete project from the same start, and how long an uninterrupted run takes.
    const { parent, target } = await fixture(mode.occupied);
    const started = performance.now();
    const r = await generate(mode, parent);
    duration = performance.now() - started;
    expect(r.exitCode, r.stderr).toBe(0);
    reference = await snapshot(target);
    expect(Object.keys(reference)).toContain('template.yaml');
  });

  it(`${RUNS_PER_MODE} runs: the complete project with exit 0, or nothing with 130/143`, async () => {
    for (let run = 0; run < RUNS_PER_MODE; run++) {
      const signal = run % 2 === 0 ? 'SIGINT' : 'SIGTERM';
      // One delay in each of RUNS_PER_MODE equal slices of [0, BEYOND × duration).
      const delay = ((run + random()) / RUNS_PER_MODE) * BEYOND * duration;
      const where = `seed ${SEED}, ${mode.name}, run ${run}: ${signal} after ${delay.toFixed(0)} ms (an uninterrupted run: ${duration.toFixed(0)} ms)`;

      const { parent, target } = await fixture(mode.occupied);
      const before = await snapshot(parent);
      const child = generate(mode, parent);
      await sleep(delay);
      child.kill(signal); // false once the process has exited: then it must have completed
      const r = await child;

      expect(await temporaries(parent), where).toEqual([]);
      if (r.exitCode === 0) {
        expect(await snapshotOrNone(target), `${where}: exit 0 must mean the complete project`).toEqual(reference);
        expect((await fs.readdir(parent)).sort(), where).toEqual(['existing.txt', 'my-dash']);
        expect(r.stdout, where).toMatch(/✔ (Created|Emptied and wrote|Merged into) /);
        tally.complete++;
      } else {
        expect(await snapshot(parent), `${where}: exit ${r.exitCode ?? r.signal} must mean nothing written`).toEqual(before);
        if (r.signal === signal) {
          tally.killedBeforeWriting++; // before the handlers exist: nothing has been written yet
        } else {
          expect(r.exitCode, `${where}\n${r.stderr}`).toBe(EXIT_STATUS[signal]);
          expect(r.stderr, where).toMatch(/✖ Interrupted while writing; \S+\/my-dash is as it was$/);
          tally.undone++;
        }
      }
    }
  });
});

describe('the interruptions', () => {
  it('landed inside writes (and are counted)', () => {
    console.log(
      `interruptions (seed ${SEED}): ${runs - MODES.length} runs (beyond ${MODES.length} references): ${tally.complete} complete (exit 0), ` +
        `${tally.undone} undone while writing (exit 130/143), ${tally.killedBeforeWriting} killed before writing began`,
    );
    expect(tally.complete + tally.undone + tally.killedBeforeWriting).toBe(MODES.length * RUNS_PER_MODE);
    // Delays spread over the whole run, most of which is the (slowed) write: if none was undone, the
    // signals never reached a write and the runs above proved nothing about one.
    expect(tally.undone).toBeGreaterThan(0);
  });
});

describe('a signal after the project is written', () => {
  // The install step (python -m venv, then pip) runs for seconds: a signal then stops it, the project
  // stays complete, and the exit status is 0 with a warning, as when the step fails.
  it.each(['SIGINT', 'SIGTERM'] as const)('%s during the install step: the step stops, the project is kept, exit 0', async (signal) => {
    const parent = path.join(root, `after-write-${signal}`);
    await fs.mkdir(parent);
    const child = execa('node', [BIN, 'my-dash', '--no-git', '--install'], { cwd: parent, env: cleanEnv(), reject: false, stdin: 'ignore' });
    let output = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Creating .venv')) resolve();
      }),
    );
    child.kill(signal);
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`install failed, the project is kept \\(run make install to retry\\): interrupted by ${signal}`));
    expect(r.stdout).toMatch(/✔ Created \S+\/my-dash/);
    expect(r.stdout).toMatch(/make install/); // the next steps say how to do it by hand
    expect(await fs.readFile(path.join(parent, 'my-dash', 'template.yaml'), 'utf8')).toMatch(/AWS::Serverless/);
    expect(await temporaries(parent)).toEqual([]);
  });
});
