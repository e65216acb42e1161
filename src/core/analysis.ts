// The shared pipeline behind analyzeDevice and explainDevice.

import type { DeviceInput, Micros, RejectedRow, Settings } from './types.js';
import type { Entry, Group } from './model.js';
import { buildTimeline, moveReceipts, nest, validate } from './timeline.js';
import { deferGroups, makeGroups } from './groups.js';
import { analyseReceiptsGroup } from './receipts.js';
import { analyseDwrGroup } from './dwr.js';

export interface Analysis {
  receiptsMode: boolean;
  /** The final timeline (after R7), in position order. */
  seq: Entry[];
  groups: Group[];
  /** Index of the first deferred group (groups.length when none). */
  firstDeferred: number;
  rejected: RejectedRow[];
  moscowFallbacks: number;
}

/**
 * R3-R15 for one device. Deferred groups are analysed only when
 * `analyseDeferred` (explain wants to show what they would become; the plan
 * does not need them).
 */
export function runAnalysis(input: DeviceInput, settings: Settings, now: Micros, analyseDeferred: boolean): Analysis {
  const receiptsMode = settings.mode === 'receipts';
  const v = validate(input, settings.mode);
  const top = nest(v.wraps, v.points);
  let seq = buildTimeline(v.wraps, top, v.receipts);
  if (receiptsMode) seq = moveReceipts(seq);
  const groups = makeGroups(seq, receiptsMode, settings.timedeltaCheck);
  const firstDeferred = deferGroups(groups, now, settings.lastEventTime);
  const last = analyseDeferred ? groups.length : firstDeferred;
  for (let i = 0; i < last; i++) {
    const g = groups[i] as Group;
    if (receiptsMode) analyseReceiptsGroup(g);
    else analyseDwrGroup(g);
  }
  return { receiptsMode, seq, groups, firstDeferred, rejected: v.rejected, moscowFallbacks: v.moscowFallbacks };
}
