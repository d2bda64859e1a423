// Renders templates/project into a directory.
//
// - `*.hbs` files go through handlebars (suffix dropped) with noEscape + strict: HTML escaping is
//   wrong for YAML/TOML/Python, and a misspelt variable must fail loudly, not render as "".
//   String values in YAML, TOML and Python files go through the format-aware helpers below.
// - Every other file is written byte for byte (the favicon never meets a template engine).
// - npm drops or mangles some dotfiles when packing, so they live under a `_` name (RENAMES).
// The default export, not named imports: its methods are looked up at each call, so the tests can
// inject disk errors (test/unit/write.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { stringify as tomlStringify } from 'smol-toml';
import type { TemplateContext } from './context.js';
import { stepSync } from './errors.js';
import { isIncluded } from './files.js';
import { PRECOMPILED } from './precompiled.js';
// { noEscape, strict }, shared with scripts/build.mjs, which precompiles the templates with them.
import COMPILE_OPTIONS from './template-options.json' with { type: 'json' };

export const TEMPLATE_SUFFIX = '.hbs';

/** Path segments renamed on the way out (npm pack never ships these names as-is). */
export const RENAMES: Readonly<Record<string, string>> = {
  _gitignore: '.gitignore',
  _gitattributes: '.gitattributes',
  _github: '.github',
  _editorconfig: '.editorconfig',
};

/**
 * Never part of a project: what running the template's own tools in a checkout leaves behind.
 * package.json "files" excludes the same names from the npm package.
 */
const LEFTOVERS = new Set(['__pycache__', '.pytest_cache', '.ruff_cache', '.venv', '.aws-sam', '.DS_Store']);

export function isLeftover(rel: string): boolean {
  return rel.endsWith('.pyc') || rel.split(/[\\/]/).some((seg) => LEFTOVERS.has(seg));
}

type Scalar = string | number | boolean;
type Value = Scalar | Scalar[];

function assertValue(v: unknown, helper: string): asserts v is Value {
  const ok = (x: unknown) => ['string', 'number', 'boolean'].includes(typeof x);
  if (!(ok(v) || (Array.isArray(v) && v.every(ok)))) {
    throw new Error(`{{${helper}}} takes a string, number, boolean or list of them, got ${typeof v}`);
  }
}

/** YAML: a JSON value is a valid YAML 1.2 flow value, always quoted, always one line. */
export function yamlValue(v: unknown): string {
  assertValue(v, 'yaml');
  return JSON.stringify(v);
}

/** TOML: let the TOML library quote it (basic strings, arrays, integers). */
export function tomlValue(v: unknown): string {
  assertValue(v, 'toml');
  return tomlStringify({ v }).replace(/^v = /, '').trimEnd();
}

/** Python: a JSON string is a valid Python str literal; booleans and lists need spelling out. */
export function pyValue(v: unknown): string {
  assertValue(v, 'py');
  const one = (x: Scalar) => (typeof x === 'boolean' ? (x ? 'True' : 'False') : JSON.stringify(x));
  return Array.isArray(v) ? `[${v.map(one).join(', ')}]` : one(v);
}

export function createRenderer() {
  const hb = Handlebars.create();
  hb.registerHelper('yaml', yamlValue);
  hb.registerHelper('toml', tomlValue);
  hb.registerHelper('py', pyValue);
  hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
  // {{toml (concat projectName "-prod")}}: build one value, then quote it once. Handlebars passes
  // its options object last.
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  // {{yaml (join binaryTypes ",")}}: a list as one string.
  hb.registerHelper('join', (list: unknown, separator: unknown) => {
    if (!Array.isArray(list) || typeof separator !== 'string') throw new Error('{{join}} takes a list and a separator');
    return list.join(separator);
  });
  return (source: string, ctx: TemplateContext, name = 'template'): string => {
    try {
      const spec = PRECOMPILED.get(source);
      // dist/index.js carries Handlebars' runtime only: every template it ships is precompiled.
      if (!spec && typeof hb.compile !== 'function') throw new Error('not precompiled: rebuild with npm run build');
      return (spec ? hb.template(spec) : hb.compile(source, COMPILE_OPTIONS))(ctx);
    } catch (e) {
      throw new Error(`rendering ${name}: ${(e as Error).message}`);
    }
  };
}

/** Output path for a template-relative path: RENAMES applied, `.hbs` dropped. */
export function outputPath(rel: string): string {
  const parts = rel.split(/[\\/]/).map((seg) => RENAMES[seg] ?? seg);
  const last = parts.length - 1;
  if (parts[last].endsWith(TEMPLATE_SUFFIX)) parts[last] = parts[last].slice(0, -TEMPLATE_SUFFIX.length);
  return parts.join('/');
}

/**
 * Renders every file under `srcDir` that the answers turn on (src/files.ts) into `destDir` (which must exist). `beforeFile` runs before each
 * file (the writer's checkpoint: throwing stops the render between two files).
 * Returns the output paths, relative to destDir, sorted.
 *
 * Synchronous file system calls, one mkdir per directory: a project is some 60 small files, and
 * awaiting the thread pool for each read, stat and write cost more than the calls themselves (this
 * was a quarter of a scaffold's time). Non-templates are read and written, not copied: copyFile was
 * slower still. No event loop turns meanwhile, so a signal's handler runs after the render (into
 * staging, never the target): the writer turns the loop before its first rename.
 */
export async function renderTree(
  srcDir: string,
  destDir: string,
  ctx: TemplateContext,
  beforeFile: () => void | Promise<void> = () => {},
): Promise<string[]> {
  const render = createRenderer();
  const root = path.resolve(srcDir);
  const entries = fs.readdirSync(root, { recursive: true, withFileTypes: true });
  const written: string[] = [];
  const made = new Set([destDir]);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // Joined by hand: readdir's paths are already normal, and path.join per file cost ~1 ms.
    const abs = entry.parentPath + path.sep + entry.name;
    const rel = abs.slice(root.length + 1);
    if (isLeftover(rel) || !isIncluded(rel, ctx)) continue;
    const pending = beforeFile();
    if (pending) await pending;
    const out = outputPath(rel);
    const dest = destDir + path.sep + (path.sep === '/' ? out : out.replaceAll('/', path.sep));
    const dir = path.dirname(dest);
    if (!made.has(dir)) {
      stepSync(`creating ${dir}`, () => fs.mkdirSync(dir, { recursive: true }));
      made.add(dir);
    }
    const { mode } = fs.statSync(abs);
    const content = rel.endsWith(TEMPLATE_SUFFIX) ? render(fs.readFileSync(abs, 'utf8'), ctx, rel) : fs.readFileSync(abs);
    stepSync(`writing ${dest}`, () => fs.writeFileSync(dest, content, { mode }));
    written.push(out);
  }
  return written.sort();
}
