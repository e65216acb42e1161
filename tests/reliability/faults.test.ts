// Issue 6, database faults, on the shared test server: the pass's connection
// killed mid-pass, lock_timeout and statement_timeout hit, the database
// unreachable at start, and four passes of one mode started together. The
// data is one generated backlog (160 devices x 24 h), loaded once; every test
// works on copies of it (CREATE DATABASE ... TEMPLATE), and "equals an
// uninterrupted pass" is checked against a copy that got one plain pass with
// the same --now. (The server stopped and started mid-pass is in
// server-restart.test.ts, SIGKILL at random instants in sigkill.test.ts.)
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli } from '../harness/cli.js';
import { dumpWritten, type TestDb } from '../harness/db.js';
import { generatedCopies, type Copies } from '../harness/copies.js';
import { freePort } from '../harness/embedded.js';
import { pgbouncerAvailable, startTestPgBouncer, type PgBouncer } from '../harness/pgbouncer.js';
import type { PassReport } from '../../src/shell/report.js';
import {
  classifyDevices, deviceDump, deviceDumps, FAULT_TESTS, holdInTransaction, readReport, runPass, startPass,
  waitFor, waitNoAnalyzerBackends,
} from './helpers.js';

type Mode = 'receipts' | 'dwr';
const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000; // Moscow wall clock, zone-free micros
const NOW = '2026-01-10T13:00:00';
const DEVICES = 160; // 1-80 receipts, 81-160 dwr
const MODE_DEVICES: Record<Mode, number[]> = {
  receipts: Array.from({ length: DEVICES / 2 }, (_, i) => i + 1),
  dwr: Array.from({ length: DEVICES / 2 }, (_, i) => i + 1 + DEVICES / 2),
};

let copies: Copies;
// Most tests here name the chunk a fault lands in, so they pin chunks to a
// fixed 5 devices (--chunk-events 0: no row bound, no adaptive sizing).
let reportRoot: string;
/** Each device's state before any pass (from the source database). */
let before: Map<number, string>;
const references = new Map<Mode, Promise<{ dump: string; devices: Map<number, string> }>>();

beforeAll(async () => {
  copies = await generatedCopies({ seed: 6, devices: DEVICES, hours: 24, end: END }, 'faults');
  reportRoot = copies.reportRoot;
  before = await deviceDumps(copies.source.sql, [...MODE_DEVICES.receipts, ...MODE_DEVICES.dwr]);
}, 120_000);

afterAll(() => copies.close());

const copy = (): Promise<TestDb> => copies.copy();

/** The state after one uninterrupted pass of the mode on a copy of the data (computed once per mode). */
function reference(mode: Mode): Promise<{ dump: string; devices: Map<number, string> }> {
  let r = references.get(mode);
  if (!r) {
    r = (async () => {
      const db = await copy();
      const { report } = await runPass(reportRoot, db.url, ['--mode', mode, '--now', NOW], 0);
      expect(report.devices.processed).toBe(DEVICES / 2);
      return { dump: await dumpWritten(db.sql), devices: await deviceDumps(db.sql, MODE_DEVICES[mode]) };
    })();
    references.set(mode, r);
  }
  return r;
}

/** Per device of the mode: untouched (as before the pass) or done (as after the reference pass); never anything else. */
async function expectNoHalfWritten(db: TestDb, mode: Mode): Promise<{ done: number[]; untouched: number[] }> {
  const ref = await reference(mode);
  const modeBefore = new Map(MODE_DEVICES[mode].map((id) => [id, before.get(id)!]));
  const states = await classifyDevices(db.sql, modeBefore, ref.devices);
  const half = [...states].filter(([, s]) => s === 'HALF-WRITTEN').map(([id]) => id);
  expect(half, 'devices neither untouched nor fully done').toEqual([]);
  // the devices of the other mode are never touched
  for (const id of MODE_DEVICES[mode === 'receipts' ? 'dwr' : 'receipts']) {
    expect(await deviceDump(db.sql, id), `device ${id} of the other mode`).toBe(before.get(id));
  }
  return {
    done: [...states].filter(([, s]) => s === 'done').map(([id]) => id),
    untouched: [...states].filter(([, s]) => s === 'untouched').map(([id]) => id),
  };
}

const writtenDevices = async (db: TestDb) =>
  (await db.sql<{ n: number }[]>`select count(distinct device_id)::int as n from task`)[0]!.n;

describe('the connection killed mid-pass (pg_terminate_backend from another session)', () => {
  it('at whatever statement it is running: exit 1, no device half-written, the next pass completes and equals an uninterrupted pass', async () => {
    const ref = await reference('receipts');
    const db = await copy();
    const run = startPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0']);
    // mid-pass: some chunks committed, most still to come
    await waitFor('the pass to write 10 devices', async () => ((await writtenDevices(db)) >= 10 ? true : undefined));
    // terminate the analyzer's backend whenever it runs a statement, until the process gives up
    // (a session killed while idle between two statements is silently replaced by postgres.js)
    let exited = false;
    void run.done.then(() => (exited = true));
    let kills = 0;
    await waitFor('the pass to give up after its connection was killed', async () => {
      if (exited) return true;
      const killed = await db.sql<{ ok: boolean }[]>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = ${db.name} and application_name = 'polycomm-analyzer' and state <> 'idle'`;
      kills += killed.length;
      return undefined;
    }, 60_000, 5);
    const result = await run.done;
    expect(result.code, result.stdout.slice(-2000) + result.stderr).toBe(1);
    expect(kills).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/terminating connection|connection|socket/i);

    await waitNoAnalyzerBackends(db.sql, db.name);
    const { done, untouched } = await expectNoHalfWritten(db, 'receipts');
    expect(done.length).toBeGreaterThanOrEqual(10);
    expect(untouched.length).toBeGreaterThan(0);

    const next = await runPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0'], 0);
    // the devices done before the kill have nothing left (idle); the others are processed now
    expect(next.report.devices).toMatchObject({ processed: untouched.length, idle: done.length, failed: 0 });
    expect(await dumpWritten(db.sql)).toBe(ref.dump);
  });

  it('while it waits inside a device write transaction: that chunk rolls back, the chunks before it stay committed', async () => {
    const ref = await reference('dwr');
    const db = await copy();
    // park the pass in the write of the chunk holding device 123 (dwr devices 81-160, chunks of 5: 121-125)
    const [target] = await db.sql<{ id: number }[]>`select id from polycomm_suitcase where device_id = 123 and status = 0 order by id limit 1`;
    const held = await holdInTransaction(db.sql, (tx) => tx`select id from polycomm_suitcase where id = ${target!.id} for update`);
    try {
      const run = startPass(reportRoot, db.url, ['--mode', 'dwr', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0']);
      const pid = await waitFor('the pass to wait for the row lock', async () => {
        const [row] = await db.sql<{ pid: number }[]>`
          select pid from pg_stat_activity where datname = ${db.name} and application_name = 'polycomm-analyzer' and wait_event_type = 'Lock'`;
        return row?.pid;
      });
      await db.sql`select pg_terminate_backend(${pid})`;
      const result = await run.done;
      expect(result.code, result.stdout.slice(-2000) + result.stderr).toBe(1);
    } finally {
      await held.release();
    }
    await waitNoAnalyzerBackends(db.sql, db.name);
    const { done, untouched } = await expectNoHalfWritten(db, 'dwr');
    // chunks 81-85 ... 116-120 committed; 121-125 rolled back; the rest never started
    expect(done.sort((a, b) => a - b)).toEqual(MODE_DEVICES.dwr.filter((id) => id <= 120));
    expect(untouched.sort((a, b) => a - b)).toEqual(MODE_DEVICES.dwr.filter((id) => id > 120));

    await runPass(reportRoot, db.url, ['--mode', 'dwr', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0'], 0);
    expect(await dumpWritten(db.sql)).toBe(ref.dump);
  });

  // BUG (reported to the lead): postgres.js 3.4.9 throws an uncaught TypeError ("Cannot read
  // properties of null (reading 'write')" at Immediate.nextWrite, porsager/postgres#1208, #1154)
  // when the backend of a reserved connection (sql.begin) dies, so the process dies on the spot:
  // exit 1 by accident, no report file, no summary line, and the analyzer_run row stays 'running'
  // (later flagged as hung). Rarely the statement is left unsent instead, never settles, and Node
  // exits 0 with the pass half done (seen once in these tests). The data is safe (the tests
  // above), the outcome is not. Remove `.fails` once src/shell/commands/pass.ts ends the pass as failed
  // on an uncaught exception and on 'beforeExit' (the fix is in the report to the lead).
  it('a connection lost inside a write transaction still ends the pass cleanly: report, failed run record, one stderr line', async () => {
    const db = await copy();
    const [target] = await db.sql<{ id: number }[]>`select id from polycomm_suitcase where device_id = 13 and status = 0 order by id limit 1`;
    const held = await holdInTransaction(db.sql, (tx) => tx`select id from polycomm_suitcase where id = ${target!.id} for update`);
    let result;
    let reportDir;
    try {
      const run = startPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0']);
      reportDir = run.reportDir;
      const pid = await waitFor('the pass to wait for the row lock', async () => {
        const [row] = await db.sql<{ pid: number }[]>`
          select pid from pg_stat_activity where datname = ${db.name} and application_name = 'polycomm-analyzer' and wait_event_type = 'Lock'`;
        return row?.pid;
      });
      await db.sql`select pg_terminate_backend(${pid})`;
      result = await run.done;
    } finally {
      await held.release();
    }
    expect(result.code).toBe(1);
    // one line naming the lost connection, no stack trace
    expect(result.stderr).toMatch(/^analyzer: [^\n]*connection[^\n]*\n$/);
    const report = readReport(reportDir);
    expect(report?.status).toBe('failed');
    expect(report?.devices.processed).toBe(10);
    const runs = await db.sql<{ status: string; error: string }[]>`select status, error from analyzer_run`;
    expect(runs).toEqual([{ status: 'failed', error: expect.stringMatching(/connection lost/) }]);
  });
});

describe('lock_timeout and statement_timeout', () => {
  it.each([
    ['--lock-timeout', '500', /lock timeout/],
    ['--statement-timeout', '1500', /statement timeout/],
  ])('%s %s hit on one device: it rolls back and is reported failed, the pass goes on with the others, exit 1; the next pass completes it', async (flag, ms, message) => {
    const ref = await reference('receipts');
    const db = await copy();
    const victim = 12; // in the third chunk of 5
    const [target] = await db.sql<{ id: number }[]>`select id from polycomm_suitcase where device_id = ${victim} and status = 0 order by id limit 1`;
    const held = await holdInTransaction(db.sql, (tx) => tx`select * from polycomm_suitcase where id = ${target!.id} for update`);
    let run;
    try {
      run = await runPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0', flag, ms], 1);
    } finally {
      await held.release();
    }
    const { report, stdout } = run;
    expect(report.status).toBe('failed');
    expect(report.devices).toMatchObject({ ready: DEVICES / 2, processed: DEVICES / 2 - 1, failed: 1 });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.deviceId).toBe(victim);
    expect(report.failures[0]!.error).toMatch(message);
    expect(stdout).toMatch(/retrying device by device/);
    const { untouched } = await expectNoHalfWritten(db, 'receipts');
    expect(untouched).toEqual([victim]);

    const next = await runPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0', flag, ms], 0);
    expect(next.report.devices).toMatchObject({ failed: 0, processed: 1, idle: DEVICES / 2 - 1 });
    expect(next.report.groups.tasks).toBeGreaterThan(0);
    expect(await dumpWritten(db.sql)).toBe(ref.dump);
  });
});

describe('the database unreachable at start', () => {
  const retries = (stdout: string) =>
    logLines(stdout).filter((l) => l.message === 'database not reachable yet, retrying').map((l) => l.retryInMs as number);
  // The 3 s are checked where they are kept: the backoff's delays (exact), the pass's own clock (its report;
  // scheduling delays on a loaded machine are far below the slack) and, for the whole process with node's
  // start and exit, a bound wide enough for a loaded 2-core machine that still catches a pass that hangs.
  const CONNECT_TIMEOUT_MS = 3000;
  const PASS_SLACK_MS = 3000;
  const PROCESS_SLACK_MS = 20_000;
  const unreachable = async (mode: Mode, port: number) => {
    const dir = mkdtempSync(join(reportRoot, 'unreachable-'));
    const r = await runCli(['--mode', mode, '--connect-timeout', '3', '--report-dir', dir], { DATABASE_URL: `postgres://analyzer:pw@127.0.0.1:${port}/polycomm` });
    return { ...r, report: readReport(dir) };
  };

  it('connection refused: bounded retries with doubling backoff, exit 1 with a clear message within --connect-timeout 3', async () => {
    const port = await freePort();
    const r = await unreachable('dwr', port);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const delays = retries(r.stdout);
    // the retries stay inside the 3 s: waiting once more would end past them
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(CONNECT_TIMEOUT_MS);
    expect(r.report?.durationsMs.total).toBeLessThan(CONNECT_TIMEOUT_MS + PASS_SLACK_MS);
    expect(r.ms).toBeLessThan(CONNECT_TIMEOUT_MS + PROCESS_SLACK_MS);
    expect(delays.length).toBeGreaterThanOrEqual(2);
    expect(delays.slice(0, 2)).toEqual([500, 1000]);
    expect(r.stderr).toMatch(new RegExp(`database unreachable after ${delays.length + 1} attempt\\(s\\) in 3s: .*ECONNREFUSED`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a server that accepts the connection and never answers: exit 1 within --connect-timeout 3', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await unreachable('receipts', port);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      // it waits for the first attempt's 3 s connect timeout (a loaded machine only makes that longer) ...
      expect(r.ms).toBeGreaterThanOrEqual(2500);
      // ... and gives up then: another attempt cannot end within the 3 s
      expect(r.stderr).toMatch(/database unreachable after 1 attempt\(s\) in 3s/);
      expect(r.report?.durationsMs.total).toBeLessThan(CONNECT_TIMEOUT_MS + PASS_SLACK_MS);
      expect(r.ms).toBeLessThan(CONNECT_TIMEOUT_MS + PROCESS_SLACK_MS);
      expect(r.stderr).toMatch(/database unreachable after \d+ attempt\(s\) in 3s/);
      expect(r.stderr).toMatch(/timeout/i);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

const noPooler = !pgbouncerAvailable();

describe.each([
  { route: 'directly', pooled: false },
  { route: 'through PgBouncer (transaction pooling)', pooled: true },
])('R19: four passes of the same mode started together, $route', ({ pooled }) => {
  const rounds = FAULT_TESTS ? 10 : 2;
  let pooler: PgBouncer | undefined;
  beforeAll(async () => {
    if (pooled && !noPooler) pooler = await startTestPgBouncer('transaction');
  });
  afterAll(async () => {
    await pooler?.stop();
  });

  it.skipIf(pooled && noPooler)(`leave exactly what one pass leaves, ${rounds} times over (modes alternating)`, async () => {
    for (let round = 0; round < rounds; round++) {
      const mode: Mode = round % 2 === 0 ? 'receipts' : 'dwr';
      const ref = await reference(mode);
      const db = await copy();
      const url = pooler ? pooler.url(db.url) : db.url;
      const runs = await Promise.all(
        [0, 1, 2, 3].map(() => runCli(['--mode', mode, '--now', NOW, '--chunk-size', '5'], { DATABASE_URL: url })),
      );
      for (const r of runs) expect(r.code, `round ${round}: ${r.stdout.slice(-1500)}${r.stderr}`).toBe(0);
      const reports = runs.map((r) => logLines(r.stdout).find((l) => typeof l.report === 'object')!.report as PassReport);
      // each pass saw every device: processed, idle (done by another pass before) or skipped (owned by another)
      for (const rep of reports) {
        expect(rep.devices.processed + rep.devices.idle + rep.devices.skippedOwnedElsewhere + rep.devices.failed).toBe(DEVICES / 2);
        expect(rep.devices.failed).toBe(0);
      }
      // and between them they processed each device exactly once
      expect(reports.reduce((n, rep) => n + rep.devices.processed, 0), `round ${round}`).toBe(DEVICES / 2);
      expect(await dumpWritten(db.sql), `round ${round} (${mode})`).toBe(ref.dump);
      const [dupes] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from (select t.device_id, e.table_name, e.event_id from task_to_event e join task t on t.id = e.task_id
        where e.table_name <> 'polycommissue' group by 1, 2, 3 having count(*) > 1) x`;
      expect(dupes!.n).toBe(0);
      // nothing of the passes outlives them on the server (R19's locks are the transactions')
      const [locks] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = ${db.name}`;
      expect(locks!.n).toBe(0);
      await copies.drop(db);
    }
  }, 600_000);
});
