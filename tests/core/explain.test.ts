// explainDevice / renderExplanation / formatMicros.

import { describe, expect, it } from 'vitest';
import { formatMicros } from '../../src/core/index.js';
import { renderExplanation } from '../../src/shell/explanation-text.js';
import { A, I, R, S, W, explain, msk, t } from './helpers.js';

describe('formatMicros', () => {
  it('formats zone-free wall clock micros as YYYY-MM-DD HH:MM:SS', () => {
    expect(formatMicros(0)).toBe('1970-01-01 00:00:00');
    expect(formatMicros(t('10:00:30'))).toBe('2024-03-15 10:00:30');
    expect(formatMicros(Date.UTC(2024, 1, 29, 23, 59, 59) * 1000)).toBe('2024-02-29 23:59:59');
    expect(formatMicros(Date.UTC(2000, 11, 31, 0, 0, 1) * 1000)).toBe('2000-12-31 00:00:01');
  });

  it('handles times before 1970 and sub-second parts', () => {
    expect(formatMicros(-1)).toBe('1969-12-31 23:59:59.999999');
    expect(formatMicros(-S)).toBe('1969-12-31 23:59:59');
    expect(formatMicros(Date.UTC(1900, 0, 1) * 1000)).toBe('1900-01-01 00:00:00');
    expect(formatMicros(t('10:00:00.000250'))).toBe('2024-03-15 10:00:00.000250');
    expect(formatMicros(Date.UTC(-1, 0, 1) * 1000)).toBe('-0001-01-01 00:00:00');
  });

  it("writes all six fraction digits with 'always' and refuses what is not a time", () => {
    expect(formatMicros(t('10:00:30'), 'always')).toBe('2024-03-15 10:00:30.000000');
    expect(formatMicros(t('10:00:00.000250'), 'always')).toBe('2024-03-15 10:00:00.000250');
    expect(formatMicros(-S, 'always')).toBe('1969-12-31 23:59:59.000000');
    expect(() => formatMicros(Number.NaN)).toThrow(RangeError);
    expect(() => formatMicros(Infinity, 'always')).toThrow(RangeError);
  });

  it('agrees with Date.UTC over a wide range of days', () => {
    for (let d = -800_000; d <= 800_000; d += 997) {
      const ms = d * 86_400_000 + 45_296_000; // 12:34:56
      const iso = new Date(ms).toISOString();
      if (iso.startsWith('-') || iso.startsWith('+')) continue;
      expect(formatMicros(ms * 1000)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
    }
  });
});

describe('explainDevice', () => {
  const items = [
    A(12, '09:50'),
    R(1, '09:59', 0, 1),
    W(2, '10:00', '10:05', 2),
    A(3, '10:01'),
    R(4, '10:02', 1, 0),
    W(5, '10:05', '10:06', 1),
    R(6, '10:07', 1, 0),
    I(7, '10:29'),
    W(10, '10:29:30', '10:29:30.5', null, { polycomId: null, totalid: null, duration: null }),
    R(8, '10:30', 1, 0, { moscow: null }),
    W(9, '10:40', '10:41', 1, { start: null }),
  ];

  it('lists entries in final order with kind, table, ids, times, R7 flag, groups and nested events', () => {
    const e = explain(items);
    expect(e.entries.map((x) => [x.position, x.group, x.kind, x.rowId, x.movedByR7])).toEqual([
      [1, 1, 'alarm', 12, false],
      [2, 2, 'receipt', 1, false],
      [3, 3, 'wrap_start', 2, false],
      [4, 3, 'wrap_finish', 2, false],
      [5, 3, 'receipt', 4, true],
      [6, 4, 'wrap_start', 5, false],
      [7, 4, 'wrap_finish', 5, false],
      [8, 4, 'receipt', 6, false],
      [9, 5, 'issue', 7, false],
      [10, 5, 'wrap_start', 10, false],
      [11, 5, 'wrap_finish', 10, false],
      [12, 5, 'receipt', 8, false],
    ]);
    expect(e.entries[2]).toMatchObject({ table: 'polycomm_suitcase', local: t('10:00'), moscow: msk('10:00'), wrapType: 2, ownerGroup: 3 });
    expect(e.entries[2]!.nested).toEqual([{ kind: 'alarm', table: 'polycommalarm', rowId: 3, local: t('10:01'), moscow: msk('10:01') }]);
    expect(e.entries[11]).toMatchObject({ table: 'receipts', moscow: t('10:30'), wrapType: null, nested: [] });
    expect(e.entries[9]).toMatchObject({ wrapType: 0 });
    expect(e.cuts).toEqual([
      { position: 2, group: 2, reason: 'time', gapSeconds: 540 },
      { position: 3, group: 3, reason: 'receipt', gapSeconds: 60 },
      { position: 6, group: 4, reason: 'receipt', gapSeconds: 180 },
      { position: 9, group: 5, reason: 'receipt', gapSeconds: 22 * 60 },
    ]);
    expect(e.rejected).toEqual([{ table: 'polycomm_suitcase', id: 9, reason: 'null_local_time' }]);
    expect(e.moscowFallbacks).toBe(1);
    expect(e).toMatchObject({ deviceId: 7, mode: 'receipts', lastEventTime: 900, timedeltaCheck: 420 });
  });

  it('explains each group: state, type, balance, counts, payments, verdicts, analyzer issues, receipt statuses', () => {
    const e = explain(items, { now: msk('10:40') });
    expect(e.groups.map((g) => [g.group, g.state, g.taskType, g.balanced, g.resolved, g.makesTask])).toEqual([
      [1, 'written', 1, true, true, true],
      [2, 'written', 2, false, false, true],
      [3, 'written', 5, false, false, true],
      [4, 'written', 4, true, true, true],
      [5, 'deferred', 5, false, false, true],
    ]);
    const g3 = e.groups[2]!;
    expect(g3.counts).toEqual({ S1: 0, S2: 1, SU: 0, Q1: 1, Q2: 0, nA: 0, nI: 0, nR: 1, nS: 1 });
    expect(g3.wraps).toEqual([
      {
        wrapId: 2,
        polycomId: 1002,
        wrapType: 2,
        nestedAlarms: 1,
        nestedIssues: 0,
        paidBy: 4,
        paidAs: 1,
        csp: true,
        unpaid: false,
        toAccount: true,
        inTask: true,
        analyzerIssue: 8,
      },
    ]);
    expect(g3.analyzerIssues).toEqual([{ type: 8, wrapId: 2, suitcase: 1002, total: 5002, duration: 300, local: t('10:05'), moscow: msk('10:05') }]);
    expect(g3.receipts).toEqual([{ receiptId: 4, single: 1, double: 0, singleLeft: 0, doubleLeft: 0, status: 1, movedByR7: true }]);
    expect(e.groups[1]!.receipts[0]).toMatchObject({ singleLeft: 0, doubleLeft: 1, status: 2 });
    // Group 5's latest Moscow time is receipt 8's local time (NULL Moscow): after now -> in progress.
    expect(e.groups[4]).toMatchObject({ ageSeconds: -6600, topLevelIssueIds: [7], topLevelAlarmIds: [], firstPosition: 9, lastPosition: 12 });
    expect(e.groups[4]!.wraps[0]).toMatchObject({ wrapId: 10, paidBy: 8, paidAs: 1, analyzerIssue: null });
    expect(e.groups[2]).toMatchObject({ firstLocal: t('10:00'), latestLocal: t('10:05'), latestMoscow: msk('10:05') });
  });

  it('in dwr mode shows clean groups as making no task', () => {
    const e = explain([W(1, '10:00', '10:01', 1), A(2, '10:30')], { mode: 'dwr' });
    expect(e.groups.map((g) => [g.makesTask, g.taskType, g.wraps[0]?.inTask])).toEqual([
      [false, null, false],
      [true, 1, undefined],
    ]);
  });
});

describe('renderExplanation', () => {
  it('renders a readable plain-text report', () => {
    const e = explain(explainItems(), { now: msk('10:40') });
    const text = renderExplanation(e);
    expect(text).toMatchSnapshot();
    expect(text).toContain('cut after a receipt (R8.1), gap 60 s, group 3 starts');
    expect(text).toContain('cut by time (R8.2), gap 540 s, group 2 starts');
    expect(text).toContain('moved by R7');
    expect(text).toContain('nested alarm');
    expect(text).toContain('group 5 (entries 9-14): deferred');
    expect(text).toContain('analyzer issue 8 on wrap 2');
    expect(text).toContain('analyzer issue 7 on wrap 10 (suitcase NULL, total NULL, duration NULL');
    expect(text).toContain('polycomm_suitcase  9   null_local_time');
    expect(text).toContain('2024-03-15 10:29:30.500000');
  });

  it('renders an empty device and a dwr device', () => {
    expect(renderExplanation(explain([]))).toContain('(empty)');
    const text = renderExplanation(explain([W(1, '10:00', '10:20', 1), W(2, '10:10', '10:11', 2), W(3, '10:12', '10:13', 2), I(4, '10:12:30'), A(5, '10:40'), A(6, '10:47:00.25')], { mode: 'dwr' }));
    expect(text).toContain('clean: no task (R15)');
    expect(text).toContain('anomalous');
    expect(text).toContain('wrap of group 1');
    expect(text).toContain('0A 1I');
    expect(text).toContain('gap 420.25 s');
    expect(text).toContain('rejected (R4): 0');
  });
});

function explainItems() {
  return [
    A(12, '09:50'),
    R(1, '09:59', 0, 1),
    W(2, '10:00', '10:05', 2),
    A(3, '10:01'),
    R(4, '10:02', 1, 0),
    W(5, '10:05', '10:06', 1),
    R(6, '10:07', 1, 0),
    I(7, '10:29'),
    W(10, '10:29:30', '10:29:30.5', null, { polycomId: null, totalid: null, duration: null }),
    W(11, '10:29:40', '10:29:50', 1, { polycomId: null, totalid: null, duration: null }),
    R(8, '10:30', 1, 0, { moscow: null }),
    W(9, '10:40', '10:41', 1, { start: null }),
  ];
}
