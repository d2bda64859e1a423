// Command-line flags, derived from the option table. node:util parseArgs does the parsing (strict);
// this adds "did you mean" for unknown flags and the optional value of --overwrite.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import leven from 'leven';
import { UsageError } from './errors.js';
import { EXTRA_FLAGS, OPTIONS, showValue, type RawAnswers } from './options.js';

export type OverwriteMode = 'empty' | 'merge';

export interface CliArgs {
  /** Answers given as flags (and the positional project directory). */
  given: RawAnswers;
  overwrite?: OverwriteMode;
  yes: boolean;
  help: boolean;
  version: boolean;
}

const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries([
  ...OPTIONS.filter((o) => o.flag !== '').map((o) => [o.flag, { type: o.kind === 'confirm' ? 'boolean' : 'string' }]),
  ...EXTRA_FLAGS.map((f) => [
    f.flag,
    { type: f.flag === 'overwrite' ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}) },
  ]),
]);

const BOOLEAN_FLAGS = OPTIONS.filter((o) => o.kind === 'confirm').map((o) => o.flag);
/** Every spelling a user may type, for suggestions. */
const KNOWN_FLAGS = [...Object.keys(PARSE_OPTIONS), ...BOOLEAN_FLAGS.map((f) => `no-${f}`)];

function closest(name: string): string | undefined {
  let best: { flag: string; distance: number } | undefined;
  for (const flag of KNOWN_FLAGS) {
    const distance = leven(name, flag);
    if (!best || distance < best.distance) best = { flag, distance };
  }
  // A typo, not a different word: at most a third of the name, and never more than 3 edits.
  return best && best.distance <= Math.min(3, Math.max(1, Math.floor(name.length / 3))) ? best.flag : undefined;
}

const STRING_FLAGS = Object.keys(PARSE_OPTIONS).filter((f) => PARSE_OPTIONS[f].type === 'string');
const SHORT_FLAGS: string[] = EXTRA_FLAGS.map((f) => f.short).filter((s) => s !== '');

/** `--name…` or a cluster of our short flags (`-y`, `-yh`): never the value of the flag before it. */
function isFlag(arg: string): boolean {
  return arg.startsWith('--') || (/^-[A-Za-z]+$/.test(arg) && [...arg.slice(1)].every((c) => SHORT_FLAGS.includes(c)));
}

/**
 * parseArgs calls `--timeout -1` ambiguous. A value starting with `-` that is not one of our flags is
 * the value (`--stage -dev`, `--memory -1`), so its rule judges it instead of "needs a value".
 */
function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (arg.startsWith('--') && STRING_FLAGS.includes(arg.slice(2)) && next?.startsWith('-') && !isFlag(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** A flag as typed, for messages: `--memory 512`, `--no-git`, `--overwrite=merge`. */
function spelled(token: { rawName: string; value?: string; inlineValue?: boolean }): string {
  if (token.value === undefined) return token.rawName;
  if (token.rawName === '--overwrite') return token.value === 'empty' ? '--overwrite' : `--overwrite=${token.value}`;
  return token.inlineValue ? `${token.rawName}=${showValue(token.value)}` : `${token.rawName} ${showValue(token.value)}`;
}

/**
 * Unknown flags, with a suggestion; and a flag given twice with different values (`--memory 512
 * --memory 1024`, `--git --no-git`): refused, not "last wins", because a value silently dropped makes
 * a project the user did not ask for. The same value twice is harmless and accepted.
 */
function rejectUnknownAndConflicting(args: string[]): void {
  const { tokens } = parseArgs({ args, options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const seen = new Map<string, { value: string | boolean; spelled: string }>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (!KNOWN_FLAGS.includes(token.name)) {
      const suggestion = token.rawName.startsWith('--') ? closest(token.name) : undefined;
      throw new UsageError(`unknown flag ${token.rawName}${suggestion ? `: did you mean --${suggestion}?` : ''}`);
    }
    const negated = token.name.startsWith('no-') && BOOLEAN_FLAGS.includes(token.name.slice(3));
    const flag = negated ? token.name.slice(3) : token.name;
    const value = negated ? false : (token.value ?? true);
    const earlier = seen.get(flag);
    if (earlier && earlier.value !== value) {
      throw new UsageError(`${earlier.spelled} and ${spelled(token)} conflict: give --${flag} once`);
    }
    seen.set(flag, { value, spelled: spelled(token) });
  }
}

export function parseCliArgs(argv: string[]): CliArgs {
  // parseArgs has no optional values: a bare --overwrite means "empty it"; --overwrite=merge stays.
  const end = argv.indexOf('--');
  const args = joinDashValues(argv.map((a, i) => (a === '--overwrite' && (end === -1 || i < end) ? '--overwrite=empty' : a)));
  rejectUnknownAndConflicting(args);
  let parsed;
  try {
    parsed = parseArgs({ args, options: PARSE_OPTIONS, strict: true, allowPositionals: true, allowNegative: true });
  } catch (e) {
    const message = (e as Error).message;
    const flag = /--([a-z][a-z-]*)/.exec(message)?.[1] ?? '';
    const opt = OPTIONS.find((o) => o.flag === flag && o.kind !== 'confirm');
    if (opt && /argument (missing|is ambiguous)/.test(message)) {
      throw new UsageError(`--${opt.flag} needs a value: --${opt.flag} ${'valueName' in opt ? opt.valueName : ''}`.trimEnd());
    }
    if (/does not take an argument/.test(message)) {
      const forms = BOOLEAN_FLAGS.includes(flag) ? `--${flag} or --no-${flag}` : `--${flag} alone`;
      throw new UsageError(`--${flag} takes no value: give ${forms}`);
    }
    // parseArgs' own first line names the flag and the problem.
    throw new UsageError(message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `one project directory expected, got ${positionals.length}: ${positionals.join(' ')} (quote a value with spaces; flags take one value each)`,
    );
  }

  const given: RawAnswers = {};
  if (positionals.length === 1) given.projectDir = positionals[0];
  for (const o of OPTIONS) {
    const v = o.flag === '' ? undefined : values[o.flag];
    if (v === undefined) continue;
    if (o.kind === 'confirm') given[o.key] = Boolean(v);
    else given[o.key] = String(v);
  }

  const overwrite = values.overwrite as string | undefined;
  if (overwrite !== undefined && overwrite !== 'empty' && overwrite !== 'merge') {
    throw new UsageError(
      `--overwrite=${overwrite}: must be --overwrite (empty the target, keeping .git) or --overwrite=merge`,
    );
  }
  return {
    given,
    overwrite: overwrite as OverwriteMode | undefined,
    yes: values.yes === true,
    help: values.help === true,
    version: values.version === true,
  };
}
