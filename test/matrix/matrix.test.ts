// The template CI matrix (DESIGN.md section 5): every variant of variants.ts, generated from the
// packed tarball and proved with the generated project's own tests, linters and `sam build`.
// One test per variant; its failure message names the variant and the step.
import { describe, inject, test } from 'vitest';
import { createPool, runVariant } from './harness.js';
import { settings } from './settings.js';
import { expectedAnswers, selectVariants, type Variant } from './variants.js';

const VARIANT_TIMEOUT_MS = 60 * 60_000; // a safety net only: each step has its own timeout

const ctx = {
  createBin: inject('createBin'),
  buildRuntime: inject('buildRuntime'),
  checkovBin: inject('checkovBin'),
  checkJsonschemaBin: inject('checkJsonschemaBin'),
};
// Longest first: the variants `sam build` builds take twice as long, so they must not be the tail.
const builds = (v: Variant) => expectedAnswers(v).runtime === ctx.buildRuntime;
const variants = selectVariants(process.env.SERVERLESS_DASH_VARIANTS).sort((a, b) => Number(builds(b)) - Number(builds(a)));
const pool = createPool(settings.jobs);

describe.concurrent('template matrix', () => {
  for (const variant of variants) {
    test(variant.id, () => pool(() => runVariant(variant, ctx)), VARIANT_TIMEOUT_MS);
  }
});
