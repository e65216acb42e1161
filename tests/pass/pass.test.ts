// The pass through the built CLI against a real PostgreSQL: R1, R4, R9, R19,
// --dry-run and explain.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, logLines } from '../harness/cli.js';
import { alarm, createTestDatabase, device, dumpWritten, issue, readTasks, receipt, wrap, type TestDb } from '../harness/db.js';
import type { PassReport } from '../../src/shell/report.js';
import { ANALYZER_LOCK } from '../../src/sql/device-locks.js';

const D = '2026-01-01';
const at = (t: string) => `${D} ${t.length === 5 ? t + ':00' : t}`;
const NOW = '2026-01-02T00:00:00';

let db: TestDb;
const dbs: TestDb[] = [];
const reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-reports-'));

beforeEach(async () => {
  db = await createTestDatabase();
  dbs.push(db);
});
afterAll(async () => {
  for (const d of dbs) await d.drop();
  rmSync(reportRoot, { recursive: true, force: true });
});

async function pass(args: string[], env: Record<string, string> = {}, expectCode = 0) {
  const dir = mkdtempSync(join(reportRoot, 'r-'));
  const r = await runCli([...args, '--report-dir', dir], { DATABASE_URL: db.url, ...env });
  expect(r.code, r.stdout + r.stderr).toBe(expectCode);
  const [file] = readdirSync(dir);
  return { ...r, report: JSON.parse(readFileSync(join(dir, file!), 'utf8')) as PassReport };
}

/** Every row of every table, as text: "byte-identical" for --dry-run. */
async function fullDump(): Promise<string> {
  const tables = ['polycomm_device', 'timestamps', 'polycommalarm', 'polycommissue', 'receipts', 'polycomm_suitcase', 'task', 'task_to_event'];
  const parts: string[] = [];
  for (const t of tables) {
    const rows = await db.sql<{ r: string }[]>`select t::text as r from ${db.sql(t)} t order by 1`;
    parts.push(t, ...rows.map((x) => x.r));
  }
  return parts.join('\n');
}

describe('R1 ready devices', () => {
  it("junk devicecode values never fail the pass and are warned about once each; a device listed twice is processed once", async () => {
    const d = await device(db.sql, { id: 1, code: 77 });
    await db.sql`insert into timestamps (devicecode, ready, status_type_device) values
      (' 77 ', true, 1), ('abc', true, 1), ('abc', true, 1), ('', true, 1), ('99999999999', true, 1), ('4 2', true, 1)`;
    await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    await receipt(db.sql, { code: ' 077', at: at('10:02'), single: 1, double: 0 });
    await receipt(db.sql, { code: 'abc', at: at('10:02'), single: 1, double: 0 });
    const { report, stdout } = await pass(['--mode', 'receipts', '--now', NOW]);
    expect(report.devices).toMatchObject({ ready: 1, processed: 1, failed: 0 });
    expect((await readTasks(db.sql)).map((t) => [t.type, t.resolved])).toEqual([[4, true]]);
    expect(report.warnings.junkDeviceCodes.sort()).toEqual(['', '4 2', '99999999999', 'abc']);
    const abcWarnings = logLines(stdout).filter((l) => l.level === 'warn' && String(l.message).includes('"abc"'));
    expect(abcWarnings).toHaveLength(1);
    // the receipt with a junk code matched no device and stays pending
    const [junk] = await db.sql<{ status: number }[]>`select status from receipts where devicecode = 'abc'`;
    expect(junk!.status).toBe(0);
  });

  it('a device ready in both modes is skipped by both, warned about and counted', async () => {
    const d = await device(db.sql, { id: 2, mode: 'receipts' });
    await db.sql`insert into timestamps (devicecode, ready, status_type_device) values (${String(d.code)}, true, 2)`;
    await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01') });
    for (const mode of ['receipts', 'dwr']) {
      const { report } = await pass(['--mode', mode, '--now', NOW]);
      expect(report.devices).toMatchObject({ ready: 0, processed: 0, conflicts: 1 });
      expect(report.warnings.conflictDevices).toEqual([2]);
    }
    expect(await readTasks(db.sql)).toEqual([]);
  });

  it('only devices ready for the mode take part; not-ready devices keep their events pending', async () => {
    const ready = await device(db.sql, { id: 3, mode: 'dwr' });
    const idle = await device(db.sql, { id: 4, mode: null });
    await db.sql`insert into timestamps (devicecode, ready, status_type_device) values (${String(idle.code)}, false, 2)`;
    await alarm(db.sql, { device: ready.id, at: at('10:00') });
    const untouched = await alarm(db.sql, { device: idle.id, at: at('10:00') });
    const { report } = await pass(['--mode', 'dwr', '--now', NOW]);
    expect(report.devices).toMatchObject({ ready: 1, processed: 1 });
    const [row] = await db.sql<{ status: number }[]>`select status from polycommalarm where polycommalarm_id = ${untouched}`;
    expect(row!.status).toBe(0);
  });
});

describe('R4 invalid rows', () => {
  it('are left untouched, still pending, and counted by reason in the report', async () => {
    const d = await device(db.sql, { id: 5 });
    const before = await db.sql`select 1`;
    void before;
    const nullStart = await wrap(db.sql, { device: d.id, start: null, finish: at('10:01') });
    const backwards = await wrap(db.sql, { device: d.id, start: at('10:05'), finish: at('10:04') });
    const nullAlarm = await alarm(db.sql, { device: d.id, at: null });
    const nullIssue = await issue(db.sql, { device: d.id, at: null });
    const negative = await receipt(db.sql, { code: d.code, at: at('11:00'), single: -1, double: 0 });
    const nullQty = await receipt(db.sql, { code: d.code, at: at('11:00'), single: 1, double: null });
    const nullClose = await receipt(db.sql, { code: d.code, at: null, single: 1, double: 0 });
    const snapshot = await db.sql<{ r: string }[]>`
      select s::text as r from polycomm_suitcase s where id in (${nullStart}, ${backwards})
      union all select a::text from polycommalarm a where polycommalarm_id = ${nullAlarm}
      union all select i::text from polycommissue i where polycommissue_id = ${nullIssue}
      union all select r::text from receipts r where receipt_id in (${negative}, ${nullQty}, ${nullClose}) order by 1`;
    const { report } = await pass(['--mode', 'receipts', '--now', NOW]);
    const after = await db.sql<{ r: string }[]>`
      select s::text as r from polycomm_suitcase s where id in (${nullStart}, ${backwards})
      union all select a::text from polycommalarm a where polycommalarm_id = ${nullAlarm}
      union all select i::text from polycommissue i where polycommissue_id = ${nullIssue}
      union all select r::text from receipts r where receipt_id in (${negative}, ${nullQty}, ${nullClose}) order by 1`;
    expect(after).toEqual(snapshot);
    expect(report.rejected.total).toBe(7);
    expect(report.rejected.byReason).toEqual({ null_local_time: 4, finish_before_start: 1, bad_quantity: 2 });
    expect(report.rejected.byTable).toEqual({ polycomm_suitcase: 2, polycommalarm: 1, polycommissue: 1, receipts: 3 });
    expect(await readTasks(db.sql)).toEqual([]);
  });
});

describe('R9 in-progress groups and the process time zone', () => {
  /** The same rows, with the same ids, in a database of its own. */
  async function seeded(seed: (t: TestDb) => Promise<void>): Promise<TestDb> {
    const t = await createTestDatabase();
    dbs.push(t);
    await seed(t);
    return t;
  }

  it('the real clock: TZ=UTC and TZ=Asia/Vladivostok defer exactly the same groups', async () => {
    const fmt = (dt: DateTime) => dt.toFormat('yyyy-MM-dd HH:mm:ss');
    const moscowNow = DateTime.now().setZone('Europe/Moscow');
    const old = moscowNow.minus({ minutes: 40 });
    const recent = moscowNow.minus({ minutes: 5 });
    // a device on Vladivostok local time (Moscow + 7): the Moscow columns decide R9
    const seed = async (t: TestDb) => {
      await device(t.sql, { id: 6, mode: 'dwr' });
      await alarm(t.sql, { id: 601, device: 6, at: fmt(old.plus({ hours: 7 })), moscow: fmt(old) });
      await alarm(t.sql, { id: 602, device: 6, at: fmt(recent.plus({ hours: 7 })), moscow: fmt(recent) });
    };
    const dumps: string[] = [];
    for (const tz of ['UTC', 'Asia/Vladivostok']) {
      db = await seeded(seed);
      const { report } = await pass(['--mode', 'dwr'], { TZ: tz });
      expect(report.groups).toMatchObject({ tasks: 1, deferred: 1 });
      dumps.push(await dumpWritten(db.sql));
    }
    expect(dumps[0]).toBe(dumps[1]);
    const [pending] = await db.sql<{ n: number }[]>`select count(*)::int as n from polycommalarm where status = 0`;
    expect(pending!.n).toBe(1);
  });

  it('the same data and the same --now give identical results under TZ=UTC and TZ=Asia/Vladivostok', async () => {
    const seed = async (t: TestDb) => {
      const d = await device(t.sql, { id: 7 });
      await wrap(t.sql, { id: 701, device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
      await receipt(t.sql, { id: 702, code: d.code, at: at('10:02'), single: 1, double: 0 });
      await wrap(t.sql, { id: 703, device: d.id, start: at('10:30'), finish: at('10:31'), type: 2 });
    };
    const dumps: string[] = [];
    for (const tz of ['UTC', 'Asia/Vladivostok']) {
      db = await seeded(seed);
      const { report } = await pass(['--mode', 'receipts', '--now', '2026-01-01T10:40:00'], { TZ: tz });
      expect(report.groups).toMatchObject({ tasks: 1, deferred: 1 });
      dumps.push(await dumpWritten(db.sql));
    }
    expect(dumps[0]).toBe(dumps[1]);
  });
});

describe('R19 one owner per device', () => {
  it('two passes started at the same moment leave the database as one pass would', async () => {
    for (let id = 10; id < 40; id++) {
      const d = await device(db.sql, { id });
      for (let k = 0; k < 5; k++) {
        const m = String(k * 10).padStart(2, '0');
        await wrap(db.sql, { device: d.id, start: at(`10:${m}:00`), finish: at(`10:${m}:40`), type: 1 + (k % 2) });
        if (k % 3 !== 0) await receipt(db.sql, { code: d.code, at: at(`10:${m}:50`), single: 1, double: 0 });
      }
    }
    const reference = await createTestDatabase();
    dbs.push(reference);
    // same data in a reference database, processed by one pass
    for (const t of ['polycomm_device', 'timestamps', 'polycomm_suitcase', 'receipts']) {
      const rows = await db.sql`select * from ${db.sql(t)}`;
      await reference.sql`insert into ${reference.sql(t)} ${reference.sql(rows as unknown as Record<string, unknown>[])}`;
    }
    const one = await runCli(['--mode', 'receipts', '--now', NOW, '--chunk-size', '3'], { DATABASE_URL: reference.url });
    expect(one.code).toBe(0);
    const [a, b] = await Promise.all([
      runCli(['--mode', 'receipts', '--now', NOW, '--chunk-size', '3'], { DATABASE_URL: db.url }),
      runCli(['--mode', 'receipts', '--now', NOW, '--chunk-size', '3'], { DATABASE_URL: db.url }),
    ]);
    expect(a.code, a.stdout).toBe(0);
    expect(b.code, b.stdout).toBe(0);
    expect(await dumpWritten(db.sql)).toBe(await dumpWritten(reference.sql));
    const [dupes] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from (select table_name, event_id from task_to_event where table_name <> 'polycommissue'
      group by 1, 2 having count(*) > 1) x`;
    expect(dupes!.n).toBe(0);
  });

  it('devices owned by another session are skipped and the next ones claimed: every chunk is full', async () => {
    for (let id = 10; id < 30; id++) {
      const d = await device(db.sql, { id });
      await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    }
    const held = [11, 12, 13, 14, 15, 17];
    const other = await db.sql.reserve();
    try {
      await other`select pg_advisory_lock(${ANALYZER_LOCK}, id) from unnest(${held}::int[]) as d(id)`;
      const { report } = await pass(['--mode', 'receipts', '--now', NOW, '--chunk-size', '5', '--chunk-events', '0']);
      expect(report.skipped).toEqual(held);
      expect(report.devices).toMatchObject({ ready: 20, processed: 14, skippedOwnedElsewhere: 6 });
      // 14 owned devices in chunks of 5 (10, 16, 18-20 / 21-25 / 26-29), not 4 windows of 5 positions
      expect(report.chunks).toBe(3);
    } finally {
      other.release();
    }
    const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from polycomm_suitcase where status = 0`;
    expect(left!.n).toBe(held.length);
  });
});

describe('--dry-run and re-runs', () => {
  async function someData() {
    const d = await device(db.sql, { id: 50 });
    await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 2 });
    await wrap(db.sql, { device: d.id, start: at('10:02'), finish: at('10:03'), type: 1 });
    await receipt(db.sql, { code: d.code, at: at('10:04'), single: 1, double: 0 });
    await alarm(db.sql, { device: d.id, at: at('10:30') });
    await issue(db.sql, { device: d.id, at: at('10:31') });
  }

  it('--dry-run leaves every table byte-identical and reports what it would write', async () => {
    await someData();
    const before = await fullDump();
    const dry = await pass(['--mode', 'receipts', '--now', NOW, '--dry-run']);
    expect(await fullDump()).toBe(before);
    const real = await pass(['--mode', 'receipts', '--now', NOW]);
    expect(dry.report.dryRun).toBe(true);
    expect(dry.report.groups).toEqual(real.report.groups);
    expect(dry.report.rowsInserted).toEqual(real.report.rowsInserted);
    expect(dry.report.rowsUpdated).toEqual(real.report.rowsUpdated);
    expect(dry.report.analyzerIssues).toEqual(real.report.analyzerIssues);
  });

  it('R18: a finished pass run again writes nothing', async () => {
    await someData();
    await pass(['--mode', 'receipts', '--now', NOW]);
    const once = await fullDump();
    const again = await pass(['--mode', 'receipts', '--now', NOW]);
    expect(await fullDump()).toBe(once);
    expect(again.report.groups.tasks).toBe(0);
  });
});

describe('analyzer explain', () => {
  it('shows the timeline, cuts with their reasons, task types, payments and verdicts, and writes nothing', async () => {
    const d = await device(db.sql, { id: 60 });
    const w1 = await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    const w2 = await wrap(db.sql, { device: d.id, start: at('10:03'), finish: at('10:04'), type: 1 });
    const r = await receipt(db.sql, { code: d.code, at: at('10:05'), single: 1, double: 0 });
    await alarm(db.sql, { device: d.id, at: at('10:20') });
    const before = await fullDump();
    const out = await runCli(['explain', '--mode', 'receipts', '--device', '60', '--now', NOW], { DATABASE_URL: db.url });
    expect(out.code, out.stderr).toBe(0);
    expect(await fullDump()).toBe(before);
    const text = out.stdout;
    expect(text).toContain('device 60');
    expect(text).toMatch(/time/i); // the 15-minute gap before the alarm cuts by time
    expect(text).toContain(String(w1));
    expect(text).toContain(String(w2));
    expect(text).toContain(String(r));
    expect(text).toMatch(/\b7\b/); // the unpaid earlier wrap gets analyzer issue 7
    expect(text).toMatch(/type 4|task type 4|type: 4/i);
    expect(text).toMatch(/type 1|task type 1|type: 1/i);
  });

  it('exits 1 for an unknown device and 2 without --device', async () => {
    expect((await runCli(['explain', '--mode', 'dwr', '--device', '999'], { DATABASE_URL: db.url })).code).toBe(1);
    expect((await runCli(['explain', '--mode', 'dwr'], { DATABASE_URL: db.url })).code).toBe(2);
  });
});
