// Property-based tests of the audit (issue 23), fast-check over random
// purchase cycles in both modes:
//  1. a history written by the rules (what a pass writes, R16/R17) has no finding;
//  2. one hand edit gives exactly one finding, of the edit's kind;
//  3. the window: once windowEdges settles both sides (a quiet gap, R5-R8), the
//     audit of the window's rows finds exactly what the audit of the whole
//     history finds for the period.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditDevice, windowEdges } from '../../src/core/index.js';
import type { AuditInput, DeviceInput, Micros, Mode, Span } from '../../src/core/index.js';
import { DAY, LATE, OFFSET, S, settings } from './helpers.js';
import { brief, copy, written } from './audit-helpers.js';

const RUNS = 150;
const WHOLE: Span = { from: DAY, to: DAY + 86_400 * S };

// Purchase cycles: a few wraps, a receipt for them (or more, less, none, mid-wrap),
// alarms and issues inside or after; gaps short and long (R8.2) between cycles.
const cycleArb = fc.record({
  gap: fc.constantFrom(0, 5, 60, 300, 419, 421, 900, 3600),
  wraps: fc.array(fc.record({ type: fc.constantFrom<number | null>(1, 1, 2, null), dur: fc.constantFrom(0, 30, 90, 600), pause: fc.constantFrom(0, 10, 60) }), { maxLength: 3 }),
  receipt: fc.constantFrom('exact', 'exact', 'more', 'less', 'none', 'inside'),
  point: fc.constantFrom('none', 'none', 'alarm-inside', 'alarm-after', 'issue-inside', 'issue-after'),
});

type Cycle = { gap: number; wraps: { type: number | null; dur: number; pause: number }[]; receipt: string; point: string };

function device(mode: Mode, cycles: Cycle[]): DeviceInput {
  const d: DeviceInput = { deviceId: 5, wraps: [], alarms: [], issues: [], receipts: [] };
  let t = DAY + 3600 * S;
  let id = 1;
  for (const c of cycles) {
    t += c.gap * S;
    let q1 = 0;
    let q2 = 0;
    let lastStart = t;
    for (const w of c.wraps) {
      t += w.pause * S;
      lastStart = t;
      const wid = id++;
      d.wraps.push({ id: wid, polycomId: 1000 + wid, totalid: wid, duration: w.dur, packageType: w.type, start: t, finish: t + w.dur * S, finishMoscow: t + w.dur * S - OFFSET });
      if (w.type === 2) q2++;
      else q1++;
      t += w.dur * S;
    }
    const point = (at: Micros) => ({ id: id++, local: at, moscow: at - OFFSET });
    if (c.point === 'alarm-inside' && c.wraps.length > 0) d.alarms.push(point(lastStart + S));
    if (c.point === 'issue-inside' && c.wraps.length > 0) d.issues.push(point(lastStart + S));
    if (mode === 'receipts' && c.receipt !== 'none') {
      const at = c.receipt === 'inside' ? lastStart + S : t + 10 * S;
      const single = c.receipt === 'more' ? q1 + 1 : c.receipt === 'less' ? Math.max(0, q1 - 1) : q1;
      d.receipts.push({ id: id++, local: at, moscow: at - OFFSET, single, double: q2 });
    }
    t += 20 * S;
    if (c.point === 'alarm-after') d.alarms.push(point(t));
    if (c.point === 'issue-after') d.issues.push(point(t));
  }
  return d;
}

const modeArb = fc.constantFrom<Mode>('receipts', 'dwr');
const historyArb = modeArb.chain((mode) => fc.array(cycleArb, { minLength: 1, maxLength: 12 }).map((cycles) => ({ mode, input: device(mode, cycles) })));

describe('audit properties', () => {
  it('1. a history written by the rules has no finding, and every task agrees', () => {
    fc.assert(fc.property(historyArb, ({ mode, input }) => {
      const w = written(input, settings(mode), LATE);
      const r = auditDevice(w.audit, settings(mode), LATE, WHOLE);
      expect(brief(r.findings)).toEqual([]);
      expect(r.tasks).toBe(w.plan.tasks.length);
      expect(r.agree).toBe(r.tasks);
      expect(r.unresolvedLinks).toEqual([]);
    }), { numRuns: RUNS });
  });

  it('2. one hand edit gives exactly one finding, of its kind', () => {
    const edits = ['unpaid', 'type', 'type-null', 'receipt', 'unlink-point', 'second-task'] as const;
    fc.assert(fc.property(historyArb, fc.constantFrom(...edits), fc.nat(), ({ mode, input }, edit, pick) => {
      const w = written(input, settings(mode), LATE);
      const a = copy(w.audit);
      const choose = <T>(xs: T[]): T | undefined => xs[pick % Math.max(1, xs.length)];
      let kind: string;
      if (edit === 'unpaid') {
        const wrap = choose(a.wraps.filter((x) => x.status === 1));
        fc.pre(wrap !== undefined);
        wrap.unpaid = !wrap.unpaid;
        kind = 'wrap_verdict';
      } else if (edit === 'type' || edit === 'type-null') {
        const task = choose(a.tasks);
        fc.pre(task !== undefined);
        task.type = edit === 'type-null' ? null : (task.type! % 5) + 1;
        kind = edit === 'type' ? 'task_type' : 'task_without_type';
      } else if (edit === 'receipt') {
        const receipt = choose(a.receipts.filter((x) => x.status !== 0));
        fc.pre(receipt !== undefined);
        receipt.status = receipt.status === 1 ? 2 : 1;
        kind = 'receipt_status';
      } else if (edit === 'unlink-point') {
        const link = choose(a.links.filter((l) => l.table === 'polycommalarm' || l.table === 'receipts'));
        fc.pre(link !== undefined);
        a.links = a.links.filter((l) => l !== link);
        kind = 'event_in_no_task';
      } else {
        const link = choose(a.links.filter((l) => l.table === 'polycommalarm' && l.parentId === null));
        const other = a.tasks.find((x) => x.id !== link?.taskId);
        fc.pre(link !== undefined && other !== undefined);
        a.links.push({ ...link, id: 99_999, taskId: other.id, ord: 99 });
        kind = 'event_in_two_tasks';
      }
      const r = auditDevice(a, settings(mode), LATE, WHOLE);
      expect(r.findings.map((f) => f.kind)).toEqual([kind]);
    }), { numRuns: RUNS * 2 });
  });

  it('3. a window settled on both sides finds what the whole history finds for the period', () => {
    const spanArb = fc.tuple(fc.integer({ min: 0, max: 8 * 3600 }), fc.integer({ min: 60, max: 4 * 3600 }), fc.integer({ min: 0, max: 3600 }), fc.integer({ min: 0, max: 3600 }));
    fc.assert(fc.property(historyArb, spanArb, fc.nat(), ({ mode, input }, [start, length, before, after], pick) => {
      const w = written(input, settings(mode), LATE);
      const a = copy(w.audit);
      // an edit or two, so there is something to find
      const wrap = a.wraps[pick % Math.max(1, a.wraps.length)];
      if (wrap !== undefined && wrap.status === 1) wrap.csp = !wrap.csp;
      if (a.tasks.length > 1) a.tasks[pick % a.tasks.length]!.type = null;
      const period = { from: DAY + start * S, to: DAY + (start + length) * S };
      const window = { from: period.from - before * S, to: period.to + after * S };
      const part = within(a, window);
      const r = auditDevice(part, settings(mode), LATE, period);
      const edges = r.need === null ? { before: true, after: true } : windowEdges(part, r.need, window, 420);
      fc.pre(edges.before && edges.after && r.unresolvedLinks.length === 0);
      const whole = auditDevice(a, settings(mode), LATE, period);
      expect(brief(r.findings)).toEqual(brief(whole.findings));
      expect([r.tasks, r.agree]).toEqual([whole.tasks, whole.agree]);
    }), { numRuns: RUNS * 3 });
  });
});

/** What the shell loads for a window: rows by local time (wraps overlapping it), the tasks touching them or dated in it, their links. */
function within(a: AuditInput, w: Span): AuditInput {
  const inside = (t: Micros | null) => t !== null && t >= w.from && t <= w.to;
  const wraps = a.wraps.filter((x) => x.start !== null && x.finish !== null && x.finish >= w.from && x.start <= w.to);
  const alarms = a.alarms.filter((x) => inside(x.local));
  const issues = a.issues.filter((x) => inside(x.local));
  const receipts = a.receipts.filter((x) => inside(x.local));
  const keys = new Set([
    ...wraps.map((x) => `polycomm_suitcase:${x.polycomId}`), ...alarms.map((x) => `polycommalarm:${x.id}`),
    ...issues.map((x) => `polycommissue:${x.id}`), ...receipts.map((x) => `receipts:${x.id}`),
  ]);
  const taskIds = new Set(a.links.filter((l) => keys.has(`${l.table}:${l.eventId}`)).map((l) => l.taskId));
  for (const t of a.tasks) if (inside(t.localDate)) taskIds.add(t.id);
  const links = a.links.filter((l) => taskIds.has(l.taskId));
  const linkedIssues = new Set(links.filter((l) => l.table === 'polycommissue').map((l) => l.eventId));
  return {
    ...a, wraps, alarms, issues, receipts,
    tasks: a.tasks.filter((t) => taskIds.has(t.id)),
    links,
    analyzerIssues: a.analyzerIssues.filter((x) => linkedIssues.has(x.id) || inside(x.local)),
  };
}
