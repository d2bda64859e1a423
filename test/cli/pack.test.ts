// The package as npm ships it: `npm pack`, install the tarball into an empty prefix (offline: it has
// no dependencies), then generate a project with its bin from flags alone.
import { promises as fs } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIncluded } from '../../src/files.js';
import { isLeftover, outputPath } from '../../src/render.js';
import { context } from '../unit/answers.js';
import { cleanEnv, REPO_ROOT, tempDir } from './run.js';

let scratch: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  scratch = await tempDir('csd-pack-');
  const { stdout } = await execa('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: REPO_ROOT });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(scratch, info.filename);
  files = info.files.map((f) => f.path).sort();
}, 120_000);

afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function templateFiles(): Promise<string[]> {
  const dir = path.join(REPO_ROOT, 'templates', 'project');
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)))
    .filter((rel) => !isLeftover(rel))
    .sort();
}

describe('npm pack', () => {
  // Every template file, _gitignore and _github/ included (npm would drop a .gitignore).
  // dist/package.json says the bundle is CommonJS (the package is "type": "module").
  it('holds dist/index.js and the files it loads, README.md, package.json and every template file, nothing else', async () => {
    const dist = files.filter((f) => f.startsWith('dist/'));
    expect(dist).toContain('dist/index.js');
    expect(dist.filter((f) => !/^dist\/([\w-]+\.js|package\.json)$/.test(f))).toEqual([]);
    expect(files.filter((f) => !f.startsWith('templates/project/') && !f.startsWith('dist/'))).toEqual(['README.md', 'package.json']);
    expect(files.filter((f) => f.startsWith('templates/'))).toEqual(await templateFiles());
  });

  // Some files load on demand (prompts, git and pip steps): a run from flags alone would not notice
  // one missing, so every module the bundle names is checked here.
  it('dist loads only Node built-ins and its own packed files', async () => {
    expect(JSON.parse((await execa('tar', ['-xOzf', tarball, 'package/dist/package.json'])).stdout)).toEqual({ type: 'commonjs' });
    for (const file of files.filter((f) => /^dist\/.*\.js$/.test(f))) {
      const { stdout: code } = await execa('tar', ['-xOzf', tarball, `package/${file}`]);
      const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([@.\w][\w@./:-]*)["']/g)].map((m) => m[1]);
      expect(specifiers.length, file).toBeGreaterThan(0);
      for (const specifier of specifiers) {
        if (specifier.startsWith('./')) expect(files, `${file} imports ${specifier}`).toContain(`dist/${specifier.slice(2)}`);
        else expect(builtinModules, `${file} imports ${specifier}`).toContain(specifier.replace(/^node:/, ''));
      }
    }
  });

  it('declares no runtime dependencies', async () => {
    const { stdout } = await execa('tar', ['-xOzf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout);
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ 'create-serverless-dash': 'dist/index.js' });
  });

  it('installs offline and its bin generates a project from flags alone', async () => {
    const prefix = path.join(scratch, 'prefix');
    await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball]);
    const bin = path.join(prefix, 'node_modules', '.bin', 'create-serverless-dash');
    const work = path.join(scratch, 'work');
    await fs.mkdir(work);
    const r = await execa(bin, ['packed-dash', '--api', 'http', '--memory', '2048', '--no-git', '--no-install'], {
      cwd: work,
      env: cleanEnv(),
      stdin: 'ignore',
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const project = path.join(work, 'packed-dash');
    // Every template file these answers turn on (src/files.ts: no sign-in or CloudFront files here).
    const answers = context({ projectName: 'packed-dash', api: 'http', memory: 2048, timeout: 30 });
    const expected = (await templateFiles())
      .map((f) => path.relative('templates/project', f))
      .filter((rel) => isIncluded(rel, answers))
      .map(outputPath)
      .sort();
    const written = (await fs.readdir(project, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(project, path.join(e.parentPath, e.name)))
      .sort();
    expect(written).toEqual(expected);
    expect(await fs.readFile(path.join(project, 'template.yaml'), 'utf8')).toMatch(/MemorySize: 2048/);
    // Only the bundle was installed: nothing in node_modules but the package itself.
    const installed = (await fs.readdir(path.join(prefix, 'node_modules'))).filter((e) => !e.startsWith('.'));
    expect(installed).toEqual(['create-serverless-dash']);
  }, 120_000);
});
