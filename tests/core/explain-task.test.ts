// explainTask (issue 17): an existing task's group rebuilt by the core and the
// stored rows set beside the rules, field by field (R8, R11-R17).
import { describe, expect, it } from 'vitest';
import { analyzeDevice, explainTask } from '../../src/core/index.js';
import type { DeviceInput, Micros, Settings, StoredTaskRows, TaskExplanation } from '../../src/core/index.js';
import { A, D, I, LATE, R, W, msk, settings, t, type Item } from './helpers.js';

const LINK0 = 100;
const ANALYZER0 = 9000;
const window = (_input?: DeviceInput) => ({ from: t('09:00'), to: t('12:00'), aroundSeconds: 3600 });

/** The rows a pass would have written for task `k` of `items` (every row of the device, statuses as written). */
function stored(items: Item[], k: number, s: Settings = settings(), now: Micros = LATE): { rows: StoredTaskRows; input: DeviceInput } {
  const input = D(...items);
  const plan = analyzeDevice(input, s, now);
  const task = plan.tasks[k]!;
  const analyzerIssues: StoredTaskRows['analyzerIssues'] = [];
  const links = task.events.map((ev, i) => {
    const parentId = ev.parent === null ? null : LINK0 + ev.parent;
    if ('analyzerIssue' in ev) {
      const a = ev.analyzerIssue;
      analyzerIssues.push({ id: ANALYZER0 + i, type: a.type, suitcase: a.suitcase, total: a.total, duration: a.duration, local: a.local, moscow: a.moscow, status: 1 });
      return { id: LINK0 + i, eventId: ANALYZER0 + i, table: 'polycommissue', ord: i + 1, parentId };
    }
    return { id: LINK0 + i, eventId: ev.eventId, table: ev.table, ord: i + 1, parentId };
  });
  const wraps = input.wraps.map((w) => {
    const u = plan.wrapUpdates.find((x) => x.id === w.id);
    return { id: w.id, polycomId: w.polycomId, status: u ? 1 : 0, csp: u?.csp ?? null, unpaid: u?.unpaid ?? null, toAccount: u?.toAccount ?? null, inTask: u?.inTask ?? null, receiptId: u?.receiptId ?? null };
  });
  const status = (ids: number[]) => (p: { id: number }) => ({ id: p.id, status: ids.includes(p.id) ? 1 : 0 });
  return {
    input,
    rows: {
      task: { id: 51234, deviceId: input.deviceId, type: task.type, date: task.date, localDate: task.localDate, status: 1, resolved: task.resolved },
      links,
      wraps,
      alarms: input.alarms.map(status(plan.alarmIds)),
      issues: input.issues.map(status(plan.issueIds)),
      receipts: input.receipts.map((r) => ({ id: r.id, status: plan.receiptUpdates.find((u) => u.id === r.id)?.status ?? 0 })),
      analyzerIssues,
    },
  };
}

const run = (x: { rows: StoredTaskRows; input: DeviceInput }, s: Settings = settings(), now: Micros = LATE): TaskExplanation =>
  explainTask(x.rows, x.input, s, now, window(x.input));
const fields = (te: TaskExplanation) => te.differences.map((d) => `${d.table} ${d.rowId ?? '-'} ${d.field}: ${String(d.stored)} -> ${String(d.rules)} (${d.rule})`);

// Worked example 2 (docs/rules.md) with neighbours: an alarm 19 min before (R8.2) and a receipt + wrap after (R8.1).
const example2 = (): Item[] => [
  A(1, '09:40'),
  W(2, '10:00', '10:01', 1),
  W(3, '10:03', '10:04', 1),
  R(4, '10:05', 1, 0),
  W(5, '10:06', '10:07', 2),
  I(6, '10:06:30'),
  R(7, '10:08', 0, 1),
];

describe('explainTask: the group and why it starts and ends there', () => {
  it('finds the task group among its neighbours, with the cuts before (R8.2) and after (R8.1), and agrees with stored rows', () => {
    const te = run(stored(example2(), 1));
    expect(te.group).toBe(2);
    expect(te.groupsTouched).toEqual([2]);
    expect(te.before.entry).toMatchObject({ kind: 'alarm', rowId: 1 });
    expect(te.before.cut).toMatchObject({ reason: 'time', gapSeconds: 1200 });
    expect(te.after.entry).toMatchObject({ kind: 'wrap_start', rowId: 5 });
    expect(te.after.cut).toMatchObject({ reason: 'receipt' });
    expect(te.expected).toMatchObject({ type: 4, resolved: false });
    expect(te.differences).toEqual([]);
    expect(te.atWindowEdge).toBe(false);
    expect(te.links.map((l) => [l.table, l.rowId, l.group, l.analyzerIssue, l.missing])).toEqual([
      ['polycomm_suitcase', 2, 2, false, null],
      ['polycommissue', ANALYZER0 + 1, null, true, null],
      ['polycomm_suitcase', 3, 2, false, null],
      ['receipts', 4, 2, false, null],
    ]);
  });

  it('a nested issue and the following group: no differences either', () => {
    const te = run(stored(example2(), 2));
    expect(te.group).toBe(3);
    expect(te.after).toEqual({ entry: null, cut: null });
    expect(te.differences).toEqual([]);
  });

  it('flags a group at the edge of the loaded window', () => {
    const x = stored([W(2, '09:02', '09:03', 1), R(4, '09:04', 1, 0)], 0);
    expect(run(x).atWindowEdge).toBe(true);
    const y = stored([W(2, '11:55', '11:56', 1), R(4, '11:57', 1, 0)], 0);
    expect(run(y).atWindowEdge).toBe(true);
  });
});

describe('explainTask: stored values beside the rules', () => {
  it('task fields (R11, R16), wrap verdict and payment (R13, R12/R17), receipt (R12) and alarm/issue status (R17)', () => {
    const x = stored(example2(), 1);
    Object.assign(x.rows.task, { type: 5, resolved: true, date: msk('10:06'), localDate: t('10:09'), status: 0 });
    Object.assign(x.rows.wraps.find((w) => w.id === 2)!, { unpaid: false, csp: false, toAccount: false, inTask: false, receiptId: 4, status: 0 });
    x.rows.receipts.find((r) => r.id === 4)!.status = 2;
    expect(fields(run(x))).toEqual([
      'task 51234 type: 5 -> 4 (R11)',
      'task 51234 resolved: true -> false (R16)',
      `task 51234 date: ${msk('10:06')} -> ${msk('10:05')} (R16)`,
      `task 51234 local_date: ${t('10:09')} -> ${t('10:05')} (R16)`,
      'task 51234 status: 0 -> 1 (R16)',
      'polycomm_suitcase 2 status: 0 -> 1 (R17)',
      'polycomm_suitcase 2 csp: false -> true (R13)',
      'polycomm_suitcase 2 unpaid: false -> true (R13)',
      'polycomm_suitcase 2 to_account: false -> true (R13)',
      'polycomm_suitcase 2 in_task: false -> true (R17)',
      'polycomm_suitcase 2 receipt_id: 4 -> null (R12/R17)',
      'receipts 4 status: 2 -> 1 (R12)',
    ]);
    expect(run(x).differences.find((d) => d.field === 'date')!.unit).toBe('time');
    const y = stored(example2(), 2);
    y.rows.issues[0]!.status = 0;
    expect(fields(run(y))).toEqual(['polycommissue 6 status: 0 -> 1 (R17)']);
    const z = stored([W(2, '10:00', '10:01', 1), A(3, '10:00:30'), A(4, '10:02')], 0);
    z.rows.alarms.forEach((a) => (a.status = 0));
    expect(fields(run(z))).toEqual(['polycommalarm 4 status: 0 -> 1 (R17)', 'polycommalarm 3 status: 0 -> 1 (R17)']);
  });

  it('task_to_event: a missing link, an extra link of another group, ord and parent (R16)', () => {
    const x = stored(example2(), 1);
    x.rows.links = x.rows.links.filter((l) => l.table !== 'receipts');
    x.rows.links.push({ id: 200, eventId: 1, table: 'polycommalarm', ord: 4, parentId: null });
    x.rows.links[2]!.ord = 7;
    x.rows.links[2]!.parentId = LINK0;
    expect(fields(run(x))).toEqual([
      'task_to_event 102 ord: 7 -> 3 (R16)',
      'task_to_event 102 parent (ord): 1 -> null (R16)',
      'task_to_event - link: null -> ord 4: receipts 4 (R16)',
      'task_to_event 200 link: ord 4: polycommalarm 1 -> null (R8/R16)',
    ]);
    expect(run(x).differences.at(-1)!.note).toBe('extra: the rules put it in group 1');
  });

  it('links to events that are not there or invalid now (R4), and a link the rules do not make', () => {
    const x = stored(example2(), 1);
    x.rows.links.push({ id: 201, eventId: 999, table: 'receipts', ord: null, parentId: null });
    x.rows.links.push({ id: 202, eventId: 1, table: 'polycommissue', ord: 9, parentId: null });
    const input = { ...x.input, wraps: [...x.input.wraps, { ...x.input.wraps[0]!, id: 77, polycomId: 1077, start: null }] };
    x.rows.wraps.push({ id: 77, polycomId: 1077, status: 0, csp: null, unpaid: null, toAccount: null, inTask: null, receiptId: null });
    x.rows.links.push({ id: 203, eventId: 1077, table: 'polycomm_suitcase', ord: 10, parentId: null });
    const te = explainTask(x.rows, input, settings(), LATE, window(input));
    expect(te.links.slice(-3).map((l) => [l.linkId, l.rowId, l.missing])).toEqual([[202, 1, 'not_found'], [203, 77, 'invalid'], [201, 999, 'not_found']]);
    expect(te.differences.map((d) => [d.rowId, d.rule, d.note])).toEqual([
      [202, 'R8/R16', 'extra: no such event of this device in the window'],
      [203, 'R4', 'extra: the row is invalid now (R4)'],
      [201, 'R8/R16', 'extra: no such event of this device in the window'],
    ]);
    expect(te.differences[2]!.stored).toBe('ord NULL: receipts 999');
  });

  it('a linked event the rules keep out of the group but link nowhere: "the rules do not link it"', () => {
    // a wrap linked twice: the second link has no counterpart among the rules' events
    const x = stored(example2(), 1);
    x.rows.links.push({ id: 204, eventId: 1002, table: 'polycomm_suitcase', ord: 5, parentId: null });
    expect(run(x).differences.map((d) => d.note)).toEqual(['extra: the rules do not link it']);
  });

  it('analyzer issues (R14): edited columns, a missing one and one the rules do not give', () => {
    const x = stored(example2(), 1);
    Object.assign(x.rows.analyzerIssues[0]!, { type: 8, suitcase: 1, total: 2, duration: 3, local: t('10:00'), moscow: msk('10:00'), status: 0 });
    expect(fields(run(x))).toEqual([
      `polycommissue ${ANALYZER0 + 1} type: 8 -> 7 (R13/R14)`,
      `polycommissue ${ANALYZER0 + 1} suitcase: 1 -> 1002 (R14)`,
      `polycommissue ${ANALYZER0 + 1} total: 2 -> 5002 (R14)`,
      `polycommissue ${ANALYZER0 + 1} duration: 3 -> 60 (R14)`,
      `polycommissue ${ANALYZER0 + 1} localdate: ${t('10:00')} -> ${t('10:01')} (R14)`,
      `polycommissue ${ANALYZER0 + 1} date: ${msk('10:00')} -> ${msk('10:01')} (R14)`,
      `polycommissue ${ANALYZER0 + 1} status: 0 -> 1 (R14)`,
    ]);
    const y = stored(example2(), 1);
    // moved under the paid wrap: missing on wrap 2, extra on wrap 3
    y.rows.links[1]!.parentId = LINK0 + 2;
    const te = run(y);
    expect(te.differences.filter((d) => d.table === 'polycommissue').map((d) => [d.rowId, d.stored, d.rules, d.note])).toEqual([
      [null, null, 7, 'missing on wrap 2'],
      [ANALYZER0 + 1, 7, null, 'the rules give wrap 3 no analyzer issue'],
    ]);
  });
});

describe('explainTask: when the rules make no such task', () => {
  it('none of the linked events is on the timeline', () => {
    const x = stored(example2(), 1);
    const te = explainTask(x.rows, D(), settings(), LATE, window(x.input));
    expect(te.group).toBeNull();
    expect(te.expected).toBeNull();
    expect(te.before).toEqual({ entry: null, cut: null });
    expect(te.differences).toEqual([expect.objectContaining({ table: 'task', field: 'events', stored: 4, rules: null, rule: 'R2' })]);
  });

  it('the group is still in progress (R9) with the given now', () => {
    const x = stored(example2(), 1);
    const te = run(x, settings(), msk('10:06'));
    expect(te.expected).toBeNull();
    expect(te.differences).toEqual([expect.objectContaining({ field: 'state', stored: 'written', rules: 'deferred', rule: 'R9' })]);
  });

  it('a clean dwr group makes no task (R15); an anomalous one is compared with R15', () => {
    const items = [W(2, '10:00', '10:01', 1), A(3, '10:00:30'), W(4, '10:30', '10:31', 1)];
    const x = stored(items, 0, settings('dwr'));
    expect(run(x, settings('dwr')).differences).toEqual([]);
    x.rows.task.type = 5;
    x.rows.wraps[0]!.csp = true;
    expect(fields(run(x, settings('dwr')))).toEqual(['task 51234 type: 5 -> 4 (R15)', 'polycomm_suitcase 2 csp: true -> false (R15)']);
    // a task linking only the clean wrap
    x.rows.links = [{ id: 300, eventId: 1004, table: 'polycomm_suitcase', ord: 1, parentId: null }];
    const te = run(x, settings('dwr'));
    expect(te.group).toBe(2);
    expect(te.differences[0]).toMatchObject({ field: 'type', rules: null, rule: 'R15' });
  });

  it('events split over two groups: the group holding most of them, ties to the earliest', () => {
    const x = stored(example2(), 1);
    x.rows.links.push({ id: 205, eventId: 1, table: 'polycommalarm', ord: 5, parentId: null });
    expect(run(x)).toMatchObject({ group: 2, groupsTouched: [1, 2] });
    const y = stored([W(2, '10:00', '10:01', 1), A(3, '10:30')], 0);
    y.rows.links = [{ id: 1, eventId: 3, table: 'polycommalarm', ord: 1, parentId: null }, { id: 2, eventId: 1002, table: 'polycomm_suitcase', ord: 2, parentId: null }];
    expect(run(y)).toMatchObject({ group: 1, groupsTouched: [1, 2] });
  });
});
