// SIGINT/SIGTERM while the project is being written must not kill the process half-way: they are
// turned into an error at the next checkpoint, so the write is undone before we exit.

import { EXIT } from './errors.js';

/** A signal arrived while writing; we exit 128 + its number once the write is undone. */
export class Interrupted extends Error {
  readonly exitCode: number;
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.exitCode = signal === 'SIGINT' ? EXIT.cancelled : EXIT.terminated;
  }
}

/** Runs `fn` with SIGINT/SIGTERM deferred: `checkpoint()` throws Interrupted once one has arrived. */
export async function withSignalsDeferred<T>(fn: (checkpoint: () => void) => Promise<T>): Promise<T> {
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    received ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(() => {
      if (received) throw new Interrupted(received);
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
