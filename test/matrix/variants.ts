// The template CI matrix: every variant the scaffolder can produce that the matrix proves works.
// Defined once, here. The matrix tests (harness.ts), the coverage test (variants.test.ts) and the
// GitHub workflow (list.ts → fromJSON) all read this table; nothing else lists variants.
//
// Pairwise, not the full product: every value of every question appears, and every
// API flavour × domain mode pair appears (the coverage test enforces both).
import { parseArgs } from 'node:util';
import type { ApiFlavour, Answers, Architecture, Auth } from '../../src/context.js';

export interface Variant {
  /** Stable name: used as the project directory, the vitest test name and the CI job name. */
  id: string;
  /** CLI flags after `--yes --no-git --no-install`. */
  flags: string[];
  /**
   * A requirement to add the way the generated README says (src/requirements.in, then `make lock`)
   * after the variant's own steps; then the requirements test, `sam build` and the artefact again.
   * Only on a variant `sam build` builds.
   */
  addDependency?: string;
}

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0b5e9a1c-7d2f-4c1e-9f3a-8e6d5c4b3a21';

export const VARIANTS: readonly Variant[] = [
  // Every default: REST, stage Prod, no domain, arm64, python3.13, 1024 MB, 29 s, */*.
  { id: 'rest-default-py313', flags: [] },
  {
    id: 'rest-domain-root-hz-py311-x86',
    flags: ['--domain', 'dash.example.com', '--certificate-arn', CERT, '--hosted-zone-id', 'Z0123456789ABCDEFGHIJ',
      '--arch', 'x86_64', '--runtime', 'python3.11'],
  },
  {
    id: 'rest-domain-basepath-py312',
    flags: ['--domain', 'reports.example.org', '--certificate-arn', CERT, '--base-path', 'reports',
      '--runtime', 'python3.12', '--stage', 'dev', '--memory', '512', '--timeout', '20',
      '--binary-types', 'image/*,font/woff2,application/octet-stream'],
  },
  {
    id: 'rest-domain-basepath-hz-py314-x86',
    flags: ['--domain', 'bi.example.net', '--certificate-arn', CERT, '--hosted-zone-id', 'Z2ABCDEF123',
      '--base-path', 'sales.v2', '--arch', 'x86_64', '--runtime', 'python3.14', '--memory', '3008'],
  },
  {
    id: 'rest-domain-root-py313',
    flags: ['--domain', 'dashboards.example.co.uk', '--certificate-arn', CERT, '--stage', 'v1'],
  },
  { id: 'http-default-py312', flags: ['--api', 'http', '--runtime', 'python3.12'] },
  {
    id: 'http-nodomain-stage-default-py314',
    flags: ['--api', 'http', '--stage', '$default', '--runtime', 'python3.14', '--arch', 'x86_64', '--timeout', '10'],
  },
  {
    id: 'http-domain-root-py311',
    flags: ['--api', 'http', '--domain', 'dash.example.io', '--certificate-arn', CERT, '--stage', '$default',
      '--runtime', 'python3.11', '--memory', '2048'],
  },
  {
    id: 'http-domain-root-hz-py312',
    flags: ['--api', 'http', '--domain', 'ops.example.com', '--certificate-arn', CERT, '--hosted-zone-id', 'Z77',
      '--runtime', 'python3.12', '--stage', 'live'],
  },
  {
    id: 'http-domain-basepath-py311-x86',
    flags: ['--api', 'http', '--domain', 'data.example.com', '--certificate-arn', CERT, '--base-path', 'team-a',
      '--arch', 'x86_64', '--runtime', 'python3.11', '--memory', '256'],
    // The README's "Add a dependency" walk-through, with the package index (no skip without it).
    addDependency: 'pandas',
  },
  {
    id: 'http-domain-basepath-hz-py313-x86',
    flags: ['--api', 'http', '--domain', 'analytics.example.com', '--certificate-arn', CERT,
      '--hosted-zone-id', 'Z9XYZ', '--base-path', 'kpi', '--stage', 'staging_2', '--arch', 'x86_64',
      '--timeout', '15'],
  },
  // CloudFront in front (--cdn): without a domain; with the domain on the distribution, its base
  // path and Route 53 alias; and on the domain root.
  { id: 'rest-cdn-py311', flags: ['--cdn', '--runtime', 'python3.11'] },
  {
    id: 'http-cdn-domain-basepath-hz-py311-x86',
    flags: ['--api', 'http', '--cdn', '--domain', 'team.example.com', '--certificate-arn', CERT, '--hosted-zone-id', 'Z3CDN',
      '--base-path', 'ops.v1', '--stage', 'live', '--arch', 'x86_64', '--runtime', 'python3.11'],
  },
  {
    id: 'rest-cdn-domain-root-py313',
    flags: ['--cdn', '--domain', 'edge.example.org', '--certificate-arn', CERT, '--stage', 'v2', '--memory', '2048'],
  },
  // CloudFront and sign-in together: the distribution's URL is a callback URL, cookies pass through.
  {
    id: 'rest-cdn-cognito-domain-py311',
    flags: ['--cdn', '--auth', 'cognito', '--domain', 'dash.example.net', '--certificate-arn', CERT, '--runtime', 'python3.11'],
  },
  // Sign-in (--auth cognito): REST and HTTP, with and without a custom domain. The python3.11 ones
  // also go through sam build (authlib, joserfc and cryptography in the artefact).
  { id: 'rest-cognito-py311', flags: ['--auth', 'cognito', '--runtime', 'python3.11'] },
  {
    id: 'rest-cognito-domain-basepath-py313',
    flags: ['--auth', 'cognito', '--domain', 'team.example.com', '--certificate-arn', CERT, '--base-path', 'kpi',
      '--hosted-zone-id', 'Z0ABC'],
  },
  {
    id: 'http-cognito-stage-default-nobg-py312',
    flags: ['--api', 'http', '--auth', 'cognito', '--stage', '$default', '--runtime', 'python3.12', '--no-background'],
  },
  {
    id: 'http-cognito-domain-root-py311-x86',
    flags: ['--api', 'http', '--auth', 'cognito', '--domain', 'signin.example.com', '--certificate-arn', CERT,
      '--runtime', 'python3.11', '--arch', 'x86_64', '--stage', 'live'],
  },
  // Networks only (--auth ip): REST (HTTP APIs have no resource policy), with and without a domain.
  {
    id: 'rest-ip-py312-x86',
    flags: ['--auth', 'ip', '--allow-ip', '203.0.113.0/24,2001:db8::/32', '--runtime', 'python3.12', '--arch', 'x86_64'],
  },
  {
    id: 'rest-ip-domain-basepath-nobg-py311',
    flags: ['--auth', 'ip', '--allow-ip', '198.51.100.7/32', '--domain', 'office.example.com', '--certificate-arn', CERT,
      '--base-path', 'ops', '--runtime', 'python3.11', '--no-background'],
  },
];

/** The flags every matrix run passes: no prompts, no git, no pip (the shared venv is used instead). */
export const BASE_FLAGS = ['--yes', '--no-git', '--no-install'] as const;

/** The answers a variant's flags mean, with DESIGN.md section 3 defaults for the rest. */
export type ExpectedAnswers = Omit<Answers, 'projectName'>;

export type DomainMode = 'none' | 'root' | 'base-path';

/**
 * Reads the flags independently of the CLI (an oracle, not a copy of src/options.ts): if the CLI
 * got a default or a flag wrong, the rendered template disagrees with this and the matrix fails.
 */
export function expectedAnswers(v: Variant): ExpectedAnswers {
  // node:util parseArgs learned --no-<flag> only in Node 20.16 / 22.4.
  const background = !v.flags.includes('--no-background');
  const { values } = parseArgs({
    args: v.flags.filter((f) => f !== '--no-background' && f !== '--background'),
    strict: true,
    options: {
      api: { type: 'string' },
      stage: { type: 'string' },
      domain: { type: 'string' },
      'certificate-arn': { type: 'string' },
      'hosted-zone-id': { type: 'string' },
      'base-path': { type: 'string' },
      memory: { type: 'string' },
      timeout: { type: 'string' },
      'binary-types': { type: 'string' },
      arch: { type: 'string' },
      runtime: { type: 'string' },
      cdn: { type: 'boolean' },
      auth: { type: 'string' },
      'allow-ip': { type: 'string' },
    },
  });
  const api = (values.api ?? 'rest') as ApiFlavour;
  return {
    api,
    stage: values.stage ?? 'Prod',
    domain: values.domain ?? '',
    certificateArn: values['certificate-arn'] ?? '',
    hostedZoneId: values['hosted-zone-id'] ?? '',
    basePath: values['base-path'] ?? '',
    cdn: values.cdn ?? false,
    background,
    memory: Number(values.memory ?? 1024),
    timeout: Number(values.timeout ?? (api === 'rest' ? 29 : 30)),
    binaryTypes: (values['binary-types'] ?? '*/*').split(','),
    arch: (values.arch ?? 'arm64') as Architecture,
    runtime: values.runtime ?? 'python3.13',
    auth: (values.auth ?? 'none') as Auth,
    allowIp: values['allow-ip'] === undefined ? [] : values['allow-ip'].split(','),
  };
}

export function domainMode(a: ExpectedAnswers): DomainMode {
  if (a.domain === '') return 'none';
  return a.basePath === '' ? 'root' : 'base-path';
}

/**
 * The Python of this machine and of CI (setup-python in .github/workflows/ci.yml). `sam build` can
 * only build the runtime matching the local Python, so the table must have variants on it.
 */
export const CI_PYTHON_RUNTIME = 'python3.11';

/**
 * SERVERLESS_DASH_VARIANTS: comma-separated ids, globs (`*` any run of characters) or prefixes
 * (`http-` or `http*`). Unset or empty: every variant. A pattern matching nothing is an error, so a
 * typo never turns into a silently empty (green) run.
 */
export function selectVariants(spec: string | undefined, all: readonly Variant[] = VARIANTS): Variant[] {
  const patterns = (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (patterns.length === 0) return [...all];
  const matchers = patterns.map((p) => {
    const glob = p.includes('*') ? p : `${p}*`;
    const re = new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`);
    return { p, re };
  });
  for (const { p, re } of matchers) {
    if (!all.some((v) => re.test(v.id))) {
      throw new Error(
        `SERVERLESS_DASH_VARIANTS: "${p}" matches no variant; known ids: ${all.map((v) => v.id).join(', ')}`,
      );
    }
  }
  return all.filter((v) => matchers.some(({ re }) => re.test(v.id)));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
