// --help, generated from the option table.
import { EXIT } from './errors.js';
import { optionRows } from './options.js';

export const EXIT_STATUS_HELP: [number, string][] = [
  [EXIT.ok, 'project written (a failed or interrupted git or install step is a warning: the project is kept)'],
  [EXIT.writeFailed, 'writing failed; the target was restored as it was'],
  [EXIT.refused, 'refused input: unknown flag, bad value, missing answer without a TTY, unusable target'],
  [EXIT.cancelled, 'cancelled: Ctrl-C at a prompt, declined overwrite, or SIGINT while writing (restored)'],
  [EXIT.terminated, 'SIGTERM while writing (restored)'],
];

export function helpText(): string {
  const rows = optionRows();
  const width = Math.max(...rows.map((r) => r.usage.length));
  const flagLines = rows.map(
    (r) => `  ${r.usage.padEnd(width)}  ${r.help}${r.default ? ` [default: ${r.default}]` : ''}`,
  );
  return [
    'Usage: create-serverless-dash [project-dir] [flags]',
    '       npm create serverless-dash@latest [project-dir] -- [flags]',
    '       create-serverless-dash upgrade [--dry-run] [--force]   (in a project: upgrade --help)',
    '',
    'Writes a Python Dash dashboard for AWS Lambda + API Gateway, deployed with AWS SAM.',
    'Every question is also a flag; a flag given is a question not asked. Without a TTY on stdin',
    'nothing is asked: missing answers take their defaults. Flags take --flag VALUE or --flag=VALUE.',
    '',
    'Flags:',
    ...flagLines,
    '',
    'Exit status:',
    ...EXIT_STATUS_HELP.map(([code, what]) => `  ${String(code).padEnd(3)}  ${what}`),
    '',
  ].join('\n');
}

/** The README's flag table, between its `<!-- flags:start -->` and `<!-- flags:end -->` markers. */
export function flagsMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| flag | what, and the rule | default |',
    '|---|---|---|',
    ...optionRows().map((r) => `| \`${cell(r.usage)}\` | ${cell(r.help)} | ${cell(r.default)} |`),
  ].join('\n');
}

export function exitStatusMarkdown(): string {
  return ['| status | meaning |', '|---|---|', ...EXIT_STATUS_HELP.map(([c, w]) => `| ${c} | ${w} |`)].join('\n');
}
