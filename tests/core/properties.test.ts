// Property-based tests (fast-check) over random event streams, both modes (issue 3, properties 1-6),
// plus brute-force reference checks of R5-R9 against the explanation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeDevice, explainDevice } from '../../src/core/index.js';
import type { DeviceInput, DevicePlan, Micros, Mode, PointRow, ReceiptRow, Settings, WrapRow } from '../../src/core/index.js';
import { DAY, OFFSET, S } from './helpers.js';

const RUNS = 200;

// ---------------------------------------------------------------------------
// Generators: times on a coarse grid (many exact ties), sometimes free or sub-second;
// durations from zero to long; untyped wraps; NULLs and bad quantities (invalid rows).

const grid = fc.integer({ min: 0, max: 150 }).map((k) => DAY + k * 30 * S);
const free = fc.integer({ min: 0, max: 4500 }).map((s) => DAY + s * S);
const fine = fc.integer({ min: 0, max: 4500 * 4 }).map((q) => DAY + q * 250_000);
const timeArb: fc.Arbitrary<Micros> = fc.oneof({ arbitrary: grid, weight: 5 }, { arbitrary: free, weight: 2 }, { arbitrary: fine, weight: 1 });
const durationArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 20 }).map((k) => k * 30 * S), weight: 5 },
  { arbitrary: fc.integer({ min: 0, max: 3000 }).map((s) => s * S), weight: 2 },
  { arbitrary: fc.integer({ min: -120, max: -1 }).map((s) => s * S), weight: 1 },
);
const idArb = fc.integer({ min: 1, max: 400 });
const moscowOf = (local: Micros): fc.Arbitrary<Micros | null> =>
  fc.oneof(
    { arbitrary: fc.constant(local - OFFSET), weight: 8 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.integer({ min: -600, max: 600 }).map((s) => local - OFFSET + s * S), weight: 1 },
  );
const nullable = <T>(a: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: a, weight }, { arbitrary: fc.constant(null), weight: 1 });

const wrapArb: fc.Arbitrary<WrapRow> = fc
  .record({ id: idArb, start: timeArb, dur: durationArb, type: fc.constantFrom<number | null>(1, 1, 1, 2, 2, null, 0, 3), nullStart: fc.boolean(), nullFinish: fc.boolean(), pick: fc.integer({ min: 0, max: 30 }) })
  .chain((w) =>
    moscowOf(w.start + w.dur).map(
      (finishMoscow): WrapRow => ({
        id: w.id,
        polycomId: w.pick === 0 ? null : 10_000 + w.id,
        totalid: 20_000 + w.id,
        duration: w.dur / S,
        packageType: w.type,
        start: w.pick === 1 && w.nullStart ? null : w.start,
        finish: w.pick === 2 && w.nullFinish ? null : w.start + w.dur,
        finishMoscow,
      }),
    ),
  );
const pointArb: fc.Arbitrary<PointRow> = fc
  .record({ id: idArb, local: nullable(timeArb, 20) })
  .chain((p) => (p.local === null ? fc.constant({ id: p.id, local: null, moscow: null }) : moscowOf(p.local).map((moscow) => ({ id: p.id, local: p.local, moscow }))));
const qty = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 20 }, { arbitrary: fc.constant(null), weight: 1 }, { arbitrary: fc.constant(-1), weight: 1 });
const receiptArb: fc.Arbitrary<ReceiptRow> = fc
  .record({ id: idArb, local: nullable(timeArb, 20), single: qty, double: qty })
  .chain((r) =>
    r.local === null
      ? fc.constant({ ...r, moscow: null })
      : moscowOf(r.local).map((moscow) => ({ ...r, moscow })),
  );

const randomInputArb = (mode: Mode): fc.Arbitrary<DeviceInput> =>
  fc.record({
    deviceId: fc.constant(3),
    wraps: fc.uniqueArray(wrapArb, { maxLength: 20, selector: (w) => w.id }),
    alarms: fc.uniqueArray(pointArb, { maxLength: 15, selector: (p) => p.id }),
    issues: fc.uniqueArray(pointArb, { maxLength: 12, selector: (p) => p.id }),
    receipts: mode === 'receipts' ? fc.uniqueArray(receiptArb, { maxLength: 14, selector: (r) => r.id }) : fc.constant([]),
  });

// Structured streams: purchase cycles of a few wraps and (usually) a receipt for exactly
// those wraps, sometimes more or less, printed mid-wrap, or missing; alarms inside or after.
const cycleArb = fc.record({
  gap: fc.constantFrom(0, 5, 30, 60, 300, 600),
  wraps: fc.array(fc.record({ type: fc.constantFrom<number | null>(1, 1, 2, 2, null), dur: fc.constantFrom(0, 30, 60, 90, 600), pause: fc.constantFrom(0, 10, 30) }), {
    maxLength: 4,
  }),
  receipt: fc.constantFrom('exact', 'exact', 'exact', 'more', 'less', 'none', 'inside', 'swapped'),
  alarm: fc.constantFrom('none', 'none', 'none', 'inside', 'after', 'issue-inside', 'issue-after'),
});
const cycleInputArb = (mode: Mode): fc.Arbitrary<DeviceInput> =>
  fc.array(cycleArb, { maxLength: 10 }).map((cycles) => {
    const d: DeviceInput = { deviceId: 3, wraps: [], alarms: [], issues: [], receipts: [] };
    let t = DAY;
    let id = 1;
    for (const c of cycles) {
      t += c.gap * S;
      let q1 = 0;
      let q2 = 0;
      let lastStart = t;
      for (const w of c.wraps) {
        t += w.pause * S;
        lastStart = t;
        d.wraps.push({ id: id++, polycomId: id, totalid: id, duration: w.dur, packageType: w.type, start: t, finish: t + w.dur * S, finishMoscow: t + w.dur * S - OFFSET });
        if (w.type === 1) q1++;
        else if (w.type === 2) q2++;
        else q1++;
        t += w.dur * S;
      }
      const point = (at: number): PointRow => ({ id: id++, local: at, moscow: at - OFFSET });
      if (c.alarm === 'inside') d.alarms.push(point(lastStart + S));
      if (c.alarm === 'issue-inside') d.issues.push(point(lastStart + S));
      if (mode === 'receipts' && c.receipt !== 'none') {
        const at = c.receipt === 'inside' ? lastStart + S : t + 10 * S;
        const [s1, s2] = c.receipt === 'more' ? [q1 + 1, q2] : c.receipt === 'less' ? [Math.max(0, q1 - 1), q2] : c.receipt === 'swapped' ? [q2, q1] : [q1, q2];
        d.receipts.push({ id: id++, local: at, moscow: at - OFFSET, single: s1, double: s2 });
      }
      t += 20 * S;
      if (c.alarm === 'after') d.alarms.push(point(t));
      if (c.alarm === 'issue-after') d.issues.push(point(t));
    }
    return d;
  });
const inputArb = (mode: Mode): fc.Arbitrary<DeviceInput> => fc.oneof(randomInputArb(mode), cycleInputArb(mode));
const nowArb: fc.Arbitrary<Micros> = fc.oneof(
  fc.integer({ min: -600, max: 6000 }).map((s) => DAY - OFFSET + s * S),
  fc.integer({ min: 0, max: 86_400 }).map((s) => DAY - OFFSET + s * S),
  fc.constant(DAY + 86_400 * S),
);
const settingsArb = (mode: Mode): fc.Arbitrary<Settings> =>
  fc.record({ mode: fc.constant(mode), lastEventTime: fc.constantFrom(900, 900, 60, 0), timedeltaCheck: fc.constantFrom(420, 420, 120, 30) });

const caseArb = (mode: Mode) => fc.record({ input: inputArb(mode), settings: settingsArb(mode), now: nowArb });

// ---------------------------------------------------------------------------
// Independent restatements of R4 for the checks.

const validWrap = (w: WrapRow): boolean => w.start !== null && w.finish !== null && w.finish >= w.start;
const validPoint = (p: PointRow): boolean => p.local !== null;
const validReceipt = (r: ReceiptRow): boolean => r.local !== null && r.single !== null && r.single >= 0 && r.double !== null && r.double >= 0;
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function writtenAndDeferred(plan: DevicePlan) {
  const d = plan.deferred;
  return {
    wraps: [...plan.wrapUpdates.map((w) => w.id), ...d.flatMap((g) => g.wrapIds)],
    alarms: [...plan.alarmIds, ...d.flatMap((g) => g.alarmIds)],
    issues: [...plan.issueIds, ...d.flatMap((g) => g.issueIds)],
    receipts: [...plan.receiptUpdates.map((r) => r.id), ...d.flatMap((g) => g.receiptIds)],
  };
}

const modes: Mode[] = ['receipts', 'dwr'];

describe.each(modes)('properties (%s mode)', (mode) => {
  it('P1: every valid pending event ends in exactly one written or deferred group; invalid rows are exactly the rejected ones', () => {
    fc.assert(
      fc.property(caseArb(mode), ({ input, settings, now }) => {
        const plan = analyzeDevice(input, settings, now);
        const got = writtenAndDeferred(plan);
        expect(sorted(got.wraps)).toEqual(sorted(input.wraps.filter(validWrap).map((w) => w.id)));
        expect(sorted(got.alarms)).toEqual(sorted(input.alarms.filter(validPoint).map((p) => p.id)));
        expect(sorted(got.issues)).toEqual(sorted(input.issues.filter(validPoint).map((p) => p.id)));
        const receipts = mode === 'receipts' ? input.receipts : [];
        expect(sorted(got.receipts)).toEqual(sorted(receipts.filter(validReceipt).map((r) => r.id)));
        const rejected = (table: string) => sorted(plan.rejected.filter((r) => r.table === table).map((r) => r.id));
        expect(rejected('polycomm_suitcase')).toEqual(sorted(input.wraps.filter((w) => !validWrap(w)).map((w) => w.id)));
        expect(rejected('polycommalarm')).toEqual(sorted(input.alarms.filter((p) => !validPoint(p)).map((p) => p.id)));
        expect(rejected('polycommissue')).toEqual(sorted(input.issues.filter((p) => !validPoint(p)).map((p) => p.id)));
        expect(rejected('receipts')).toEqual(sorted(receipts.filter((r) => !validReceipt(r)).map((r) => r.id)));
        // Task events: each written alarm/issue/receipt once; each wrap once iff in_task.
        const inTasks = (table: string) =>
          sorted(plan.tasks.flatMap((k) => k.events.flatMap((e) => ('rowId' in e && e.table === table ? [e.rowId] : []))));
        expect(inTasks('polycomm_suitcase')).toEqual(sorted(plan.wrapUpdates.filter((w) => w.inTask).map((w) => w.id)));
        expect(inTasks('polycommalarm')).toEqual(sorted(plan.alarmIds));
        expect(inTasks('polycommissue')).toEqual(sorted(plan.issueIds));
        expect(inTasks('receipts')).toEqual(sorted(plan.receiptUpdates.map((r) => r.id)));
        if (mode === 'receipts') expect(plan.wrapUpdates.every((w) => w.inTask)).toBe(true);
        // R3 fallbacks: once per valid row with a NULL Moscow time.
        const fallbacks =
          input.wraps.filter((w) => validWrap(w) && w.finishMoscow === null).length +
          [...input.alarms, ...input.issues].filter((p) => validPoint(p) && p.moscow === null).length +
          receipts.filter((r) => validReceipt(r) && r.moscow === null).length;
        expect(plan.moscowFallbacks).toBe(fallbacks);
      }),
      { numRuns: RUNS },
    );
  });

  it('P2: per task, ord runs 1..n and every parent link points to an earlier wrap entry of the same task', () => {
    fc.assert(
      fc.property(caseArb(mode), ({ input, settings, now }) => {
        const plan = analyzeDevice(input, settings, now);
        const wrapById = new Map(input.wraps.map((w) => [w.id, w]));
        for (const task of plan.tasks) {
          expect(task.events.length).toBeGreaterThan(0);
          task.events.forEach((e, i) => {
            if (e.table === 'polycomm_suitcase' || e.table === 'receipts') expect(e.parent).toBeNull();
            if ('analyzerIssue' in e) {
              expect(mode).toBe('receipts');
              expect(e.parent).not.toBeNull();
              expect(task.resolved).toBe(false);
            }
            if (e.parent !== null) {
              expect(e.parent).toBeLessThan(i);
              const parent = task.events[e.parent]!;
              expect(parent.table).toBe('polycomm_suitcase');
              // Children follow their wrap directly (only siblings in between).
              for (let k = e.parent + 1; k < i; k++) expect(task.events[k]!.parent).toBe(e.parent);
              if ('analyzerIssue' in e && 'rowId' in parent) {
                expect(e.analyzerIssue.wrapId).toBe(parent.rowId);
                const w = wrapById.get(parent.rowId)!;
                expect(e.analyzerIssue.local).toBe(w.finish);
                expect(e.analyzerIssue.moscow).toBe(w.finishMoscow ?? w.finish);
              }
            }
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('P4: the plan does not depend on the order of the input rows', () => {
    fc.assert(
      fc.property(caseArb(mode), fc.integer(), ({ input, settings, now }, seed) => {
        const shuffled: DeviceInput = {
          deviceId: input.deviceId,
          wraps: shuffle(input.wraps, seed),
          alarms: shuffle(input.alarms, seed + 1),
          issues: shuffle(input.issues, seed + 2),
          receipts: shuffle(input.receipts, seed + 3),
        };
        expect(analyzeDevice(shuffled, settings, now)).toEqual(analyzeDevice(input, settings, now));
        expect(explainDevice(shuffled, settings, now)).toEqual(explainDevice(input, settings, now));
      }),
      { numRuns: RUNS },
    );
  });

  it('P6: moving now later only moves groups from deferred to written and never changes a written group', () => {
    fc.assert(
      fc.property(caseArb(mode), fc.integer({ min: 0, max: 3 * 3600 }), ({ input, settings, now }, later) => {
        const a = analyzeDevice(input, settings, now);
        const b = analyzeDevice(input, settings, now + later * S);
        const prefix = <T>(x: T[], y: T[]) => expect(y.slice(0, x.length)).toEqual(x);
        prefix(a.tasks, b.tasks);
        prefix(a.wrapUpdates, b.wrapUpdates);
        prefix(a.alarmIds, b.alarmIds);
        prefix(a.issueIds, b.issueIds);
        prefix(a.receiptUpdates, b.receiptUpdates);
        expect(a.deferred.slice(a.deferred.length - b.deferred.length)).toEqual(b.deferred);
        expect(b.rejected).toEqual(a.rejected);
        expect(b.moscowFallbacks).toBe(a.moscowFallbacks);
        const ea = explainDevice(input, settings, now);
        const eb = explainDevice(input, settings, now + later * S);
        expect(eb.groups.length).toBe(ea.groups.length);
        ea.groups.forEach((g, i) => {
          const h = eb.groups[i]!;
          if (g.state === 'written') expect(h.state).toBe('written');
          expect({ ...h, state: g.state, ageSeconds: g.ageSeconds }).toEqual(g);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('R5-R9 reference: nesting, order, R7 moves, cuts and deferral agree with brute-force restatements of the rules', () => {
    fc.assert(
      fc.property(caseArb(mode), ({ input, settings, now }) => {
        const e = explainDevice(input, settings, now);
        const wraps = input.wraps.filter(validWrap) as (WrapRow & { start: number; finish: number })[];
        // R5: brute force over all wraps.
        const owner = (t: number): number | null => {
          let best: (typeof wraps)[number] | null = null;
          for (const w of wraps) {
            if (w.start < t && t < w.finish && (best === null || w.start < best.start || (w.start === best.start && w.id < best.id))) best = w;
          }
          return best === null ? null : best.id;
        };
        for (const en of e.entries) {
          if (en.kind === 'alarm' || en.kind === 'issue') expect(owner(en.local)).toBeNull();
          for (const n of en.nested) expect(owner(n.local)).toBe(en.rowId);
        }
        const nestedCount = e.entries.reduce((s, en) => s + en.nested.length, 0);
        const topCount = e.entries.filter((en) => en.kind === 'alarm' || en.kind === 'issue').length;
        expect(nestedCount + topCount).toBe([...input.alarms, ...input.issues].filter(validPoint).length);

        // R6 by a 4-key sort (a zero-length finish sorts as its start, just after it), then R7 literally.
        type K = { kind: string; id: number; key: [number, number, number, number] };
        const rank = { wrap_finish: 0, receipt: 1, alarm: 2, issue: 3, wrap_start: 4 } as const;
        const ks: K[] = e.entries.map((en) => {
          const w = en.kind === 'wrap_finish' ? wraps.find((x) => x.id === en.rowId)! : null;
          const zero = w !== null && w.start === w.finish;
          return { kind: en.kind, id: en.rowId, key: [en.local, zero ? 4 : rank[en.kind], en.rowId, zero ? 1 : 0] };
        });
        const sortedKs = [...ks].sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.key[3] - b.key[3]);
        const target = new Map<K, K>();
        if (mode === 'receipts') {
          sortedKs.forEach((k, i) => {
            if (k.kind !== 'receipt') return;
            let j = i - 1;
            while (j >= 0 && !sortedKs[j]!.kind.startsWith('wrap')) j--;
            if (j < 0 || sortedKs[j]!.kind !== 'wrap_start') return;
            const f = sortedKs.slice(i + 1).find((x) => x.kind === 'wrap_finish');
            if (f !== undefined) target.set(k, f);
          });
        }
        const expected: K[] = [];
        for (const k of sortedKs) {
          if (target.has(k)) continue;
          expected.push(k);
          for (const [r, f] of target) if (f === k) expected.push(r);
        }
        expect(e.entries.map((en) => `${en.kind}:${en.rowId}`)).toEqual(expected.map((k) => `${k.kind}:${k.id}`));
        const moved = new Set([...target.keys()].map((k) => k.id));
        for (const en of e.entries) expect(en.movedByR7).toBe(en.kind === 'receipt' && moved.has(en.rowId));

        // R8: a group boundary exactly where a rule holds.
        for (let i = 1; i < e.entries.length; i++) {
          const a = e.entries[i - 1]!;
          const b = e.entries[i]!;
          const rule1 = mode === 'receipts' && a.kind === 'receipt' && b.kind !== 'receipt' && b.kind !== 'wrap_finish';
          const rule2 = b.kind !== 'wrap_finish' && b.local - a.local > settings.timedeltaCheck * S;
          expect(b.group !== a.group).toBe(rule1 || rule2);
        }
        // R8 latest times and R9 deferral.
        let deferring = false;
        for (const g of e.groups) {
          const mine = e.entries.filter((en) => en.group === g.group);
          expect(g.latestLocal).toBe(Math.max(...mine.map((en) => en.local)));
          expect(g.latestMoscow).toBe(Math.max(...mine.map((en) => en.moscow)));
          expect(g.firstLocal).toBe(Math.min(...mine.map((en) => en.local)));
          if (now - g.latestMoscow < settings.lastEventTime * S) deferring = true;
          expect(g.state).toBe(deferring ? 'deferred' : 'written');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('explain and plan agree on every written group', () => {
    fc.assert(
      fc.property(caseArb(mode), ({ input, settings, now }) => {
        const plan = analyzeDevice(input, settings, now);
        const e = explainDevice(input, settings, now);
        const written = e.groups.filter((g) => g.state === 'written');
        const tasks = written.filter((g) => g.makesTask);
        expect(plan.tasks.map((k) => [k.type, k.resolved, k.balanced, k.date, k.localDate])).toEqual(
          tasks.map((g) => [g.taskType, g.resolved, g.balanced, g.latestMoscow, g.latestLocal]),
        );
        expect(plan.wrapUpdates).toEqual(
          written.flatMap((g) => g.wraps.map((w) => ({ id: w.wrapId, csp: w.csp, unpaid: w.unpaid, toAccount: w.toAccount, inTask: w.inTask, receiptId: w.paidBy }))),
        );
        expect(plan.receiptUpdates).toEqual(written.flatMap((g) => g.receipts.map((r) => ({ id: r.receiptId, status: r.status }))));
        expect(plan.deferred.length).toBe(e.groups.length - written.length);
        expect(plan.cleanGroups).toBe(written.length - tasks.length);
        if (mode === 'receipts') expect(plan.cleanGroups).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties (receipts mode only)', () => {
  it('P3: receipt positions are conserved and status 2 means positions left', () => {
    fc.assert(
      fc.property(caseArb('receipts'), ({ input, settings, now }) => {
        const e = explainDevice(input, settings, now);
        for (const g of e.groups) {
          for (const r of g.receipts) {
            const paid = (t: 1 | 2) => g.wraps.filter((w) => w.paidBy === r.receiptId && w.paidAs === t).length;
            expect(paid(1) + r.singleLeft).toBe(r.single);
            expect(paid(2) + r.doubleLeft).toBe(r.double);
            expect(r.singleLeft).toBeGreaterThanOrEqual(0);
            expect(r.doubleLeft).toBeGreaterThanOrEqual(0);
            expect(r.status === 2).toBe(r.singleLeft + r.doubleLeft > 0);
          }
          // A wrap is paid only by a receipt of its own group; wraps stay unpaid only when no receipt has positions left.
          const ids = new Set(g.receipts.map((r) => r.receiptId));
          for (const w of g.wraps) {
            if (w.paidBy !== null) expect(ids.has(w.paidBy)).toBe(true);
            else expect(g.receipts.every((r) => r.singleLeft + r.doubleLeft === 0)).toBe(true);
            expect(w.unpaid).toBe(w.paidBy === null);
            if (w.analyzerIssue === 8) expect([w.wrapType, w.paidAs]).toEqual([2, 1]);
            if (w.analyzerIssue === 9) expect([w.wrapType, w.paidAs]).toEqual([1, 2]);
            if (w.analyzerIssue === 7) expect(w.nestedAlarms + w.nestedIssues).toBe(0);
          }
        }
        const plan = analyzeDevice(input, settings, now);
        const status = new Map(e.groups.flatMap((g) => g.receipts.map((r) => [r.receiptId, r.status] as const)));
        for (const u of plan.receiptUpdates) expect(u.status).toBe(status.get(u.id));
      }),
      { numRuns: RUNS },
    );
  });

  it('P5: resolved exactly when balanced (S1 = Q1, S2 = Q2, SU = 0 over the task\'s wraps and receipts)', () => {
    fc.assert(
      fc.property(caseArb('receipts'), ({ input, settings, now }) => {
        const plan = analyzeDevice(input, settings, now);
        const wraps = new Map(input.wraps.map((w) => [w.id, w]));
        const receipts = new Map(input.receipts.map((r) => [r.id, r]));
        for (const task of plan.tasks) {
          let s1 = 0;
          let s2 = 0;
          let su = 0;
          let q1 = 0;
          let q2 = 0;
          for (const ev of task.events) {
            if (!('rowId' in ev)) continue;
            if (ev.table === 'polycomm_suitcase') {
              const t = wraps.get(ev.rowId)!.packageType;
              if (t === 1) s1++;
              else if (t === 2) s2++;
              else su++;
            } else if (ev.table === 'receipts') {
              const r = receipts.get(ev.rowId)!;
              q1 += r.single!;
              q2 += r.double!;
            }
          }
          const balanced = s1 === q1 && s2 === q2 && su === 0;
          expect(task.balanced).toBe(balanced);
          expect(task.resolved).toBe(balanced);
          if (balanced) {
            for (const ev of task.events) {
              expect('analyzerIssue' in ev).toBe(false);
              if ('rowId' in ev && ev.table === 'polycomm_suitcase') {
                const u = plan.wrapUpdates.find((w) => w.id === ev.rowId)!;
                expect([u.csp, u.unpaid, u.toAccount, u.receiptId !== null]).toEqual([true, false, true, true]);
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
