// The shared pipeline behind analyzeDevice and explainDevice.

import type { DeviceInput, Micros, Settings } from './types.js';
import { newCounts } from './model.js';
import type { Work } from './model.js';
import { buildTimeline, prepare } from './timeline.js';
import { deferGroups, makeGroups } from './groups.js';
import { analyseReceiptsGroup } from './receipts.js';
import { analyseDwrGroup } from './dwr.js';
import type { Scratch } from './scratch.js';

/**
 * R3-R15 for one device. Deferred groups are analysed only when
 * `analyseDeferred` (explain shows what they would become; the plan does not
 * need them).
 */
export function runAnalysis(input: DeviceInput, settings: Settings, now: Micros, analyseDeferred: boolean, scratch: Scratch): Work {
  scratch.reset();
  const w = prepare(input, settings.mode, scratch);
  buildTimeline(w);
  makeGroups(w, settings.timedeltaCheck);
  deferGroups(w, now, settings.lastEventTime);
  const last = analyseDeferred ? w.ng : w.firstDeferred;
  const counts = newCounts();
  for (let g = 0; g < last; g++) {
    if (w.receiptsMode) analyseReceiptsGroup(w, g, counts);
    else analyseDwrGroup(w, g);
  }
  return w;
}
