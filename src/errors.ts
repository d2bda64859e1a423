// Exit statuses, documented in README.md and --help.
export const EXIT = {
  ok: 0,
  /** Writing failed; the disk was restored to how it was. */
  writeFailed: 1,
  /** Refused input: unknown flag, bad value, missing answer without a TTY, target not usable. */
  refused: 2,
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
