// R16 task rows and task_to_event order, R17 event updates.

import { describe, expect, it } from 'vitest';
import { A, I, R, W, dwr, events, msk, run, t } from './helpers.js';

describe('R16 task rows', () => {
  it('R16: task date and local_date are the group latest Moscow and local times, status implied, resolved = balanced', () => {
    const p = run([W(1, '10:00', '10:01', 1), R(2, '10:02', 1, 0), A(3, '10:30')]);
    expect(p.tasks.map((k) => [k.type, k.resolved, k.date, k.localDate])).toEqual([
      [4, true, msk('10:02'), t('10:02')],
      [1, true, msk('10:30'), t('10:30')],
    ]);
    expect(p.deviceId).toBe(7);
  });

  it('R16: task_to_event in timeline order; a wrap is followed by its nested events and then its analyzer issue', () => {
    const p = run([
      A(1, '09:59:59'),
      W(2, '10:00', '10:05', 2),
      I(3, '10:01'),
      A(4, '10:02'),
      W(5, '10:03', '10:04', 1),
      I(6, '10:05:30'),
      R(7, '10:06', 1, 0),
    ]);
    // W5 (single) is paid by R7 by type; W2 (double, nested notices) is unpaid: unfit, no issue.
    expect(events(p)).toBe('A1 W2 I3^1 A4^1 W5 I6 R7');
    const p2 = run([W(2, '10:00', '10:05', 1), A(4, '10:02'), W(5, '10:03', '10:04', 2), R(7, '10:06', 1, 0)]);
    // R7 pays W2 (single) by type; W5 (double) unpaid -> issue 7 under W5.
    expect(events(p2)).toBe('W2 A4^0 W5 X7^2 R7');
  });

  it('R16: the wrap event_id is polycom_id, row id its primary key; alarms/issues/receipts use their own ids', () => {
    const p = run([W(1, '10:00', '10:01', 1, { polycomId: 4242 }), A(2, '10:00:30'), I(3, '10:01:30'), R(4, '10:02', 1, 0)]);
    expect(p.tasks[0]!.events).toEqual([
      { table: 'polycomm_suitcase', rowId: 1, eventId: 4242, parent: null },
      { table: 'polycommalarm', rowId: 2, eventId: 2, parent: 0 },
      { table: 'polycommissue', rowId: 3, eventId: 3, parent: null },
      { table: 'receipts', rowId: 4, eventId: 4, parent: null },
    ]);
  });

  it('R16: wrap_finish writes nothing (a wrap appears once, at its start)', () => {
    const p = run([W(1, '10:00', '10:30', 1), W(2, '10:01', '10:02', 1), R(3, '10:03', 2, 0), W(4, '10:04', '10:05', 1), R(5, '10:06', 1, 0)]);
    expect(events(p, 0)).toBe('W1 W2 R3');
    expect(events(p, 1)).toBe('W4 R5');
  });

  it('R16 Decision: a top-level event after a wrap with nested events has parent NULL', () => {
    const p = run([W(1, '10:00', '10:02', 1), A(2, '10:01'), A(3, '10:03'), I(4, '10:04')]);
    expect(p.tasks[0]!.events.map((e) => e.parent)).toEqual([null, 0, null, null]);
    expect(events(p)).toBe('W1 A2^0 A3 I4');
  });

  it('R16: every receipts-mode group writes a task, even a balanced one', () => {
    const p = run([W(1, '10:00', '10:01', 1), R(2, '10:02', 1, 0), W(3, '10:30', '10:31', 1), R(4, '10:32', 1, 0)]);
    expect(p.tasks.map((k) => k.resolved)).toEqual([true, true]);
  });

  it('R16: dwr tasks are never resolved', () => {
    expect(dwr([A(1, '10:00')]).tasks[0]!.resolved).toBe(false);
  });
});

describe('R17 event updates', () => {
  it('R17: every wrap of a written group is updated with verdict, in_task and the receipt that paid it', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 2), R(3, '10:03', 1, 0)]);
    expect(p.wrapUpdates).toEqual([
      { id: 1, csp: true, unpaid: false, toAccount: true, inTask: true, receiptId: 3 },
      { id: 2, csp: true, unpaid: true, toAccount: true, inTask: true, receiptId: null },
    ]);
  });

  it('R17: rows are addressed by primary key, never by polycom_id (duplicate polycom_ids stay distinct)', () => {
    const p = run([W(1, '10:00', '10:01', 1, { polycomId: 5 }), W(2, '10:01', '10:02', 1, { polycomId: 5 })]);
    expect(p.wrapUpdates.map((w) => w.id)).toEqual([1, 2]);
    expect(p.tasks[0]!.events.filter((e) => e.table === 'polycomm_suitcase').map((e) => ('rowId' in e ? e.rowId : -1))).toEqual([1, 2]);
  });

  it('R17: every alarm and issue of a written group, nested or not, is marked processed', () => {
    const p = run([A(1, '09:59'), W(2, '10:00', '10:02', 1), A(3, '10:01'), I(4, '10:01'), I(5, '10:03')]);
    expect(p.alarmIds).toEqual([1, 3]);
    expect(p.issueIds).toEqual([4, 5]);
  });

  it('R17: receipts of written groups get their R12 status', () => {
    const p = run([R(1, '09:00', 1, 0), W(2, '10:00', '10:01', 1), R(3, '10:02', 1, 1)]);
    expect(p.receiptUpdates).toEqual([
      { id: 1, status: 2 },
      { id: 3, status: 2 },
    ]);
  });

  it('R17: nothing of a deferred group is updated', () => {
    const p = run([W(1, '10:00', '10:01', 1), A(2, '10:00:30'), R(3, '10:02', 1, 0)], { now: msk('10:05') });
    expect([p.wrapUpdates, p.alarmIds, p.issueIds, p.receiptUpdates, p.tasks]).toEqual([[], [], [], [], []]);
    expect(p.deferred[0]).toMatchObject({ wrapIds: [1], alarmIds: [2], receiptIds: [3] });
  });
});
