// The file condition table (src/files.ts): a project gets sign-in's and CloudFront's files only when
// its answers turned them on. Rendered through the real renderer from templates/project, as the
// scaffolder writes a project.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONAL_FILES } from '../../src/files.js';
import { findPackage } from '../../src/paths.js';
import { renderTree } from '../../src/render.js';
import { tempDir } from '../cli/run.js';
import { context } from './answers.js';

const TEMPLATE_DIR = findPackage(import.meta.dirname).templateDir;

/** Sign-in's files: its platform module, its tests (every tests/test_auth*.py), its tools. */
const isAuthFile = (f: string) =>
  f === 'src/serverless_dash/auth.py' ||
  /^tests\/test_auth[^/]*\.py$/.test(f) ||
  f === 'tests/local_provider.py' ||
  f === 'tools/local_sign_in.py';
const CDN_FILES = ['src/serverless_dash/cdn.py', 'tests/test_cdn.py', 'tools/cloudfront.py'];
const isCdnFile = (f: string) => CDN_FILES.includes(f);
/** Sign-in's libraries, pinned only in a project that signs in. */
const SIGN_IN_PINS = /^(authlib|joserfc|cryptography)==/im;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function project(overrides: Parameters<typeof context>[0]) {
  const dest = await tempDir('csd-files-');
  dirs.push(dest);
  const files = await renderTree(TEMPLATE_DIR, dest, context(overrides));
  const read = (f: string) => fs.readFile(path.join(dest, f), 'utf8');
  return { files, requirementsTxt: await read('src/requirements.txt'), requirementsIn: await read('src/requirements.in') };
}

const CASES = [
  { name: 'default', overrides: {}, auth: false, cdn: false },
  { name: '--auth cognito', overrides: { auth: 'cognito' as const }, auth: true, cdn: false },
  { name: '--cdn', overrides: { cdn: true }, auth: false, cdn: true },
  { name: '--cdn --auth cognito', overrides: { cdn: true, auth: 'cognito' as const }, auth: true, cdn: true },
];

describe.each(CASES)('a $name project', ({ overrides, auth, cdn }) => {
  it(`has sign-in's files ${auth ? 'all' : 'none'} and CloudFront's ${cdn ? 'all' : 'none'}`, async () => {
    const { files } = await project(overrides);
    const authFiles = files.filter(isAuthFile).sort();
    const cdnFiles = files.filter(isCdnFile).sort();
    expect(authFiles).toEqual(
      auth
        ? ['src/serverless_dash/auth.py', 'tests/local_provider.py', 'tests/test_auth.py', 'tests/test_auth_environments.py', 'tests/test_auth_template.py', 'tools/local_sign_in.py']
        : [],
    );
    expect(cdnFiles).toEqual(cdn ? [...CDN_FILES].sort() : []);
    // The platform and the example are in every project.
    for (const f of ['src/serverless_dash/handler.py', 'src/serverless_dash/loader.py', 'src/app.py', 'tests/test_app.py']) {
      expect(files).toContain(f);
    }
  });

  it(`pins authlib, joserfc and cryptography ${auth ? 'in' : 'nowhere in'} src/requirements.txt`, async () => {
    const { requirementsTxt, requirementsIn } = await project(overrides);
    expect(SIGN_IN_PINS.test(requirementsTxt), 'requirements.txt').toBe(auth);
    if (auth) {
      for (const name of ['authlib', 'joserfc', 'cryptography']) expect(requirementsTxt).toMatch(new RegExp(`^${name}==`, 'm'));
    }
    expect(/^(authlib|joserfc)==/im.test(requirementsIn), 'requirements.in').toBe(auth);
  });
});

describe('the table', () => {
  it('names only files the template has (a row for a missing file protects nothing)', () => {
    const missing = OPTIONAL_FILES.flatMap((row) => row.paths).filter(
      (p) => !existsSync(path.join(TEMPLATE_DIR, p)) && !existsSync(path.join(TEMPLATE_DIR, `${p}.hbs`)),
    );
    expect(missing).toEqual([]);
  });

  it('keeps a file out of the project exactly when its row is off', async () => {
    const { files } = await project({ background: false });
    const optional = OPTIONAL_FILES.flatMap((row) => row.paths);
    expect(files.filter((f) => optional.includes(f))).toEqual([]);
  });
});

describe('background callbacks', () => {
  const BACKGROUND_FILES = [
    'src/pages/report.py',
    'src/serverless_dash/background.py',
    'src/serverless_dash/worker.py',
    'tests/background_app.py',
    'tests/test_background.py',
    'tools/local_aws.py',
  ];
  it.each([true, false])('with background %s: its manager, worker, tests and local server, or none of them', async (on) => {
    const { files } = await project({ background: on });
    expect(files.filter((f) => BACKGROUND_FILES.includes(f)).sort()).toEqual(on ? BACKGROUND_FILES : []);
  });
});
