// Coverage properties of the matrix table itself: deleting the only variant that carries a value
// (say the only python3.12 one) must fail here, not silently shrink what the matrix proves.
import { describe, expect, test } from 'vitest';
import {
  VARIANTS,
  CI_PYTHON_RUNTIME,
  domainMode,
  expectedAnswers,
  selectVariants,
  type DomainMode,
  type ExpectedAnswers,
  type Variant,
} from './variants.js';

// Every value DESIGN.md section 3 allows for the enumerated questions.
const APIS = ['rest', 'http'] as const;
const DOMAIN_MODES: DomainMode[] = ['none', 'root', 'base-path'];
const ARCHS = ['arm64', 'x86_64'];
const RUNTIMES = ['python3.11', 'python3.12', 'python3.13', 'python3.14'];
const DEFAULTS = { stage: 'Prod', memory: 1024, binaryTypes: ['*/*'], timeout: { rest: 29, http: 30 } };

const answers = VARIANTS.map((v) => ({ v, a: expectedAnswers(v) }));
const idsWhere = (pred: (a: ExpectedAnswers) => boolean) => answers.filter(({ a }) => pred(a)).map(({ v }) => v.id);

describe('matrix table', () => {
  test('ids are unique and usable as a project name (letter first, then [a-z0-9-])', () => {
    const ids = VARIANTS.map((v) => v.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]{0,63}$/);
  });

  test('every variant uses only known flags, and a domain always comes with a certificate', () => {
    for (const v of VARIANTS) expect(() => expectedAnswers(v), v.id).not.toThrow();
    for (const { v, a } of answers) {
      if (a.domain !== '') expect(a.certificateArn, v.id).toMatch(/^arn:aws:acm:/);
      if (a.domain === '') expect([a.certificateArn, a.hostedZoneId, a.basePath], v.id).toEqual(['', '', '']);
    }
  });

  test.each(APIS.flatMap((api) => DOMAIN_MODES.map((mode) => [api, mode] as const)))(
    'API %s × domain mode %s appears',
    (api, mode) => {
      expect(idsWhere((a) => a.api === api && domainMode(a) === mode)).not.toEqual([]);
    },
  );

  test.each(ARCHS)('architecture %s appears', (arch) => {
    expect(idsWhere((a) => a.arch === arch)).not.toEqual([]);
  });

  test.each(RUNTIMES)('runtime %s appears', (runtime) => {
    expect(idsWhere((a) => a.runtime === runtime)).not.toEqual([]);
  });

  test(`sam build runs: some variant of each API uses the build runtime (${CI_PYTHON_RUNTIME})`, () => {
    for (const api of APIS) expect(idsWhere((a) => a.api === api && a.runtime === CI_PYTHON_RUNTIME), api).not.toEqual([]);
  });

  test(`"make lock" with a dependency added runs on a variant sam build builds (${CI_PYTHON_RUNTIME})`, () => {
    const adding = VARIANTS.filter((v) => v.addDependency);
    expect(adding.length).toBeGreaterThan(0);
    for (const v of adding) expect(expectedAnswers(v).runtime, v.id).toBe(CI_PYTHON_RUNTIME);
  });

  test('a custom domain appears with and without a Route 53 hosted zone', () => {
    expect(idsWhere((a) => a.domain !== '' && a.hostedZoneId !== '')).not.toEqual([]);
    expect(idsWhere((a) => a.domain !== '' && a.hostedZoneId === '')).not.toEqual([]);
  });

  test('non-default stage, memory, timeout and binary types appear, and the defaults too', () => {
    expect(idsWhere((a) => a.stage !== DEFAULTS.stage && a.stage !== '$default')).not.toEqual([]);
    expect(idsWhere((a) => a.stage === DEFAULTS.stage)).not.toEqual([]);
    expect(idsWhere((a) => a.memory !== DEFAULTS.memory)).not.toEqual([]);
    expect(idsWhere((a) => a.timeout !== DEFAULTS.timeout[a.api])).not.toEqual([]);
    expect(idsWhere((a) => a.binaryTypes.join() !== DEFAULTS.binaryTypes.join())).not.toEqual([]);
  });

  test('the HTTP API $default stage (no URL prefix) appears, with and without a domain', () => {
    expect(idsWhere((a) => a.api === 'http' && a.stage === '$default' && a.domain === '')).not.toEqual([]);
    expect(idsWhere((a) => a.api === 'http' && a.stage === '$default' && a.domain !== '')).not.toEqual([]);
  });

  test('background callbacks (the default) and --no-background both appear, each with a variant sam build builds', () => {
    for (const on of [true, false]) {
      expect(idsWhere((a) => a.background === on), String(on)).not.toEqual([]);
      expect(idsWhere((a) => a.background === on && a.runtime === CI_PYTHON_RUNTIME), String(on)).not.toEqual([]);
    }
  });

  test('CloudFront (--cdn) appears with both APIs, without a domain and with one (root and base path)', () => {
    for (const api of APIS) expect(idsWhere((a) => a.cdn && a.api === api), api).not.toEqual([]);
    for (const mode of DOMAIN_MODES) expect(idsWhere((a) => a.cdn && domainMode(a) === mode), mode).not.toEqual([]);
    expect(idsWhere((a) => a.cdn && a.runtime === CI_PYTHON_RUNTIME)).not.toEqual([]);
    expect(idsWhere((a) => a.cdn && a.auth === 'cognito')).not.toEqual([]);
  });

  // Sign-in (DESIGN.md section 8): every --auth value with each API flavour it allows (ip is a REST
  // resource policy) and with a custom domain, whose door needs its own callback URL or policy.
  test.each([
    ['none', 'rest'],
    ['none', 'http'],
    ['cognito', 'rest'],
    ['cognito', 'http'],
    ['ip', 'rest'],
  ] as const)('--auth %s with --api %s appears, with and without a custom domain', (auth, api) => {
    expect(idsWhere((a) => a.auth === auth && a.api === api && a.domain === '')).not.toEqual([]);
    expect(idsWhere((a) => a.auth === auth && a.api === api && a.domain !== '')).not.toEqual([]);
  });

  test('--auth ip always comes with --allow-ip, and never with an HTTP API', () => {
    for (const { v, a } of answers) {
      expect(a.auth === 'ip' ? a.allowIp.length > 0 && a.api === 'rest' : a.allowIp.length === 0, v.id).toBe(true);
    }
  });

  test('sign-in goes through sam build (its libraries are in the artefact)', () => {
    expect(idsWhere((a) => a.auth === 'cognito' && a.runtime === CI_PYTHON_RUNTIME)).not.toEqual([]);
  });

  test('one variant is all defaults (the one a user gets from --yes)', () => {
    expect(VARIANTS.filter((v) => v.flags.length === 0)).toHaveLength(1);
  });
});

describe('SERVERLESS_DASH_VARIANTS selection', () => {
  const table: Variant[] = [
    { id: 'rest-a', flags: [] },
    { id: 'rest-b', flags: [] },
    { id: 'http-a', flags: [] },
  ];
  const ids = (spec: string | undefined) => selectVariants(spec, table).map((v) => v.id);

  test('unset or empty selects every variant', () => {
    expect(ids(undefined)).toEqual(['rest-a', 'rest-b', 'http-a']);
    expect(ids(' ')).toEqual(['rest-a', 'rest-b', 'http-a']);
  });

  test('exact ids, prefixes and globs, comma-separated, in table order', () => {
    expect(ids('http-a,rest-b')).toEqual(['rest-b', 'http-a']);
    expect(ids('rest')).toEqual(['rest-a', 'rest-b']);
    expect(ids('*-a')).toEqual(['rest-a', 'http-a']);
  });

  test('a pattern matching nothing is refused with the known ids', () => {
    expect(() => ids('rest-a,nope')).toThrow(/"nope" matches no variant; known ids: rest-a, rest-b, http-a/);
  });

  test('the real table selects by prefix', () => {
    expect(selectVariants('http-').every((v) => v.id.startsWith('http-'))).toBe(true);
    expect(selectVariants('http-').length).toBe(VARIANTS.filter((v) => v.id.startsWith('http-')).length);
  });
});
