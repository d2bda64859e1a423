// The project templates compiled ahead of time, by their exact text. scripts/build.mjs fills this in
// for dist/index.js: compiling them on every run was most of a scaffold's CPU time. Empty when
// running from source (tsx, vitest), where each template is compiled as it is read.
import type Handlebars from 'handlebars';

export type TemplateSpec = Parameters<typeof Handlebars.template>[0];

export const PRECOMPILED: ReadonlyMap<string, TemplateSpec> = new Map();
