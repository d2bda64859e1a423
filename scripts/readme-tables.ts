// The README's generated tables (flags, exit statuses) come from the option table. Rewrite them:
//   npx tsx scripts/readme-tables.ts
// test/unit/readme.test.ts fails when README.md and the option table differ.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitStatusMarkdown, flagsMarkdown } from '../src/help.js';

export const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

/** Marker name → generated content; README.md holds `<!-- name:start -->…<!-- name:end -->`. */
export function generatedBlocks(): Record<string, string> {
  return { flags: flagsMarkdown(), 'exit-status': exitStatusMarkdown() };
}

export function replaceGenerated(text: string): string {
  let out = text;
  for (const [name, content] of Object.entries(generatedBlocks())) {
    const block = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!block.test(out)) throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> block`);
    out = out.replace(block, (_m, start: string, end: string) => `${start}${content}${end}`);
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(README, replaceGenerated(readFileSync(README, 'utf8')));
}
