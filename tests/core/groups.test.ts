// R8 grouping and R9 in-progress groups.

import { describe, expect, it } from 'vitest';
import { A, I, R, S, W, dwr, events, explain, msk, run, t, timeline } from './helpers.js';

describe('R8 grouping', () => {
  it('R8.1: a receipt followed by a wrap_start, an alarm or an issue ends the purchase cycle', () => {
    const e = explain([R(1, '10:00', 0, 0), W(2, '10:01', '10:02', 1), R(3, '10:03', 1, 0), A(4, '10:04'), R(5, '10:05', 0, 0), I(6, '10:06')]);
    expect(timeline(e)).toBe('R1 | S2 F2 R3 | A4 R5 | I6');
    expect(e.cuts.map((c) => c.reason)).toEqual(['receipt', 'receipt', 'receipt']);
    expect(e.cuts.map((c) => c.gapSeconds)).toEqual([60, 60, 60]);
  });

  it('R8.1: no cut between two receipts, nor between a receipt and a wrap_finish', () => {
    // Receipt 4 stands after F2 (finish of an overlapping inner wrap) and before F1.
    const e = explain([R(1, '10:00', 0, 0), R(5, '10:01', 0, 0), W(1, '10:02', '10:10', 1), W(2, '10:03', '10:04', 1), R(4, '10:05', 1, 0)]);
    expect(timeline(e)).toBe('R1 R5 | S1 S2 F2 R4 F1');
  });

  it('R8.1 applies only in receipts mode', () => {
    // dwr never has receipts on its timeline: an alarm after a wrap 1 min later stays in the group.
    const p = dwr([W(1, '10:00', '10:01', 1), A(2, '10:02')]);
    expect(p.tasks).toHaveLength(1);
  });

  it('R8.2: a gap of more than TIMEDELTA_CHECK seconds cuts; exactly TIMEDELTA_CHECK does not', () => {
    const e = explain([A(1, '10:00:00'), A(2, '10:07:00'), A(3, '10:14:00.000001')]);
    expect(timeline(e)).toBe('A1 A2 | A3');
    expect(e.cuts).toEqual([{ position: 3, group: 2, reason: 'time', gapSeconds: 420.000001 }]);
  });

  it('R8.2: TIMEDELTA_CHECK is a setting', () => {
    const e = explain([A(1, '10:00'), A(2, '10:02')], { timedeltaCheck: 60 });
    expect(timeline(e)).toBe('A1 | A2');
  });

  it('R8.2 Decision: a long wrap is never split from its start', () => {
    const e = explain([W(1, '10:00', '11:00', 1), R(2, '11:01', 1, 0)]);
    expect(timeline(e)).toBe('S1 F1 R2');
    expect(run([W(1, '10:00', '11:00', 1), R(2, '11:01', 1, 0)]).tasks[0]!.resolved).toBe(true);
  });

  it('R8.2 Decision: rule 2 applies after a receipt too (cut between receipts on time alone)', () => {
    const e = explain([R(1, '10:00', 0, 0), R(2, '10:30', 0, 0)]);
    expect(timeline(e)).toBe('R1 | R2');
    expect(e.cuts[0]).toMatchObject({ reason: 'time', gapSeconds: 1800 });
  });

  it('R8.2: after R7 a gap can be negative and never cuts', () => {
    // The receipt moves after a finish 20 minutes later (long wrap): gap back to 10:01 is negative.
    const e = explain([W(1, '10:00', '10:20', 1), R(2, '10:01', 1, 0)]);
    expect(timeline(e)).toBe('S1 F1 R2');
    expect(e.cuts).toEqual([]);
  });

  it('R8: when both rules hold the cut is reported as a receipt cut', () => {
    const e = explain([R(1, '10:00', 0, 0), A(2, '10:30')]);
    expect(e.cuts).toEqual([{ position: 2, group: 2, reason: 'receipt', gapSeconds: 1800 }]);
  });

  it('R8: a wrap belongs to the group of its wrap_start and counts only there, although its finish stands later', () => {
    // W1 is long; R3 (after F2) ends cycle 1; W4 opens cycle 2, which also holds F1.
    const items = [W(1, '10:00', '10:30', 1), W(2, '10:01', '10:02', 1), R(3, '10:03', 2, 0), W(4, '10:04', '10:05', 1), R(5, '10:06', 1, 0)];
    const e = explain(items);
    expect(timeline(e)).toBe('S1 S2 F2 R3 | S4 F4 R5 F1');
    expect(e.entries.find((x) => x.kind === 'wrap_finish' && x.rowId === 1)).toMatchObject({ group: 2, ownerGroup: 1 });
    expect(e.groups.map((g) => g.counts.nS)).toEqual([2, 1]);
    const p = run(items);
    expect(p.tasks.map((k) => k.resolved)).toEqual([true, true]);
    expect(events(p, 0)).toBe('W1 W2 R3');
    expect(events(p, 1)).toBe('W4 R5');
  });

  it('R8: a group\'s latest time is the maximum over its entries, not the time of its last entry', () => {
    const p = run([W(1, '10:00', '10:02', 1), R(2, '10:01', 1, 0)]);
    expect(p.tasks[0]!.localDate).toBe(t('10:02'));
    expect(p.tasks[0]!.date).toBe(msk('10:02'));
  });

  it('R8: a wrap_finish standing in a later group counts for that group\'s latest time', () => {
    const items = [W(1, '10:00', '10:30', 1), W(2, '10:01', '10:02', 1), R(3, '10:03', 2, 0), W(4, '10:04', '10:05', 1), R(5, '10:06', 1, 0)];
    const p = run(items);
    expect(p.tasks[0]!.localDate).toBe(t('10:03'));
    expect(p.tasks[1]!.localDate).toBe(t('10:30'));
  });

  it('R8: latest local and latest Moscow are maxima taken separately', () => {
    // Alarm 2 is later locally; alarm 1 has the later Moscow time.
    const p = run([A(1, '10:00', { moscow: msk('10:05') }), A(2, '10:01')]);
    expect(p.tasks[0]).toMatchObject({ localDate: t('10:01'), date: msk('10:05') });
  });

  it('R8: nested alarms do not count for the latest time', () => {
    // Nested alarm's Moscow time is odd (later than anything else) but it left the timeline.
    const p = run([W(1, '10:00', '10:02', 1), A(2, '10:01', { moscow: msk('11:00') })]);
    expect(p.tasks[0]).toMatchObject({ localDate: t('10:02'), date: msk('10:02') });
  });

  it('R8: an empty input makes no groups', () => {
    const p = run([]);
    expect(p).toEqual({
      deviceId: 7,
      tasks: [],
      wrapUpdates: [],
      alarmIds: [],
      issueIds: [],
      receiptUpdates: [],
      deferred: [],
      rejected: [],
      cleanGroups: 0,
      moscowFallbacks: 0,
    });
  });
});

describe('R9 in-progress groups', () => {
  const items = [W(1, '10:00', '10:01', 1), R(2, '10:02', 1, 0), A(3, '10:20'), I(4, '10:21')];

  it('R9: an age of exactly LAST_EVENT_TIME is old enough; one microsecond less is in progress', () => {
    expect(run(items, { now: msk('10:21') + 900 * S }).deferred).toHaveLength(0);
    const p = run(items, { now: msk('10:21') + 900 * S - 1 });
    expect(p.tasks).toHaveLength(1);
    expect(p.deferred).toEqual([
      { firstLocal: t('10:20'), latestLocal: t('10:21'), latestMoscow: msk('10:21'), wrapIds: [], alarmIds: [3], issueIds: [4], receiptIds: [] },
    ]);
  });

  it('R9: deferral is decided on Moscow time, not on local time', () => {
    // Local runs 2 h ahead of Moscow. now = Moscow 08:30: the group at Moscow 08:21 is 9 min old -> deferred
    // (compared with local 10:21 it would look like it lies in the future, or 2 h old with the opposite offset).
    const p = run(items, { now: msk('10:30') });
    expect(p.tasks).toHaveLength(1);
    expect(p.deferred).toHaveLength(1);
  });

  it('R9: a Moscow time after now is in progress', () => {
    const p = run(items, { now: msk('09:00') });
    expect(p.tasks).toHaveLength(0);
    expect(p.deferred.map((d) => d.receiptIds)).toEqual([[2], []]);
  });

  it('R9: the first recent group and every group after it are deferred, even an older one', () => {
    // Group 2's Moscow time is wrong (late); group 3 is old but comes after it.
    const p = run([A(1, '10:00'), A(2, '10:20', { moscow: msk('12:00') }), A(3, '10:40')], { now: msk('12:05') });
    expect(p.tasks.map((k) => k.events.length)).toEqual([1]);
    expect(p.alarmIds).toEqual([1]);
    expect(p.deferred.map((d) => d.alarmIds)).toEqual([[2], [3]]);
  });

  it('R9: LAST_EVENT_TIME is a setting', () => {
    expect(run(items, { now: msk('10:22'), lastEventTime: 60 }).deferred).toHaveLength(0);
    expect(run(items, { now: msk('10:22'), lastEventTime: 61 }).deferred).toHaveLength(1);
  });

  it('R9: a deferred group lists every row that stays pending, nested ones included, and nothing of it is written', () => {
    const p = run([W(1, '10:00', '10:05', 1), A(2, '10:01'), I(3, '10:02'), R(4, '10:03', 1, 0), A(5, '10:06'), I(6, '10:06')], { now: msk('10:10') });
    expect(p.tasks).toEqual([]);
    expect(p.wrapUpdates).toEqual([]);
    expect(p.receiptUpdates).toEqual([]);
    expect(p.alarmIds).toEqual([]);
    expect(p.issueIds).toEqual([]);
    expect(p.deferred).toEqual([
      { firstLocal: t('10:00'), latestLocal: t('10:05'), latestMoscow: msk('10:05'), wrapIds: [1], alarmIds: [2], issueIds: [3], receiptIds: [4] },
      { firstLocal: t('10:06'), latestLocal: t('10:06'), latestMoscow: msk('10:06'), wrapIds: [], alarmIds: [5], issueIds: [6], receiptIds: [] },
    ]);
  });

  it('R9: firstLocal of a deferred group is its earliest entry (a moved receipt can be earlier than the first entry)', () => {
    // W1 10:00-10:30 with R at 10:01 inside it and a W2 10:20-10:21: R moves after F2, into group 2.
    const p = run([W(1, '10:00', '10:30', 1), R(3, '10:01', 1, 0), W(2, '10:20', '10:21', 1)], { now: msk('10:31') });
    // Group 1 is [S1] alone (cut by time before S2); group 2 is [S2 F2 R3 F1] and holds F1 (10:30): in progress.
    expect(p.wrapUpdates.map((w) => w.id)).toEqual([1]);
    expect(p.deferred.map((d) => [d.firstLocal, d.latestLocal, d.wrapIds, d.receiptIds])).toEqual([[t('10:01'), t('10:30'), [2], [3]]]);
  });

  it('R9 applies in dwr mode too', () => {
    const p = dwr([W(1, '10:00', '10:01', 1), W(2, '10:20', '10:21', 1)], { now: msk('10:25') });
    expect(p.wrapUpdates.map((w) => w.id)).toEqual([1]);
    expect(p.deferred.map((d) => d.wrapIds)).toEqual([[2]]);
  });
});
