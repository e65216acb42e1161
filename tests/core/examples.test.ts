// The worked examples of docs/rules.md (receipts mode, TIMEDELTA_CHECK = 420).

import { describe, expect, it } from 'vitest';
import { A, FIT_PAID, FIT_UNPAID, R, UNFIT_UNPAID, W, events, explain, msk, receiptStatus, run, t, timeline, verdict, wrapUpdate } from './helpers.js';

describe('the worked examples of docs/rules.md', () => {
  it('example 1: W(10:00:00-10:01:30,1), R(1,0) at 10:02:00 -> one balanced group, type 4, resolved', () => {
    const p = run([W(1, '10:00:00', '10:01:30', 1), R(2, '10:02:00', 1, 0)]);
    expect(p.tasks).toHaveLength(1);
    const task = p.tasks[0]!;
    expect(task).toMatchObject({ type: 4, resolved: true, balanced: true, localDate: t('10:02:00'), date: msk('10:02:00') });
    expect(verdict(p, 1)).toEqual(FIT_PAID);
    expect(wrapUpdate(p, 1).receiptId).toBe(2);
    expect(receiptStatus(p, 2)).toBe(1);
    expect(events(p)).toBe('W1 R2');
  });

  it('example 2: two single wraps, R(1,0) -> broken type 4; receipt pays the later wrap; the earlier gets issue 7', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:03', '10:04', 1), R(3, '10:05', 1, 0)]);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({ type: 4, resolved: false, balanced: false });
    expect(wrapUpdate(p, 2)).toMatchObject({ receiptId: 3, csp: true, unpaid: false, toAccount: true });
    expect(wrapUpdate(p, 1)).toMatchObject({ receiptId: null });
    expect(verdict(p, 1)).toEqual(FIT_UNPAID);
    expect(events(p)).toBe('W1 X7^0 W2 R3');
    expect(receiptStatus(p, 3)).toBe(1);
  });

  it('example 3: W(10:00-10:01,2), R(1,0) -> broken type 5; residual: double wrap paid as single -> issue 8; receipt status 1', () => {
    const p = run([W(1, '10:00', '10:01', 2), R(2, '10:02', 1, 0)]);
    expect(p.tasks[0]).toMatchObject({ type: 5, resolved: false });
    expect(wrapUpdate(p, 1)).toMatchObject({ receiptId: 2, csp: true, unpaid: false, toAccount: true });
    expect(events(p)).toBe('W1 X8^0 R2');
    expect(receiptStatus(p, 2)).toBe(1);
  });

  it('example 4: receipt printed mid-wrap is moved after the finish (R7) -> as example 1, task time 10:02:00', () => {
    const items = [W(1, '10:00:00', '10:02:00', 1), R(2, '10:01:00', 1, 0)];
    const p = run(items);
    expect(timeline(explain(items))).toBe('S1 F1 R2');
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({ type: 4, resolved: true, localDate: t('10:02:00'), date: msk('10:02:00') });
    expect(verdict(p, 1)).toEqual(FIT_PAID);
    expect(receiptStatus(p, 2)).toBe(1);
  });

  it('example 5: R, W, R -> cut after the first receipt (R8.1): [R] type 2 status 2, [W R] balanced type 4', () => {
    const items = [R(1, '10:00', 1, 0), W(2, '10:01', '10:02', 1), R(3, '10:03', 1, 0)];
    const p = run(items);
    expect(timeline(explain(items))).toBe('R1 | S2 F2 R3');
    expect(p.tasks.map((k) => [k.type, k.resolved])).toEqual([
      [2, false],
      [4, true],
    ]);
    expect(receiptStatus(p, 1)).toBe(2);
    expect(receiptStatus(p, 3)).toBe(1);
    expect(wrapUpdate(p, 2).receiptId).toBe(3);
  });

  it('example 6: nested alarm, no receipt -> broken type 4, unfit and unpaid, no analyzer issue, alarm under the wrap', () => {
    const p = run([W(1, '10:00', '10:01', 1), A(5, '10:00:30')]);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({ type: 4, resolved: false });
    expect(verdict(p, 1)).toEqual(UNFIT_UNPAID);
    expect(events(p)).toBe('W1 A5^0');
    expect(p.alarmIds).toEqual([5]);
  });

  it('example 7: alarm 19 minutes after the wrap -> cut by time: [W] type 4 with issue 7, [alarm] type 1', () => {
    const items = [W(1, '10:00', '10:01', 1), A(5, '10:20')];
    const e = explain(items);
    expect(timeline(e)).toBe('S1 F1 | A5');
    expect(e.cuts).toEqual([{ position: 3, group: 2, reason: 'time', gapSeconds: 19 * 60 }]);
    const p = run(items);
    expect(p.tasks.map((k) => k.type)).toEqual([4, 1]);
    expect(events(p, 0)).toBe('W1 X7^0');
    expect(events(p, 1)).toBe('A5');
  });
});
