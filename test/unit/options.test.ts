// The option table: every default passes its own rule, every validator accepts and refuses what
// DESIGN.md section 3 says, flags parse both ways, and --help lists every option.
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/args.js';
import { resolveAnswers } from '../../src/ask.js';
import { UsageError } from '../../src/errors.js';
import { helpText } from '../../src/help.js';
import { OPTIONS, showValue, toAnswers, type RawAnswers, type TextOption } from '../../src/options.js';
import { DEFAULT_ANSWERS } from './answers.js';

const ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const nonInteractive = { interactive: false, yes: false };

function textOption(key: string): TextOption {
  const opt = OPTIONS.find((o) => o.key === key);
  if (!opt || opt.kind === 'confirm') throw new Error(`no text option ${key}`);
  return opt;
}

describe('defaults', () => {
  // Each default checked in every context a rule can depend on: both API flavours, with a domain.
  const contexts: RawAnswers[] = [{ api: 'rest' }, { api: 'http' }, { api: 'rest', domain: 'dash.example.com' }];
  for (const opt of OPTIONS) {
    if (opt.kind === 'confirm') continue;
    it.each(contexts)(`--${opt.flag || 'project-dir'} default is valid in %j`, (ctx) => {
      const value = opt.default(ctx);
      if (value === undefined) {
        expect(['certificateArn', 'allowIp']).toContain(opt.key); // the only answers without a default
        return;
      }
      expect(opt.validate(value, ctx)).toBeUndefined();
    });
  }

  it('timeout defaults to the API integration limit: 29 REST, 30 HTTP', () => {
    expect(textOption('timeout').default({ api: 'rest' })).toBe('29');
    expect(textOption('timeout').default({ api: 'http' })).toBe('30');
  });
});

const CASES: Record<string, { ctx?: RawAnswers; accept: string[]; refuse: [string, RegExp][] }> = {
  projectDir: {
    accept: ['serverless-dash', 'a', 'dash2', 'x'.repeat(64), '../parent/my-dash', '/tmp/deep/er/my-dash', 'a-'],
    refuse: [
      ['', /must not be empty/],
      ['My-Dash', /lowercase letter/],
      ['2dash', /start with a lowercase letter/],
      ['-dash', /start with a lowercase letter/],
      ['my_dash', /letters, digits or hyphens/],
      ['my.dash', /letters, digits or hyphens/],
      ['x'.repeat(65), /at most 64 characters/],
      ['../Parent/Bad', /"Bad", the directory's last segment/],
      ['con', /reserved device name/],
      ['lpt1', /reserved device name/],
    ],
  },
  api: { accept: ['rest', 'http'], refuse: [['REST', /one of: rest, http/], ['websocket', /one of: rest, http/]] },
  stage: {
    ctx: { api: 'http' },
    accept: ['Prod', 'dev', 'v1_2-3', 'x'.repeat(128), '$default'],
    refuse: [
      ['', /1 to 128 letters/],
      ['x'.repeat(129), /1 to 128 letters/],
      ['pro d', /1 to 128 letters/],
      ['prod/v1', /1 to 128 letters/],
      ['$prod', /1 to 128 letters/],
    ],
  },
  stageRest: {
    ctx: { api: 'rest' },
    accept: ['Prod'],
    refuse: [['$default', /\$default stage .* only for HTTP APIs \(--api http\)/]],
  },
  domain: {
    accept: ['', 'dash.example.com', 'a.b', 'x-1.example.co.uk', `${'a'.repeat(63)}.com`, '1.example.com', 'xn--caf-dma.fr'],
    refuse: [
      ['localhost', /at least 2 labels/],
      ['Dash.Example.com', /lowercase hostname/],
      ['-dash.example.com', /not starting or ending with a hyphen/],
      ['dash-.example.com', /not starting or ending with a hyphen/],
      ['dash..example.com', /1 to 63/],
      [`${'a'.repeat(64)}.com`, /1 to 63/],
      ['dash.example.com.', /1 to 63/],
      ['https://dash.example.com', /lowercase hostname/],
      ['dash_1.example.com', /a-z, 0-9 and hyphens/],
      ['192.168.0.1', /not an IP address: its last label \(the top-level domain\) is not all digits/],
      ['dash.example.123', /not an IP address/],
      [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, /at most 253 characters in all \(this one has 254\)/],
    ],
  },
  certificateArn: {
    ctx: { domain: 'dash.example.com' },
    accept: [
      ARN,
      ARN.replace('arn:aws:', 'arn:aws-cn:').replace('eu-west-1', 'cn-north-1'),
      ARN.replace('arn:aws:', 'arn:aws-us-gov:').replace('eu-west-1', 'us-gov-west-1'),
      ARN.replace('arn:aws:', 'arn:aws-iso-b:').replace('eu-west-1', 'us-isob-east-1'),
      ARN.replace('arn:aws:', 'arn:aws-eusc:').replace('eu-west-1', 'eusc-de-east-1'),
    ],
    refuse: [
      ['', /ACM certificate ARN/],
      ['arn:aws:acm:eu-west-1:123456789012:certificate/not-a-uuid', /ACM certificate ARN/],
      [ARN.replace('acm', 'iam'), /ACM certificate ARN/],
      [ARN.replace('123456789012', '1234'), /12-digit account/],
      [ARN.replace('arn:aws:', 'arn:aws-iso-x-:'), /ACM certificate ARN/],
      [ARN.replace('arn:aws:', 'arn:azure:'), /ACM certificate ARN/],
    ],
  },
  hostedZoneId: {
    ctx: { domain: 'dash.example.com' },
    accept: ['', 'Z1', 'Z0123456789ABCDEFGHIJ', `Z${'A'.repeat(32)}`],
    refuse: [
      ['Z', /Z followed by 1 to 32/],
      ['z123', /Z followed by 1 to 32/],
      ['Z12ab', /uppercase letters or digits/],
      [`Z${'A'.repeat(33)}`, /1 to 32/],
    ],
  },
  basePath: {
    ctx: { domain: 'dash.example.com' },
    accept: ['', 'reports', 'v1.2_x-y', 'x'.repeat(64)],
    refuse: [
      ['/reports', /one segment .* \(no slash\)/],
      ['a/b', /no slash/],
      ['x'.repeat(65), /1 to 64/],
      ['has space', /1 to 64 letters/],
      ['.', /not \. or \.\.: URLs drop dot segments/],
      ['..', /not \. or \.\.: URLs drop dot segments/],
    ],
  },
  memory: {
    accept: ['128', '1024', '10240', '3008'],
    refuse: [
      ['64', /integer from 128 to 10240 MB/],
      ['127', /128 to 10240/],
      ['10241', /128 to 10240/],
      ['1024.5', /integer/],
      ['1e3', /integer/],
      ['-512', /integer/],
      ['', /integer/],
      ['512MB', /integer/],
    ],
  },
  timeout: {
    ctx: { api: 'rest' },
    accept: ['1', '15', '29'],
    refuse: [
      ['30', /integer from 1 to 29 s: REST API integrations end at 29 s/],
      ['0', /from 1 to 29/],
      ['2.5', /integer/],
      ['', /integer/],
    ],
  },
  timeoutHttp: {
    ctx: { api: 'http' },
    accept: ['1', '30'],
    refuse: [['31', /integer from 1 to 30 s: HTTP API integrations end at 30 s/]],
  },
  binaryTypes: {
    accept: ['*/*', 'image/*', 'image/*,font/woff2', 'image/png, image/*', '*/*,application/vnd.ms-excel', 'a/b+c,image/*'],
    refuse: [
      ['image/png', /must include \*\/\* or image\/\*: browsers ask for the favicon/],
      ['image/png,image/x-icon,font/woff2', /must include \*\/\* or image\/\*/],
      ['*/png,image/x-icon', /must include \*\/\* or image\/\*/],
      ['', /comma-separated list of type\/subtype/],
      ['image', /type\/subtype/],
      ['image/png,', /type\/subtype/],
      ['image/png,,font/woff', /type\/subtype/],
      ['image/p ng', /RFC 6838/],
      ['image/png;q=1', /RFC 6838/],
      ['ima*ge/png', /RFC 6838/],
      ['image/png/x', /type\/subtype/],
    ],
  },
  arch: { accept: ['arm64', 'x86_64'], refuse: [['x86', /one of: arm64, x86_64/], ['amd64', /one of/]] },
  runtime: {
    accept: ['python3.11', 'python3.12', 'python3.13', 'python3.14'],
    refuse: [['python3.10', /one of: python3.11, python3.12, python3.13, python3.14/], ['3.13', /one of/], ['python3.15', /one of/]],
  },
  authRest: {
    ctx: { api: 'rest' },
    accept: ['none', 'cognito', 'ip'],
    refuse: [['Cognito', /one of: none, cognito, ip/], ['iam', /one of/], ['', /one of/]],
  },
  authHttp: {
    ctx: { api: 'http' },
    accept: ['none', 'cognito'],
    refuse: [['ip', /--auth ip needs a REST API \(--api rest\): it is a resource policy, and HTTP APIs have none/]],
  },
  allowIp: {
    ctx: { auth: 'ip' },
    accept: [
      '203.0.113.0/24',
      '198.51.100.7/32',
      '10.0.0.0/8,192.168.0.0/16',
      '2001:db8::/32',
      '2001:db8:0:0:1::/80, 203.0.113.0/24',
      '::1/128',
      '128.0.0.0/1',
    ],
    refuse: [
      ['10.0.0.1/8', /"?10\.0\.0\.1\/8"? has host bits set: the network is 10\.0\.0\.0\/8/],
      ['2001:db8::1/32', /has host bits set: the network is 2001:db8::\/32/],
      ['0.0.0.0/0', /lets every address in: that is --auth none/],
      ['::/0', /lets every address in/],
      ['10.0.0.0/0', /lets every address in/],
      ['10.0.0.0', /not a network in CIDR notation/],
      ['10.0.0.0/33', /not a network in CIDR notation/],
      ['2001:db8::/129', /not a network in CIDR notation/],
      ['10.1/16', /not a network in CIDR notation/],
      ['010.0.0.0/8', /not a network in CIDR notation/],
      ['10.0.0.0/8/8', /not a network in CIDR notation/],
      ['10.0.0.0/+8', /not a network in CIDR notation/],
      ['10.0.0.0/ 8', /not a network in CIDR notation/],
      ['fe80::%eth0/64', /not a network in CIDR notation/],
      ['example.com/32', /not a network in CIDR notation/],
      ['10.0.0.0/8,', /not a network in CIDR notation/],
      ['203.0.113.0/24,10.0.0.1/8', /10\.0\.0\.1\/8 has host bits set/],
      ['', /--auth ip needs the networks allowed in/],
    ],
  },
};

describe('validators', () => {
  for (const [name, { ctx = {}, accept, refuse }] of Object.entries(CASES)) {
    const opt = textOption(name.replace(/(Rest|Http)$/, ''));
    it.each(accept)(`${name} accepts %j`, (v) => expect(opt.validate(v, ctx)).toBeUndefined());
    it.each(refuse)(`${name} refuses %j, naming the rule`, (v, rule) => expect(opt.validate(v, ctx)).toMatch(rule));
  }

  it('every text option has accept and refuse cases', () => {
    const covered = new Set(Object.keys(CASES).map((k) => k.replace(/(Rest|Http)$/, '')));
    expect(OPTIONS.filter((o) => o.kind !== 'confirm').map((o) => o.key).filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe('parseCliArgs', () => {
  it('takes --flag VALUE and --flag=VALUE alike, and --no-<flag>', () => {
    const a = parseCliArgs(['my-dash', '--memory', '512', '--timeout=20', '--no-git', '--install', '-y']);
    expect(a.given).toEqual({ projectDir: 'my-dash', memory: '512', timeout: '20', git: false, install: true });
    expect(a.yes).toBe(true);
  });

  it('accepts a flag repeated with the same value', () => {
    expect(parseCliArgs(['--memory', '512', '--memory=512', '-y', '--yes', '--no-git', '--no-git']).given).toEqual({ memory: '512', git: false });
  });

  it('takes a value starting with "-" that is not a flag of ours as the value, for its rule to judge', () => {
    expect(parseCliArgs(['--stage', '-dev', '--timeout', '-1']).given).toEqual({ stage: '-dev', timeout: '-1' });
    expect(() => parseCliArgs(['--stage', '-y'])).toThrow(/--stage needs a value/);
    expect(() => parseCliArgs(['--stage', '--git'])).toThrow(/--stage needs a value/);
    expect(parseCliArgs(['--stage', 'x', '--', '-dev']).given).toEqual({ stage: 'x', projectDir: '-dev' });
  });

  it('reads --overwrite as "empty" and --overwrite=merge as "merge"', () => {
    expect(parseCliArgs(['--overwrite']).overwrite).toBe('empty');
    expect(parseCliArgs(['--overwrite=merge', 'x']).overwrite).toBe('merge');
    expect(parseCliArgs(['x']).overwrite).toBeUndefined();
    expect(() => parseCliArgs(['--overwrite=all'])).toThrow(/--overwrite=all: must be --overwrite .* or --overwrite=merge/);
  });

  it.each([
    [['--memroy', '512'], /unknown flag --memroy: did you mean --memory\?/],
    [['--certificate-ar', 'x'], /did you mean --certificate-arn\?/],
    [['--no-gti'], /did you mean --no-git\?/],
    [['--region', 'eu-west-1'], /^unknown flag --region$/],
    [['-x'], /^unknown flag -x$/],
    [['--memory'], /--memory needs a value: --memory MB/],
    [['--stage', '--yes'], /--stage needs a value: --stage NAME/],
    [['--yes=no'], /^--yes takes no value: give --yes alone$/],
    [['--git=false'], /^--git takes no value: give --git or --no-git$/],
    [['a', 'b'], /one project directory expected, got 2: a b/],
    [['--memory', '512', '--memory=1024'], /^--memory 512 and --memory=1024 conflict: give --memory once$/],
    [['--git', '--no-git'], /^--git and --no-git conflict: give --git once$/],
    [['--overwrite', '--overwrite=merge'], /^--overwrite and --overwrite=merge conflict: give --overwrite once$/],
    [['--stage', 'a b', '--stage', 'a'], /^--stage "a b" and --stage a conflict/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('resolveAnswers without a TTY', () => {
  const resolve = (argv: string[], mode = nonInteractive) => resolveAnswers(parseCliArgs(argv).given, mode);

  it('takes every default: the DESIGN.md section 3 answers', async () => {
    expect(toAnswers(await resolve([]))).toEqual(DEFAULT_ANSWERS);
  });

  it('uses flags, with defaults that follow earlier answers (HTTP: timeout 30, no binary types)', async () => {
    const raw = await resolve(['x', '--api', 'http', '--stage', '$default', '--memory=2048']);
    expect(toAnswers(raw)).toMatchObject({ api: 'http', stage: '$default', memory: 2048, timeout: 30, binaryTypes: [] });
    expect(raw.install).toBe(false);
    expect(raw.git).toBe(true);
  });

  it('runs long callbacks in the background unless --no-background (DESIGN.md section 13)', async () => {
    expect(toAnswers(await resolve([])).background).toBe(true);
    expect(toAnswers(await resolve(['--background'])).background).toBe(true);
    expect(toAnswers(await resolve(['--no-background'])).background).toBe(false);
    expect(parseCliArgs(['--no-background']).given).toEqual({ background: false });
    expect(() => parseCliArgs(['--background', '--no-background'])).toThrow(UsageError);
  });

  it('splits binary types on commas', async () => {
    expect(toAnswers(await resolve(['--binary-types', 'image/*, font/woff2'])).binaryTypes).toEqual(['image/*', 'font/woff2']);
  });

  it('takes domain answers together', async () => {
    const argv = ['--domain', 'dash.example.com', '--certificate-arn', ARN, '--hosted-zone-id', 'Z12', '--base-path', 'reports'];
    expect(toAnswers(await resolve(argv))).toMatchObject({
      domain: 'dash.example.com',
      certificateArn: ARN,
      hostedZoneId: 'Z12',
      basePath: 'reports',
    });
  });

  it.each([
    [['--domain', 'dash.example.com'], /missing --certificate-arn: a custom domain needs an ACM certificate ARN.*not a terminal/],
    [['--certificate-arn', ARN], /--certificate-arn .*: applies only with --domain/],
    [['--hosted-zone-id', 'Z1'], /--hosted-zone-id Z1: applies only with --domain/],
    [['--base-path', 'reports'], /--base-path reports: applies only with --domain/],
    [['--domain', '', '--base-path', 'reports'], /--base-path reports: applies only with --domain/],
    [['--api', 'http', '--binary-types', '*/*'], /--binary-types \*\/\*: HTTP APIs pass binary bodies by default/],
    [['--api', 'http', '--domain', 'dash.example.com', '--certificate-arn', ARN, '--base-path', 'v1.2'], /--base-path v1\.2: an HTTP API base path has no dots/],
    [['--stage', '$default'], /--stage \$default: the \$default stage .* only for HTTP APIs/],
    [['--api', 'rest', '--timeout', '30'], /--timeout 30: .*REST API integrations end at 29 s/],
    [['--timeout', '30'], /--timeout 30: .*REST API integrations end at 29 s/],
    [['--api', 'http', '--timeout', '31'], /--timeout 31: .*HTTP API integrations end at 30 s/],
    [['--memory', '64'], /^--memory 64: Lambda memory must be an integer from 128 to 10240 MB$/],
    [['Bad'], /project-dir Bad: the project name must start with a lowercase letter/],
  ])('refuses %j, naming the rule', async (argv, message) => {
    await expect(resolve(argv)).rejects.toThrow(message);
  });

  it('takes defaults under --yes even with a TTY, but never invents a certificate', async () => {
    const raw = await resolve(['--memory', '256'], { interactive: true, yes: true });
    expect(raw).toMatchObject({ memory: '256', api: 'rest', install: false, git: true });
  });
});

describe('showValue', () => {
  it.each([
    ['plain', 'plain'],
    ['café', 'café'],
    ['', '""'],
    [' 128', '" 128"'],
    ['a\nb\tc', '"a\\nb\\tc"'],
    ['rtl\u200fmark', '"rtl\\u200fmark"'],
    ['nul\u0000', '"nul\\u0000"'],
    ['say "hi"\\', '"say \\"hi\\"\\\\"'],
  ])('shows %j as %s', (value, shown) => expect(showValue(value)).toBe(shown));
});

describe('--help', () => {
  const help = helpText();
  it.each(OPTIONS.map((o) => [o.flag || 'project-dir', o] as const))('lists %s with its default', (_name, opt) => {
    const usage = opt.flag === '' ? '[project-dir]' : opt.kind === 'confirm' ? `--${opt.flag}, --no-${opt.flag}` : `--${opt.flag} ${opt.valueName}`;
    const line = help.split('\n').find((l) => l.trimStart().startsWith(usage));
    expect(line, usage).toBeDefined();
    expect(line).toContain(opt.help);
    expect(line).toMatch(/\[default: [^\]]+\]/);
  });

  it('lists every exit status', () => {
    for (const code of [0, 1, 2, 130, 143]) expect(help).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });
});
