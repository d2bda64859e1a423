// The matrix's public-door check (publicDoorMismatches in harness.ts, part of the "rendered values"
// step) passes on every variant's template and reports a template rendered for another door.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { templateContext, type Answers } from '../../../src/context.js';
import { createRenderer } from '../../../src/render.js';
import { parseCfnTemplate } from '../cfn-yaml.js';
import { publicDoorMismatches, publicPrefix } from '../harness.js';
import { REPO_ROOT } from '../settings.js';
import { VARIANTS, expectedAnswers, type ExpectedAnswers } from '../variants.js';

const source = readFileSync(path.join(REPO_ROOT, 'templates/project/template.yaml.hbs'), 'utf8');
const render = createRenderer();
const renderTemplate = (a: ExpectedAnswers) =>
  parseCfnTemplate(render(source, templateContext({ projectName: 'door-check', ...a } as Answers), 'template.yaml.hbs'));
const byId = (id: string) => expectedAnswers(VARIANTS.find((v) => v.id === id)!);

describe('public door check', () => {
  test.each(VARIANTS.map((v) => v.id))('%s: the template rendered from its answers passes', (id) => {
    expect(publicDoorMismatches(renderTemplate(byId(id)), byId(id))).toEqual([]);
  });

  test('the prefixes', () => {
    expect(publicPrefix(byId('rest-default-py313'))).toBe('/Prod/');
    expect(publicPrefix(byId('http-nodomain-stage-default-py314'))).toBe('/');
    expect(publicPrefix(byId('rest-domain-basepath-py312'))).toBe('/reports/');
    expect(publicPrefix(byId('rest-domain-root-py313'))).toBe('/');
    expect(publicPrefix(byId('http-cdn-domain-basepath-hz-py311-x86'))).toMatch(/^\/[^/]+\/$/);
  });

  test('reports a template rendered for another door', () => {
    const want = byId('rest-domain-basepath-py312');
    const noDomain = renderTemplate({ ...want, domain: '', certificateArn: '', basePath: '' });
    expect(publicDoorMismatches(noDomain, want)).toEqual([
      `Function DASH_PUBLIC_PREFIX: expected "/reports/", template.yaml has "/${want.stage}/"`,
      'AWS::Serverless::Api.DisableExecuteApiEndpoint: expected true, template.yaml has undefined',
    ]);
    const stage = byId('rest-default-py313');
    expect(publicDoorMismatches(renderTemplate({ ...stage, stage: 'live' }), stage)).toEqual([
      'Function DASH_PUBLIC_PREFIX: expected "/Prod/", template.yaml has "/live/"',
    ]);
  });
});
