import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// The matrix project's global setup belongs to the template CI matrix (test/matrix/).
const matrixSetup = 'test/matrix/global-setup.ts';

export default defineConfig({
  test: {
    // `npm test` runs every project; the matrix may hold no tests yet.
    passWithNoTests: true,
    projects: [
      {
        test: {
          name: 'unit',
          // test/matrix/*.unit.test.ts: checks of the matrix table and harness, fast, no venv.
          // test/upgrade/*.unit.test.ts: `upgrade` with real git and files, N → N+1 (seconds).
          include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/matrix/**/*.unit.test.ts', 'test/upgrade/**/*.unit.test.ts'],
          // The CLI tests run dist/index.js as a user does: build it from the current source first.
          globalSetup: ['test/cli/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // After an upgrade N → N+1, the generated project's make test and make lint (minutes).
          name: 'upgrade',
          include: ['test/upgrade/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/upgrade/**/*.unit.test.ts'],
          globalSetup: ['test/upgrade/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'matrix',
          include: ['test/matrix/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/matrix/**/*.unit.test.ts'],
          globalSetup: existsSync(matrixSetup) ? [matrixSetup] : [],
          passWithNoTests: true,
        },
      },
    ],
  },
});
