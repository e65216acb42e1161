// Issue 20: a pass always ends. A network that drops every packet sends no
// error; a server waiting on a lock answers nothing; a pass can outgrow its
// schedule. Each case ends the pass in bounded time with its committed chunks
// kept (R18), and the next pass completes the work. The network faults go
// through a TCP proxy on the loopback that the test starts and then tells to
// drop every byte, both ways, keeping the connections open (no root needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines } from '../harness/cli.js';
import { dumpWritten, type Sql, type TestDb } from '../harness/db.js';
import { generatedCopies, type Copies } from '../harness/copies.js';
import { startTcpProxy } from '../harness/tcp-proxy.js';
import {
  classifyDevices, deviceDumps, FAULT_TESTS, holdInTransaction, readReport, runPass, sleep, startPass, waitFor, waitNoOpenTransactions,
} from './helpers.js';

const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const DEVICES = 60; // 1-30 receipts, 31-60 dwr
const RECEIPTS = Array.from({ length: DEVICES / 2 }, (_, i) => i + 1);
const ARGS = ['--mode', 'receipts', '--now', NOW, '--chunk-size', '2', '--chunk-events', '0'];
/** The bound on a black-holed pass with the default settings (QUERY_TIMEOUT 15 s + CANCEL_TIMEOUT 5 s, then the report). */
const BLACKHOLE_BOUND_MS = 30_000;

const devicesWritten = async (sql: Sql) => (await sql<{ n: number }[]>`select count(distinct device_id)::int as n from task`)[0]!.n;

describe('a pass always ends', () => {
  let copies: Copies;
  let before: Map<number, string>;
  let reference: { dump: string; devices: Map<number, string> };
  let reportRoot: string;
  const copy = () => copies.copy();

  beforeAll(async () => {
    copies = await generatedCopies({ seed: 33, devices: DEVICES, hours: 24, end: END }, 'pass-ends');
    reportRoot = copies.reportRoot;
    before = await deviceDumps(copies.source.sql, RECEIPTS);
    const db = await copy();
    await runPass(reportRoot, db.url, ARGS, 0);
    reference = { dump: await dumpWritten(db.sql), devices: await deviceDumps(db.sql, RECEIPTS) };
  }, 120_000);

  afterAll(() => copies.close());

  /** Every device untouched or done (never half-written); returns how many are done. */
  async function expectWholeDevices(db: TestDb): Promise<number> {
    const states = await classifyDevices(db.sql, before, reference.devices);
    expect([...states].filter(([, s]) => s === 'HALF-WRITTEN').map(([id]) => id), 'devices half-written').toEqual([]);
    return [...states.values()].filter((s) => s === 'done').length;
  }

  it.runIf(FAULT_TESTS)('every packet dropped mid-pass: exit 1 within 30 s with the default limits; committed chunks kept; the next pass completes the work', async () => {
    const db = await copy();
    const port = Number(new URL(db.url).port);
    const proxy = await startTcpProxy(port, new URL(db.url).hostname);
    const url = new URL(db.url);
    url.port = String(proxy.port);
    try {
      const run = startPass(reportRoot, url.toString(), ARGS);
      await waitFor('the pass to write its first devices', async () => ((await devicesWritten(db.sql)) >= 2 ? true : undefined));
      proxy.blackhole();
      const dropped = Date.now();
      const result = await run.done;
      const endedMs = Date.now() - dropped;
      expect(result.code, result.stdout.slice(-2000) + result.stderr).toBe(1);
      expect(endedMs, 'from the black hole to the exit').toBeLessThan(BLACKHOLE_BOUND_MS);
      // one line saying what happened
      expect(result.stderr).toMatch(/^analyzer: connection lost[^\n]*no answer from the server[^\n]*\n$/);
      const report = readReport(run.reportDir);
      expect(report?.status).toBe('failed');
      expect(report?.error).toMatch(/^connection lost[^:]*: .*no answer from the server [^\n]*within 15 s/);
      console.log(`black hole: the pass exited ${endedMs} ms after every packet was dropped`);
    } finally {
      await proxy.close(); // the server sees its client gone and rolls the open transaction back
    }
    await waitNoOpenTransactions(db.sql, db.name);
    expect(await expectWholeDevices(db)).toBeGreaterThanOrEqual(2);
    // the run cut off from the server could not record its outcome: it stays running until it expires (next test)
    const runs = await db.sql<{ status: string }[]>`select status from analyzer_run order by id`;
    expect(runs).toEqual([{ status: 'running' }]);
    await runPass(reportRoot, db.url, ARGS, 0);
    expect(await dumpWritten(db.sql)).toBe(reference.dump);
  }, 120_000);

  it.runIf(FAULT_TESTS)('a pass that never recorded its outcome is marked failed by the first pass after its time limit (MAX_DURATION)', async () => {
    const db = await copy();
    const killed = startPass(reportRoot, db.url, [...ARGS, '--max-duration', '1']);
    await waitFor('the pass to write its first devices', async () => ((await devicesWritten(db.sql)) >= 1 ? true : undefined));
    killed.child.kill('SIGKILL');
    await killed.done;
    await waitNoOpenTransactions(db.sql, db.name);
    const [dead] = await db.sql<{ id: number; status: string; expired: boolean }[]>`select id, status, expires_at < now() as expired from analyzer_run`;
    expect(dead).toMatchObject({ status: 'running', expired: false });
    // a pass while the killed one could still be alive leaves its row alone
    const early = await runPass(reportRoot, db.url, ARGS, 0);
    expect(early.report.status).toBe('succeeded');
    expect((await db.sql<{ status: string }[]>`select status from analyzer_run where id = ${dead!.id}`)[0]!.status).toBe('running');
    await waitFor('the killed run to expire', async () => (
      (await db.sql<{ expired: boolean }[]>`select expires_at < now() as expired from analyzer_run where id = ${dead!.id}`)[0]!.expired ? true : undefined), 90_000, 500);
    const later = await runPass(reportRoot, db.url, ARGS, 0);
    const [marked] = await db.sql<{ status: string; error: string }[]>`select status, error from analyzer_run where id = ${dead!.id}`;
    expect(marked!.status).toBe('failed');
    expect(marked!.error).toMatch(/no outcome recorded.*marked by run \d+/);
    expect(later.stdout).toMatch(new RegExp(`run ${dead!.id} is still marked running past its time limit`));
  }, 150_000);

  it('MAX_DURATION reached: the pass stops as on SIGTERM (the chunk in flight committed, run interrupted, exit 1); the next pass completes the work', async () => {
    const db = await copy();
    // the pass blocks on a wrap of device 12 (its chunk: 11-12) until the time limit has been reached
    const [target] = await db.sql<{ id: number }[]>`select id from polycomm_suitcase where device_id = 12 and status = 0 order by id limit 1`;
    const held = await holdInTransaction(db.sql, (tx) => tx`select id from polycomm_suitcase where id = ${target!.id} for update`);
    let result;
    let reportDir: string;
    try {
      const run = startPass(reportRoot, db.url, [...ARGS, '--max-duration', '2']);
      reportDir = run.reportDir;
      let out = '';
      run.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the time limit to be reached', () => Promise.resolve(/reached its time limit \(MAX_DURATION 2 s\)/.test(out) ? true : undefined));
      await sleep(200);
      await held.release(); // within the stop's grace: the chunk in flight commits
      result = await run.done;
    } finally {
      await held.release();
    }
    expect(result.code, result.stdout.slice(-2000) + result.stderr).toBe(1);
    const report = readReport(reportDir);
    expect(report?.status).toBe('interrupted');
    expect(report?.devices.processed).toBe(12);
    const lines = logLines(result.stdout);
    expect(lines.some((l) => /MAX_DURATION/.test(String(l.message)))).toBe(true);
    const [row] = await db.sql<{ status: string; error: string }[]>`select status, error from analyzer_run`;
    expect(row).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/MAX_DURATION/) });
    expect(await expectWholeDevices(db)).toBe(12);
    await runPass(reportRoot, db.url, ARGS, 0);
    expect(await dumpWritten(db.sql)).toBe(reference.dump);
  }, 120_000);

  it('a statement unanswered past QUERY_TIMEOUT on a live server is cancelled: its device fails alone, the others are written, exit 1', async () => {
    const db = await copy();
    const victim = 7;
    const [target] = await db.sql<{ id: number }[]>`select id from polycomm_suitcase where device_id = ${victim} and status = 0 order by id limit 1`;
    const held = await holdInTransaction(db.sql, (tx) => tx`select id from polycomm_suitcase where id = ${target!.id} for update`);
    let run;
    try {
      run = await runPass(reportRoot, db.url, [...ARGS, '--query-timeout', '1'], 1);
    } finally {
      await held.release();
    }
    expect(run.report.devices).toMatchObject({ processed: DEVICES / 2 - 1, failed: 1 });
    expect(run.report.failures).toEqual([{ deviceId: victim, error: expect.stringMatching(/no answer from the server within 1 s: the statement was cancelled \(QUERY_TIMEOUT\)/) }]);
    expect(run.report.error).toBeNull();
    await runPass(reportRoot, db.url, ARGS, 0);
    expect(await dumpWritten(db.sql)).toBe(reference.dump);
  }, 120_000);
});
