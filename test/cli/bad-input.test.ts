// A corpus of bad answers for every option, given to the built binary as flags with no TTY. Each one
// exits 2, names the flag (as typed) and the rule it breaks, prints nothing on stdout, and leaves the
// target (an existing project directory, with --overwrite: the CLI is allowed to empty it) and its
// parent byte for byte as they were: paths, modes, sizes, contents, and modification times, so even
// a temporary directory created and removed again would show.
//
// Decisions the corpus records:
// - uppercase in a domain is refused, not lowercased (DESIGN.md: labels are [a-z0-9-]);
// - an IP address is not a domain; a trailing dot (the DNS root) is refused;
// - a base path `.` or `..` is refused: URLs drop dot segments, so no request would reach it;
// - a path is a fine project directory; its last segment, after resolving `.` and `..`, is the name;
// - a flag given twice with different values is refused (a silently dropped value is a project the
//   user did not ask for); the same value twice is accepted (test/unit/options.test.ts);
// - NUL cannot be passed in argv (execve takes C strings; Node refuses to spawn it): it is tested at
//   the prompt, the only way it can reach the CLI.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showValue as show } from '../../src/options.js';
import { BIN, cleanEnv, runCli, snapshot, tempDir } from './run.js';

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
/** The existing, non-empty target, with consent to empty it: only the rules stand in the way. */
const T = ['my-dash', '--overwrite'];
const WITH_DOMAIN = [...T, '--domain', 'dash.example.com', '--certificate-arn', ARN];

const MEMORY = /Lambda memory must be an integer from 128 to 10240 MB$/m;
const TIMEOUT = /Lambda timeout must be an integer from 1 to (29|30) s: /;
const TIMEOUT_REST = /Lambda timeout must be an integer from 1 to 29 s: REST API integrations end at 29 s$/m;
const STAGE = /a stage name is 1 to 128 letters, digits, hyphens or underscores/;
const DOMAIN =
  /a domain is a lowercase hostname of at least 2 labels, each 1 to 63 of a-z, 0-9 and hyphens, not starting or ending with a hyphen/;
const ARN_RULE = /a custom domain needs an ACM certificate ARN: arn:aws:acm:<region>:<12-digit account>:certificate\/<uuid>/;
const ZONE = /a hosted zone ID is Z followed by 1 to 32 uppercase letters or digits$/m;
const BASE = /a base path is one segment of 1 to 64 letters, digits, dots, hyphens or underscores \(no slash\)$/m;
const BINARY = /binary media types are a comma-separated list of type\/subtype .*RFC 6838/;
const NAME = /must start with a lowercase letter, then lowercase letters, digits or hyphens, at most 64 characters/;
const RESERVED = /is a reserved device name on Windows$/m;
const DOMAIN_ONLY = /applies only with --domain \(a custom domain\)$/m;
const ONE_OF = (choices: string) => new RegExp(`must be one of: ${choices}$`, 'm');
const CONFLICT = (flag: string) => new RegExp(`conflict: give --${flag} once$`, 'm');

/** [what, argv, how the message names the flag and value (a prefix of the message), the rule's words, cwd below the parent] */
type Case = [string, string[], string, RegExp, string?];

const memory: Case[] = [
  ['64', '64'],
  ['10241', '10241'],
  ['127', '127'],
  ['1.5', '1.5'],
  ['1e3', '1e3'],
  ['0x80', '0x80'],
  ['-1', '-1'],
  ['empty', ''],
  ['leading space', ' 128'],
  ['with a unit', '128MB'],
  ['thousands separator', '1,024'],
  ['full-width digits', '１２８'],
  ['20 digits', '99999999999999999999'],
  ['quoted', '"128"'],
].map(([what, v]): Case => [`memory ${what}`, [...T, '--memory', v], `--memory ${show(v)}: `, MEMORY]);

const timeout: Case[] = [
  ['timeout 30 with REST', [...T, '--api', 'rest', '--timeout', '30'], '--timeout 30: ', TIMEOUT_REST],
  ['timeout 30 with the default API (REST)', [...T, '--timeout', '30'], '--timeout 30: ', TIMEOUT_REST],
  ['timeout 31 with HTTP', [...T, '--api', 'http', '--timeout', '31'], '--timeout 31: ', /from 1 to 30 s: HTTP API integrations end at 30 s$/m],
  ...['0', '-5', '1.5', '', '29s', '1e1', "'29'"].map((v): Case => [`timeout ${show(v)}`, [...T, `--timeout=${v}`], `--timeout ${show(v)}: `, TIMEOUT]),
];

const stage: Case[] = [
  ['with a space', 'pro d'],
  ['with a slash', 'prod/v1'],
  ['unicode', 'stäge'],
  ['129 characters', 'x'.repeat(129)],
  ['empty', ''],
  ['newline', 'prod\nv2'],
  ['tab', 'prod\t'],
  ['RTL mark', 'prod\u200f'],
  ['emoji', 'prod📊'],
  ['YAML mapping', 'a: b'],
  ['YAML sequence', '- x'],
  ['YAML anchor', '&anchor'],
  ['YAML alias', '*alias'],
  ['CloudFormation tag', '!Ref x'],
  ['handlebars', '{{x}}'],
  ['backslash', 'a\\b'],
].map(([what, v]): Case => [`stage ${what}`, [...T, '--stage', v], `--stage ${show(v)}: `, STAGE]);
stage.push(
  ['stage $default with REST', [...T, '--stage', '$default'], '--stage $default: ', /the \$default stage \(no URL prefix\) exists only for HTTP APIs \(--api http\)$/m],
  ['stage $Default with HTTP', [...T, '--api', 'http', '--stage', '$Default'], '--stage $Default: ', /or \$default for an HTTP API\)$/m],
);

const longDomain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`; // 254 characters
const domain: Case[] = [
  ['underscore', 'dash_1.example.com', DOMAIN],
  ['trailing dot', 'dash.example.com.', DOMAIN],
  ['a single label', 'localhost', DOMAIN],
  ['254 characters', longDomain, /at most 253 characters in all \(this one has 254\)$/m],
  ['a 64-character label', `${'a'.repeat(64)}.com`, DOMAIN],
  ['leading hyphen', '-dash.example.com', DOMAIN],
  ['trailing hyphen', 'dash-.example.com', DOMAIN],
  ['uppercase (refused, not lowercased)', 'Dash.Example.com', DOMAIN],
  ['an IP address', '192.168.0.1', /a domain is a hostname, not an IP address: its last label \(the top-level domain\) is not all digits$/m],
  ['empty label', 'dash..example.com', DOMAIN],
  ['a URL', 'https://dash.example.com', DOMAIN],
  ['a path', 'dash.example.com/reports', DOMAIN],
  ['unicode (not punycode)', 'dásh.example.com', DOMAIN],
  ['TOML assignment', 'a = "b"', DOMAIN],
].map(([what, v, rule]) => [
  `domain ${what}`,
  [...T, '--domain', v as string, '--certificate-arn', ARN],
  `--domain ${show(v as string)}: `,
  rule as RegExp,
]);

const uuid = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const certificateArn: Case[] = [
  ['wrong service', `arn:aws:iam::123456789012:server-certificate/${uuid}`],
  ['wrong partition', ARN.replace('arn:aws:', 'arn:aws-moon:')],
  ['made-up ISO partition', ARN.replace('arn:aws:', 'arn:aws-iso-x-:')],
  ['missing region', ARN.replace('us-east-1', '')],
  ['ACM private CA, not ACM', ARN.replace(':acm:', ':acm-pca:')],
  ['11-digit account', ARN.replace('123456789012', '12345678901')],
  ['no certificate id', 'arn:aws:acm:us-east-1:123456789012:certificate/'],
  ['uppercase id', ARN.replace(uuid, uuid.toUpperCase())],
  ['surrounding spaces', ` ${ARN} `],
  ['empty', ''],
].map(([what, v]) => [`certificate ARN ${what}`, [...T, '--domain', 'dash.example.com', '--certificate-arn', v], `--certificate-arn ${show(v)}: `, ARN_RULE]);
certificateArn.push(
  ['certificate ARN missing with a domain', [...T, '--domain', 'dash.example.com'], 'missing --certificate-arn: ', ARN_RULE],
  ['certificate ARN without a domain', [...T, '--certificate-arn', ARN], `--certificate-arn ${ARN}: `, DOMAIN_ONLY],
);

// CloudFront takes its certificate from us-east-1 only, whatever the stack's region.
const CDN_REGION = /with --cdn the certificate must be in us-east-1: CloudFront takes certificates from us-east-1 only \(this one is in (\S+)\); request or import one there$/m;
const cdn: Case[] = [
  ['eu-west-1', ARN.replace('us-east-1', 'eu-west-1')],
  ['us-east-2', ARN.replace('us-east-1', 'us-east-2')],
  ['GovCloud', ARN.replace('arn:aws:', 'arn:aws-us-gov:').replace('us-east-1', 'us-gov-east-1')],
  ['China', ARN.replace('arn:aws:', 'arn:aws-cn:').replace('us-east-1', 'cn-north-1')],
].map(([what, v]) => [
  `--cdn with a certificate in ${what}`,
  [...T, '--cdn', '--domain', 'dash.example.com', '--certificate-arn', v],
  `--certificate-arn ${v}: `,
  CDN_REGION,
]);
cdn.push(
  [
    '--cdn with binary types without */*',
    [...T, '--cdn', '--binary-types', 'image/*,font/woff2'],
    '--binary-types image/*,font/woff2: ',
    /with --cdn, binary media types must include \*\/\*: CloudFront asks for the files it caches without the browser's Accept header/,
  ],
  [
    '--cdn with --auth ip',
    [...T, '--cdn', '--auth', 'ip', '--allow-ip', '10.0.0.0/8'],
    '--auth ip: ',
    /--auth ip does not work behind --cdn: the API sees CloudFront's addresses, not the viewers'/,
  ],
  ['--cdn given a value', [...T, '--cdn=yes'], '--cdn takes no value: ', /give --cdn or --no-cdn$/m],
  ['--cdn and --no-cdn', [...T, '--cdn', '--no-cdn'], '--cdn and --no-cdn ', CONFLICT('cdn')],
  // The flag order does not matter: the rule is checked with every flag known.
  [
    '--cdn after an eu-west-1 certificate',
    [...T, '--domain', 'dash.example.com', '--certificate-arn', ARN.replace('us-east-1', 'eu-west-1'), '--cdn'],
    `--certificate-arn ${ARN.replace('us-east-1', 'eu-west-1')}: `,
    CDN_REGION,
  ],
);

const hostedZoneId: Case[] = [
  ['lowercase', 'z123'],
  ['Z alone', 'Z'],
  ['33 characters after Z', `Z${'A'.repeat(33)}`],
  ['inner space', 'Z12 34'],
  ['leading space', ' Z123'],
  ['lowercase letters', 'Z12ab'],
  ['handlebars, triple', '{{{x}}}'],
].map(([what, v]) => [`hosted zone ${what}`, [...WITH_DOMAIN, '--hosted-zone-id', v], `--hosted-zone-id ${show(v)}: `, ZONE]);
hostedZoneId.push(['hosted zone without a domain', [...T, '--hosted-zone-id', 'Z123'], '--hosted-zone-id Z123: ', DOMAIN_ONLY]);

const basePath: Case[] = [
  ['leading slash', '/reports', BASE],
  ['two segments', 'a/b', BASE],
  ['a space', 'has space', BASE],
  ['65 characters', 'x'.repeat(65), BASE],
  ['..', '..', /a base path is not \. or \.\.: URLs drop dot segments, so no request would reach it$/m],
  ['.', '.', /a base path is not \. or \.\.: URLs drop dot segments/],
  ['unicode', 'répports', BASE],
  ['TOML table', '[x]', BASE],
].map(([what, v, rule]) => [`base path ${what}`, [...WITH_DOMAIN, '--base-path', v as string], `--base-path ${show(v as string)}: `, rule as RegExp]);
basePath.push(
  [
    'base path with a dot on an HTTP API',
    [...WITH_DOMAIN, '--api', 'http', '--base-path', 'v1.2'],
    '--base-path v1.2: ',
    /an HTTP API base path has no dots: SAM allows only letters, digits, hyphens and underscores there$/m,
  ],
  ['base path without a domain', [...T, '--base-path', 'reports'], '--base-path reports: ', DOMAIN_ONLY],
);

const binaryTypes: Case[] = [
  ['no subtype', 'image'],
  ['empty subtype', 'image/'],
  ['empty subtype after *', '*/'],
  ['a space', 'a b/c'],
  ['no type', '/png'],
  ['two slashes', 'image//png'],
  ['trailing comma', 'image/png,'],
  ['empty item', 'image/png,,font/woff2'],
  ['parameters', 'text/html;charset=utf-8'],
  ['empty', ''],
  ['handlebars', '{{x}}/y'],
  ['a quote', 'image/png"'],
  ['a newline', 'image/png\n*/*'],
].map(([what, v]) => [`binary types ${what}`, [...T, '--binary-types', v], `--binary-types ${show(v)}: `, BINARY]);
for (const v of ['image/png', 'image/x-icon,font/woff2,application/octet-stream']) {
  binaryTypes.push([
    `binary types without */* or image/* (${v})`,
    [...T, '--binary-types', v],
    `--binary-types ${v}: `,
    /binary media types must include \*\/\* or image\/\*: browsers ask for the favicon/,
  ]);
}
binaryTypes.push([
  'binary types with an HTTP API',
  [...T, '--api', 'http', '--binary-types', '*/*'],
  '--binary-types */*: ',
  /HTTP APIs pass binary bodies by default; --binary-types applies to --api rest only$/m,
]);

// --auth and --allow-ip (DESIGN.md section 8).
const CIDR = /is not a network in CIDR notation: an IPv4 or IPv6 address, \/ and a prefix length/;
const auth: Case[] = [
  ...['Cognito', 'iam', 'password', ''].map((v): Case => [`auth ${show(v)}`, [...T, '--auth', v], `--auth ${show(v)}: `, ONE_OF('none, cognito, ip')]),
  ['--auth ip with an HTTP API', [...T, '--api', 'http', '--auth', 'ip', '--allow-ip', '203.0.113.0/24'], '--auth ip: ', /--auth ip needs a REST API \(--api rest\): it is a resource policy, and HTTP APIs have none$/m],
  ['--allow-ip without --auth', [...T, '--allow-ip', '203.0.113.0/24'], '--allow-ip 203.0.113.0/24: ', /applies only with --auth ip \(the networks allowed in\)$/m],
  ['--allow-ip with --auth cognito', [...T, '--auth', 'cognito', '--allow-ip', '203.0.113.0/24'], '--allow-ip 203.0.113.0/24: ', /applies only with --auth ip/],
  ['--auth ip without --allow-ip', [...T, '--auth', 'ip'], 'missing --allow-ip: ', /--auth ip needs the networks allowed in: comma-separated CIDRs.*\(it has no default, and stdin is not a terminal to ask\)$/m],
  ...([
    ['host bits set', '10.0.0.1/8', /10\.0\.0\.1\/8 has host bits set: the network is 10\.0\.0\.0\/8 \(write that, or \/32 for the single address\)$/m],
    ['IPv6 host bits set', '2001:db8::1/32', /has host bits set: the network is 2001:db8::\/32/],
    ['every IPv4 address', '0.0.0.0/0', /0\.0\.0\.0\/0 lets every address in: that is --auth none, not a network to allow$/m],
    ['every IPv6 address', '::/0', /::\/0 lets every address in/],
    ['every address, among others', '203.0.113.0/24,::/0', /::\/0 lets every address in/],
    ['no prefix length', '203.0.113.7', CIDR],
    ['prefix too long', '203.0.113.0/33', CIDR],
    ['IPv6 prefix too long', '2001:db8::/129', CIDR],
    ['short IPv4 form', '10.1/16', CIDR],
    ['octal IPv4', '010.0.0.0/8', CIDR],
    ['a hostname', 'office.example.com/32', CIDR],
    ['an empty item', '203.0.113.0/24,,198.51.100.0/24', CIDR],
    ['a zone id', 'fe80::%eth0/64', CIDR],
    ['empty', '', /--auth ip needs the networks allowed in/],
  ] as const).map(([what, v, rule]): Case => [`allow-ip ${what}`, [...T, '--auth', 'ip', '--allow-ip', v], `--allow-ip ${show(v)}: `, rule]),
];

const choices: Case[] = [
  ...['REST', 'websocket', '', 'http '].map((v): Case => [`api ${show(v)}`, [...T, '--api', v], `--api ${show(v)}: `, ONE_OF('rest, http')]),
  ...['ARM64', 'x86', 'amd64', 'aarch64'].map((v): Case => [`arch ${v}`, [...T, '--arch', v], `--arch ${v}: `, ONE_OF('arm64, x86_64')]),
  ...['python3.10', 'python3.15', 'python3', 'node20', 'Python3.13', 'python3.13 '].map(
    (v): Case => [`runtime ${show(v)}`, [...T, '--runtime', v], `--runtime ${show(v)}: `, ONE_OF('python3.11, python3.12, python3.13, python3.14')],
  ),
];

// The positional project directory: its last segment (`.` and `..` resolved) is the name. Runs from
// the parent, or from inside `Bad_Dir` (a directory whose own name breaks the rule) when a case says.
const projectDir: Case[] = [
  ['x/.. inside a badly named directory', ['x/..'], 'project-dir x/..: the project name ("Bad_Dir", the directory\'s last segment) ', NAME, 'Bad_Dir'],
  ['. inside a badly named directory', ['.'], 'project-dir .: the project name ("Bad_Dir", the directory\'s last segment) ', NAME, 'Bad_Dir'],
  ['/abs/.. (the filesystem root)', ['/abs/..'], 'project-dir /abs/..: /abs/.. is the filesystem root', /which has no name to give the project$/m],
  ['../X (a path ending in uppercase)', ['../X'], 'project-dir ../X: the project name ("X", the directory\'s last segment) ', NAME],
  ['con', ['con'], 'project-dir con: the project name "con" ', RESERVED],
  ['nul', ['nul'], 'project-dir nul: the project name "nul" ', RESERVED],
  ['aux', ['aux'], 'project-dir aux: the project name "aux" ', RESERVED],
  ['lpt1 under a path', ['sub/lpt1'], 'project-dir sub/lpt1: the project name ("lpt1", the directory\'s last segment) "lpt1" ', RESERVED],
  ['65 characters', ['x'.repeat(65)], `project-dir ${'x'.repeat(65)}: the project name `, NAME],
  ['uppercase', ['My-Dash'], 'project-dir My-Dash: the project name ', NAME],
  ['CON (uppercase)', ['CON'], 'project-dir CON: the project name ', NAME],
  ['starting with a digit', ['2dash'], 'project-dir 2dash: the project name ', NAME],
  ['starting with a hyphen (after --)', ['--', '-dash'], 'project-dir -dash: the project name ', NAME],
  ['underscore', ['my_dash'], 'project-dir my_dash: the project name ', NAME],
  ['a dot', ['my.dash'], 'project-dir my.dash: the project name ', NAME],
  ['unicode', ['dāsh'], 'project-dir dāsh: the project name ', NAME],
  ['emoji', ['📊'], 'project-dir 📊: the project name ', NAME],
  ['RTL mark', ['my\u200fdash'], 'project-dir "my\\u200fdash": the project name ', NAME],
  ['a space', ['my dash'], 'project-dir "my dash": the project name ', NAME],
  ['a newline', ['my\ndash'], 'project-dir "my\\ndash": the project name ', NAME],
  ['handlebars', ['{{x}}'], 'project-dir {{x}}: the project name ', NAME],
  ['YAML mapping', ['a: b'], 'project-dir "a: b": the project name ', NAME],
  ['double quotes', ['"quoted"'], 'project-dir "\\"quoted\\"": the project name ', NAME],
  ['empty', [''], 'project-dir "": ', /the project directory must not be empty$/m],
  ['blank', ['   '], 'project-dir "   ": ', /the project directory must not be empty$/m],
].map(([what, args, named, rule, cwd]) => [
  `project-dir ${what}`,
  ['--overwrite', ...(args as string[])],
  named as string,
  rule as RegExp,
  cwd as string | undefined,
]);

const flags: Case[] = [
  ['unknown flag, a typo', [...T, '--memroy', '512'], 'unknown flag --memroy: ', /did you mean --memory\?$/m],
  ['unknown flag', [...T, '--region', 'eu-west-1'], 'unknown flag --region', /unknown flag --region$/m],
  ['unknown short flag', [...T, '-x'], 'unknown flag -x', /unknown flag -x$/m],
  ['unknown flag, wrong case', [...T, '--Memory', '512'], 'unknown flag --Memory: ', /did you mean --memory\?$/m],
  ['negated non-boolean', [...T, '--no-memory'], 'unknown flag --no-memory: ', /did you mean --memory\?$/m],
  ['negated --yes', [...T, '--no-yes'], 'unknown flag --no-yes', /unknown flag --no-yes$/m],
  ['--memory without its value', [...T, '--memory'], '--memory needs a value', /--memory needs a value: --memory MB$/m],
  ['--stage followed by a flag', [...T, '--stage', '--yes'], '--stage needs a value', /--stage needs a value: --stage NAME$/m],
  ['--domain without its value', [...T, '--domain'], '--domain needs a value', /--domain needs a value: --domain FQDN$/m],
  ['--runtime without its value', [...T, '--runtime'], '--runtime needs a value', /--runtime needs a value: --runtime python3\.X$/m],
  ['a value for --yes', [...T, '--yes=no'], '--yes takes no value', /--yes takes no value: give --yes alone$/m],
  ['a value for --git', [...T, '--git=false'], '--git takes no value', /--git takes no value: give --git or --no-git$/m],
  ['--overwrite=all', ['my-dash', '--overwrite=all'], '--overwrite=all: ', /must be --overwrite \(empty the target, keeping \.git\) or --overwrite=merge$/m],
  ['--overwrite= (empty)', ['my-dash', '--overwrite='], '--overwrite=: ', /or --overwrite=merge$/m],
  ['two project directories', ['my-dash', 'other', '--overwrite'], 'one project directory expected, got 2: my-dash other', /flags take one value each\)$/m],
  ['--memory twice, different values', [...T, '--memory', '512', '--memory', '1024'], '--memory 512 and --memory 1024 ', CONFLICT('memory')],
  ['--api twice, different values', [...T, '--api', 'rest', '--api=http'], '--api rest and --api=http ', CONFLICT('api')],
  ['--git and --no-git', [...T, '--git', '--no-git'], '--git and --no-git ', CONFLICT('git')],
  ['--install and --no-install', [...T, '--no-install', '--install'], '--no-install and --install ', CONFLICT('install')],
  ['--overwrite and --overwrite=merge', ['my-dash', '--overwrite', '--overwrite=merge'], '--overwrite and --overwrite=merge ', CONFLICT('overwrite')],
  ['--stage twice, different values', [...T, '--stage', 'a', '--stage', 'b'], '--stage a and --stage b ', CONFLICT('stage')],
];

const CORPUS: Case[] = [
  ...memory,
  ...timeout,
  ...stage,
  ...domain,
  ...certificateArn,
  ...cdn,
  ...hostedZoneId,
  ...basePath,
  ...binaryTypes,
  ...auth,
  ...choices,
  ...projectDir,
  ...flags,
];

let root: string;
beforeAll(async () => {
  root = await tempDir('csd-bad-input-');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** parent/ holding a file, the existing project directory my-dash/ (with .git) and Bad_Dir/. */
async function layout(dir: string): Promise<string> {
  const parent = path.join(dir, 'parent');
  const target = path.join(parent, 'my-dash');
  await fs.mkdir(path.join(target, '.git', 'refs'), { recursive: true });
  await fs.writeFile(path.join(target, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await fs.writeFile(path.join(target, 'template.yaml'), 'old: template\n');
  await fs.mkdir(path.join(target, 'src'));
  await fs.writeFile(path.join(target, 'src', 'mine.py'), 'x = 1\n', { mode: 0o600 });
  await fs.mkdir(path.join(parent, 'Bad_Dir'));
  await fs.writeFile(path.join(parent, 'Bad_Dir', 'keep.txt'), 'keep\n');
  await fs.writeFile(path.join(parent, 'existing.txt'), 'mine\n');
  return parent;
}

describe(`bad input: ${CORPUS.length} refused answers, each exit 2, naming the rule, nothing written`, () => {
  it('the corpus has at least 80 cases, every option among them', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
    const flagsTried = new Set(CORPUS.flatMap(([, argv]) => argv.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0])));
    for (const flag of ['--api', '--stage', '--domain', '--certificate-arn', '--hosted-zone-id', '--base-path', '--memory', '--timeout', '--binary-types', '--arch', '--runtime', '--git', '--install', '--overwrite', '--yes']) {
      expect(flagsTried, flag).toContain(flag);
    }
    expect(projectDir.length).toBeGreaterThan(0);
  });

  describe.concurrent.each(CORPUS.map((c, i) => [i + 1, ...c] as const))('#%i %s', (i, _what, argv, named, rule, cwdBelow) => {
    it('exit 2, the flag and the rule named, target and parent unchanged', async ({ expect }) => {
      const dir = path.join(root, String(i));
      const parent = await layout(dir);
      const before = await snapshot(dir, { times: true });
      const r = await runCli(argv, path.join(parent, cwdBelow ?? ''));
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`✖ ${named}`), `stderr: ${r.stderr}\nexpected to start with: ✖ ${named}`).toBe(true);
      expect(r.stderr).toMatch(rule);
      expect(r.stderr).not.toMatch(/^\s+at /m); // a message, never a stack
      expect(await snapshot(dir, { times: true })).toEqual(before);
    });
  });
});

describe('NUL', () => {
  it('cannot be passed in argv: Node refuses to start the process', async () => {
    expect(() => spawnSync('node', [BIN, 'my\0dash'])).toThrow(/null bytes/);
  });

  it('typed at a prompt (the one way in): refused with the rule, asked again; Ctrl-C then writes nothing', async () => {
    const dir = path.join(root, 'nul');
    const parent = await layout(dir);
    const before = await snapshot(dir, { times: true });
    const steps = [
      { expect: 'Project name', send: 'my\u0000dash\r' },
      { expect: NAME.source, send: '\u0003' },
    ];
    const driver = path.join(import.meta.dirname, 'pty_session.py');
    const r = await execa('python3', [driver, JSON.stringify(steps), 'node', BIN, '--no-git', '--no-install'], {
      cwd: parent,
      env: cleanEnv({ TERM: 'xterm' }),
      reject: false,
    });
    expect(r.exitCode, r.stdout).toBe(130);
    expect(r.stdout).toMatch(/Cancelled, nothing written/);
    expect(await snapshot(dir, { times: true })).toEqual(before);
  });
});
