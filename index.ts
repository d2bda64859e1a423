#!/usr/bin/env node
// create-serverless-dash: see README.md, or run with --help.
import { main } from './src/cli.js';

// No top-level await: dist/index.js is a CommonJS bundle (scripts/build.mjs says why).
// Exit explicitly, once stdout and stderr are flushed (pipes are asynchronous on macOS): a process left
// to end by itself closes its signal watchers while tearing down, and a SIGINT in that window killed
// a process whose project was already complete (its shell read 130, "nothing written").
void main(process.argv.slice(2)).then((code) => {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
