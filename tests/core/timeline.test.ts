// R3 times, R4 invalid rows, R5 nesting, R6 order, R7 receipt moves.

import { describe, expect, it } from 'vitest';
import { ALARM, FINISH, ISSUE, R6_TIE_ORDER, RECEIPT, START } from '../../src/core/model.js';
import { A, I, LATE, R, S, W, dwr, events, explain, msk, run, t, timeline, verdict, wrapUpdate, OFFSET, UNFIT_UNPAID } from './helpers.js';

describe('R3 times', () => {
  it('R3: a wrap start Moscow time is date - (local_date - dateini_local)', () => {
    // Finish Moscow is 3 h before local (not the default offset): the start follows the finish.
    const e = explain([W(1, '10:00', '10:05', 1, { finishMoscow: t('10:05') - 3 * 3600 * S })]);
    const start = e.entries.find((x) => x.kind === 'wrap_start')!;
    expect(start.local).toBe(t('10:00'));
    expect(start.moscow).toBe(t('10:00') - 3 * 3600 * S);
    expect(e.entries.find((x) => x.kind === 'wrap_finish')!.moscow).toBe(t('10:05') - 3 * 3600 * S);
  });

  it('R3: the timeline is ordered by local time, not by Moscow time', () => {
    // Alarm 1 is later locally but earlier in Moscow.
    const e = explain([A(1, '10:01', { moscow: msk('09:00') }), A(2, '10:00')]);
    expect(timeline(e)).toBe('A2 A1');
  });

  it('R3: a NULL Moscow time is replaced by the local time, for deciding and for writing, and counted once per row', () => {
    const p = run([W(1, '10:00', '10:01', 1, { finishMoscow: null }), A(2, '10:01:30', { moscow: null }), R(3, '10:02', 1, 0, { moscow: null })]);
    expect(p.moscowFallbacks).toBe(3);
    expect(p.tasks).toHaveLength(1);
    // The group's latest Moscow time is now the receipt's local time (local > Moscow here).
    expect(p.tasks[0]!.date).toBe(t('10:02'));
    expect(p.tasks[0]!.localDate).toBe(t('10:02'));
  });

  it('R3: a NULL Moscow time decides R9 deferral as its local time', () => {
    // Moscow of the alarm is unknown: local 10:03 is used; now = 10:10 local-as-Moscow -> age 7 min < 15 min.
    const p = run([A(2, '10:03', { moscow: null })], { now: t('10:10') });
    expect(p.deferred).toHaveLength(1);
    expect(p.tasks).toHaveLength(0);
    expect(p.moscowFallbacks).toBe(1);
  });

  it('R3: a wrap with NULL finish Moscow uses local times for start and finish; the analyzer issue carries the local finish', () => {
    const p = run([W(1, '10:00', '10:01', 1, { finishMoscow: null })]);
    const ev = p.tasks[0]!.events[1]!;
    expect('analyzerIssue' in ev && ev.analyzerIssue).toMatchObject({ type: 7, local: t('10:01'), moscow: t('10:01') });
    const e = explain([W(1, '10:00', '10:01', 1, { finishMoscow: null })]);
    expect(e.entries.map((x) => x.moscow)).toEqual([t('10:00'), t('10:01')]);
  });

  it('R3: fallbacks are counted for deferred rows too, never for rejected ones', () => {
    const p = run([A(1, '10:00', { moscow: null }), A(2, '10:01', { moscow: null, local: null }), A(3, '11:00', { moscow: null })], {
      now: t('11:05'),
    });
    expect(p.moscowFallbacks).toBe(2);
    expect(p.deferred).toHaveLength(1);
  });
});

describe('R4 invalid rows', () => {
  it('R4: a wrap with NULL start or NULL finish is rejected as null_local_time', () => {
    const p = run([W(1, '10:00', '10:01', 1, { start: null }), W(2, '10:00', '10:01', 1, { finish: null })]);
    expect(p.rejected).toEqual([
      { table: 'polycomm_suitcase', id: 1, reason: 'null_local_time' },
      { table: 'polycomm_suitcase', id: 2, reason: 'null_local_time' },
    ]);
    expect(p.tasks).toEqual([]);
    expect(p.wrapUpdates).toEqual([]);
  });

  it('R4: a wrap finishing before it starts is rejected; finish == start is a valid zero-length wrap', () => {
    const p = run([W(1, '10:01', '10:00', 1), W(2, '10:05', '10:05', 1), R(3, '10:06', 1, 0)]);
    expect(p.rejected).toEqual([{ table: 'polycomm_suitcase', id: 1, reason: 'finish_before_start' }]);
    expect(wrapUpdate(p, 2).receiptId).toBe(3);
    expect(p.tasks[0]!.balanced).toBe(true);
  });

  it('R4: a NULL local time comes first when several reasons apply', () => {
    const p = run([W(1, '10:01', '10:00', 1, { start: null }), R(2, '10:00', null, -1, { local: null })]);
    expect(p.rejected.map((r) => r.reason)).toEqual(['null_local_time', 'null_local_time']);
  });

  it('R4: alarms and issues with NULL localdate are rejected', () => {
    const p = run([A(1, '10:00', { local: null }), I(2, '10:00', { local: null }), A(3, '10:00')]);
    expect(p.rejected).toEqual([
      { table: 'polycommalarm', id: 1, reason: 'null_local_time' },
      { table: 'polycommissue', id: 2, reason: 'null_local_time' },
    ]);
    expect(p.alarmIds).toEqual([3]);
    expect(p.issueIds).toEqual([]);
  });

  it('R4: a receipt with NULL dateclose, NULL or negative quantity is rejected', () => {
    const p = run([
      R(1, '10:00', 1, 0, { local: null }),
      R(2, '10:00', null, 0),
      R(3, '10:00', 0, null),
      R(4, '10:00', -1, 0),
      R(5, '10:00', 0, -2),
      R(6, '10:00', Number.NaN, 0),
      R(7, '10:00', 0, 0),
    ]);
    expect(p.rejected).toEqual([
      { table: 'receipts', id: 1, reason: 'null_local_time' },
      { table: 'receipts', id: 2, reason: 'bad_quantity' },
      { table: 'receipts', id: 3, reason: 'bad_quantity' },
      { table: 'receipts', id: 4, reason: 'bad_quantity' },
      { table: 'receipts', id: 5, reason: 'bad_quantity' },
      { table: 'receipts', id: 6, reason: 'bad_quantity' },
    ]);
    expect(p.receiptUpdates).toEqual([{ id: 7, status: 1 }]);
  });

  it('R4: rejected rows are listed by table then id, whatever the input order', () => {
    const p = run([R(9, '10:00', -1, 0), A(8, '10:00', { local: null }), W(5, '10:00', '09:00'), W(2, '10:00', '09:00')]);
    expect(p.rejected.map((r) => `${r.table}:${r.id}`)).toEqual(['polycomm_suitcase:2', 'polycomm_suitcase:5', 'polycommalarm:8', 'receipts:9']);
  });

  it('R4: a rejected wrap nests nothing and appears nowhere else', () => {
    const p = run([W(1, '10:00', '09:00', 1), W(2, '09:00', '10:30', 1, { start: null }), A(3, '09:30')]);
    expect(p.tasks).toHaveLength(1);
    expect(events(p)).toBe('A3');
    expect(p.wrapUpdates).toEqual([]);
  });

  it('R4: an untyped wrap (package_type NULL, 0 or 3) is valid', () => {
    const p = run([W(1, '10:00', '10:01', null), W(2, '10:02', '10:03', 0), W(3, '10:04', '10:05', 3)]);
    expect(p.rejected).toEqual([]);
    expect(p.wrapUpdates.map((w) => w.id)).toEqual([1, 2, 3]);
  });

  it('R4: dwr mode reads no receipts: any given are neither analysed nor rejected', () => {
    const p = dwr([R(1, '10:00', -1, 0), R(2, '10:00', 1, 0), A(3, '10:00')]);
    expect(p.rejected).toEqual([]);
    expect(p.receiptUpdates).toEqual([]);
    expect(events(p)).toBe('A3');
  });
});

describe('R5 nesting', () => {
  it('R5: an alarm strictly inside a wrap is nested; at exactly start or finish it stays top-level', () => {
    const e = explain([W(1, '10:00', '10:02', 1), A(2, '10:00'), A(3, '10:01'), A(4, '10:02')]);
    expect(timeline(e)).toBe('A2 S1 F1 A4');
    expect(e.entries[1]!.nested.map((n) => n.rowId)).toEqual([3]);
  });

  it('R5: issues nest like alarms', () => {
    const p = run([W(1, '10:00', '10:02', 1), I(2, '10:01')]);
    expect(events(p)).toBe('W1 I2^0');
    expect(p.issueIds).toEqual([2]);
    expect(verdict(p, 1)).toEqual(UNFIT_UNPAID);
  });

  it('R5: with several wraps around it, the earliest-starting wrap takes the alarm', () => {
    const p = run([W(1, '10:01', '10:05', 1), W(2, '10:00', '10:10', 1), A(3, '10:02')]);
    expect(events(p)).toBe('W2 A3^0 W1 X7^2');
  });

  it('R5: on equal starts the lower row id takes the alarm', () => {
    const p = run([W(9, '10:00', '10:05', 1), W(4, '10:00', '10:03', 1), A(3, '10:02')]);
    expect(events(p)).toBe('W4 A3^0 W9 X7^2');
  });

  it('R5: a wrap that has already finished does not take a later alarm; the still-open later wrap does', () => {
    const p = run([W(1, '10:00', '10:05', 1), W(2, '10:01', '10:20', 1), A(3, '10:03'), A(4, '10:10'), A(5, '10:05'), W(6, '10:04', '10:06', 1)]);
    // 10:03 -> wrap 1; 10:05 is wrap 1's finish (not strictly inside) -> wrap 2; 10:10 -> wrap 2.
    expect(events(p)).toBe('W1 A3^0 W2 A5^2 A4^2 W6 X7^5');
  });

  it('R5: a zero-length wrap nests nothing', () => {
    const e = explain([W(1, '10:00', '10:00', 1), A(2, '10:00')]);
    expect(timeline(e)).toBe('A2 S1 F1');
  });

  it('R5 Decision: every pending alarm and issue is either nested once or on the timeline once (top-level issues are processed)', () => {
    const p = run([W(1, '10:00', '10:02', 1), A(2, '10:01'), A(3, '10:03'), I(4, '10:04'), I(5, '10:01')]);
    expect(events(p)).toBe('W1 A2^0 I5^0 A3 I4');
    expect(p.alarmIds).toEqual([2, 3]);
    expect(p.issueIds).toEqual([5, 4]);
  });

  it('R5: nested alarms and issues are listed in time order, alarm before issue on equal times, then row id', () => {
    const p = run([W(1, '10:00', '10:05', 1), I(9, '10:01'), A(8, '10:01'), A(2, '10:01'), I(3, '10:00:30'), A(4, '10:02')]);
    expect(events(p)).toBe('W1 I3^0 A2^0 A8^0 I9^0 A4^0');
  });
});

describe('R6 entries and order', () => {
  it('R6: the tie order is one table, and the kind constants are its ranks', () => {
    expect(R6_TIE_ORDER.map((k) => k.name)).toEqual(['wrap_finish', 'receipt', 'alarm', 'issue', 'wrap_start']);
    expect([FINISH, RECEIPT, ALARM, ISSUE, START]).toEqual([0, 1, 2, 3, 4]);
    expect(R6_TIE_ORDER.map((k) => k.table)).toEqual(['polycomm_suitcase', 'receipts', 'polycommalarm', 'polycommissue', 'polycomm_suitcase']);
  });

  it('R6: ties at the same time: wrap_finish, receipt, alarm, issue, wrap_start, then row id', () => {
    const e = explain([
      W(2, '10:05', '10:06', 1),
      W(1, '10:05', '10:07', 1),
      I(11, '10:05'),
      A(10, '10:05'),
      R(21, '10:05', 0, 0),
      R(20, '10:05', 0, 0),
      A(9, '10:05'),
      W(3, '10:04', '10:05', 1),
    ]);
    expect(timeline(e)).toBe('S3 F3 R20 R21 | A9 A10 I11 S1 S2 F2 F1');
  });

  it('R6: the finish of a zero-length wrap comes immediately after its own start', () => {
    const e = explain([W(2, '10:00', '10:00', 1), W(1, '10:00', '10:00', 1), W(3, '09:59', '10:00', 1), A(4, '10:00'), R(5, '10:00', 2, 0)]);
    // Wrap 3 finishes at 10:00 (finish first); the zero-length wraps keep their finish after their start.
    expect(timeline(e)).toBe('S3 F3 R5 | A4 S1 F1 S2 F2');
  });

  it('R6: equal means the exact timestamp: a sub-second difference orders by time', () => {
    const e = explain([A(1, '10:00:00.000002'), A(2, '10:00:00.000001')]);
    expect(timeline(e)).toBe('A2 A1');
  });

  it('R6: the order does not depend on the input order', () => {
    const items = [W(1, '10:00', '10:02', 1), R(2, '10:02', 1, 0), A(3, '10:02'), I(4, '10:02'), W(5, '10:02', '10:03', 2)];
    expect(explain(items)).toEqual(explain([...items].reverse()));
  });
});

describe('R7 receipt after wrap', () => {
  it('R7: a receipt printed during a wrap moves to just after its finish, before what already stood there', () => {
    const e = explain([W(1, '10:00', '10:02', 1), R(2, '10:01', 1, 0), R(3, '10:02', 0, 0)]);
    expect(timeline(e)).toBe('S1 F1 R2 R3');
    expect(e.entries.map((x) => x.movedByR7)).toEqual([false, false, true, false]);
  });

  it('R7 Decision: two receipts inside one wrap both move, keeping their order', () => {
    const e = explain([W(1, '10:00', '10:05', 1), R(3, '10:01', 1, 0), R(2, '10:02', 0, 0), A(4, '10:06')]);
    expect(timeline(e)).toBe('S1 F1 R3 R2 | A4');
    const p = run([W(1, '10:00', '10:05', 1), R(3, '10:01', 1, 0), R(2, '10:02', 0, 0), A(4, '10:06')]);
    expect(p.receiptUpdates).toEqual([
      { id: 3, status: 1 },
      { id: 2, status: 1 },
    ]);
  });

  it('R7: the receipt moves after the next wrap_finish, which may belong to another (overlapping) wrap', () => {
    const e = explain([W(1, '10:00', '10:10', 1), W(2, '10:01', '10:03', 1), R(3, '10:02', 1, 0)]);
    expect(timeline(e)).toBe('S1 S2 F2 R3 F1');
  });

  it('R7: only the nearest wrap entry counts: a receipt after a wrap_finish stays', () => {
    const e = explain([W(1, '10:00', '10:10', 1), W(2, '10:01', '10:03', 1), R(3, '10:04', 1, 0)]);
    expect(timeline(e)).toBe('S1 S2 F2 R3 F1');
    expect(e.entries.find((x) => x.kind === 'receipt')!.movedByR7).toBe(false);
  });

  it('R7: receipts inside nested overlapping wraps all move to the first finish', () => {
    const e = explain([W(1, '10:00', '10:10', 1), R(4, '10:00:30', 0, 0), W(2, '10:01', '10:03', 1), R(3, '10:02', 1, 0)]);
    expect(timeline(e)).toBe('S1 S2 F2 R4 R3 F1');
  });

  it('R7: after the move every entry keeps its own times (the sequence is no longer sorted)', () => {
    const e = explain([W(1, '10:00', '10:02', 1), R(2, '10:01', 1, 0)]);
    expect(e.entries.map((x) => x.local)).toEqual([t('10:00'), t('10:02'), t('10:01')]);
  });

  it('R7: dwr mode has no receipts and therefore no moves', () => {
    const p = dwr([W(1, '10:00', '10:02', 1), A(2, '10:01')]);
    expect(events(p)).toBe('W1 A2^0');
  });

  it('R7: the moved receipt is matched in its new place', () => {
    const p = run([W(1, '10:00', '10:02', 2), R(2, '10:01', 0, 1)]);
    expect(wrapUpdate(p, 1).receiptId).toBe(2);
    expect(p.tasks[0]!.resolved).toBe(true);
  });
});

// Keep helpers referenced (used in other suites as well).
void LATE;
void OFFSET;
