// Issue 22: the write path (typed columns, times as microseconds, a link's
// table as a code, ids back as runs, large plans in slices) gives the database
// the path before it gave (tests/pass/legacy-write.ts), value for value and id
// for id: the same plans of generated backlogs written by both into two copies
// of the same data, chunk by chunk, with R18 conflicts (pending rows changed by
// someone else after the chunk was loaded: the counts no longer match and the
// chunk rolls back, in both). The pass around it (two connections, conflicts
// mid-pipeline, SIGKILL) is tests/pass/overlap.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDevice, formatMicros, selectReady, type DevicePlan, type Mode, type ReadyDevice } from '../../src/core/index.js';
import type { Sql } from '../../src/infra/db.js';
import { hasWrites } from '../../src/shell/report.js';
import { loadDevices } from '../../src/shell/load.js';
import { allocateIds } from '../../src/sql/allocate-ids.js';
import { countNewRows, longestTable, planRows, sliceRows } from '../../src/sql/plan-rows.js';
import { selectReadyCodes } from '../../src/sql/ready-devices.js';
import { writePlan, type WriteCounts } from '../../src/sql/write-plan.js';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { createTestDatabase, type TestDb } from '../harness/db.js';
import { legacyAllocateIds, legacyPlanRows, legacyWritePlan } from './legacy-write.js';

const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000; // Moscow wall clock, zone-free micros
const NOW = END + 3600 * 1_000_000;
const CREATETIME = formatMicros(NOW);
const dbs: TestDb[] = [];
let source: TestDb;

beforeAll(async () => {
  source = await createTestDatabase();
  dbs.push(source);
  // a 20th of the rows invalid or odd (R3, R4), so rejected rows and Moscow fallbacks are written around too
  await loadDataset(source.sql, generate({ seed: 22, devices: 24, hours: 12, end: END, rates: { nullMoscow: 0.03, invalid: 0.02 } }));
  await source.sql`vacuum analyze`;
}, 120_000);

afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => undefined);
});

async function copy(): Promise<TestDb> {
  const db = await createTestDatabase({ template: source });
  dbs.push(db);
  return db;
}

/** Everything a pass writes, ids included, and where each sequence stands. */
async function dumpAll(sql: Sql): Promise<string> {
  const rows = await Promise.all([
    sql`select * from task order by id`,
    sql`select * from task_to_event order by id`,
    sql`select polycommissue_id, id, device, type, suitcase, total, duration, localdate::text, date::text, createtime::text, status from polycommissue order by 1`,
    sql`select id, status, csp, unpaid, to_account, in_task, receipt_id from polycomm_suitcase order by id`,
    sql`select receipt_id, status from receipts order by 1`,
    sql`select polycommalarm_id, status from polycommalarm order by 1`,
    sql`select (select last_value from task_id_seq) as task, (select last_value from task_to_event_id_seq) as link,
               (select last_value from polycommissue_polycommissue_id_seq) as issue`,
  ]);
  // created_date and createtime default to now(): the same instant in both only by chance
  return JSON.stringify(rows, (key, value: unknown) => (key === 'created_date' || key === 'createtime' ? undefined : value));
}

type Conflict = { chunk: number; table: 0 | 1 | 2 | 3; nth: number };

/** R18: someone else marks the nth pending row (of one table, among the chunk's devices) processed. */
async function applyConflict(sql: Sql, devices: ReadyDevice[], c: Conflict): Promise<void> {
  const ids = devices.map((d) => d.id);
  const codes = devices.map((d) => d.code);
  if (c.table === 0) await sql`update polycomm_suitcase set status = 1 where id = (select id from polycomm_suitcase where status = 0 and device_id = any(${ids}::int[]) order by id offset ${c.nth} limit 1)`;
  if (c.table === 1) await sql`update polycommalarm set status = 1 where polycommalarm_id = (select polycommalarm_id from polycommalarm where status = 0 and device = any(${ids}::int[]) order by 1 offset ${c.nth} limit 1)`;
  if (c.table === 2) await sql`update polycommissue set status = 1 where polycommissue_id = (select polycommissue_id from polycommissue where status = 0 and device = any(${ids}::int[]) and id is distinct from 22222222 order by 1 offset ${c.nth} limit 1)`;
  if (c.table === 3) await sql`update receipts set status = 1 where receipt_id = (select receipt_id from receipts where status = 0 and analyzer_code_to_int(devicecode) = any(${codes}::int[]) order by 1 offset ${c.nth} limit 1)`;
}

const expectedCounts = (plans: DevicePlan[]): WriteCounts => {
  const n = countNewRows(plans);
  const sum = (f: (p: DevicePlan) => number) => plans.reduce((s, p) => s + f(p), 0);
  return {
    tasks: n.tasks, links: n.links, analyzerIssues: n.issues,
    wraps: sum((p) => p.wrapUpdates.length), alarms: sum((p) => p.alarmIds.length), issues: sum((p) => p.issueIds.length), receipts: sum((p) => p.receiptUpdates.length),
  };
};

class Mismatch extends Error {}

/** One chunk in a transaction, as the pass writes it: committed when the counts match the plans, rolled back otherwise (R18). */
async function writeChunk(sql: Sql, plans: DevicePlan[], write: (tx: Sql) => Promise<WriteCounts>): Promise<WriteCounts & { committed: boolean }> {
  let counts: WriteCounts | undefined;
  try {
    await (sql as unknown as { begin(f: (tx: Sql) => Promise<void>): Promise<void> }).begin(async (tx) => {
      counts = await write(tx);
      if (JSON.stringify(counts) !== JSON.stringify(expectedCounts(plans))) throw new Mismatch();
    });
    return { ...counts!, committed: true };
  } catch (error) {
    if (!(error instanceof Mismatch)) throw error;
    return { ...counts!, committed: false };
  }
}

const legacy = (plans: DevicePlan[]) => async (tx: Sql) => {
  const n = countNewRows(plans);
  return legacyWritePlan(tx, legacyPlanRows(plans, await legacyAllocateIds(tx, n.tasks, n.links, n.issues)), CREATETIME);
};

/** The new path, its rows written in slices of `slice` (as pass.ts writes a huge backlog), counts added up. */
const current = (plans: DevicePlan[], slice: number) => async (tx: Sql) => {
  const n = countNewRows(plans);
  const rows = planRows(plans, await allocateIds(tx, n.tasks, n.links, n.issues));
  const total: WriteCounts = { tasks: 0, links: 0, analyzerIssues: 0, wraps: 0, alarms: 0, issues: 0, receipts: 0 };
  for (let start = 0; start === 0 || start < longestTable(rows); start += slice) {
    const counts = await writePlan(tx, sliceRows(rows, start, slice), CREATETIME);
    for (const key of Object.keys(total) as (keyof WriteCounts)[]) total[key] += counts[key];
  }
  return total;
};

describe('allocateIds', () => {
  it('ids a sequence hands out one by one come back as they are, whether consecutive or not (another session took some in between)', async () => {
    const db = await copy();
    const [before] = await db.sql<{ task: number; link: number }[]>`select nextval('task_id_seq') as task, nextval('task_to_event_id_seq') as link`;
    // consecutive: first and count
    const a = await allocateIds(db.sql, 3, 4, 0);
    expect(Array.from(a.task)).toEqual([1, 2, 3].map((k) => before!.task + k));
    expect(Array.from(a.taskToEvent)).toEqual([1, 2, 3, 4].map((k) => before!.link + k));
    expect(a.issue).toHaveLength(0);
    // not consecutive (a sequence stepping by 3 stands for ids taken by others in between): one by one
    await db.sql`alter sequence task_to_event_id_seq increment by 3`;
    const b = await allocateIds(db.sql, 0, 3, 2);
    const last = before!.link + 4;
    expect(Array.from(b.taskToEvent)).toEqual([3, 6, 9].map((k) => last + k));
    expect(b.task).toHaveLength(0);
    expect(b.issue).toHaveLength(2);
    expect(b.issue[1]! - b.issue[0]!).toBe(1);
  });
});

describe('the write path gives the database the path before it gave (issue 22)', () => {
  it('property: generated backlogs, any chunking and slicing, R18 conflicts: the same rows, values and ids, the same counts and rollbacks', async () => {
    let rollbacks = 0; // over all runs: the conflicts did make chunks roll back
    await fc.assert(fc.asyncProperty(
      fc.constantFrom<Mode>('receipts', 'dwr'),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 400 }),
      fc.array(fc.record({ chunk: fc.nat(7), table: fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3), nth: fc.nat(40) }), { maxLength: 4 }),
      async (mode, chunkSize, slice, conflicts) => {
        const [old, fresh] = await Promise.all([copy(), copy()]);
        const devices = selectReady(await selectReadyCodes(old.sql), mode, undefined).devices;
        const settings = { mode, lastEventTime: 900, timedeltaCheck: 420 };
        let rolledBack = 0;
        for (let c = 0; c * chunkSize < devices.length; c++) {
          const chunk = devices.slice(c * chunkSize, (c + 1) * chunkSize);
          const inputs = await loadDevices(old.sql, mode, chunk);
          const plans = chunk.map((d) => analyzeDevice(inputs.get(d.id)!, settings, NOW)).filter(hasWrites);
          for (const conflict of conflicts.filter((x) => x.chunk === c)) {
            await applyConflict(old.sql, chunk, conflict);
            await applyConflict(fresh.sql, chunk, conflict);
          }
          const before = await writeChunk(old.sql, plans, legacy(plans));
          const after = await writeChunk(fresh.sql, plans, current(plans, slice));
          expect(after).toEqual(before);
          if (!after.committed) rolledBack++;
        }
        expect(await dumpAll(fresh.sql)).toBe(await dumpAll(old.sql));
        if (conflicts.length === 0) expect(rolledBack).toBe(0);
        rollbacks += rolledBack;
        await Promise.all([old.drop(), fresh.drop()]);
      }), { numRuns: 12, seed: 22, endOnFailure: true });
    expect(rollbacks).toBeGreaterThan(0);
  }, 300_000);

  it('property: any time the analyzer holds exactly (1700 to 2250, before 1970 included) is written to the microsecond as the path before wrote it', async () => {
    // the micros a process holds exactly (|m| < 2^53), as in tests/pass/array-literal.test.ts
    const micros = fc.oneof(
      fc.integer({ min: Date.UTC(1700, 0, 1) * 1000, max: Date.UTC(2250, 0, 1) * 1000 }),
      fc.constantFrom(0, -1, 1, -1_000_000, Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 999_999, Date.UTC(1900, 1, 28) * 1000),
    );
    const task = (date: number, localDate: number, moscow: number): DevicePlan => ({
      deviceId: 1, wrapUpdates: [], alarmIds: [], issueIds: [], receiptUpdates: [], deferred: [], rejected: [], moscowFallbacks: 0,
      tasks: [{ type: 4, resolved: true, balanced: false, date, localDate, events: [
        { table: 'polycomm_suitcase', rowId: 1, eventId: 5, parent: null },
        { table: 'polycommissue', parent: 0, analyzerIssue: { type: 7, wrapId: 1, suitcase: null, total: null, duration: null, local: localDate, moscow } },
      ] }],
    });
    const [old, fresh] = await Promise.all([copy(), copy()]);
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(micros, micros, micros), { minLength: 1, maxLength: 10 }), async (times) => {
      const plans = times.map(([a, b, c]) => task(a, b, c));
      await writeChunk(old.sql, plans, legacy(plans));
      await writeChunk(fresh.sql, plans, current(plans, 50_000));
    }), { numRuns: 40 });
    expect(await dumpAll(fresh.sql)).toBe(await dumpAll(old.sql));
  });
});
