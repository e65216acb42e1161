// Issue 20: the job behind a connection pooler, as a shared company database
// has it. A real PgBouncer (Debian's, stock configuration: nothing in
// ignore_startup_parameters) in front of the test server, in session,
// transaction and statement pooling, with a small pool so that clients share
// server connections. Every command connects; passes through the pooler,
// several at once, leave exactly what one direct pass leaves (R18, R19); no
// session state outlives a pass on any pooled server connection; statement
// pooling and a refused startup parameter are one line, at once.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli, startCli, type CliResult } from '../harness/cli.js';
import { createLegacyDatabase, dumpWritten, type TestDb } from '../harness/db.js';
import { generatedCopies, type Copies } from '../harness/copies.js';
import { loadMigrations } from '../../src/sql/migration-files.js';
import { pgbouncerAvailable, startTestPgBouncer, type PgBouncer, type PoolMode } from '../harness/pgbouncer.js';
import { asRole, rolesFor, type TestRoles } from '../harness/roles.js';
import { inject } from 'vitest';

type Mode = 'receipts' | 'dwr';
const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const DEVICES = 60; // 1-30 receipts, 31-60 dwr
const ARGS = (mode: Mode) => ['--mode', mode, '--now', NOW, '--chunk-size', '3'];
/** A pass that has not ended by then hangs (one takes about a second). */
const HANG_MS = 90_000;

describe.runIf(pgbouncerAvailable())('behind PgBouncer', () => {
  const bouncers = new Map<PoolMode, PgBouncer>();
  let copies: Copies;
  let reference: string;
  let roles: TestRoles;
  const copy = () => copies.copy();

  beforeAll(async () => {
    roles = rolesFor(inject('databasePrefix'));
    copies = await generatedCopies({ seed: 20, devices: DEVICES, hours: 24, end: END }, 'pooler');
    // the reference: one direct pass of each mode
    const db = await copy();
    for (const mode of ['receipts', 'dwr'] as const) expectExit(await runCli(ARGS(mode), { DATABASE_URL: db.url }), 0);
    reference = await dumpWritten(db.sql);
    for (const mode of ['session', 'transaction', 'statement'] as const) bouncers.set(mode, await startTestPgBouncer(mode));
  }, 180_000);

  afterAll(async () => {
    for (const b of bouncers.values()) await b.stop();
    await copies.close();
  });

  const through = (mode: PoolMode, db: TestDb) => bouncers.get(mode)!.url(db.url);

  function expectExit(r: CliResult, code: number): void {
    expect(r.code, `exit code; stdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr}`).toBe(code);
    // prepared statements do not exist across a transaction pooler's server connections
    expect(r.stdout + r.stderr).not.toMatch(/prepared statement/i);
  }

  /** Several passes at once, each bounded: a pass that does not end is a failure, not a slow test. */
  async function concurrently(runs: { args: string[]; url: string }[]): Promise<CliResult[]> {
    return Promise.all(runs.map(async ({ args, url }) => {
      const run = startCli(args, { DATABASE_URL: url });
      const timer = setTimeout(() => run.child.kill('SIGKILL'), HANG_MS);
      const result = await run.done;
      clearTimeout(timer);
      expect(result.signal, `a pass hung (killed after ${HANG_MS / 1000} s): ${args.join(' ')}\n${result.stdout.slice(-2000)}`).toBeNull();
      return result;
    }));
  }

  /**
   * What the pooled server connections of the pass role hold now. As many
   * transactions at once as the pool has connections: each lands on a
   * different one, and every connection of the pool is looked at.
   */
  async function pooledSessionState(db: TestDb, mode: PoolMode) {
    const servers = await db.sql<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = ${db.name} and usename = ${roles.pass}`;
    const client = postgres(asRole(through(mode, db), roles.pass), { max: servers.length || 1, prepare: false, onnotice: () => undefined });
    try {
      let arrived = 0;
      let release!: () => void;
      const all = new Promise<void>((resolve) => (release = resolve));
      const seen = await Promise.all(servers.map(() => client.begin(async (tx) => {
        const [row] = await tx<{ pid: number; prepared: number; locks: number; statement_timeout: string; lock_timeout: string }[]>`
          select pg_backend_pid() as pid,
                 (select count(*) from pg_prepared_statements)::int as prepared,
                 (select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid())::int as locks,
                 current_setting('statement_timeout') as statement_timeout,
                 current_setting('lock_timeout') as lock_timeout`;
        if (++arrived === servers.length) release();
        await all; // hold this server connection until every transaction has its own
        return row!;
      })));
      return { servers: servers.map((s) => s.pid).sort(), seen };
    } finally {
      await client.end();
    }
  }

  async function expectNothingLeft(db: TestDb, mode: PoolMode): Promise<void> {
    const [advisory] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = ${db.name}`;
    expect(advisory!.n, 'advisory locks held on the server after the passes').toBe(0);
    const [open] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = ${db.name} and usename = ${roles.pass} and state <> 'idle'`;
    expect(open!.n, "the pass role's server connections not idle").toBe(0);
    const state = await pooledSessionState(db, mode);
    expect(state.seen.map((s) => s.pid).sort(), 'every pooled server connection looked at').toEqual(state.servers);
    for (const s of state.seen) {
      expect(s, `server connection ${s.pid}`).toEqual({ pid: s.pid, prepared: 0, locks: 0, statement_timeout: '0', lock_timeout: '0' });
    }
  }

  describe.each(['session', 'transaction'] as const)('%s pooling, stock configuration', (mode) => {
    it('every command connects and works: migrate, both passes, status, open-tasks, explain, audit', async () => {
      const db = await copy();
      const url = through(mode, db);
      expectExit(await runCli(['migrate'], { DATABASE_URL: url }), 0);
      for (const pass of ['receipts', 'dwr'] as const) expectExit(await runCli([...ARGS(pass), '--statement-timeout', '60000', '--lock-timeout', '30000'], { DATABASE_URL: url }), 0);
      expect(await dumpWritten(db.sql)).toBe(reference);
      const [task] = await db.sql<{ id: number; device_id: number }[]>`select id, device_id from task order by id limit 1`;
      expectExit(await runCli(['status'], { DATABASE_URL: url }), 0);
      expectExit(await runCli(['open-tasks'], { DATABASE_URL: url }), 0);
      expectExit(await runCli(['explain', '--mode', 'receipts', '--device', '1', '--now', NOW], { DATABASE_URL: url }), 0);
      const explained = await runCli(['explain', '--task', String(task!.id), '--format', 'json'], { DATABASE_URL: url });
      expectExit(explained, 0);
      expect(explained.stdout).toMatch(/"taskId"/);
      const audited = await runCli(['audit', '--from', '2026-01-09', '--to', '2026-01-11', '--now', NOW, '--format', 'json'], { DATABASE_URL: url });
      expectExit(audited, 0);
      expect((JSON.parse(audited.stdout) as { findings: unknown[] }).findings).toEqual([]);
      await expectNothingLeft(db, mode);
    });

    it('three passes of each mode at once leave exactly what one direct pass of each leaves; nothing is left on the server connections', async () => {
      const rounds = process.env.ANALYZER_FAULT_TESTS ? 3 : 1;
      for (let round = 0; round < rounds; round++) {
        const db = await copy();
        const url = through(mode, db);
        const runs = await concurrently((['receipts', 'dwr', 'receipts', 'dwr', 'receipts', 'dwr'] as const).map((m) => ({ args: ARGS(m), url })));
        for (const r of runs) expectExit(r, 0);
        const reports = runs.map((r) => logLines(r.stdout).find((l) => typeof l.report === 'object')!.report as { devices: { processed: number } });
        // between them the passes of a mode processed each of its devices exactly once (R19)
        expect(reports.reduce((n, rep) => n + rep.devices.processed, 0), `round ${round}`).toBe(DEVICES);
        expect(await dumpWritten(db.sql), `round ${round}`).toBe(reference);
        await expectNothingLeft(db, mode);
      }
    }, 300_000);
  });

  it('transaction pooling: three migrates at once on a legacy database all exit 0, every migration applied once, every index valid, nothing left on the server', async () => {
    const legacy = await createLegacyDatabase();
    try {
      const url = bouncers.get('transaction')!.url(legacy.url);
      const runs = await concurrently([0, 1, 2].map(() => ({ args: ['migrate'], url })));
      for (const r of runs) expectExit(r, 0);
      const [state] = await legacy.sql<{ applied: number; invalid: number; advisory: number }[]>`
        select (select count(*)::int from analyzer_migration) as applied,
               (select count(*)::int from pg_index where not indisvalid) as invalid,
               (select count(*)::int from pg_locks l join pg_database d on d.oid = l.database
                where l.locktype = 'advisory' and d.datname = ${legacy.name}) as advisory`;
      expect(state).toEqual({ applied: loadMigrations().length, invalid: 0, advisory: 0 });
    } finally {
      await legacy.drop();
    }
  }, 300_000);

  describe('statement pooling', () => {
    it.each([
      ['a pass', ARGS('dwr')],
      ['migrate', ['migrate']],
      ['audit', ['audit', '--from', '2026-01-09', '--to', '2026-01-11']],
    ])('%s is refused at once, in one line, and writes nothing', async (_, args) => {
      const db = await copy();
      const r = await runCli([...args, '--connect-timeout', '20'], { DATABASE_URL: through('statement', db) });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^analyzer: [^\n]*statement pooling mode[^\n]*\n$/);
      // not retried as an outage: no retry, well inside the 20 s it would have kept trying
      expect(r.stdout).not.toMatch(/retrying/);
      expect(r.ms).toBeLessThan(15_000);
      const [runs] = await db.sql<{ n: number }[]>`select count(*)::int as n from analyzer_run`;
      expect(runs!.n).toBe(0);
    });
  });

  describe('a setting refused is a configuration error: one line naming it, exit 1, not retried', () => {
    it('a startup parameter the pooler does not support (search_path in the URL)', async () => {
      const db = await copy();
      const r = await runCli([...ARGS('dwr'), '--connect-timeout', '20'], { DATABASE_URL: `${through('transaction', db)}?search_path=public` });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^analyzer: [^\n]*refuses the startup parameter search_path[^\n]*\n$/);
      expect(r.stdout).not.toMatch(/retrying/);
      expect(r.ms).toBeLessThan(15_000);
    });

    it('a value the server refuses (DateStyle=bogus in the URL), directly', async () => {
      const db = await copy();
      const r = await runCli([...ARGS('dwr'), '--connect-timeout', '20'], { DATABASE_URL: `${db.url}?DateStyle=bogus` });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^analyzer: [^\n]*refuses a setting[^\n]*DateStyle[^\n]*\n$/i);
      expect(r.stdout).not.toMatch(/retrying/);
      expect(r.ms).toBeLessThan(15_000);
    });
  });
});
