// PostgreSQL 14 to 18 (README "Supported PostgreSQL versions"): on each major,
// `migrate` twice on the legacy schema (the second changes nothing), a
// generated backlog through both passes, two passes of each mode started
// together (R19), and one SIGKILL in the middle of a pass followed by a full
// pass (R18) all end in the same state; and that state is identical on all
// five majors. The worked examples and the bad-input catalogue run on each
// major in catalogue.test.ts.
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

/** The state after both passes over the generated backlog, by major. */
const results = new Map<number, string>();
const servers: EmbeddedServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function passes(db: Db): Promise<void> {
  for (const mode of ['receipts', 'dwr']) {
    const r = await runCli(PASS(mode), { DATABASE_URL: db.url });
    expect(r.code, `${mode}: ${r.stdout.slice(-1500)}${r.stderr}`).toBe(0);
  }
}

describe.each(VERSIONS)('PostgreSQL $major', ({ major, package: pkg }) => {
  let server: EmbeddedServer;
  let source: Db;

  it('starts (binaries pinned in the lockfile)', async () => {
    server = await startVersion(pkg);
    servers.push(server);
    expect(server.version.split('.')[0]).toBe(String(major));
  }, 120_000);

  it('migrate twice on the legacy schema: both succeed, the second changes nothing', async () => {
    source = await createDatabase(server.url);
    const first = await runCli(['migrate'], { DATABASE_URL: source.url });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const after = await schemaState(source.sql);
    expect(after).toContain('analyzer_run');
    const second = await runCli(['migrate'], { DATABASE_URL: source.url });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(await schemaState(source.sql)).toBe(after);
    await loadDataset(source.sql, generate(DATASET));
    await source.sql`vacuum analyze`;
  }, 120_000);

  it('a generated backlog through both passes', async () => {
    const db = await createDatabase(server.url, source);
    await passes(db);
    const dump = await dumpWritten(db.sql);
    expect(dump).toMatch(/"type":4/);
    results.set(major, dump);
    await db.sql.end();
  }, 180_000);

  it('two passes of each mode started together leave the same state (R19)', async () => {
    const db = await createDatabase(server.url, source);
    for (const mode of ['receipts', 'dwr']) {
      const runs = await Promise.all([0, 1].map(() => runCli(PASS(mode), { DATABASE_URL: db.url })));
      for (const r of runs) expect(r.code, `${mode}: ${r.stdout.slice(-1500)}${r.stderr}`).toBe(0);
    }
    expect(await dumpWritten(db.sql)).toBe(results.get(major));
    await db.sql.end();
  }, 180_000);

  it('SIGKILL in the middle of a pass, then full passes: the same state (R18)', async () => {
    const db = await createDatabase(server.url, source);
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
    expect(await dumpWritten(db.sql)).toBe(results.get(major));
    await db.sql.end();
  }, 180_000);

  it('stops', async () => {
    await source.sql.end();
    await server.stop();
  });
});

describe('across the majors', () => {
  it('the generated backlog gives an identical state on PostgreSQL 14, 15, 16, 17 and 18', () => {
    expect([...results.keys()].sort()).toEqual(VERSIONS.map((v) => v.major));
    const reference = results.get(17)!;
    for (const [major, dump] of results) expect(dump, `PostgreSQL ${major} vs 17`).toBe(reference);
  });
});
