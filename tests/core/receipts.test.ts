// Receipts mode: R10 balance, R11 task type, R12 matching, R13 verdicts, R14 analyzer issues.

import { describe, expect, it } from 'vitest';
import { A, FIT_PAID, FIT_UNPAID, I, R, UNFIT_UNPAID, W, events, explain, msk, receiptStatus, run, t, verdict, wrapUpdate, LATE } from './helpers.js';
import { receiptsTaskType } from '../../src/core/receipts.js';

const counts = (o: Partial<Record<'S1' | 'S2' | 'SU' | 'Q1' | 'Q2' | 'nA' | 'nI' | 'nR' | 'nS', number>>) => ({
  S1: 0,
  S2: 0,
  SU: 0,
  Q1: 0,
  Q2: 0,
  nA: 0,
  nI: 0,
  nR: 0,
  nS: 0,
  ...o,
});

describe('R10 balanced or broken', () => {
  it('R10: S1 = Q1 and S2 = Q2 and SU = 0 is balanced', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 2), W(3, '10:02', '10:03', 2), R(4, '10:04', 1, 2)]);
    expect(p.tasks[0]).toMatchObject({ balanced: true, resolved: true });
  });

  it('R10: one untyped wrap makes the group broken even when the counts match', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', null), R(4, '10:04', 1, 0)]);
    expect(p.tasks[0]).toMatchObject({ balanced: false, resolved: false });
  });

  it('R10: nested and top-level alarms and issues do not change the balance', () => {
    const p = run([A(9, '09:59'), W(1, '10:00', '10:02', 1), A(5, '10:01'), I(6, '10:01'), I(7, '10:02:30'), R(4, '10:03', 1, 0)]);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]).toMatchObject({ balanced: true, resolved: true, type: 5 });
  });

  it('R10: more paid than wrapped is broken', () => {
    const p = run([W(1, '10:00', '10:01', 1), R(4, '10:04', 2, 0)]);
    expect(p.tasks[0]).toMatchObject({ balanced: false, type: 2 });
  });

  it('R10: a group of alarms only (0 = 0) is balanced', () => {
    const p = run([A(1, '10:00')]);
    expect(p.tasks[0]).toMatchObject({ type: 1, balanced: true, resolved: true });
  });
});

describe('R11 task type', () => {
  it('R11 type 1: no wraps and no receipts (notification)', () => {
    expect(run([A(1, '10:00'), I(2, '10:01')]).tasks[0]!.type).toBe(1);
    expect(receiptsTaskType(counts({}))).toBe(1);
  });

  it('R11 type 3: receipts without wraps and a notification (listed before type 2)', () => {
    expect(run([A(1, '10:00'), R(2, '10:01', 1, 0)]).tasks[0]!.type).toBe(3);
    expect(run([I(1, '10:00'), R(2, '10:01', 0, 0)]).tasks[0]!.type).toBe(3);
  });

  it('R11 type 2: receipts without wraps', () => {
    const p = run([R(2, '10:01', 1, 0)]);
    expect(p.tasks[0]).toMatchObject({ type: 2, balanced: false });
    expect(run([R(2, '10:01', 0, 0)]).tasks[0]).toMatchObject({ type: 2, balanced: true, resolved: true });
  });

  it('R11 type 2: more paid than wrapped, no notifications, no untyped wraps', () => {
    expect(run([W(1, '10:00', '10:01', 1), R(2, '10:02', 1, 1)]).tasks[0]!.type).toBe(2);
    expect(run([W(1, '10:00', '10:01', 2), R(2, '10:02', 0, 2)]).tasks[0]!.type).toBe(2);
  });

  it('R11: more paid than wrapped with an untyped wrap is not type 2', () => {
    expect(receiptsTaskType(counts({ nS: 2, nR: 1, S1: 1, SU: 1, Q1: 2 }))).toBe(5);
  });

  it('R11 type 4: wraps without notifications and without receipts, or paid at most what was wrapped', () => {
    expect(run([W(1, '10:00', '10:01', 1)]).tasks[0]!.type).toBe(4);
    expect(run([W(1, '10:00', '10:01', null)]).tasks[0]!.type).toBe(4);
    expect(run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 2), R(3, '10:03', 1, 0)]).tasks[0]!.type).toBe(4);
  });

  it('R11 Decision: a balanced group of wraps and receipts is type 4, whether or not both package types occur', () => {
    expect(run([W(1, '10:00', '10:01', 1), R(3, '10:03', 1, 0)]).tasks[0]!.type).toBe(4);
    expect(run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 2), R(3, '10:03', 1, 1)]).tasks[0]!.type).toBe(4);
  });

  it('R11 Decision: type 3 is reachable and a balanced notification group has type 1', () => {
    expect(run([A(1, '10:00'), R(2, '10:01', 0, 0)]).tasks[0]).toMatchObject({ type: 3, balanced: true });
    expect(run([I(1, '10:00')]).tasks[0]).toMatchObject({ type: 1, balanced: true });
  });

  it('R11 type 5: anything else (wraps with top-level notifications; over- and under-paid mixed)', () => {
    expect(run([A(9, '09:59'), W(1, '10:00', '10:01', 1)]).tasks[0]!.type).toBe(5);
    expect(run([W(1, '10:00', '10:01', 1), R(2, '10:02', 0, 1)]).tasks[0]!.type).toBe(5);
    expect(receiptsTaskType(counts({ nS: 1, nR: 1, S2: 1, Q1: 1 }))).toBe(5);
  });

  it('R11: type 6 is never produced', () => {
    for (const p of [run([W(1, '10:00', '10:01', 1)]), run([A(1, '10:00')]), run([R(1, '10:00', 1, 0)])]) {
      expect(p.tasks.every((k) => k.type !== (6 as number))).toBe(true);
    }
  });
});

describe('R12 matching receipts to wraps', () => {
  it('R12: receipts latest first, each pays wraps latest first, by type', () => {
    // R5 (latest) pays the latest single wraps W3 and W2; R4 pays W1.
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 1), W(3, '10:02', '10:03', 1), R(4, '10:04', 1, 0), R(5, '10:04:30', 2, 0)]);
    expect(p.wrapUpdates.map((w) => [w.id, w.receiptId])).toEqual([
      [1, 4],
      [2, 5],
      [3, 5],
    ]);
  });

  it('R12: by type first: a double position goes to the latest double wrap, not the latest wrap', () => {
    const p = run([W(1, '10:00', '10:01', 2), W(2, '10:01', '10:02', 1), R(4, '10:04', 0, 1)]);
    expect(wrapUpdate(p, 1).receiptId).toBe(4);
    expect(wrapUpdate(p, 2).receiptId).toBe(null);
    expect(events(p)).toBe('W1 W2 X7^1 R4');
  });

  it('R12: residual: leftover positions pay remaining wraps latest first, singles before doubles', () => {
    // Receipt (1,1) and two untyped wraps: the later gets the single, the earlier the double.
    const e = explain([W(1, '10:00', '10:01', null), W(2, '10:01', '10:02', null), R(4, '10:04', 1, 1)]);
    expect(e.groups[0]!.wraps.map((w) => [w.wrapId, w.paidBy, w.paidAs])).toEqual([
      [1, 4, 2],
      [2, 4, 1],
    ]);
    expect(e.groups[0]!.receipts[0]).toMatchObject({ singleLeft: 0, doubleLeft: 0, status: 1 });
  });

  it('R12: residual happens per receipt, before the next (earlier) receipt is taken', () => {
    // Latest R5 (1,0) finds no single wrap -> residual pays the double W2 as single; R4 (0,1) then finds no wrap.
    const e = explain([W(1, '10:00', '10:01', 2), W(2, '10:01', '10:02', 2), R(4, '10:03', 0, 1), R(5, '10:04', 1, 0)]);
    expect(e.groups[0]!.wraps.map((w) => [w.wrapId, w.paidBy, w.paidAs])).toEqual([
      [1, 4, 2],
      [2, 5, 1],
    ]);
  });

  it('R12: wraps are taken latest first by the position of their wrap_start, not by their finish', () => {
    // W1 starts first and finishes last; W2 is the later-starting one and is paid.
    const p = run([W(1, '10:00', '10:10', 1), W(2, '10:01', '10:02', 1), R(3, '10:11', 1, 0)]);
    expect(wrapUpdate(p, 2).receiptId).toBe(3);
    expect(wrapUpdate(p, 1).receiptId).toBe(null);
  });

  it('R12: a receipt whose positions are all used gets status 1; one with positions left status 2; 0/0 status 1', () => {
    const p = run([W(1, '10:00', '10:01', 1), R(2, '10:02', 2, 0), R(3, '10:02:30', 0, 0)]);
    expect(receiptStatus(p, 2)).toBe(2);
    expect(receiptStatus(p, 3)).toBe(1);
  });

  it('R12: a receipt in a group without wraps keeps all its positions', () => {
    const e = explain([R(2, '10:02', 2, 1), R(3, '10:02:30', 0, 0)]);
    expect(e.groups[0]!.receipts.map((r) => [r.receiptId, r.singleLeft, r.doubleLeft, r.status])).toEqual([
      [2, 2, 1, 2],
      [3, 0, 0, 1],
    ]);
  });

  it('R12 Decision: receipts are matched in groups of type 2 too', () => {
    const p = run([W(1, '10:00', '10:01', 1), R(2, '10:02', 2, 0)]);
    expect(p.tasks[0]!.type).toBe(2);
    expect(wrapUpdate(p, 1)).toMatchObject({ receiptId: 2, unpaid: false });
    expect(receiptStatus(p, 2)).toBe(2);
  });

  it('R12: large quantities do not cost time (positions are not iterated one by one)', () => {
    const p = run([W(1, '10:00', '10:01', 1), R(2, '10:02', 1e9, 1e9)]);
    expect(receiptStatus(p, 2)).toBe(2);
    expect(explain([W(1, '10:00', '10:01', 1), R(2, '10:02', 1e9, 1e9)]).groups[0]!.receipts[0]).toMatchObject({
      singleLeft: 1e9 - 1,
      doubleLeft: 1e9,
    });
  });
});

describe('R13 wrap verdicts', () => {
  it('R13: no nested alarm, unpaid -> csp, unpaid, to_account = true, true, true, issue 7', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 1), R(3, '10:03', 1, 0)]);
    expect(verdict(p, 1)).toEqual(FIT_UNPAID);
    expect(events(p)).toBe('W1 X7^0 W2 R3');
  });

  it('R13: no nested alarm, paid -> true, false, true, no issue when paid as its own type', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 1), R(3, '10:03', 1, 0)]);
    expect(verdict(p, 2)).toEqual(FIT_PAID);
  });

  it('R13: issue 8 when a double wrap is paid as single; issue 9 when a single wrap is paid as double', () => {
    const p = run([W(1, '10:00', '10:01', 1), W(2, '10:01', '10:02', 2), R(3, '10:03', 1, 1), W(4, '10:30', '10:31', 1), R(5, '10:32', 0, 1)]);
    // Group 1 is balanced (paid by type, no issue); group 2: the single W4 is paid by a double position.
    expect(events(p, 0)).toBe('W1 W2 R3');
    expect(events(p, 1)).toBe('W4 X9^0 R5');
    expect(verdict(p, 4)).toEqual(FIT_PAID);
  });

  it('R13: nested alarm, unpaid -> unfit: false, true, false, no analyzer issue', () => {
    const p = run([W(1, '10:00', '10:02', 1), A(5, '10:01'), W(2, '10:02', '10:03', 1), R(3, '10:04', 1, 0)]);
    expect(verdict(p, 1)).toEqual(UNFIT_UNPAID);
    expect(events(p)).toBe('W1 A5^0 W2 R3');
  });

  it('R13: nested alarm, paid -> true, false, true, with 8/9 as usual', () => {
    const p = run([W(1, '10:00', '10:02', 2), I(5, '10:01'), R(3, '10:04', 1, 0)]);
    expect(verdict(p, 1)).toEqual(FIT_PAID);
    expect(events(p)).toBe('W1 I5^0 X8^0 R3');
  });

  it('R13: an untyped wrap never gets issue 8 or 9', () => {
    const p = run([W(1, '10:00', '10:01', null), W(2, '10:01', '10:02', 7), R(3, '10:04', 1, 1)]);
    expect(p.tasks[0]!.balanced).toBe(false);
    expect(events(p)).toBe('W1 W2 R3');
    expect(verdict(p, 1)).toEqual(FIT_PAID);
    expect(verdict(p, 2)).toEqual(FIT_PAID);
  });

  it('R13: an untyped unpaid wrap gets issue 7 like any other', () => {
    expect(events(run([W(1, '10:00', '10:01', null)]))).toBe('W1 X7^0');
  });

  it('R13: in a balanced group every wrap is csp, paid and to_account, even with a nested alarm', () => {
    const p = run([W(1, '10:00', '10:02', 1), A(5, '10:01'), W(2, '10:02', '10:03', 2), R(3, '10:04', 1, 1)]);
    expect(p.tasks[0]!.balanced).toBe(true);
    expect(verdict(p, 1)).toEqual(FIT_PAID);
    expect(verdict(p, 2)).toEqual(FIT_PAID);
    expect(events(p)).toBe('W1 A5^0 W2 R3');
  });
});

describe('R14 analyzer issues', () => {
  it('R14: the analyzer issue carries type, wrap id, polycom_id, totalid, duration and the wrap finish local and Moscow', () => {
    const p = run([W(1, '10:00', '10:01:30', 1, { polycomId: 777, totalid: 888, duration: 90 })]);
    const ev = p.tasks[0]!.events[1]!;
    expect(ev).toEqual({
      table: 'polycommissue',
      parent: 0,
      analyzerIssue: { type: 7, wrapId: 1, suitcase: 777, total: 888, duration: 90, local: t('10:01:30'), moscow: msk('10:01:30') },
    });
  });

  it('R14: NULL polycom_id, totalid and duration are carried as NULL', () => {
    const p = run([W(1, '10:00', '10:01', 2, { polycomId: null, totalid: null, duration: null }), R(2, '10:02', 1, 0)]);
    const ev = p.tasks[0]!.events[1]!;
    expect('analyzerIssue' in ev && ev.analyzerIssue).toMatchObject({ type: 8, suitcase: null, total: null, duration: null });
    expect(p.tasks[0]!.events[0]).toEqual({ table: 'polycomm_suitcase', rowId: 1, eventId: null, parent: null });
  });

  it('R14: analyzer issues are not counted as device issues (they are planned, not pending)', () => {
    const p = run([W(1, '10:00', '10:01', 1)]);
    expect(p.issueIds).toEqual([]);
    void LATE;
  });
});
