// Injected into the CommonJS bundle (scripts/build.mjs): import.meta.url, which src/paths.ts uses to
// find the package, as a CommonJS module knows it.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
