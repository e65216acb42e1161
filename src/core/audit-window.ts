// The audit's window (issue 23): which of a device's events must be loaded so
// that the groups holding the period's events are rebuilt whole. The shell
// loads every event of the device whose local time lies in a window; the
// groups the audit compares must not depend on anything outside it.
//
// A *quiet gap* settles that. Take an interval (t1, t2) of the device's local
// clock longer than TIMEDELTA_CHECK that no event time falls in and no wrap
// spans. Every entry at or before t1 comes before every entry at or after t2
// on the timeline (R6), R7 never moves a receipt across it (a wrap running at
// the receipt finishes by t1), no alarm or issue nests across it (R5), and the
// pair of entries either side of it is cut by R8 rule 2 (the later one is no
// wrap_finish: its wrap would span the gap). So the groups after the gap are
// the same whatever lies before it, and the same holds mirrored. A quiet gap
// between the window's start and the first event that matters, and another
// between the last and the window's end, make those groups exact.

import type { Micros } from './types.js';
import { MICROS_PER_SECOND } from './types.js';
import { pointFault, receiptFault, wrapFault } from './timeline.js';

/** A span of local time, [from, to]. */
export interface Span {
  from: Micros;
  to: Micros;
}

/** What the window holds: the events' local times (the stored columns are not needed here). */
export interface WindowRows {
  wraps: readonly { start: Micros | null; finish: Micros | null }[];
  alarms: readonly { local: Micros | null }[];
  issues: readonly { local: Micros | null }[];
  receipts: readonly { local: Micros | null; single: number | null; double: number | null }[];
}

/** Whether each side of the window is settled: a quiet gap lies between the window's edge and `need`. */
export interface WindowEdges {
  before: boolean;
  after: boolean;
}

/** The intervals events occupy on the timeline, sorted by start; rows left out by R4 occupy nothing. */
function occupied(rows: WindowRows): { from: Float64Array; to: Float64Array } {
  const spans: [number, number][] = [];
  for (const w of rows.wraps) if (wrapFault(w) === null) spans.push([w.start!, w.finish!]);
  for (const p of [...rows.alarms, ...rows.issues]) if (pointFault(p) === null) spans.push([p.local!, p.local!]);
  for (const r of rows.receipts) if (receiptFault(r) === null) spans.push([r.local!, r.local!]);
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { from: Float64Array.from(spans, (s) => s[0]), to: Float64Array.from(spans, (s) => s[1]) };
}

/**
 * Is there a quiet gap (longer than `timedeltaCheck` seconds, free of events)
 * in [window.from, need.from] and another in [need.to, window.to]? Every event
 * whose time lies in the window (and every wrap overlapping it) must be in
 * `rows`. The window's own edges count as gap ends: nothing between an edge
 * and the first event inside it was left out.
 */
export function windowEdges(rows: WindowRows, need: Span, window: Span, timedeltaCheck: number): WindowEdges {
  const gap = timedeltaCheck * MICROS_PER_SECOND;
  const { from, to } = occupied(rows);
  const n = from.length;
  let before = false;
  let cursor = window.from;
  let i = 0;
  for (; i < n && from[i] <= need.from; i++) {
    if (from[i] - cursor > gap) before = true;
    if (to[i] > cursor) cursor = to[i];
  }
  // everything starting up to need.to and what it covers; then the first gap after it
  let after = false;
  cursor = Math.max(cursor, need.to);
  for (; i < n && from[i] <= need.to; i++) if (to[i] > cursor) cursor = to[i];
  for (; i < n && !after; i++) {
    if (from[i] - cursor > gap) after = true;
    else if (to[i] > cursor) cursor = to[i];
  }
  if (!after && window.to - cursor > gap) after = true;
  return { before, after };
}
