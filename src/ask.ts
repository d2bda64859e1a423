// Turns flags + prompts + defaults into answers that passed every rule, in table order, so a rule
// can depend on earlier answers (the timeout limit on the API flavour).
import { Cancelled, UsageError } from './errors.js';
import { flagLabel, OPTIONS, type Mode, type OptionSpec, type RawAnswers } from './options.js';

/** The rule a given flag breaks given the answers so far, or undefined. */
function flagProblem(opt: OptionSpec, value: string | boolean, soFar: RawAnswers): string | undefined {
  if (opt.when && !opt.when.applies(soFar)) return opt.when.rule;
  return opt.kind === 'confirm' ? undefined : opt.validate(value as string, soFar);
}

/**
 * Refuses bad flags before any question is asked. Only flags are known here, so rules that depend on
 * an answer still to be asked (the timeout limit when --api is not given) are checked again later.
 * Options that exist only with another answer (`--base-path` without `--domain`) are refused.
 */
export function checkFlags(given: RawAnswers): void {
  for (const opt of OPTIONS) {
    const value = given[opt.key];
    if (value === undefined) continue;
    const problem = flagProblem(opt, value, given);
    if (problem) throw new UsageError(`${flagLabel(opt, value)}: ${problem}`);
  }
}

async function ask(opt: OptionSpec, initial: string | boolean | undefined, soFar: RawAnswers): Promise<string | boolean> {
  // Loaded on the first question only: --yes and flag-only runs never pay for it.
  const { default: prompts } = await import('prompts');
  const onCancel = () => {
    throw new Cancelled();
  };
  if (opt.kind === 'confirm') {
    const { value } = await prompts(
      { type: 'confirm', name: 'value', message: opt.message, initial: initial as boolean },
      { onCancel },
    );
    return Boolean(value);
  }
  if (opt.kind === 'select') {
    // Only the choices the earlier answers allow (no --auth ip for an HTTP API): a select is not re-asked.
    const choices = (opt.choices ?? []).filter((c) => opt.validate(c.value, soFar) === undefined);
    const { value } = await prompts(
      {
        type: 'select',
        name: 'value',
        message: opt.message,
        choices,
        initial: Math.max(0, choices.findIndex((c) => c.value === initial)),
      },
      { onCancel },
    );
    return String(value);
  }
  const { value } = await prompts(
    {
      type: 'text',
      name: 'value',
      message: opt.message,
      initial: (initial as string | undefined) ?? '',
      validate: (v: string) => opt.validate(v.trim(), soFar) ?? true,
      format: (v: string) => v.trim(),
    },
    { onCancel },
  );
  return String(value);
}

export async function resolveAnswers(given: RawAnswers, mode: Mode): Promise<RawAnswers> {
  checkFlags(given);
  const answers: RawAnswers = {};
  const set = (opt: OptionSpec, v: string | boolean) => Object.assign(answers, { [opt.key]: v });
  for (const opt of OPTIONS) {
    const value = given[opt.key];
    if (opt.when && !opt.when.applies(answers) && value === undefined) continue;
    if (value !== undefined) {
      // Again, now that every earlier answer is known (some may have come from prompts).
      const problem = flagProblem(opt, value, answers);
      if (problem) throw new UsageError(`${flagLabel(opt, value)}: ${problem}`);
      set(opt, value);
      continue;
    }
    const fallback = opt.kind === 'confirm' ? opt.default(answers, mode) : opt.default(answers);
    if ((!mode.yes || fallback === undefined) && mode.interactive) {
      set(opt, await ask(opt, fallback, answers));
    } else if (fallback !== undefined) {
      set(opt, fallback);
    } else {
      const rule = opt.kind === 'confirm' ? '' : `: ${opt.validate('', answers)}`;
      throw new UsageError(`missing ${flagLabel(opt)}${rule} (it has no default, and stdin is not a terminal to ask)`);
    }
  }
  return answers;
}
