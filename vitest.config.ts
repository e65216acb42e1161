import { defineConfig } from 'vitest/config';

// Two projects: the pure core needs no database; everything under tests/pass,
// tests/harness and tests/shell gets a real PostgreSQL from the global setup.
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
          // Pure code: the rules, the generator, the plan's row format, chunk sizing; the lint rules.
          include: ['tests/core/**/*.test.ts', 'tests/generator/**/*.test.ts', 'tests/sql/plan-rows.test.ts', 'tests/shell/chunks.test.ts', 'tests/ship/lint.test.ts'],
        },
      },
      {
        test: {
          name: 'db',
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          include: ['tests/{pass,harness,shell,ops,reliability,ship}/**/*.test.ts'],
          exclude: ['tests/shell/chunks.test.ts', 'tests/ship/lint.test.ts'],
          globalSetup: ['tests/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
