// README.md documents every flag and exit status exactly as the CLI has them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpText } from '../../src/help.js';
import { README, replaceGenerated } from '../../scripts/readme-tables.js';

const readme = readFileSync(README, 'utf8');

describe('README.md', () => {
  it('has the flag and exit-status tables generated from the option table (npx tsx scripts/readme-tables.ts)', () => {
    expect(readme).toBe(replaceGenerated(readme));
  });

  it('mentions every flag that --help lists', () => {
    const flagLines = helpText().split('\n').filter((l) => /^  -/.test(l));
    const flags = new Set(flagLines.flatMap((l) => l.split('  ').filter(Boolean)[0].match(/--[a-z][a-z-]*/g) ?? []));
    expect(flags.size).toBeGreaterThan(15);
    for (const flag of flags) expect(readme, flag).toContain(flag);
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm run build && node dist/index.js ../my-dash --yes');
    expect(readme).toMatch(/^bash \.ci\/run$/m);
  });
});
