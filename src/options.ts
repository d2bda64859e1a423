// The one table of questions (DESIGN.md section 3). It drives flag parsing (src/args.ts), the prompts
// (src/ask.ts), --help (below) and the README's flag table, so they cannot drift apart.
//
// Values are kept as the raw strings a user types until every rule has passed; `toAnswers` then
// turns them into the typed `Answers` the templates see.
import { isIP } from 'node:net';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Answers } from './context.js';

export type TextKey =
  | 'projectDir'
  | 'api'
  | 'stage'
  | 'domain'
  | 'certificateArn'
  | 'hostedZoneId'
  | 'basePath'
  | 'memory'
  | 'timeout'
  | 'binaryTypes'
  | 'arch'
  | 'runtime'
  | 'auth'
  | 'allowIp';
export type BoolKey = 'cdn' | 'background' | 'git' | 'install';

/** Answers as typed, in question order; a key is absent until answered. */
export type RawAnswers = Partial<Record<TextKey, string> & Record<BoolKey, boolean>>;

export interface Mode {
  /** A person can answer prompts: stdin is a TTY. */
  interactive: boolean;
  /** --yes: take the defaults. */
  yes: boolean;
}

interface Common {
  /** Long flag without dashes; '' for the positional project directory. */
  flag: string;
  /** The question at the prompt. */
  message: string;
  /** One line for --help and the README: what it is and its rule. */
  help: string;
  /** Default as shown in --help when it depends on other answers or the mode. */
  defaultHelp?: string;
  /** The question exists only when `applies`; a flag given otherwise is refused with `rule`. */
  when?: { applies(a: RawAnswers): boolean; rule: string };
}

export interface Choice {
  value: string;
  title: string;
  description?: string;
}

export interface TextOption extends Common {
  key: TextKey;
  kind: 'text' | 'select';
  /** Placeholder in --help: `--memory MB`. */
  valueName: string;
  choices?: Choice[];
  /** undefined: no default, the answer is required. */
  default(a: RawAnswers): string | undefined;
  /** undefined when valid, else the rule the value breaks. */
  validate(value: string, a: RawAnswers): string | undefined;
}

export interface BoolOption extends Common {
  key: BoolKey;
  kind: 'confirm';
  default(a: RawAnswers, mode: Mode): boolean;
}

export type OptionSpec = TextOption | BoolOption;

export const DEFAULT_PROJECT_NAME = 'serverless-dash';

const PROJECT_NAME = /^[a-z][a-z0-9-]{0,63}$/;
// Windows device names: a directory with one of these names cannot be created or cloned there.
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
const STAGE = /^[A-Za-z0-9_-]{1,128}$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// The AWS partitions (aws, China, GovCloud, the ISO partitions, the European Sovereign Cloud) and
// region names like eu-west-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1.
const CERTIFICATE_ARN =
  /^arn:aws(-cn|-us-gov|-iso(-[bef])?|-eusc)?:acm:[a-z]{2,4}(-[a-z]+)+-\d{1,2}:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** CloudFront takes certificates from this region only. */
export const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,32}$/;
const BASE_PATH = /^[A-Za-z0-9._-]{1,64}$/;
// RFC 6838 restricted-name: a letter or digit, then up to 126 of these; `*` as a wildcard.
const MEDIA_NAME = '(\\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})';
const MEDIA_TYPE = new RegExp(`^${MEDIA_NAME}/${MEDIA_NAME}$`);
const INTEGER = /^\d+$/;

export const MEMORY_MB = { min: 128, max: 10240 } as const;
/** API Gateway's integration timeout, in seconds: a longer Lambda timeout only hides 504s. */
export const TIMEOUT_LIMIT_S = { rest: 29, http: 30 } as const;
export const RUNTIMES = ['python3.11', 'python3.12', 'python3.13', 'python3.14'] as const;

/** The directory's last segment is the project name; `.` is the current directory. */
export function projectNameOf(projectDir: string, cwd = process.cwd()): string {
  return path.basename(path.resolve(cwd, projectDir));
}

export function validateProjectDir(projectDir: string): string | undefined {
  if (projectDir.trim() === '') return 'the project directory must not be empty';
  const name = projectNameOf(projectDir);
  if (name === '') return `${showValue(projectDir)} is the filesystem root, which has no name to give the project`;
  const subject = name === projectDir ? 'the project name' : `the project name (${showValue(name, true)}, the directory's last segment)`;
  if (!PROJECT_NAME.test(name)) {
    return `${subject} must start with a lowercase letter, then lowercase letters, digits or hyphens, at most 64 characters (it becomes the directory, package and stack name)`;
  }
  if (RESERVED_NAMES.test(name)) return `${subject} "${name}" is a reserved device name on Windows`;
  return undefined;
}

const oneOf = (choices: Choice[]) => (v: string) =>
  choices.some((c) => c.value === v) ? undefined : `must be one of: ${choices.map((c) => c.value).join(', ')}`;

const integerIn = (v: string, min: number, max: number) => INTEGER.test(v) && +v >= min && +v <= max;

const hasDomain = (a: RawAnswers) => (a.domain ?? '') !== '';
const domainOnly = { applies: hasDomain, rule: 'applies only with --domain (a custom domain)' };

const API_CHOICES: Choice[] = [
  { value: 'rest', title: 'REST API', description: 'API Gateway v1: binary media types, WAF, usage plans' },
  { value: 'http', title: 'HTTP API', description: 'API Gateway v2: cheaper, faster, $default stage' },
];
const ARCH_CHOICES: Choice[] = [
  { value: 'arm64', title: 'arm64', description: 'Graviton: about 20% cheaper per GB-second' },
  { value: 'x86_64', title: 'x86_64' },
];
const RUNTIME_CHOICES: Choice[] = RUNTIMES.map((r) => ({ value: r, title: r }));
const AUTH_CHOICES: Choice[] = [
  { value: 'none', title: 'anyone with the link', description: 'no sign-in (the URL is the only secret)' },
  { value: 'cognito', title: 'people you invite', description: 'Amazon Cognito sign-in; free up to 10,000 monthly users' },
  { value: 'ip', title: 'only these networks', description: 'REST API resource policy: listed IP ranges only' },
];

/**
 * Why one network of --allow-ip is refused, or undefined. The address must be in standard notation
 * (node:net's isIP: no `10.1`, no octal) and be the network itself (no host bits: 10.0.0.1/8 is
 * ambiguous, API Gateway would silently widen it); ipaddr.js computes the network address.
 */
export function cidrProblem(cidr: string): string | undefined {
  const [address, bits, ...rest] = cidr.split('/');
  const family = isIP(address);
  if (rest.length > 0 || bits === undefined || family === 0 || address.includes('%') || !INTEGER.test(bits) || +bits > (family === 4 ? 32 : 128)) {
    return `${showValue(cidr)} is not a network in CIDR notation: an IPv4 or IPv6 address, / and a prefix length (0–32 for IPv4, 0–128 for IPv6), e.g. 203.0.113.0/24 or 2001:db8::/32`;
  }
  if (+bits === 0) return `${showValue(cidr)} lets every address in: that is --auth none, not a network to allow`;
  const network = (family === 4 ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(cidr).toString();
  if (network !== ipaddr.parse(address).toString()) {
    return `${showValue(cidr)} has host bits set: the network is ${network}/${bits} (write that, or /${family === 4 ? 32 : 128} for the single address)`;
  }
  return undefined;
}

const timeoutLimit = (a: RawAnswers) => (a.api === 'rest' ? TIMEOUT_LIMIT_S.rest : TIMEOUT_LIMIT_S.http);

export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'projectDir',
    flag: '',
    kind: 'text',
    valueName: 'project-dir',
    message: 'Project name',
    help: 'directory to create; its last segment is the project, package and stack name: a lowercase letter, then lowercase letters, digits, hyphens; ≤ 64 chars',
    default: () => DEFAULT_PROJECT_NAME,
    validate: validateProjectDir,
  },
  {
    key: 'api',
    flag: 'api',
    kind: 'select',
    valueName: 'rest|http',
    message: 'API Gateway flavour',
    help: 'API Gateway flavour',
    choices: API_CHOICES,
    default: () => 'rest',
    validate: oneOf(API_CHOICES),
  },
  {
    key: 'stage',
    flag: 'stage',
    kind: 'text',
    valueName: 'NAME',
    message: 'API Gateway stage',
    help: 'stage name: 1–128 letters, digits, - or _; with --api http also $default (no URL prefix)',
    default: () => 'Prod',
    validate(v, a) {
      if (v === '$default') {
        return a.api === 'rest' ? 'the $default stage (no URL prefix) exists only for HTTP APIs (--api http)' : undefined;
      }
      if (STAGE.test(v)) return undefined;
      return `a stage name is 1 to 128 letters, digits, hyphens or underscores${a.api === 'rest' ? '' : ' (or $default for an HTTP API)'}`;
    },
  },
  {
    key: 'cdn',
    flag: 'cdn',
    kind: 'confirm',
    message: 'Put CloudFront in front?',
    help: `a CloudFront distribution in front of the API: Dash's scripts and assets from the edge, HTTPS redirect, the only way in (--no-cdn: none); with --domain the certificate must be in ${CLOUDFRONT_CERTIFICATE_REGION}`,
    defaultHelp: 'no',
    default: () => false,
  },
  {
    key: 'domain',
    flag: 'domain',
    kind: 'text',
    valueName: 'FQDN',
    message: 'Custom domain (empty: none)',
    help: 'custom domain name, e.g. dash.example.com: ≥ 2 labels of a-z, 0-9, - (not at either end)',
    defaultHelp: 'none',
    default: () => '',
    validate(v) {
      if (v === '') return undefined;
      const labels = v.split('.');
      const rule =
        'a domain is a lowercase hostname of at least 2 labels, each 1 to 63 of a-z, 0-9 and hyphens, not starting or ending with a hyphen';
      if (v.length > 253) return `${rule}, at most 253 characters in all (this one has ${v.length})`;
      if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return rule;
      // 192.168.0.1 passes the label rule, but no certificate or custom domain is issued for an address.
      if (/^\d+$/.test(labels[labels.length - 1])) {
        return 'a domain is a hostname, not an IP address: its last label (the top-level domain) is not all digits';
      }
      return undefined;
    },
  },
  {
    key: 'certificateArn',
    flag: 'certificate-arn',
    kind: 'text',
    valueName: 'ARN',
    message: 'ACM certificate ARN for the domain',
    help: `ACM certificate for the domain (required with --domain), in the stack's region; with --cdn in ${CLOUDFRONT_CERTIFICATE_REGION}`,
    defaultHelp: 'none, required with --domain',
    when: domainOnly,
    default: () => undefined,
    validate(v, a) {
      if (!CERTIFICATE_ARN.test(v)) {
        return 'a custom domain needs an ACM certificate ARN: arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>';
      }
      const region = v.split(':')[3];
      if (a.cdn && region !== CLOUDFRONT_CERTIFICATE_REGION) {
        return `with --cdn the certificate must be in ${CLOUDFRONT_CERTIFICATE_REGION}: CloudFront takes certificates from ${CLOUDFRONT_CERTIFICATE_REGION} only (this one is in ${region}); request or import one there`;
      }
      return undefined;
    },
  },
  {
    key: 'hostedZoneId',
    flag: 'hosted-zone-id',
    kind: 'text',
    valueName: 'ID',
    message: 'Route 53 hosted zone ID for a DNS record (empty: manage DNS yourself)',
    help: 'Route 53 hosted zone to create the domain\'s DNS record in: Z then 1–32 of A-Z, 0-9',
    defaultHelp: 'none',
    when: domainOnly,
    default: () => '',
    validate: (v) =>
      v === '' || HOSTED_ZONE_ID.test(v) ? undefined : 'a hosted zone ID is Z followed by 1 to 32 uppercase letters or digits',
  },
  {
    key: 'basePath',
    flag: 'base-path',
    kind: 'text',
    valueName: 'SEG',
    message: 'Base path on the domain (empty: the domain root)',
    help: 'base path on the domain (with --cdn: on the distribution), one segment: 1–64 of A-Z, a-z, 0-9, . _ - (no . with --api http and no --cdn)',
    defaultHelp: 'none (root)',
    when: domainOnly,
    default: () => '',
    validate(v, a) {
      if (v === '') return undefined;
      if (!BASE_PATH.test(v)) return 'a base path is one segment of 1 to 64 letters, digits, dots, hyphens or underscores (no slash)';
      // Browsers and HTTP clients remove dot segments from a URL (RFC 3986), so no request reaches them.
      if (v === '.' || v === '..') return 'a base path is not . or ..: URLs drop dot segments, so no request would reach it';
      // SAM's HttpApi refuses any other character in Domain.BasePath when it transforms the template
      // (behind CloudFront the base path is a path pattern, not an API mapping).
      if (a.api === 'http' && !a.cdn && v.includes('.')) return 'an HTTP API base path has no dots: SAM allows only letters, digits, hyphens and underscores there';
      return undefined;
    },
  },
  {
    key: 'memory',
    flag: 'memory',
    kind: 'text',
    valueName: 'MB',
    message: 'Lambda memory (MB)',
    help: `Lambda memory, an integer ${MEMORY_MB.min}–${MEMORY_MB.max}`,
    default: () => '1024',
    validate: (v) =>
      integerIn(v, MEMORY_MB.min, MEMORY_MB.max)
        ? undefined
        : `Lambda memory must be an integer from ${MEMORY_MB.min} to ${MEMORY_MB.max} MB`,
  },
  {
    key: 'timeout',
    flag: 'timeout',
    kind: 'text',
    valueName: 'S',
    message: 'Lambda timeout (s)',
    help: `Lambda timeout in seconds, ≤ the API's integration limit (${TIMEOUT_LIMIT_S.rest} REST, ${TIMEOUT_LIMIT_S.http} HTTP)`,
    defaultHelp: `${TIMEOUT_LIMIT_S.rest} (REST), ${TIMEOUT_LIMIT_S.http} (HTTP)`,
    default: (a) => String(timeoutLimit(a)),
    validate(v, a) {
      const max = timeoutLimit(a);
      if (integerIn(v, 1, max)) return undefined;
      const why = a.api === undefined ? 'API Gateway integrations end at 29 s (REST) or 30 s (HTTP)' : `${a.api === 'rest' ? 'REST' : 'HTTP'} API integrations end at ${max} s`;
      return `Lambda timeout must be an integer from 1 to ${max} s: ${why}`;
    },
  },
  {
    key: 'background',
    flag: 'background',
    kind: 'confirm',
    message: 'Run long callbacks in the background (a worker function and a DynamoDB table)?',
    help: "Dash background callbacks (background=True) for work longer than the API's timeout: they run in a worker function (up to 15 minutes), their progress and result in a DynamoDB table (--no-background: neither, and no code for them)",
    defaultHelp: 'yes',
    default: () => true,
  },
  {
    key: 'binaryTypes',
    flag: 'binary-types',
    kind: 'text',
    valueName: 'LIST',
    message: 'Binary media types (comma-separated)',
    help: 'REST only: comma-separated type/subtype list (RFC 6838 characters, * allowed) API Gateway passes as bytes; must include */* or image/* (the favicon), and */* with --cdn',
    when: {
      applies: (a) => a.api !== 'http',
      rule: 'HTTP APIs pass binary bodies by default; --binary-types applies to --api rest only',
    },
    default: () => '*/*',
    validate(v, a) {
      const types = splitList(v);
      if (!types.every((t) => MEDIA_TYPE.test(t))) {
        return 'binary media types are a comma-separated list of type/subtype (e.g. image/png,*/*): letters, digits and !#$&^_.+- (RFC 6838), or *';
      }
      // REST APIs decode a base64 body only when the request's first Accept type is listed, and
      // browsers ask for the favicon with image/avif or image/webp first.
      // CloudFront asks for the files it caches without the browser's Accept header, and a REST API
      // decodes a binary body only for a listed first Accept type: only */* covers no Accept at all.
      if (a.cdn && !types.includes('*/*')) {
        return 'with --cdn, binary media types must include */*: CloudFront asks for the files it caches without the browser\'s Accept header, and a REST API passes bytes only when the first Accept type is listed (else the favicon and compressed scripts arrive as base64 text)';
      }
      if (!types.some((t) => t === '*/*' || t === 'image/*')) {
        return 'binary media types must include */* or image/*: browsers ask for the favicon with Accept: image/avif,image/webp,… and API Gateway passes bytes only when that first type is listed (else the favicon arrives as base64 text)';
      }
      return undefined;
    },
  },
  {
    key: 'arch',
    flag: 'arch',
    kind: 'select',
    valueName: 'arm64|x86_64',
    message: 'Lambda architecture',
    help: 'Lambda architecture',
    choices: ARCH_CHOICES,
    default: () => 'arm64',
    validate: oneOf(ARCH_CHOICES),
  },
  {
    key: 'runtime',
    flag: 'runtime',
    kind: 'select',
    valueName: 'python3.X',
    message: 'Python runtime',
    help: `Lambda Python runtime, ${RUNTIMES[0]} – ${RUNTIMES[RUNTIMES.length - 1]}`,
    choices: RUNTIME_CHOICES,
    default: () => 'python3.13',
    validate: oneOf(RUNTIME_CHOICES),
  },
  {
    key: 'auth',
    flag: 'auth',
    kind: 'select',
    valueName: 'none|cognito|ip',
    message: 'Who may open the dashboard?',
    help: 'who may open the dashboard: none (anyone with the link), cognito (people you invite sign in with Amazon Cognito), ip (only the networks of --allow-ip; REST only)',
    choices: AUTH_CHOICES,
    default: () => 'none',
    validate(v, a) {
      const problem = oneOf(AUTH_CHOICES)(v);
      if (problem) return problem;
      if (v === 'ip' && a.api === 'http') {
        return '--auth ip needs a REST API (--api rest): it is a resource policy, and HTTP APIs have none';
      }
      if (v === 'ip' && a.cdn) {
        return '--auth ip does not work behind --cdn: the API sees CloudFront\'s addresses, not the viewers\', so its resource policy cannot tell your networks apart';
      }
      return undefined;
    },
  },
  {
    key: 'allowIp',
    flag: 'allow-ip',
    kind: 'text',
    valueName: 'CIDR[,CIDR...]',
    message: 'Networks allowed in (comma-separated CIDRs, e.g. 203.0.113.0/24)',
    help: 'with --auth ip (required there): the networks allowed in, comma-separated IPv4/IPv6 CIDRs; no host bits set, no 0.0.0.0/0 or ::/0',
    defaultHelp: 'none, required with --auth ip',
    when: { applies: (a) => a.auth === 'ip', rule: 'applies only with --auth ip (the networks allowed in)' },
    default: () => undefined,
    validate(v) {
      if (v.trim() === '') return '--auth ip needs the networks allowed in: comma-separated CIDRs, e.g. 203.0.113.0/24,2001:db8::/32';
      for (const cidr of splitList(v)) {
        const problem = cidrProblem(cidr);
        if (problem) return problem;
      }
      return undefined;
    },
  },
  {
    key: 'git',
    flag: 'git',
    kind: 'confirm',
    message: 'Initialise a git repository?',
    help: 'initialise a git repository and make a first commit (--no-git: don\'t)',
    defaultHelp: 'yes',
    default: () => true,
  },
  {
    key: 'install',
    flag: 'install',
    kind: 'confirm',
    message: 'Create .venv and install the Python dependencies?',
    help: 'create .venv and pip install the dependencies (--no-install: don\'t)',
    defaultHelp: 'yes when interactive, no under --yes or without a TTY',
    default: (_a, mode) => !mode.yes && mode.interactive,
  },
];

/** Flags that are not questions. */
export const EXTRA_FLAGS = [
  { flag: 'overwrite', short: '', usage: '--overwrite[=merge]', help: 'target not empty: empty it first (keeps .git), or =merge into it; without it a non-empty target is never touched' },
  { flag: 'yes', short: 'y', usage: '-y, --yes', help: 'take the default for every question not answered by a flag' },
  { flag: 'help', short: 'h', usage: '-h, --help', help: 'show this help' },
  { flag: 'version', short: 'v', usage: '-v, --version', help: 'show the version' },
] as const;

export function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim());
}

/**
 * A value as a message can show it: as typed when it is plain; else quoted, with quotes and
 * backslashes escaped and what a terminal would hide or act on (newlines, tabs, NUL, bidi marks,
 * zero-width characters) written as escapes.
 */
export function showValue(v: string, alwaysQuote = false): string {
  if (!alwaysQuote && /^[^\s"'\\\p{C}]+$/u.test(v)) return v;
  const escapes: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };
  const shown = v.replace(/["\\\p{C}]|[^\S ]/gu, (c) => escapes[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  return `"${shown}"`;
}

/** `--memory 64` as the user wrote it, for messages. */
export function flagLabel(opt: OptionSpec, value?: string | boolean): string {
  if (opt.flag === '') return value === undefined ? 'project-dir' : `project-dir ${showValue(String(value))}`;
  if (typeof value === 'boolean') return value ? `--${opt.flag}` : `--no-${opt.flag}`;
  return value === undefined ? `--${opt.flag}` : `--${opt.flag} ${showValue(value)}`;
}

/** Typed answers from raw answers that passed every rule. */
export function toAnswers(a: RawAnswers): Answers {
  const need = (k: TextKey) => {
    const v = a[k];
    if (v === undefined) throw new Error(`internal: answer ${k} missing`);
    return v;
  };
  const api = need('api') as Answers['api'];
  return {
    projectName: projectNameOf(need('projectDir')),
    api,
    stage: need('stage'),
    domain: a.domain ?? '',
    certificateArn: a.certificateArn ?? '',
    hostedZoneId: a.hostedZoneId ?? '',
    basePath: a.basePath ?? '',
    cdn: a.cdn ?? false,
    background: a.background ?? true,
    memory: Number(need('memory')),
    timeout: Number(need('timeout')),
    binaryTypes: api === 'rest' ? splitList(need('binaryTypes')) : [],
    arch: need('arch') as Answers['arch'],
    runtime: need('runtime'),
    auth: need('auth') as Answers['auth'],
    allowIp: a.auth === 'ip' ? splitList(need('allowIp')) : [],
  };
}

function defaultText(opt: OptionSpec): string {
  if (opt.defaultHelp) return opt.defaultHelp;
  const d = opt.default({}, { interactive: true, yes: false });
  return typeof d === 'boolean' ? (d ? 'yes' : 'no') : String(d);
}

/** Rows for --help and the README: usage, description, default. */
export function optionRows(): { usage: string; help: string; default: string }[] {
  return [
    ...OPTIONS.map((o) => ({
      usage:
        o.flag === ''
          ? '[project-dir]'
          : o.kind === 'confirm'
            ? `--${o.flag}, --no-${o.flag}`
            : `--${o.flag} ${o.valueName}`,
      help: o.help,
      default: defaultText(o),
    })),
    ...EXTRA_FLAGS.map((f) => ({ usage: f.usage, help: f.help, default: f.flag === 'overwrite' ? 'never touch' : '' })),
  ];
}
