// PostgreSQL 14 to 18 (docs/deployment.md "Supported PostgreSQL versions"): on each major,
// `migrate` twice on the legacy schema (the second changes nothing), a
// generated backlog through both passes, two passes of each mode started
// together (R19), and one SIGKILL in the middle of a pass followed by a full
// pass (R18) all end in the same state; and that state is identical to the
// one PostgreSQL 17 gives. Every test makes what it needs itself (servers and
// states are made once, on first use), so they run in any order. The worked
// examples and the bad-input catalogue run on each major in catalogue.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { runCli, startCli } from '../harness/cli.js';
import { dumpWritten } from '../harness/db.js';
import type { EmbeddedServer } from '../harness/embedded.js';
import { waitFor } from '../harness/wait.js';
import { createDatabase, schemaState, startVersion, VERSIONS, type Db } from './servers.js';

const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const PASS = (mode: string) => ['--mode', mode, '--now', NOW, '--chunk-size', '2'];
const DATASET = { seed: 31, devices: 80, hours: 24, end: END };

/**
 * Per major, made on first use by whichever test needs it first, so no test
 * depends on another having run: the server, a migrated database holding the
 * generated backlog (copied for each test), and the state both passes leave on
 * a copy of it.
 */
interface Major { server: EmbeddedServer; source: Db }
const majors = new Map<string, Promise<Major>>();
const states = new Map<string, Promise<string>>();

function major(pkg: string): Promise<Major> {
  if (!majors.has(pkg)) {
    majors.set(pkg, (async () => {
      const server = await startVersion(pkg);
      const source = await createDatabase(server.url);
      const migrated = await runCli(['migrate'], { DATABASE_URL: source.url });
      expect(migrated.code, migrated.stdout + migrated.stderr).toBe(0);
      await loadDataset(source.sql, generate(DATASET));
      await source.sql`vacuum analyze`;
      return { server, source };
    })());
  }
  return majors.get(pkg)!;
}

/** The written rows after both passes over a copy of the backlog, uninterrupted. */
function stateAfterPasses(pkg: string): Promise<string> {
  if (!states.has(pkg)) {
    states.set(pkg, (async () => {
      const { server, source } = await major(pkg);
      const db = await createDatabase(server.url, source);
      try {
        await passes(db);
        return await dumpWritten(db.sql);
      } finally {
        await db.sql.end();
      }
    })());
  }
  return states.get(pkg)!;
}

/** Stops the server of `pkg`, if it was started; a later use starts a new one. */
async function stop(pkg: string): Promise<void> {
  const started = majors.get(pkg);
  majors.delete(pkg);
  if (!started) return;
  const { server, source } = await started.catch(() => ({ server: undefined, source: undefined }));
  await source?.sql.end().catch(() => undefined);
  await server?.stop();
}

afterAll(async () => {
  for (const pkg of [...majors.keys()]) await stop(pkg);
});

async function passes(db: Db): Promise<void> {
  for (const mode of ['receipts', 'dwr']) {
    const r = await runCli(PASS(mode), { DATABASE_URL: db.url });
    expect(r.code, `${mode}: ${r.stdout.slice(-1500)}${r.stderr}`).toBe(0);
  }
}

const REFERENCE = VERSIONS.find((v) => v.major === 17)!;

describe.each(VERSIONS)('PostgreSQL $major', ({ major: version, package: pkg }) => {
  afterAll(() => stop(pkg));

  it('starts (binaries pinned in the lockfile)', async () => {
    const { server } = await major(pkg);
    expect(server.version.split('.')[0]).toBe(String(version));
  }, 240_000);

  it('migrate twice on the legacy schema: both succeed, the second changes nothing', async () => {
    const { server } = await major(pkg);
    const legacy = await createDatabase(server.url);
    try {
      const first = await runCli(['migrate'], { DATABASE_URL: legacy.url });
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const after = await schemaState(legacy.sql);
      expect(after).toContain('analyzer_run');
      const second = await runCli(['migrate'], { DATABASE_URL: legacy.url });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(await schemaState(legacy.sql)).toBe(after);
    } finally {
      await legacy.sql.end();
    }
  }, 120_000);

  it('a generated backlog through both passes', async () => {
    expect(await stateAfterPasses(pkg)).toMatch(/"type":4/);
  }, 240_000);

  if (version !== REFERENCE.major) {
    it(`the generated backlog gives the same state as on PostgreSQL ${REFERENCE.major}`, async () => {
      expect(await stateAfterPasses(pkg)).toBe(await stateAfterPasses(REFERENCE.package));
    }, 300_000);
  }

  it('two passes of each mode started together leave the same state (R19)', async () => {
    const { server, source } = await major(pkg);
    const db = await createDatabase(server.url, source);
    try {
      for (const mode of ['receipts', 'dwr']) {
        const runs = await Promise.all([0, 1].map(() => runCli(PASS(mode), { DATABASE_URL: db.url })));
        for (const r of runs) expect(r.code, `${mode}: ${r.stdout.slice(-1500)}${r.stderr}`).toBe(0);
      }
      expect(await dumpWritten(db.sql)).toBe(await stateAfterPasses(pkg));
    } finally {
      await db.sql.end();
    }
  }, 240_000);

  it('SIGKILL in the middle of a pass, then full passes: the same state (R18)', async () => {
    const { server, source } = await major(pkg);
    const db = await createDatabase(server.url, source);
    try {
      const run = startCli(PASS('receipts'), { DATABASE_URL: db.url });
      await waitFor('the pass to have written a device', async () => {
        const [r] = await db.sql<{ n: number }[]>`select count(distinct device_id)::int as n from task`;
        return r!.n >= 1 ? true : undefined;
      }, 60_000, 10);
      run.child.kill('SIGKILL');
      const killed = await run.done;
      expect(killed.signal).toBe('SIGKILL');
      const [row] = await db.sql<{ status: string }[]>`select status from analyzer_run order by id desc limit 1`;
      expect(row!.status, 'killed in the middle of the pass').toBe('running');
      // wait for the server to drop the killed pass's connection (its transaction rolls back, R18)
      await waitFor('the killed backend to end', async () => {
        const [r] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'polycomm-analyzer'`;
        return r!.n === 0 ? true : undefined;
      }, 30_000, 50);
      await passes(db);
      expect(await dumpWritten(db.sql)).toBe(await stateAfterPasses(pkg));
    } finally {
      await db.sql.end();
    }
  }, 240_000);
});
