// Bundles index.ts and every library it uses into dist/ (dist/index.js plus the files it loads on
// demand), so the published package has no runtime dependencies (as create-vite does).
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, 'dist');
const templateDir = path.join(root, 'templates', 'project');
const compileOptions = JSON.parse(await readFile(path.join(root, 'src', 'template-options.json'), 'utf8'));

// Every project template compiled here, once, instead of on every run (that was most of a
// scaffold's CPU time): src/precompiled.ts becomes a map from template text to compiled template,
// and the bundle carries Handlebars' small runtime instead of its compiler.
async function precompiledTemplates() {
  const names = (await readdir(templateDir, { recursive: true })).filter((n) => n.endsWith('.hbs')).sort();
  const entries = await Promise.all(
    names.map(async (name) => {
      const source = await readFile(path.join(templateDir, name), 'utf8');
      return `[${JSON.stringify(source)}, ${Handlebars.precompile(source, compileOptions)}]`;
    }),
  );
  return `export const PRECOMPILED = new Map([\n${entries.join(',\n')}\n]);\n`;
}

const precompile = {
  name: 'precompiled-templates',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]precompiled\.ts$/ }, async () => ({ contents: await precompiledTemplates(), loader: 'js' }));
  },
};

// What only some runs need goes into files of their own, loaded when needed: prompts when a question
// is asked, execa when git or pip runs, `upgrade` when that is the command. A --yes run reads,
// compiles and evaluates index.js alone.
// The source's import() of them is kept (the plugin marks it external) and points at those files.
const LAZY = { prompts: 'prompts', './post-steps.js': 'post-steps', './upgrade.js': 'upgrade' };
const lazyFiles = {
  name: 'lazy-files',
  setup(b) {
    b.onResolve({ filter: /^(prompts|\.\/post-steps\.js|\.\/upgrade\.js)$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: `./${LAZY[args.path]}.js`, external: true } : undefined,
    );
  },
};

const result = await build({
  entryPoints: {
    index: path.join(root, 'index.ts'),
    'post-steps': path.join(root, 'src', 'post-steps.ts'),
    // `create-serverless-dash upgrade`, run inside a project.
    upgrade: path.join(root, 'src', 'upgrade.ts'),
    // prompts picks lib/ or dist/ at run time by Node version; lib/ only is bundled.
    prompts: 'prompts/lib/index.js',
  },
  outdir,
  bundle: true,
  platform: 'node',
  // CommonJS, not an ES module: Node 20 loads a CommonJS file some 5 ms faster (no ES module loader),
  // a tenth of a scaffold's own time. dist/package.json (below) says so, since the package is "module".
  format: 'cjs',
  // import() of the lazy files becomes require(), so they are CommonJS too.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.dirname': '__dirname' }, // src/paths.ts finds the package from there
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  alias: { handlebars: 'handlebars/runtime' },
  plugins: [precompile, lazyFiles],
});
const packageJson = { path: path.join(outdir, 'package.json'), contents: '{ "type": "commonjs" }\n' };
// Each file written whole, then renamed, index.js last: a build running beside `npm pack` (the test
// projects) never exposes half a file or a require of a file not yet there.
await mkdir(outdir, { recursive: true });
const entry = path.join(outdir, 'index.js');
const outputs = [packageJson, ...result.outputFiles].sort((a, b) => (a.path === entry) - (b.path === entry));
for (const file of outputs) {
  const temp = path.join(root, `.build-${process.pid}.tmp`); // outside dist/: never packed
  await writeFile(temp, file.contents, { mode: file.path === entry ? 0o755 : 0o644 });
  await rename(temp, file.path);
}
// Files of earlier builds (chunks of the ES module bundle): nothing loads them any more.
const current = new Set(outputs.map((f) => path.basename(f.path)));
for (const name of await readdir(outdir)) {
  if (!current.has(name)) await rm(path.join(outdir, name), { recursive: true, force: true });
}
