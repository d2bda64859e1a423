// Bundles index.ts and every library it uses into dist/ (dist/index.js plus chunks it loads on
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

const result = await build({
  entryPoints: [path.join(root, 'index.ts')],
  outdir,
  bundle: true,
  // What only some runs need (prompts for questions, execa for git and pip) goes into chunks loaded
  // by import() when needed: a --yes run parses and evaluates only the entry chunk.
  splitting: true,
  chunkNames: '[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  // prompts picks lib/ or dist/ at run time by Node version; point at lib/ so only one is bundled.
  alias: { prompts: 'prompts/lib/index.js', handlebars: 'handlebars/runtime' },
  plugins: [precompile],
  banner: {
    // index.ts's #! line stays first. CommonJS libraries (prompts, handlebars) call require():
    // give each ES module chunk one.
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      'const require = __createRequire(import.meta.url);',
    ].join('\n'),
  },
});
// Each file written whole, then renamed, chunks before the entry that imports them: a build running
// beside `npm pack` (the test projects) never exposes half a file or an import of a missing chunk.
await mkdir(outdir, { recursive: true });
const entry = path.join(outdir, 'index.js');
const outputs = result.outputFiles.sort((a, b) => (a.path === entry) - (b.path === entry));
for (const file of outputs) {
  const temp = path.join(root, `.build-${process.pid}.tmp`); // outside dist/: never packed
  await writeFile(temp, file.contents, { mode: file.path === entry ? 0o755 : 0o644 });
  await rename(temp, file.path);
}
// Chunks of earlier builds: nothing imports them any more.
const current = new Set(outputs.map((f) => path.basename(f.path)));
for (const name of await readdir(outdir)) {
  if (!current.has(name)) await rm(path.join(outdir, name), { recursive: true, force: true });
}
