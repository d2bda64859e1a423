// The closing block names both environments: dev at its own URL, prod at the answers' door(s).
import { describe, expect, test } from 'vitest';
import { devUrl, nextSteps } from '../../src/next-steps.js';
import { DEFAULT_ANSWERS } from './answers.js';

const base = { ...DEFAULT_ANSWERS, hostedZoneId: 'Z1' };
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('next steps', () => {
  test('make deploy for dev, ENV=prod for prod, bootstrap-ci for GitHub', () => {
    const text = plain(nextSteps(base, '/tmp/sales-dash', false, '/tmp'));
    expect(text).toMatch(/make deploy +build, then deploy the dev stack/);
    expect(text).toMatch(/make deploy ENV=prod +the same to the prod stack/);
    expect(text).toContain('make bootstrap-ci REPO=<owner>/<repo>');
    expect(text).not.toContain('--guided');
  });

  test('with a custom domain the domain is prod\'s; dev answers at its own URL', () => {
    const a = { ...base, domain: 'dash.example.com', certificateArn: 'arn:aws:acm:x', basePath: 'sales' };
    const text = plain(nextSteps(a, '/tmp/sales-dash', true, '/tmp'));
    const dev = text.split('\n').find((l) => l.trim().startsWith('dev:'))!;
    expect(dev).toContain('https://<api-id>.execute-api.<region>.amazonaws.com/Prod/');
    expect(dev).not.toContain('dash.example.com');
    expect(text).toContain('https://dash.example.com/sales/');
  });

  test('behind CloudFront dev is its own distribution, with the base path', () => {
    expect(devUrl({ ...base, cdn: true, basePath: 'kpi' })).toBe('https://<id>.cloudfront.net/kpi/');
  });
});
