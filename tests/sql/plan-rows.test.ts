import { describe, expect, it } from 'vitest';
import { countNewRows, EVENT_TABLES, planRows, type PlanRows } from '../../src/sql/plan-rows.js';
import type { DevicePlan } from '../../src/core/types.js';

const S = 1_000_000;
/** A column as a plain array, NULL (NaN) as null. */
const col = (xs: ArrayLike<number>) => Array.from(xs, (x) => (Number.isNaN(x) ? null : x));
const table = (t: Record<string, ArrayLike<number>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, col(v)]));
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0) * 1000;

function plan(deviceId: number, over: Partial<DevicePlan> = {}): DevicePlan {
  return {
    deviceId,
    tasks: [{
      type: 4, resolved: false, date: T0 + 60 * S, localDate: T0 + 60 * S, balanced: false,
      events: [
        { table: 'polycomm_suitcase', rowId: 10 * deviceId, eventId: 900 + deviceId, parent: null },
        { table: 'polycommalarm', rowId: 20, eventId: 20, parent: 0 },
        { table: 'polycommissue', parent: 0, analyzerIssue: { type: 7, wrapId: 10 * deviceId, suitcase: 900 + deviceId, total: 5, duration: 60, local: T0 + 60 * S, moscow: T0 + 60 * S + 500 } },
        { table: 'receipts', rowId: 30, eventId: 30, parent: null },
      ],
    }],
    wrapUpdates: [{ id: 10 * deviceId, csp: true, unpaid: true, toAccount: true, inTask: true, receiptId: null }],
    alarmIds: [20],
    issueIds: [],
    receiptUpdates: [{ id: 30, status: 2 }],
    deferred: [],
    rejected: [],
    moscowFallbacks: 0,
    ...over,
  };
}

describe('R16 write rows from plans', () => {
  it('counts the new rows of several plans', () => {
    expect(countNewRows([plan(1), plan(2)])).toEqual({ tasks: 2, links: 8, issues: 2 });
  });

  it('R16: ord is 1-based per task, parents resolve to the wrap row id, analyzer issues get their pre-allocated id', () => {
    const rows = planRows([plan(1), plan(2)], { task: [100, 101], taskToEvent: [200, 201, 202, 203, 204, 205, 206, 207], issue: [300, 301] });
    expect(table(rows.task)).toMatchObject({ id: [100, 101], deviceId: [1, 2], type: [4, 4], resolved: [0, 0] });
    // times stay zone-free microseconds (the statement makes them timestamps)
    expect(rows.task.date[0]).toBe(T0 + 60 * S);
    expect(col(rows.link.ord)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(col(rows.link.taskId)).toEqual([100, 100, 100, 100, 101, 101, 101, 101]);
    expect(col(rows.link.parentId)).toEqual([null, 200, 200, null, null, 204, 204, null]);
    expect(col(rows.link.eventId)).toEqual([901, 20, 300, 30, 902, 20, 301, 30]);
    expect(col(rows.link.table).map((code) => EVENT_TABLES[code! - 1])).toEqual([
      'polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts', 'polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts']);
    expect(table(rows.issue)).toMatchObject({ id: [300, 301], deviceId: [1, 2], type: [7, 7], suitcase: [901, 902] });
    expect(rows.issue.moscow[0]).toBe(T0 + 60 * S + 500);
    expect(table(rows.wrap)).toEqual({ id: [10, 20], csp: [1, 1], unpaid: [1, 1], toAccount: [1, 1], inTask: [1, 1], receiptId: [null, null] });
    expect(col(rows.alarmIds)).toEqual([20, 20]);
    expect(table(rows.receipt)).toEqual({ id: [30, 30], status: [2, 2] });
  });

  it('refuses a wrap without polycom_id (task_to_event.event_id would be NULL)', () => {
    const p = plan(1);
    p.tasks[0]!.events[0] = { table: 'polycomm_suitcase', rowId: 10, eventId: null, parent: null };
    expect(() => planRows([p], { task: [1], taskToEvent: [1, 2, 3, 4], issue: [1] })).toThrow(/wrap 10 has no polycom_id/);
  });

  it('refuses a parent that is not an earlier entry, and too few pre-allocated ids', () => {
    const p = plan(1);
    p.tasks[0]!.events[1] = { table: 'polycommalarm', rowId: 20, eventId: 20, parent: 3 };
    expect(() => planRows([p], { task: [1], taskToEvent: [1, 2, 3, 4], issue: [1] })).toThrow(/parent 3/);
    expect(() => planRows([plan(1)], { task: [1], taskToEvent: [1, 2], issue: [1] })).toThrow(/not enough pre-allocated task_to_event ids/);
  });
});

describe('large plans are written in slices', () => {
  it('sliceRows cuts every table at the same positions and the slices cover every row once', async () => {
    const { sliceRows, longestTable } = await import('../../src/sql/plan-rows.js');
    const rows = planRows([plan(1), plan(2), plan(3)], { task: [1, 2, 3], taskToEvent: Array.from({ length: 12 }, (_, i) => 100 + i), issue: [7, 8, 9] });
    expect(longestTable(rows)).toBe(12);
    const slices: PlanRows[] = [0, 5, 10].map((start) => sliceRows(rows, start, 5));
    const joined = (pick: (r: PlanRows) => ArrayLike<number>) => slices.flatMap((s) => col(pick(s)));
    expect(joined((s) => s.link.id)).toEqual(col(rows.link.id));
    expect(joined((s) => s.link.parentId)).toEqual(col(rows.link.parentId));
    expect(joined((s) => s.task.id)).toEqual(col(rows.task.id));
    expect(joined((s) => s.issue.moscow)).toEqual(col(rows.issue.moscow));
    expect(joined((s) => s.alarmIds)).toEqual(col(rows.alarmIds));
    expect(joined((s) => s.receipt.status)).toEqual(col(rows.receipt.status));
    expect(slices[2]!.task.id).toHaveLength(0);
  });
});
