// R8 grouping (cuts with reasons, latest times) and R9 deferral.

import type { Micros } from './types.js';
import { MICROS_PER_SECOND } from './types.js';
import { CUT_NONE, CUT_RECEIPT, CUT_TIME, FINISH, RECEIPT, START } from './model.js';
import type { Work } from './model.js';

/**
 * R8. Cuts between consecutive entries a, b of the final (post-R7) sequence:
 *  1. receipts mode: a is a receipt and b is a wrap_start, alarm or issue;
 *  2. b.local - a.local > TIMEDELTA_CHECK seconds, unless b is a wrap_finish.
 * After R7 the sequence is not sorted: a negative gap never cuts. When both
 * rules hold the cut is reported as rule 1.
 *
 * Group times (docs/rules.md "Group times", a choice where the rules are silent):
 *  - latest local / Moscow = max over the entries standing in the group, taken
 *    separately. A wrap_finish standing in this group counts even when its
 *    wrap belongs to an earlier group (it is an entry of this group); the
 *    finish of an own wrap standing in a later group does not count here.
 *  - nested alarms/issues left the timeline (R5) and do not count.
 *  - firstLocal = min local time over the entries (a moved receipt can be
 *    earlier than the entry that opened the group).
 */
export function makeGroups(w: Work, timedeltaCheck: number): void {
  const { f64, i32, u8 } = w.scratch;
  const { m, sKind, sRef, sLocal, sMoscow, wGroup, receiptsMode } = w;
  const delta = timedeltaCheck * MICROS_PER_SECOND;
  // Pass 1: the cut (if any) before each position.
  const cuts = u8(m).fill(0);
  let ng = m > 0 ? 1 : 0;
  for (let i = 1; i < m; i++) {
    const kind = sKind[i];
    if (kind === FINISH) continue;
    if (receiptsMode && sKind[i - 1] === RECEIPT && kind !== RECEIPT) cuts[i] = CUT_RECEIPT;
    else if (sLocal[i] - sLocal[i - 1] > delta) cuts[i] = CUT_TIME;
    else continue;
    ng++;
  }
  // Pass 2: the groups and their times.
  const gFrom = i32(ng);
  const gTo = i32(ng);
  const gCut = u8(ng);
  const gGap = f64(ng);
  const gFirstLocal = f64(ng);
  const gLatestLocal = f64(ng);
  const gLatestMoscow = f64(ng);
  let g = -1;
  let first = 0;
  let latest = 0;
  let latestMoscow = 0;
  for (let i = 0; i < m; i++) {
    const local = sLocal[i];
    const moscow = sMoscow[i];
    const cut = cuts[i];
    if (i === 0 || cut !== CUT_NONE) {
      if (g >= 0) {
        gTo[g] = i;
        gFirstLocal[g] = first;
        gLatestLocal[g] = latest;
        gLatestMoscow[g] = latestMoscow;
      }
      g++;
      gFrom[g] = i;
      gCut[g] = cut;
      gGap[g] = i === 0 ? 0 : (local - sLocal[i - 1]) / MICROS_PER_SECOND;
      first = local;
      latest = local;
      latestMoscow = moscow;
    } else {
      if (local < first) first = local;
      if (local > latest) latest = local;
      if (moscow > latestMoscow) latestMoscow = moscow;
    }
    if (sKind[i] === START) wGroup[sRef[i]] = g;
  }
  if (g >= 0) {
    gTo[g] = m;
    gFirstLocal[g] = first;
    gLatestLocal[g] = latest;
    gLatestMoscow[g] = latestMoscow;
  }
  w.ng = ng;
  w.gFrom = gFrom;
  w.gTo = gTo;
  w.gCut = gCut;
  w.gGap = gGap;
  w.gFirstLocal = gFirstLocal;
  w.gLatestLocal = gLatestLocal;
  w.gLatestMoscow = gLatestMoscow;
  w.gType = u8(ng).fill(0);
  w.gBalanced = u8(ng).fill(0);
}

/**
 * R9. The first group whose latest Moscow time is less than LAST_EVENT_TIME
 * seconds before now (an age of exactly LAST_EVENT_TIME is old enough; a time
 * after now is in progress) and every later group are deferred.
 */
export function deferGroups(w: Work, now: Micros, lastEventTime: number): void {
  const minAge = lastEventTime * MICROS_PER_SECOND;
  let first = w.ng;
  for (let g = 0; g < w.ng; g++) {
    if (now - w.gLatestMoscow[g] < minAge) {
      first = g;
      break;
    }
  }
  w.firstDeferred = first;
}
