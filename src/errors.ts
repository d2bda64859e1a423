// Exit statuses, documented in README.md and --help.
export const EXIT = {
  ok: 0,
  /** Writing failed; the disk was restored to how it was. */
  writeFailed: 1,
  /** Refused input: unknown flag, bad value, missing answer without a TTY, target not usable. */
  refused: 2,
  /** `upgrade` only: upgraded, with conflict markers in the files it lists. */
  conflicts: 3,
  /** Ctrl-C at a prompt, declined overwrite, or SIGINT while writing (restored). */
  cancelled: 130,
  /** SIGTERM while writing (restored). */
  terminated: 143,
} as const;

/** Input the CLI refuses; the message names the rule. Nothing has been written. */
export class UsageError extends Error {
  readonly exitCode = EXIT.refused;
}

/** The user cancelled (Ctrl-C, or declined to touch a non-empty directory). Nothing has been written. */
export class Cancelled extends Error {
  readonly exitCode: number;
  constructor(message = 'Cancelled, nothing written.', exitCode: number = EXIT.cancelled) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** "permission denied (EACCES)" from a Node.js file-system error; any other error's message. */
export function causeOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  // Node's message is "EACCES: permission denied, rename 'a' -> 'b'": keep the words and the code.
  const words = err?.code ? /^[A-Z0-9_]+: ([^,]+)/.exec(err.message)?.[1] : undefined;
  return words ? `${words} (${err.code})` : (err?.message ?? String(e));
}

/** The error for a failed step: what it was doing, on which path, and why. */
function stepError(doing: string, e: unknown): Error {
  return new Error(`${doing}: ${causeOf(e)}`, { cause: e });
}

/** Runs one file-system step; a failure says what it was doing, on which path, and why. */
export async function step<T>(doing: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw stepError(doing, e);
  }
}

/** step() for a synchronous call. */
export function stepSync<T>(doing: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw stepError(doing, e);
  }
}
