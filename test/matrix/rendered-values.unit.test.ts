// The matrix's "rendered values" step compares template.yaml with the flags. These tests prove that
// comparison can fail: a template rendered with a different value must be reported, field by field.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { templateContext, type Answers } from '../../src/context.js';
import { createRenderer } from '../../src/render.js';
import { parseCfnTemplate } from './cfn-yaml.js';
import { renderedValueMismatches } from './harness.js';
import { REPO_ROOT } from './settings.js';
import { VARIANTS, expectedAnswers, type ExpectedAnswers } from './variants.js';

const source = readFileSync(path.join(REPO_ROOT, 'templates/project/template.yaml.hbs'), 'utf8');
const render = createRenderer();

function renderTemplate(a: ExpectedAnswers) {
  const answers: Answers = { projectName: 'matrix-check', ...a };
  return parseCfnTemplate(render(source, templateContext(answers), 'template.yaml.hbs'));
}

const byId = (id: string) => expectedAnswers(VARIANTS.find((v) => v.id === id)!);

describe('rendered values check', () => {
  test.each(VARIANTS.map((v) => v.id))('%s: the template rendered from its answers matches', (id) => {
    expect(renderedValueMismatches(renderTemplate(byId(id)), byId(id))).toEqual([]);
  });

  test('reports function values that differ from the flags', () => {
    const want = byId('rest-domain-basepath-py312');
    const got = renderTemplate({ ...want, memory: 1024, timeout: 29, arch: 'x86_64', runtime: 'python3.13' });
    expect(renderedValueMismatches(got, want)).toEqual([
      'Function.MemorySize: expected 512, template.yaml has 1024',
      'Function.Timeout: expected 20, template.yaml has 29',
      'Function.Architectures: expected ["arm64"], template.yaml has ["x86_64"]',
      'Function.Runtime: expected "python3.12", template.yaml has "python3.13"',
    ]);
  });

  test('reports background callbacks rendered against --background / --no-background', () => {
    const on = byId('rest-default-py313');
    expect(renderedValueMismatches(renderTemplate({ ...on, background: false }), on)).toEqual([
      'Serverless functions: expected ["DashFunction","DashWorkerFunction"], template.yaml has ["DashFunction"]',
      'AWS::DynamoDB::Table count: expected 1, template.yaml has 0',
      'Function.Environment.DASH_JOBS_WORKER: expected {"Ref":"DashWorkerFunction"}, template.yaml has undefined',
      'DashWorkerFunction.EventInvokeConfig.MaximumRetryAttempts: expected 0, template.yaml has undefined',
      'DashWorkerFunction.Timeout: expected 900, template.yaml has undefined',
      'DashWorkerFunction.CodeUri: expected "src/", template.yaml has undefined',
      'DashJobsTable.BillingMode: expected "PAY_PER_REQUEST", template.yaml has undefined',
      'DashJobsTable.TimeToLiveSpecification: expected {"AttributeName":"expires","Enabled":true}, template.yaml has undefined',
    ]);
    const off = { ...on, background: false };
    expect(renderedValueMismatches(renderTemplate(on), off)).toEqual([
      'Serverless functions: expected ["DashFunction"], template.yaml has ["DashFunction","DashWorkerFunction"]',
      'AWS::DynamoDB::Table count: expected 0, template.yaml has 1',
      'Function.Environment.DASH_JOBS_WORKER: expected undefined, template.yaml has {"Ref":"DashWorkerFunction"}',
    ]);
  });

  test('reports stage, binary types and every domain field that differ', () => {
    const want = byId('rest-domain-basepath-hz-py314-x86');
    const got = renderTemplate({
      ...want,
      stage: 'Other',
      binaryTypes: ['image/png'],
      domain: 'other.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      basePath: '',
      hostedZoneId: '',
    });
    expect(renderedValueMismatches(got, want)).toEqual([
      'AWS::Serverless::Api.StageName: expected "Prod", template.yaml has "Other"',
      'Api.BinaryMediaTypes (~1 decoded): expected ["*/*"], template.yaml has ["image/png"]',
      'Parameters.DomainName.Default: expected "bi.example.net", template.yaml has "other.example.com"',
      'DashDomainName.DomainName (prod): expected "bi.example.net", template.yaml has "other.example.com"',
      `DashDomainName certificate: expected "${want.certificateArn}", template.yaml has "arn:aws:acm:eu-west-1:123456789012:certificate/x"`,
      'AWS::ApiGateway::BasePathMapping base path: expected "sales.v2", template.yaml has undefined',
      'Route53 RecordSetGroup.HostedZoneId: expected "Z2ABCDEF123", template.yaml has undefined',
      'Function DASH_CUSTOM_DOMAIN: expected "bi.example.net", template.yaml has "other.example.com"',
      'Function DASH_BASE_PATH: expected "sales.v2", template.yaml has ""',
    ]);
  });

  test('reports sign-in that is missing or not asked for, and the wrong allowed networks', () => {
    const cognito = byId('rest-cognito-py311');
    expect(renderedValueMismatches(renderTemplate({ ...cognito, auth: 'none' }), cognito)).toEqual([
      'AWS::Cognito::UserPool count: expected 1, template.yaml has 0',
      'AWS::Cognito::UserPoolClient count: expected 1, template.yaml has 0',
      'AWS::Cognito::UserPoolDomain count: expected 1, template.yaml has 0',
      'UserPool.AdminCreateUserConfig.AllowAdminCreateUserOnly: expected true, template.yaml has undefined',
      'Function.Environment.DASH_AUTH: expected "cognito", template.yaml has undefined',
    ]);
    const ip = byId('rest-ip-py312-x86');
    expect(renderedValueMismatches(renderTemplate({ ...ip, allowIp: ['203.0.113.0/24'] }), ip)).toEqual([
      'Api.Auth.ResourcePolicy Deny NotIpAddress aws:SourceIp: expected ["203.0.113.0/24","2001:db8::/32"], template.yaml has ["203.0.113.0/24"]',
    ]);
    const none = byId('rest-default-py313');
    expect(renderedValueMismatches(renderTemplate({ ...none, auth: 'ip', allowIp: ['10.0.0.0/8'] }), none)).toEqual([
      'Api.Auth.ResourcePolicy Deny NotIpAddress aws:SourceIp: expected undefined, template.yaml has ["10.0.0.0/8"]',
    ]);
  });

  test('reports a missing or unexpected domain, and the wrong API flavour', () => {
    const withDomain = byId('http-domain-root-py311');
    expect(renderedValueMismatches(renderTemplate({ ...withDomain, domain: '', certificateArn: '' }), withDomain)).toEqual([
      'AWS::ApiGatewayV2::DomainName: expected 1 for dash.example.io, template.yaml has 0',
      'Function DASH_CUSTOM_DOMAIN: expected "dash.example.io", template.yaml has undefined',
      'Function DASH_BASE_PATH: expected "", template.yaml has undefined',
    ]);
    const noDomain = byId('http-default-py312');
    expect(renderedValueMismatches(renderTemplate(withDomain), { ...noDomain, stage: '$default', memory: 2048, runtime: 'python3.11' })).toEqual([
      'AWS::ApiGatewayV2::DomainName count: expected 0, template.yaml has 1',
      'Function DASH_CUSTOM_DOMAIN: expected undefined, template.yaml has "dash.example.io"',
      'Function DASH_BASE_PATH: expected undefined, template.yaml has ""',
    ]);
    expect(() => renderedValueMismatches(renderTemplate(noDomain), { ...noDomain, api: 'rest' })).toThrow(
      'expected exactly one AWS::Serverless::Api in template.yaml, found 0',
    );
  });

  test.each(['rest-default-py313', 'http-default-py312'])('%s: reports a stage without throttling', (id) => {
    const want = byId(id);
    const rendered = render(source, templateContext({ projectName: 'matrix-check', ...want }), 'template.yaml.hbs');
    const unthrottled = rendered.replace(/^ +Throttling(Rate|Burst)Limit: !Ref \w+\n/gm, '');
    expect(unthrottled).not.toBe(rendered);
    expect(renderedValueMismatches(parseCfnTemplate(unthrottled), want)).toEqual([
      expect.stringMatching(/\.ThrottlingRateLimit: expected a number ≥ 1, template\.yaml has undefined$/),
      expect.stringMatching(/\.ThrottlingBurstLimit: expected a number ≥ 1, template\.yaml has undefined$/),
    ]);
  });
});
