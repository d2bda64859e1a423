// The matrix's "checkov report" step requires every check skipped in template.yaml to say why
// (checkov itself accepts a skip with no reason). These tests prove that requirement can fail.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { templateContext } from '../../src/context.js';
import { createRenderer } from '../../src/render.js';
import { unexplainedCheckovSkips } from './harness.js';
import { REPO_ROOT } from './settings.js';
import { VARIANTS, expectedAnswers } from './variants.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, 'templates/project', file), 'utf8');
const source = read('template.yaml.hbs');
const bootstrapSource = read('pipeline/bootstrap.yaml.hbs');
const render = createRenderer();
const contextOf = (id: string) => templateContext({ projectName: 'matrix-check', ...expectedAnswers(VARIANTS.find((v) => v.id === id)!) });
const renderVariant = (id: string) => render(source, contextOf(id), 'template.yaml.hbs');

describe('checkov skips must give reasons', () => {
  test.each(VARIANTS.map((v) => v.id))('%s: every skip in the rendered template has a comment', (id) => {
    expect(renderVariant(id)).toContain('checkov:');
    expect(unexplainedCheckovSkips(renderVariant(id))).toEqual([]);
  });

  test.each(VARIANTS.map((v) => v.id))('%s: every skip in the rendered pipeline/bootstrap.yaml has a comment', (id) => {
    const bootstrap = render(bootstrapSource, contextOf(id), 'pipeline/bootstrap.yaml.hbs');
    expect(bootstrap).toContain('checkov:');
    expect(unexplainedCheckovSkips(bootstrap)).toEqual([]);
  });

  test('reports a Metadata skip whose comment was removed or left empty', () => {
    const template = renderVariant('rest-default-py313');
    const noComment = template.replace(/(- id: CKV_AWS_120)\n +comment: [^\n]*/, '$1');
    const emptyComment = template.replace(/(- id: CKV_AWS_73\n +comment:) [^\n]*/, '$1 " "');
    expect(noComment).not.toBe(template);
    expect(emptyComment).not.toBe(template);
    expect(unexplainedCheckovSkips(noComment)).toEqual(['DashApi: checkov skips CKV_AWS_120 without a comment saying why']);
    expect(unexplainedCheckovSkips(emptyComment)).toEqual(['DashApi: checkov skips CKV_AWS_73 without a comment saying why']);
  });

  test('reports an inline checkov:skip comment without a reason, accepts one with a reason', () => {
    const template = renderVariant('http-default-py312');
    const inline = (comment: string) => template.replace('Resources:\n', `Resources:\n  ${comment}\n`);
    expect(unexplainedCheckovSkips(inline('# checkov:skip=CKV_AWS_95'))).toEqual([
      '# checkov:skip=CKV_AWS_95 gives no reason (checkov:skip=CKV_AWS_95:<why>)',
    ]);
    expect(unexplainedCheckovSkips(inline('# checkov:skip=CKV_AWS_95:access logs go elsewhere'))).toEqual([]);
  });
});
