// SIGINT/SIGTERM once writing has begun must not kill the process half-way: they are turned into an
// error at the next checkpoint, so the write is undone before we exit. Before that, nothing has been
// written and the default (the process ends, status 128 + signal) is right.

import { EXIT } from './errors.js';

/** A signal arrived while writing; we exit 128 + its number once the write is undone. */
export class Interrupted extends Error {
  readonly exitCode: number;
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.exitCode = signal === 'SIGINT' ? EXIT.cancelled : EXIT.terminated;
  }
}

export interface DeferredSignals {
  /** Throws Interrupted once SIGINT or SIGTERM has arrived; the writer calls it between steps. */
  checkpoint(): void;
  /** Aborted (reason: Interrupted) when a signal arrives: cancels the post-steps' child processes. */
  readonly signal: AbortSignal;
}

/**
 * From now until the process exits, SIGINT and SIGTERM no longer end it: they abort `signal`. Never
 * released: a signal between the last rename and exit must not kill a process whose project is
 * complete (its shell would read 130, "nothing written").
 */
export function deferSignals(): DeferredSignals {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (!controller.signal.aborted) controller.abort(new Interrupted(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: controller.signal, checkpoint: () => controller.signal.throwIfAborted() };
}

/**
 * Test-only: CREATE_SERVERLESS_DASH_TEST_DELAY_MS (a whole number, 1 to 1000) waits that long before
 * each rename of the write (the steps that change the target), so that test/cli/interrupt.test.ts
 * and test/upgrade/ can land signals among them; a whole write otherwise takes a few milliseconds. Unset or any other
 * value: no wait.
 */
export function testStepDelay(): () => Promise<void> {
  const ms = Number(process.env.CREATE_SERVERLESS_DASH_TEST_DELAY_MS);
  if (!Number.isInteger(ms) || ms < 1 || ms > 1000) return async () => {};
  return () => new Promise((resolve) => setTimeout(resolve, ms));
}
