// R8 grouping (cuts with reasons, latest times) and R9 deferral.

import type { Micros } from './types.js';
import { MICROS_PER_SECOND } from './types.js';
import { ALARM, FINISH, ISSUE, RECEIPT, START } from './model.js';
import type { Counts, Cut, Entry, Group, Point, Receipt, Wrap } from './model.js';

function emptyCounts(): Counts {
  return { S1: 0, S2: 0, SU: 0, Q1: 0, Q2: 0, nA: 0, nI: 0, nR: 0, nS: 0 };
}

function newGroup(index: number, from: number, cut: Cut | null, first: Entry): Group {
  return {
    index,
    from,
    to: from,
    cut,
    wraps: [],
    receipts: [],
    alarms: [],
    issues: [],
    firstLocal: first.local,
    latestLocal: first.local,
    latestMoscow: first.moscow,
    deferred: false,
    analysed: false,
    counts: emptyCounts(),
    balanced: false,
    taskType: null,
  };
}

/**
 * R8. Cuts between consecutive entries a, b of the final (post-R7) sequence:
 *  1. receipts mode: a is a receipt and b is a wrap_start, alarm or issue;
 *  2. b.local - a.local > TIMEDELTA_CHECK seconds, unless b is a wrap_finish.
 * After R7 the sequence is not sorted: a negative gap never cuts.
 *
 * Group times (choices where the spec reads two ways, documented here):
 *  - latest local / Moscow = max over the entries standing in the group, taken
 *    separately. A wrap_finish that stands in this group counts even when its
 *    wrap belongs to an earlier group (it is an entry of this group); the
 *    finish of an own wrap standing in a later group does not count here.
 *  - nested alarms/issues left the timeline (R5) and do not count.
 *  - firstLocal = min local time over the entries (a moved receipt can be
 *    earlier than the entry that opened the group).
 */
export function makeGroups(seq: Entry[], receiptsMode: boolean, timedeltaCheck: number): Group[] {
  const groups: Group[] = [];
  const n = seq.length;
  if (n === 0) return groups;
  const delta = timedeltaCheck * MICROS_PER_SECOND;
  let g = newGroup(0, 0, null, seq[0] as Entry);
  groups.push(g);
  let prev: Entry | null = null;
  for (let i = 0; i < n; i++) {
    const e = seq[i] as Entry;
    const kind = e.kind;
    if (prev !== null && kind !== FINISH) {
      const gap = e.local - prev.local;
      let reason: Cut['reason'] | null = null;
      if (receiptsMode && prev.kind === RECEIPT && kind !== RECEIPT) reason = 'receipt';
      else if (gap > delta) reason = 'time';
      if (reason !== null) {
        g.to = i;
        g = newGroup(groups.length, i, { reason, gapSeconds: gap / MICROS_PER_SECOND }, e);
        groups.push(g);
      }
    }
    prev = e;
    if (e.local < g.firstLocal) g.firstLocal = e.local;
    if (e.local > g.latestLocal) g.latestLocal = e.local;
    if (e.moscow > g.latestMoscow) g.latestMoscow = e.moscow;
    if (kind === START) {
      const w = e.wrap as Wrap;
      w.group = g.index;
      w.position = i;
      g.wraps.push(w);
    } else if (kind === RECEIPT) {
      g.receipts.push(e.receipt as Receipt);
    } else if (kind === ALARM) {
      g.alarms.push(e.point as Point);
    } else if (kind === ISSUE) {
      g.issues.push(e.point as Point);
    }
  }
  g.to = n;
  return groups;
}

/**
 * R9. The first group whose latest Moscow time is less than LAST_EVENT_TIME
 * seconds before now (an age of exactly LAST_EVENT_TIME is old enough; a time
 * after now is in progress) and every later group are deferred.
 * Returns the index of the first deferred group (groups.length if none).
 */
export function deferGroups(groups: Group[], now: Micros, lastEventTime: number): number {
  const minAge = lastEventTime * MICROS_PER_SECOND;
  let first = groups.length;
  for (let i = 0; i < groups.length; i++) {
    if (now - (groups[i] as Group).latestMoscow < minAge) {
      first = i;
      break;
    }
  }
  for (let i = first; i < groups.length; i++) (groups[i] as Group).deferred = true;
  return first;
}
