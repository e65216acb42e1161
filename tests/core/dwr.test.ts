// dwr mode: R15.

import { describe, expect, it } from 'vitest';
import { A, FIT_PAID, I, R, UNFIT_UNPAID, W, dwr, events, explain, msk, t, verdict } from './helpers.js';

describe('R15 dwr groups', () => {
  it('R15: a group with a top-level alarm and no wraps is anomalous, type 1', () => {
    const p = dwr([A(1, '10:00'), I(2, '10:01')]);
    expect(p.tasks).toEqual([{ type: 1, resolved: false, balanced: false, date: msk('10:01'), localDate: t('10:01'), events: expect.any(Array) }]);
    expect(events(p)).toBe('A1 I2');
    expect(p.alarmIds).toEqual([1]);
    expect(p.issueIds).toEqual([2]);
  });

  it('R15: wraps with a nested alarm and no top-level notices: type 4; the wrap is unfit and unpaid', () => {
    const p = dwr([W(1, '10:00', '10:02', 1), A(5, '10:01'), W(2, '10:03', '10:04', 2)]);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({ type: 4, resolved: false, balanced: false });
    expect(events(p)).toBe('W1 A5^0 W2');
    expect(verdict(p, 1)).toEqual(UNFIT_UNPAID);
    expect(verdict(p, 2)).toEqual(FIT_PAID);
    expect(p.wrapUpdates.map((w) => [w.inTask, w.receiptId])).toEqual([
      [true, null],
      [true, null],
    ]);
  });

  it('R15: wraps and a top-level notice: type 5', () => {
    const p = dwr([W(1, '10:00', '10:02', 1), I(5, '10:03')]);
    expect(p.tasks[0]!.type).toBe(5);
    expect(verdict(p, 1)).toEqual(FIT_PAID);
  });

  it('R15: no analyzer issues in dwr mode (an unpaid-looking wrap gets no issue 7)', () => {
    const p = dwr([W(1, '10:00', '10:02', 2), A(3, '10:02:30')]);
    expect(events(p)).toBe('W1 A3');
  });

  it('R15 Decision: clean groups make no task but their wraps are processed (in_task false)', () => {
    const p = dwr([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', null), A(3, '10:30')]);
    expect(p.tasks).toHaveLength(1);
    expect(events(p)).toBe('A3');
    expect(p.cleanGroups).toBe(1);
    expect(p.wrapUpdates).toEqual([
      { id: 1, csp: true, unpaid: false, toAccount: true, inTask: false, receiptId: null },
      { id: 2, csp: true, unpaid: false, toAccount: true, inTask: false, receiptId: null },
    ]);
    const e = explain([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', null), A(3, '10:30')], { mode: 'dwr' });
    expect(e.groups.map((g) => [g.makesTask, g.taskType])).toEqual([
      [false, null],
      [true, 1],
    ]);
  });

  it('R15: R8 rule 2 cuts dwr groups; rule 1 does not exist there', () => {
    const e = explain([W(1, '10:00', '10:01', 1), W(2, '10:10', '10:11', 1), A(3, '10:12')], { mode: 'dwr' });
    expect(e.cuts.map((c) => c.reason)).toEqual(['time']);
    expect(e.groups.map((g) => g.taskType)).toEqual([null, 5]);
  });

  it('R15: receipts handed to a dwr pass are ignored', () => {
    const p = dwr([W(1, '10:00', '10:02', 1), R(2, '10:01', 1, 0)]);
    expect(p.tasks).toEqual([]);
    expect(p.receiptUpdates).toEqual([]);
    expect(p.wrapUpdates).toHaveLength(1);
  });
});
