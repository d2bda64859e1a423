// Bundles index.ts and every library it uses into one file, dist/index.js, so the published
// package has no runtime dependencies (as create-vite does).
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outfile = path.join(root, 'dist', 'index.js');
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
  outfile,
  bundle: true,
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
    // give the ES module one.
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      'const require = __createRequire(import.meta.url);',
    ].join('\n'),
  },
});
// Written whole, then renamed: a build running beside `npm pack` (the test projects) never exposes
// half a file.
const temp = path.join(root, `.build-${process.pid}.tmp`); // outside dist/: never packed
await mkdir(path.dirname(outfile), { recursive: true });
await writeFile(temp, result.outputFiles[0].contents, { mode: 0o755 });
await rename(temp, outfile);
