// The renderer: format-aware helpers keep hostile values inside their string (proved by parsing
// the output with real YAML, TOML and Python parsers), non-template files are copied byte for
// byte, and npm-unfriendly names are renamed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createRenderer, outputPath, renderTree } from '../../src/render.js';
import { tempDir } from '../cli/run.js';
import { context } from './answers.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/template');

// Every character that can end a string, start a comment, open a mapping or a template tag.
const HOSTILE = [
  `a"b'c`,
  'key: value',
  'x # not a comment',
  'line1\nline2\r\nline3',
  '{{projectName}} {{{raw}}}',
  'ünïcødé ✓ 😀 \u2028',
  'back\\slash \t tab',
  "'''triple''' \"\"\"quotes\"\"\"",
  '- [list], {map}: &anchor *alias !tag',
  '',
];

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function renderFixture(overrides: Parameters<typeof context>[0]) {
  const dest = await tempDir('csd-render-');
  dirs.push(dest);
  const written = await renderTree(FIXTURE, dest, context(overrides));
  return { dest, written };
}

async function pythonValues(file: string): Promise<Record<string, unknown>> {
  const script = [
    'import ast, json, sys',
    'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
    'print(json.dumps({n.targets[0].id: ast.literal_eval(n.value) for n in tree.body}))',
  ].join('\n');
  const { stdout } = await execa('python3', ['-c', script, file]);
  return JSON.parse(stdout);
}

describe.each(HOSTILE)('a value of %j', (value) => {
  const overrides = { stage: value, domain: value, binaryTypes: ['image/png', value] };
  const expected = { stage: value, domain: value, binary: ['image/png', value] };

  it('stays one YAML string', async () => {
    const { dest } = await renderFixture(overrides);
    const doc = parseYaml(await fs.readFile(path.join(dest, 'values.yaml'), 'utf8'));
    expect(doc).toEqual({ project: 'serverless-dash', memory: 1024, rest: true, ...expected });
  });

  it('stays one TOML string', async () => {
    const { dest } = await renderFixture(overrides);
    const doc = parseToml(await fs.readFile(path.join(dest, 'values.toml'), 'utf8'));
    expect(doc).toEqual({ project: 'serverless-dash', memory: 1024, rest: true, ...expected });
  });

  it('stays one Python str literal', async () => {
    const { dest } = await renderFixture(overrides);
    const values = await pythonValues(path.join(dest, 'values.py'));
    expect(values).toEqual({
      PROJECT: 'serverless-dash',
      STAGE: value,
      DOMAIN: value,
      MEMORY: 1024,
      BINARY: ['image/png', value],
      REST: true,
    });
  });
});

describe('renderTree', () => {
  it('drops .hbs, renames _gitignore and _github, keeps the rest of the layout', async () => {
    const { written } = await renderFixture({});
    expect(written).toEqual([
      '.github/workflows/ci.yml',
      '.gitignore',
      'favicon.ico',
      'nested/deep/run.sh',
      'notes.txt',
      'values.py',
      'values.toml',
      'values.yaml',
    ]);
  });

  it('copies non-template files byte for byte, mode included, even when they contain {{', async () => {
    const { dest } = await renderFixture({ projectName: 'other-name' });
    for (const file of ['favicon.ico', 'notes.txt', 'nested/deep/run.sh']) {
      expect(await fs.readFile(path.join(dest, file)), file).toEqual(await fs.readFile(path.join(FIXTURE, file)));
    }
    expect((await fs.stat(path.join(dest, 'nested/deep/run.sh'))).mode & 0o777).toBe(0o755);
    expect(await fs.readFile(path.join(dest, '.gitignore'), 'utf8')).toBe('.venv/\n');
  });

  it('skips what running Python tools leaves in a checkout (__pycache__, .venv, …)', async () => {
    const copy = await tempDir('csd-render-src-');
    dirs.push(copy);
    await fs.cp(FIXTURE, copy, { recursive: true });
    for (const junk of ['__pycache__/values.cpython-311.pyc', 'nested/.pytest_cache/v', '.venv/bin/python', 'x.pyc']) {
      await fs.mkdir(path.dirname(path.join(copy, junk)), { recursive: true });
      await fs.writeFile(path.join(copy, junk), 'junk');
    }
    const dest = await tempDir('csd-render-');
    dirs.push(dest);
    const { written } = await renderFixture({});
    expect(await renderTree(copy, dest, context())).toEqual(written);
  });

  it('fails loudly on a variable the context lacks (strict), naming the file', async () => {
    const dest = await tempDir('csd-render-');
    dirs.push(dest);
    await expect(renderTree(path.resolve(FIXTURE, '../broken-template'), dest, context())).rejects.toThrow(
      /bad\.yaml\.hbs.*notAnAnswer/,
    );
  });
});

describe('helpers', () => {
  const render = createRenderer();

  it('do not HTML-escape (noEscape)', () => {
    expect(render('{{stage}}', context({ stage: '<a&b>' }))).toBe('<a&b>');
  });

  it('write booleans and lists in each format', () => {
    const ctx = context({ binaryTypes: ['a/b', 'c/d'] });
    expect(render('{{yaml isRest}} {{yaml binaryTypes}}', ctx)).toBe('true ["a/b","c/d"]');
    expect(render('{{toml isHttp}} {{toml binaryTypes}}', ctx)).toBe('false [ "a/b", "c/d" ]');
    expect(render('{{py isRest}} {{py binaryTypes}}', ctx)).toBe('True ["a/b", "c/d"]');
  });

  it('refuse objects, which have no one-line form', () => {
    expect(() => render('{{yaml this}}', context())).toThrow(/takes a string, number, boolean or list/);
  });
});

describe('outputPath', () => {
  it.each([
    ['_gitignore', '.gitignore'],
    ['_github/workflows/ci.yml.hbs', '.github/workflows/ci.yml'],
    ['src/_gitignore', 'src/.gitignore'],
    ['template.yaml.hbs', 'template.yaml'],
    ['my_github/x', 'my_github/x'],
    ['src/assets/favicon.ico', 'src/assets/favicon.ico'],
  ])('%s → %s', (from, to) => {
    expect(outputPath(from)).toBe(to);
  });
});
