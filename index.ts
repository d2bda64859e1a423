#!/usr/bin/env node
// create-serverless-dash: see README.md, or run with --help.
import { main } from './src/cli.js';

// No top-level await: dist/index.js is a CommonJS bundle (scripts/build.mjs says why).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
