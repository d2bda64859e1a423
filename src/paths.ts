// Finds the package root from wherever this code runs: index.ts from source (tsx), or the
// bundle in dist/ (installed by npm, npx or from a tarball).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PACKAGE_NAME = 'create-serverless-dash';

export interface PackageInfo {
  root: string;
  version: string;
  templateDir: string;
}

/** The package that holds `from`, a directory (this module's, by default). */
export function findPackage(from: string = import.meta.dirname): PackageInfo {
  let dir = from;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME) {
        return { root: dir, version: pkg.version ?? '0.0.0', templateDir: path.join(dir, 'templates', 'project') };
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${from}`);
    dir = up;
  }
}
