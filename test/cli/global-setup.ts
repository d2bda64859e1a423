// Builds dist/index.js from the current source before the CLI tests run it.
import { execa } from 'execa';
import { REPO_ROOT } from './run.js';

export default async function setup() {
  await execa('node', ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
