#!/usr/bin/env node
// create-serverless-dash: see README.md, or run with --help.
import { main } from './src/cli.js';

process.exitCode = await main(process.argv.slice(2));
