// A signal while writing: the process survives it, the write is aborted at the next checkpoint and
// undone (test/unit/write.test.ts aborts at every checkpoint), and the CLI exits 128 + signal.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, snapshot, tempDir } from './run.js';

let cwd: string;
beforeEach(async () => {
  cwd = await tempDir();
});
afterEach(async () => {
  await fs.rm(cwd, { recursive: true, force: true });
});

// A child process that writes the fixture template while sending itself `signal` mid-write.
const PROBE = `
import path from 'node:path';
import { deferSignals, Interrupted } from './src/signals.ts';
import { writeProject } from './src/write.ts';
import { templateContext } from './src/context.ts';
import { DEFAULT_ANSWERS } from './test/unit/answers.ts';
const [signal, target] = process.argv.slice(-2);
let steps = 0;
const signals = deferSignals();
try {
  await writeProject({
    templateDir: 'test/fixtures/template',
    target,
    placement: 'create',
    context: templateContext(DEFAULT_ANSWERS),
    checkpoint: () => {
      // Sent at the first file: the file operations that follow turn the event loop, which runs the handler.
      if (++steps === 1) process.kill(process.pid, signal);
      signals.checkpoint();
    },
  });
  console.log('written');
} catch (e) {
  console.log(e.cause instanceof Interrupted ? 'undone after ' + e.cause.signal + ', exit ' + e.cause.exitCode : 'other: ' + e.message);
}
`;

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s while writing', (signal, code) => {
  it('is survived, and the write undone', async () => {
    await fs.writeFile(path.join(cwd, 'mine.txt'), 'mine');
    const before = await snapshot(cwd);
    const r = await execa(
      'node',
      ['--import', 'tsx', '--input-type=module', '-e', PROBE, signal, path.join(cwd, 'new', 'serverless-dash')],
      { cwd: REPO_ROOT, reject: false },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`undone after ${signal}, exit ${code}`);
    expect(r.exitCode).toBe(0);
    expect(await snapshot(cwd)).toEqual(before);
  });
});
