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
