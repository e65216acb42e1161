// Issue 6, bad input catalogue: every kind of bad or odd input the devices,
// the fiscal feed or the configuration can produce, through the built CLI
// against a real PostgreSQL. For every case: the documented exit code, the
// rows the pass must not touch stay pending (byte-identical), and a healthy
// neighbour device in the same pass gets its normal result.
// (R1 junk codes, the both-modes conflict, not-ready devices and R4 invalid
// rows in general are also in tests/pass/pass.test.ts; the cases here add
// what that file does not check.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { logLines } from '../harness/cli.js';
import { alarm, createTestDatabase, device, dumpWritten, issue, readTasks, receipt, wrap, type Sql, type TestDb } from '../harness/db.js';
import { deviceDump, runPass } from './helpers.js';

const D = '2026-01-01';
const at = (t: string) => `${D} ${t.length === 5 ? t + ':00' : t}`;
const NOW = '2026-01-02T00:00:00';
type Mode = 'receipts' | 'dwr';

let db: TestDb;
const dbs: TestDb[] = [];
const reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-badinput-'));

beforeEach(async () => {
  db = await createTestDatabase();
  dbs.push(db);
});
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => undefined);
  rmSync(reportRoot, { recursive: true, force: true });
});

const pass = (mode: Mode, expectCode = 0, extra: string[] = []) =>
  runPass(reportRoot, db.url, ['--mode', mode, '--now', NOW, ...extra], expectCode);

// ---------------------------------------------------------------------------
// the healthy neighbour of every test

const NEIGHBOUR = { receipts: 900, dwr: 901 } as const;

/** A device of the mode with one ordinary group; returns the check of its result. */
async function neighbour(mode: Mode, sql: Sql = db.sql): Promise<() => Promise<void>> {
  const id = NEIGHBOUR[mode];
  const d = await device(sql, { id, mode });
  const w = await wrap(sql, { id: id * 10 + 1, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
  if (mode === 'receipts') {
    const r = await receipt(sql, { id: id * 10 + 2, code: d.code, at: at('10:02'), single: 1, double: 0 });
    return async () => {
      const tasks = await readTasks(db.sql, d.id);
      expect(tasks.map((t) => [t.type, t.resolved, t.events.map((e) => e.event_id)])).toEqual([[4, true, [w + 900000, r]]]);
      const [row] = await db.sql<{ status: number; receipt_id: number }[]>`select status, receipt_id from polycomm_suitcase where id = ${w}`;
      expect(row).toEqual({ status: 1, receipt_id: r });
    };
  }
  const a = await alarm(sql, { id: id * 10 + 2, device: d.id, at: at('10:00:30') });
  return async () => {
    const tasks = await readTasks(db.sql, d.id);
    expect(tasks.map((t) => [t.type, t.resolved, t.events.map((e) => [e.event_id, e.parent_id === null])])).toEqual([[4, false, [[w + 900000, true], [a, false]]]]);
    const [row] = await db.sql<{ status: number; unpaid: boolean }[]>`select status, unpaid from polycomm_suitcase where id = ${w}`;
    expect(row).toEqual({ status: 1, unpaid: true });
  };
}

// ---------------------------------------------------------------------------
// exact row texts, to prove rows were not touched

type Ref = [table: 'polycomm_suitcase' | 'polycommalarm' | 'polycommissue' | 'receipts', id: number];
const KEY = { polycomm_suitcase: 'id', polycommalarm: 'polycommalarm_id', polycommissue: 'polycommissue_id', receipts: 'receipt_id' } as const;

async function rowTexts(refs: Ref[]): Promise<string[]> {
  const out: string[] = [];
  for (const [table, id] of refs) {
    const rows = await db.sql<{ r: string }[]>`select t::text as r from ${db.sql(table)} t where ${db.sql(KEY[table])} = ${id}`;
    expect(rows, `${table} ${id} exists`).toHaveLength(1);
    out.push(`${table}: ${rows[0]!.r}`);
  }
  return out;
}

async function statuses(refs: Ref[]): Promise<number[]> {
  const out: number[] = [];
  for (const [table, id] of refs) {
    const [row] = await db.sql<{ status: number }[]>`select status from ${db.sql(table)} where ${db.sql(KEY[table])} = ${id}`;
    out.push(row!.status);
  }
  return out;
}

const wrapRow = (id: number) =>
  db.sql<{ status: number; csp: boolean | null; unpaid: boolean | null; to_account: boolean | null; in_task: boolean | null; receipt_id: number | null }[]>`
    select status, csp, unpaid, to_account, in_task, receipt_id from polycomm_suitcase where id = ${id}`.then((r) => r[0]);
const receiptStatus = (id: number) => db.sql<{ status: number }[]>`select status from receipts where receipt_id = ${id}`.then((r) => r[0]!.status);
const analyzerIssues = (deviceId: number) => db.sql<{ type: number; suitcase: number }[]>`
  select type, suitcase from polycommissue where id = 22222222 and device = ${deviceId} order by localdate, type`;
const taskShape = async (deviceId: number) =>
  (await readTasks(db.sql, deviceId)).map((t) => ({ type: t.type, resolved: t.resolved, date: t.date, events: t.events.map((e) => `${e.table_name}:${e.event_id}${e.parent_id === null ? '' : '^'}`) }));

// ---------------------------------------------------------------------------

describe('R4 invalid rows, table by table', () => {
  it.each(['receipts', 'dwr'] as const)(
    '%s: a NULL local time on each event table: the row is left pending and byte-identical, counted by table; the rest of the device and its neighbour are processed',
    async (mode) => {
      const ok = await neighbour(mode);
      const d = await device(db.sql, { id: 1, mode });
      const bad: Ref[] = [
        ['polycomm_suitcase', await wrap(db.sql, { id: 101, device: d.id, start: null, finish: at('10:01') })],
        ['polycomm_suitcase', await wrap(db.sql, { id: 102, device: d.id, start: at('10:00'), finish: null })],
        ['polycommalarm', await alarm(db.sql, { id: 103, device: d.id, at: null, moscow: at('10:00') })],
        ['polycommissue', await issue(db.sql, { id: 104, device: d.id, at: null, moscow: at('10:00') })],
        ['receipts', await receipt(db.sql, { id: 105, code: d.code, at: null, moscow: at('10:02'), single: 1, double: 0 })],
      ];
      const good = await wrap(db.sql, { id: 106, device: d.id, start: at('12:00'), finish: at('12:01'), type: 1 });
      const paid = await receipt(db.sql, { id: 107, code: d.code, at: at('12:02'), single: 1, double: 0 });
      const before = await rowTexts(bad);

      const { report, stdout } = await pass(mode);

      expect(await rowTexts(bad)).toEqual(before);
      expect(report.status).toBe('succeeded');
      expect(report.devices).toMatchObject({ ready: 2, processed: 2, failed: 0 });
      const expectedByTable: Record<string, number> = { polycomm_suitcase: 2, polycommalarm: 1, polycommissue: 1 };
      if (mode === 'receipts') expectedByTable.receipts = 1;
      expect(report.rejected.byTable).toEqual(expectedByTable);
      expect(report.rejected.byReason).toEqual({ null_local_time: mode === 'receipts' ? 5 : 4 });
      // one warning per invalid row, naming table and id
      const warned = logLines(stdout).filter((l) => l.level === 'warn' && String(l.message).includes(' is invalid '));
      expect(warned.map((l) => `${String(l.table)}:${String(l.id)}`).sort()).toEqual(
        (mode === 'receipts' ? bad : bad.filter(([t]) => t !== 'receipts')).map(([t, id]) => `${t}:${id}`).sort(),
      );
      // the device's valid rows are processed as if the invalid ones did not exist
      if (mode === 'receipts') {
        expect(await taskShape(d.id)).toEqual([{ type: 4, resolved: true, date: at('12:02'), events: [`polycomm_suitcase:${good + 900000}`, `receipts:${paid}`] }]);
      } else {
        expect(await wrapRow(good)).toMatchObject({ status: 1, csp: true, in_task: false });
        expect(await receiptStatus(paid)).toBe(0); // dwr never reads receipts
      }
      await ok();
    },
  );

  it('a wrap that finishes before it starts is left pending; an alarm inside its reversed interval is not nested in it', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 2 });
    const backwards = await wrap(db.sql, { id: 201, device: d.id, start: at('10:05'), finish: at('10:04') });
    const a = await alarm(db.sql, { id: 202, device: d.id, at: at('10:04:30') });
    const before = await rowTexts([['polycomm_suitcase', backwards]]);
    const { report } = await pass('receipts');
    expect(await rowTexts([['polycomm_suitcase', backwards]])).toEqual(before);
    expect(report.rejected.byReason).toEqual({ finish_before_start: 1 });
    // the alarm is a top-level notification (type 1) of its own; a group without wraps and
    // receipts is balanced (R10), hence resolved in receipts mode (R16)
    expect(await taskShape(d.id)).toEqual([{ type: 1, resolved: true, date: at('10:04:30'), events: [`polycommalarm:${a}`] }]);
    await ok();
  });

  it('negative and NULL receipt quantities: the receipts are left pending and byte-identical; the wrap is judged without them (unpaid, issue 7)', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 3 });
    const w = await wrap(db.sql, { id: 301, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    const bad: Ref[] = [
      ['receipts', await receipt(db.sql, { id: 302, code: d.code, at: at('10:02'), single: -1, double: 0 })],
      ['receipts', await receipt(db.sql, { id: 303, code: d.code, at: at('10:02'), single: 0, double: -3 })],
      ['receipts', await receipt(db.sql, { id: 304, code: d.code, at: at('10:02'), single: null, double: 1 })],
      ['receipts', await receipt(db.sql, { id: 305, code: d.code, at: at('10:02'), single: 1, double: null })],
      ['receipts', await receipt(db.sql, { id: 306, code: d.code, at: at('10:02'), single: null, double: null })],
    ];
    const before = await rowTexts(bad);
    const { report } = await pass('receipts');
    expect(await rowTexts(bad)).toEqual(before);
    expect(report.rejected.byReason).toEqual({ bad_quantity: 5 });
    expect(await taskShape(d.id)).toEqual([{ type: 4, resolved: false, date: at('10:01'), events: [`polycomm_suitcase:${w + 900000}`, 'polycommissue:' + (await issueRowId(d.id)) + '^'] }]);
    expect(await analyzerIssues(d.id)).toEqual([{ type: 7, suitcase: w + 900000 }]);
    await ok();
  });
});

async function issueRowId(deviceId: number): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`select polycommissue_id as id from polycommissue where id = 22222222 and device = ${deviceId}`;
  return row!.id;
}

describe('odd but valid input', () => {
  it('a zero-length wrap (receipts): valid, its finish follows its own start; a receipt after it pays it, a receipt at the same second comes before it (R6)', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 4 });
    const w = await wrap(db.sql, { id: 401, device: d.id, start: at('10:00'), finish: at('10:00'), duration: 0, type: 1 });
    const r = await receipt(db.sql, { id: 402, code: d.code, at: at('10:00:30'), single: 1, double: 0 });
    // same second: the tie order puts the receipt before the wrap's start, so it closes a
    // purchase cycle of its own (R8.1) and the wrap is unpaid
    const w2 = await wrap(db.sql, { id: 403, device: d.id, start: at('11:00'), finish: at('11:00'), duration: 0, type: 1 });
    const r2 = await receipt(db.sql, { id: 404, code: d.code, at: at('11:00'), single: 1, double: 0 });
    const { report } = await pass('receipts');
    expect(report.rejected.total).toBe(0);
    expect(await taskShape(d.id)).toEqual([
      { type: 4, resolved: true, date: at('10:00:30'), events: [`polycomm_suitcase:${w + 900000}`, `receipts:${r}`] },
      { type: 2, resolved: false, date: at('11:00'), events: [`receipts:${r2}`] },
      { type: 4, resolved: false, date: at('11:00'), events: [`polycomm_suitcase:${w2 + 900000}`, `polycommissue:${await issueRowId(d.id)}^`] },
    ]);
    expect(await wrapRow(w)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: true, receipt_id: r });
    expect(await wrapRow(w2)).toEqual({ status: 1, csp: true, unpaid: true, to_account: true, in_task: true, receipt_id: null });
    expect([await receiptStatus(r), await receiptStatus(r2)]).toEqual([1, 2]);
    await ok();
  });

  it('a zero-length wrap (dwr): an alarm at the same second is not nested (start < t < finish is strict) and comes first (R6)', async () => {
    const ok = await neighbour('dwr');
    const d = await device(db.sql, { id: 5, mode: 'dwr' });
    const w = await wrap(db.sql, { id: 501, device: d.id, start: at('10:00'), finish: at('10:00'), duration: 0, type: 1 });
    const a = await alarm(db.sql, { id: 502, device: d.id, at: at('10:00') });
    await pass('dwr');
    expect(await taskShape(d.id)).toEqual([{ type: 5, resolved: false, date: at('10:00'), events: [`polycommalarm:${a}`, `polycomm_suitcase:${w + 900000}`] }]);
    expect(await wrapRow(w)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: true, receipt_id: null });
    await ok();
  });

  it('overlapping wraps on one device: both count in the group of their start, an alarm inside both nests in the earlier one, one receipt pays both', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 6 });
    const w1 = await wrap(db.sql, { id: 601, device: d.id, start: at('10:00'), finish: at('10:03'), type: 1 });
    const w2 = await wrap(db.sql, { id: 602, device: d.id, start: at('10:01'), finish: at('10:02'), type: 2 });
    const a = await alarm(db.sql, { id: 603, device: d.id, at: at('10:01:30') });
    const r = await receipt(db.sql, { id: 604, code: d.code, at: at('10:04'), single: 1, double: 1 });
    // a third wrap identical to the first (a duplicated device record) is a wrap of its own
    const w3 = await wrap(db.sql, { id: 605, device: d.id, start: at('11:00'), finish: at('11:01'), type: 1 });
    const w4 = await wrap(db.sql, { id: 606, device: d.id, start: at('11:00'), finish: at('11:01'), type: 1 });
    const r2 = await receipt(db.sql, { id: 607, code: d.code, at: at('11:02'), single: 2, double: 0 });
    await pass('receipts');
    expect(await taskShape(d.id)).toEqual([
      { type: 4, resolved: true, date: at('10:04'), events: [`polycomm_suitcase:${w1 + 900000}`, `polycommalarm:${a}^`, `polycomm_suitcase:${w2 + 900000}`, `receipts:${r}`] },
      { type: 4, resolved: true, date: at('11:02'), events: [`polycomm_suitcase:${w3 + 900000}`, `polycomm_suitcase:${w4 + 900000}`, `receipts:${r2}`] },
    ]);
    for (const w of [w1, w2]) expect(await wrapRow(w)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: true, receipt_id: r });
    for (const w of [w3, w4]) expect(await wrapRow(w)).toMatchObject({ status: 1, unpaid: false, receipt_id: r2 });
    expect(await receiptStatus(r)).toBe(1);
    await ok();
  });

  it('package_type NULL, 0 and 3 (receipts): untyped wraps break the balance, are paid by residual positions, never get issue 8/9; unpaid they get issue 7', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 7 });
    const wNull = await wrap(db.sql, { id: 701, device: d.id, start: at('10:00'), finish: at('10:01'), type: null });
    const rSingle = await receipt(db.sql, { id: 702, code: d.code, at: at('10:02'), single: 1, double: 0 });
    const wZero = await wrap(db.sql, { id: 703, device: d.id, start: at('11:00'), finish: at('11:01'), type: 0 });
    const rDouble = await receipt(db.sql, { id: 704, code: d.code, at: at('11:02'), single: 0, double: 1 });
    const wThree = await wrap(db.sql, { id: 705, device: d.id, start: at('12:00'), finish: at('12:01'), type: 3 });
    const { report } = await pass('receipts');
    expect(report.rejected.total).toBe(0);
    const tasks = await taskShape(d.id);
    expect(tasks.map((t) => [t.type, t.resolved])).toEqual([[5, false], [5, false], [4, false]]);
    expect(await wrapRow(wNull)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: true, receipt_id: rSingle });
    expect(await wrapRow(wZero)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: true, receipt_id: rDouble });
    expect(await wrapRow(wThree)).toEqual({ status: 1, csp: true, unpaid: true, to_account: true, in_task: true, receipt_id: null });
    expect(await analyzerIssues(d.id)).toEqual([{ type: 7, suitcase: wThree + 900000 }]);
    expect([await receiptStatus(rSingle), await receiptStatus(rDouble)]).toEqual([1, 1]);
    await ok();
  });

  it('package_type NULL, 0 and 3 (dwr): untyped wraps are ordinary clean wraps', async () => {
    const ok = await neighbour('dwr');
    const d = await device(db.sql, { id: 8, mode: 'dwr' });
    const ws = [
      await wrap(db.sql, { id: 801, device: d.id, start: at('10:00'), finish: at('10:01'), type: null }),
      await wrap(db.sql, { id: 802, device: d.id, start: at('10:02'), finish: at('10:03'), type: 0 }),
      await wrap(db.sql, { id: 803, device: d.id, start: at('10:04'), finish: at('10:05'), type: 3 }),
    ];
    const { report } = await pass('dwr');
    expect(report.groups.clean).toBe(1);
    expect(await readTasks(db.sql, d.id)).toEqual([]);
    for (const w of ws) expect(await wrapRow(w)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: false, receipt_id: null });
    await ok();
  });

  it('a receipt for 0 and 0: alone it is a type 2 task (balanced, status 1); after a paid wrap it joins the balanced group', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 9 });
    const alone = await receipt(db.sql, { id: 901, code: d.code, at: at('09:00'), single: 0, double: 0 });
    const w = await wrap(db.sql, { id: 902, device: d.id, start: at('11:00'), finish: at('11:01'), type: 1 });
    const r = await receipt(db.sql, { id: 903, code: d.code, at: at('11:02'), single: 1, double: 0 });
    const zero = await receipt(db.sql, { id: 904, code: d.code, at: at('11:02:10'), single: 0, double: 0 });
    const { report } = await pass('receipts');
    expect(report.rejected.total).toBe(0);
    expect(await taskShape(d.id)).toEqual([
      { type: 2, resolved: true, date: at('09:00'), events: [`receipts:${alone}`] },
      { type: 4, resolved: true, date: at('11:02:10'), events: [`polycomm_suitcase:${w + 900000}`, `receipts:${r}`, `receipts:${zero}`] },
    ]);
    expect([await receiptStatus(alone), await receiptStatus(r), await receiptStatus(zero)]).toEqual([1, 1, 1]);
    await ok();
  });

  it('identical timestamps across all event kinds: R6 tie order, strict nesting, and the same result whatever the insertion order', async () => {
    // W1 10:00-10:01; at 10:01:00 exactly: W1's finish, a receipt, an alarm, an issue and W2's start
    const seed = async (sql: Sql, reverse: boolean) => {
      const d = await device(sql, { id: 10 });
      const rows: (() => Promise<number>)[] = [
        () => wrap(sql, { id: 1001, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 }),
        () => receipt(sql, { id: 1002, code: d.code, at: at('10:01'), single: 1, double: 0 }),
        () => alarm(sql, { id: 1003, device: d.id, at: at('10:01') }),
        () => issue(sql, { id: 1004, device: d.id, at: at('10:01') }),
        () => wrap(sql, { id: 1005, device: d.id, start: at('10:01'), finish: at('10:02'), type: 1 }),
        // equal times within one kind: ties by row id
        () => alarm(sql, { id: 1006, device: d.id, at: at('10:01') }),
      ];
      for (const add of reverse ? [...rows].reverse() : rows) await add();
    };
    const ok = await neighbour('receipts');
    await seed(db.sql, false);
    await pass('receipts');
    // cut after the receipt (R8.1); the alarms and the issue at W2's start are not nested in it
    expect(await taskShape(10)).toEqual([
      { type: 4, resolved: true, date: at('10:01'), events: ['polycomm_suitcase:901001', 'receipts:1002'] },
      { type: 5, resolved: false, date: at('10:02'), events: ['polycommalarm:1003', 'polycommalarm:1006', 'polycommissue:1004', 'polycomm_suitcase:901005', `polycommissue:${await issueRowId(10)}^`] },
    ]);
    await ok();
    const first = await dumpWritten(db.sql);

    // the same rows inserted in the opposite order (physical order differs) give the same result
    const other = await createTestDatabase();
    dbs.push(other);
    await neighbour('receipts', other.sql);
    await seed(other.sql, true);
    await runPass(reportRoot, other.url, ['--mode', 'receipts', '--now', NOW], 0);
    expect(await dumpWritten(other.sql)).toBe(first);
  });

  it('a NULL Moscow time: the local time stands in, for deciding (R9) and for writing, and is counted', async () => {
    const ok = await neighbour('receipts');
    // a device two hours east of Moscow
    const d = await device(db.sql, { id: 11 });
    const w = await wrap(db.sql, { id: 1101, device: d.id, start: at('12:00'), finish: at('12:01'), moscow: null, type: 1 });
    const r = await receipt(db.sql, { id: 1102, code: d.code, at: at('12:02'), moscow: null, single: 1, double: 0 });
    const a = await alarm(db.sql, { id: 1103, device: d.id, at: at('14:00'), moscow: null });
    // local 23:50 with Moscow NULL: 10 minutes old by the local time that stands in (it would be
    // 2 h 10 min old by its real Moscow time): still in progress
    const late = await alarm(db.sql, { id: 1104, device: d.id, at: at('23:50'), moscow: null });
    const { report } = await pass('receipts');
    expect(report.moscowFallbacks).toBeGreaterThanOrEqual(3);
    expect(report.groups.deferred).toBe(1);
    expect(await taskShape(d.id)).toEqual([
      { type: 4, resolved: true, date: at('12:02'), events: [`polycomm_suitcase:${w + 900000}`, `receipts:${r}`] },
      { type: 1, resolved: true, date: at('14:00'), events: [`polycommalarm:${a}`] },
    ]);
    expect(await statuses([['polycommalarm', late]])).toEqual([0]);
    await ok();
  });

  it('events dated decades ago (1975, 1901, year 1) are processed like any other; far in the future (2099, 9999) they stay pending as in progress', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 12 });
    const w75 = await wrap(db.sql, { id: 1201, device: d.id, start: '1975-06-01 10:00:00', finish: '1975-06-01 10:01:00', type: 1 });
    const r75 = await receipt(db.sql, { id: 1202, code: d.code, at: '1975-06-01 10:02:00', single: 1, double: 0 });
    const w01 = await wrap(db.sql, { id: 1203, device: d.id, start: '1901-06-01 10:00:00', finish: '1901-06-01 10:01:00', type: 2 });
    const w1 = await wrap(db.sql, { id: 1204, device: d.id, start: '0001-06-01 10:00:00', finish: '0001-06-01 10:01:00', type: 1 });
    const future: Ref[] = [
      ['polycommalarm', await alarm(db.sql, { id: 1205, device: d.id, at: '2099-01-01 10:00:00' })],
      ['polycomm_suitcase', await wrap(db.sql, { id: 1206, device: d.id, start: '2099-01-01 11:00:00', finish: '2099-01-01 11:01:00' })],
      ['receipts', await receipt(db.sql, { id: 1207, code: d.code, at: '2099-01-01 11:02:00', single: 1, double: 0 })],
      ['polycommissue', await issue(db.sql, { id: 1208, device: d.id, at: '9999-12-31 23:59:59' })],
    ];
    const before = await rowTexts(future);
    const { report } = await pass('receipts');
    expect(await rowTexts(future)).toEqual(before);
    expect(report.groups.deferred).toBe(3);
    const tasks = await taskShape(d.id);
    expect(tasks.map((t) => [t.date, t.type])).toEqual([['0001-06-01 10:01:00', 4], ['1901-06-01 10:01:00', 4], ['1975-06-01 10:02:00', 4]]);
    expect(await wrapRow(w75)).toMatchObject({ status: 1, unpaid: false, receipt_id: r75 });
    expect(await wrapRow(w01)).toMatchObject({ status: 1, unpaid: true });
    expect(await wrapRow(w1)).toMatchObject({ status: 1, unpaid: true });
    const issues = await db.sql<{ localdate: string }[]>`select localdate::text from polycommissue where id = 22222222 and device = ${d.id} order by localdate`;
    expect(issues.map((i) => i.localdate)).toEqual(['0001-06-01 10:01:00', '1901-06-01 10:01:00']);
    await ok();
  });

  it('a future Moscow time on an event of today holds back that group and every later one of the device (R9), and nothing else', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 13 });
    const early = await wrap(db.sql, { id: 1301, device: d.id, start: at('08:00'), finish: at('08:01'), type: 1 });
    const held: Ref[] = [
      ['polycommalarm', await alarm(db.sql, { id: 1302, device: d.id, at: at('09:00'), moscow: '2099-01-01 09:00:00' })],
      ['polycomm_suitcase', await wrap(db.sql, { id: 1303, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 })],
    ];
    const { report } = await pass('receipts');
    expect(report.groups.deferred).toBe(2);
    expect(await statuses(held)).toEqual([0, 0]);
    expect(await wrapRow(early)).toMatchObject({ status: 1 });
    await ok();
  });

  // PostgreSQL timestamps can hold 'infinity' and '-infinity': no usable time. A local time
  // that is infinite makes the row invalid like a NULL one (R4); an infinite Moscow time is
  // replaced by the local time like a NULL one (R3).
  it('±infinity timestamps are treated like NULL: invalid rows left pending, the rest of the device processed, exit 0', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 14 });
    const bad: Ref[] = [
      ['polycommalarm', await alarm(db.sql, { id: 1401, device: d.id, at: '-infinity' })],
      ['polycommissue', await issue(db.sql, { id: 1402, device: d.id, at: 'infinity' })],
    ];
    const a = await alarm(db.sql, { id: 1403, device: d.id, at: at('10:00'), moscow: '-infinity' });
    const before = await rowTexts(bad);
    const { report } = await pass('receipts', 0);
    expect(await rowTexts(bad)).toEqual(before);
    expect(report.rejected.byReason).toEqual({ null_local_time: 2 });
    expect(await taskShape(d.id)).toEqual([{ type: 1, resolved: true, date: at('10:00'), events: [`polycommalarm:${a}`] }]);
    await ok();
  });
});

describe('values the process cannot hold exactly', () => {
  it('a wrap whose polycom_id is beyond 2^53: its device fails alone, naming the row, nothing written for it; the neighbour in the same chunk is processed; exit 1', async () => {
    const ok = await neighbour('dwr');
    const d = await device(db.sql, { id: 15, mode: 'dwr' });
    const w = await wrap(db.sql, { id: 1501, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    await alarm(db.sql, { id: 1502, device: d.id, at: at('11:00') });
    await db.sql`update polycomm_suitcase set polycom_id = ${'9007199254740993'}::int8 where id = ${w}`;
    const before = await deviceDump(db.sql, d.id);
    // fixed chunks of 50: both devices are loaded by one statement per table
    const { report, stderr } = await pass('dwr', 1, ['--chunk-events', '0']);
    expect(report.devices).toMatchObject({ ready: 2, processed: 1, failed: 1 });
    expect(report.failures).toEqual([{ deviceId: d.id, error: expect.stringContaining(`polycomm_suitcase row ${w}: bigint 9007199254740993 in polycomm_suitcase is beyond 2^53`) }]);
    expect(report.chunks).toBe(1);
    expect(await deviceDump(db.sql, d.id)).toBe(before);
    expect(stderr).toBe('');
    await ok();
  });
});

describe('R1 device codes and configuration', () => {
  it('junk devicecode values in receipts and timestamps (spaces, letters, empty, NULL, beyond int4) never fail the pass; only the code with spaces matches', async () => {
    const ok = await neighbour('receipts');
    const d = await device(db.sql, { id: 15, code: 12, devicecode: '  12  ' });
    await db.sql`insert into timestamps (devicecode, ready, status_type_device) values
      ('x12', true, 1), ('', true, 1), (null, true, 1), ('2147483648', true, 1), ('-2147483649', true, 1), ('1 2', true, 1), ('１２', true, 1)`;
    const w = await wrap(db.sql, { id: 1501, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    const r = await receipt(db.sql, { id: 1502, code: ' 12 ', at: at('10:02'), single: 1, double: 0 });
    const junk: Ref[] = [];
    let id = 1510;
    for (const code of ['12abc', 'abc', '', '99999999999', '2147483648', '1 2', '１２', '12.0', '-']) {
      junk.push(['receipts', await receipt(db.sql, { id: id++, code, at: at('10:02'), single: 1, double: 0 })]);
    }
    await db.sql`insert into receipts (receipt_id, devicecode, dateclose, dateclosemoscow, quantitypackageone, quantitypackagedouble)
                 values (${id}, null, ${at('10:02')}, ${at('10:02')}, 1, 0)`;
    junk.push(['receipts', id]);
    const before = await rowTexts(junk);
    const { report } = await pass('receipts');
    expect(report.devices).toMatchObject({ ready: 2, processed: 2, failed: 0 });
    expect(report.warnings.junkDeviceCodes).toEqual(expect.arrayContaining(['x12', '', null, '2147483648', '-2147483649', '1 2', '１２']));
    expect(await rowTexts(junk)).toEqual(before);
    expect(await taskShape(d.id)).toEqual([{ type: 4, resolved: true, date: at('10:02'), events: [`polycomm_suitcase:${w + 900000}`, `receipts:${r}`] }]);
    await ok();
  });

  it.each(['receipts', 'dwr'] as const)(
    '%s: misconfigured devices (ready in both modes, ready but missing from polycomm_device, not ready, unknown device ids) keep every row pending',
    async (mode) => {
      const ok = await neighbour(mode);
      const refs: Ref[] = [];
      let id = 1600;
      const events = async (deviceId: number, code: number | string) => {
        refs.push(['polycomm_suitcase', await wrap(db.sql, { id: id++, device: deviceId, start: at('10:00'), finish: at('10:01'), type: 1 })]);
        refs.push(['polycommalarm', await alarm(db.sql, { id: id++, device: deviceId, at: at('10:00:30') })]);
        refs.push(['polycommissue', await issue(db.sql, { id: id++, device: deviceId, at: at('10:20') })]);
        refs.push(['receipts', await receipt(db.sql, { id: id++, code, at: at('10:02'), single: 1, double: 0 })]);
      };
      // ready in both modes
      const both = await device(db.sql, { id: 16, mode: 'receipts' });
      await db.sql`insert into timestamps (devicecode, ready, status_type_device) values (${String(both.code)}, true, 2)`;
      await events(both.id, both.code);
      // ready (both kinds) but no polycomm_device with that code
      await db.sql`insert into timestamps (devicecode, ready, status_type_device) values ('4242', true, 1), ('4343', true, 2)`;
      await events(4242, 4242);
      // not ready: ready false, ready NULL, another kind, kind NULL, no timestamps row at all
      for (const [devId, ready, kind] of [[17, false, 1], [18, null, 2], [19, true, 3], [20, true, null]] as const) {
        const x = await device(db.sql, { id: devId, mode: null });
        await db.sql`insert into timestamps (devicecode, ready, status_type_device) values (${String(x.code)}, ${ready}, ${kind})`;
        await events(x.id, x.code);
      }
      const none = await device(db.sql, { id: 21, mode: null });
      await events(none.id, none.code);
      // events of a device id that polycomm_device does not know
      await events(777, 'no-such-code');

      const before = await rowTexts(refs);
      const { report, stdout } = await pass(mode);
      expect(await rowTexts(refs)).toEqual(before);
      expect(report.devices).toMatchObject({ ready: 1, processed: 1, failed: 0, conflicts: 1 });
      expect(report.warnings.conflictDevices).toEqual([16]);
      expect(report.warnings.unknownDeviceCodes).toEqual([mode === 'receipts' ? 4242 : 4343]);
      expect(stdout).toMatch(/device 16 is ready in both modes/);
      expect(await db.sql`select 1 from task where device_id <> ${NEIGHBOUR[mode]}`).toHaveLength(0);
      await ok();
    },
  );
});

describe('R14 issue types 7, 8, 9 missing from the dictionary', () => {
  it('a device that needs a missing type fails cleanly, naming the type, with nothing written; the others are written; exit 1; restored, the next pass completes', async () => {
    const ok = await neighbour('receipts');
    const needs = { 7: 22, 8: 23, 9: 24 } as const;
    // 22: an unpaid wrap (7); 23: a double wrap paid as single (8); 24: a single wrap paid as double (9)
    for (const [type, devId] of Object.entries(needs)) {
      const d = await device(db.sql, { id: devId });
      await wrap(db.sql, { id: devId * 100 + 1, device: d.id, start: at('10:00'), finish: at('10:01'), type: type === '8' ? 2 : 1 });
      if (type !== '7') await receipt(db.sql, { id: devId * 100 + 2, code: d.code, at: at('10:02'), single: type === '8' ? 1 : 0, double: type === '9' ? 1 : 0 });
      await alarm(db.sql, { id: devId * 100 + 3, device: d.id, at: at('11:00') });
    }
    const before = new Map<number, string>();
    for (const devId of Object.values(needs)) before.set(devId, await deviceDump(db.sql, devId));
    const dictionary = await db.sql`select * from polycomm_issue_type where id in (7, 8, 9) order by id`;
    await db.sql`delete from polycomm_issue_type where id in (7, 8, 9)`;

    const { report, stderr } = await pass('receipts', 1);
    expect(report.status).toBe('failed');
    expect(report.devices).toMatchObject({ ready: 4, processed: 1, failed: 3 });
    for (const [type, devId] of Object.entries(needs)) {
      const failure = report.failures.find((f) => f.deviceId === devId);
      expect(failure?.error, `device ${devId}`).toMatch(new RegExp(`issue type\\(s\\) ${type} missing from polycomm_issue_type`));
      expect(await deviceDump(db.sql, devId), `device ${devId} untouched`).toBe(before.get(devId));
    }
    expect(stderr).toBe('');
    await ok();

    // the dictionary restored, the next pass writes them
    await db.sql`insert into polycomm_issue_type ${db.sql(dictionary as unknown as Record<string, unknown>[])}`;
    const again = await pass('receipts', 0);
    // the neighbour, done by the first pass, has nothing left: idle
    expect(again.report.devices).toMatchObject({ processed: 3, idle: 1, failed: 0 });
    expect(again.report.analyzerIssues).toEqual({ '7': 1, '8': 1, '9': 1 });
    const [pending] = await db.sql<{ n: number }[]>`select count(*)::int as n from polycomm_suitcase where status = 0`;
    expect(pending!.n).toBe(0);
  });
});
