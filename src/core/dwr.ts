// dwr mode: R15.

import { ALARM, CSP, ISSUE, START, TO_ACCOUNT, UNPAID } from './model.js';
import type { Work } from './model.js';

/**
 * R15. Anomalous = a top-level alarm or issue, or a wrap with a nested one.
 * Anomalous groups get type 1 (nS = 0), 4 (nA + nI = 0) or 5; clean groups
 * (type 0) make no task. Wrap verdicts: nested -> unfit and unpaid, else fit.
 */
export function analyseDwrGroup(w: Work, g: number): void {
  const { sKind, sRef, wNestHead, wVerdict } = w;
  const to = w.gTo[g];
  let nS = 0;
  let notices = 0;
  let nested = false;
  for (let i = w.gFrom[g]; i < to; i++) {
    const kind = sKind[i];
    if (kind === START) {
      const x = sRef[i];
      nS++;
      if (wNestHead[x] >= 0) {
        nested = true;
        wVerdict[x] = UNPAID;
      } else {
        wVerdict[x] = CSP | TO_ACCOUNT;
      }
    } else if (kind === ALARM || kind === ISSUE) {
      notices++;
    }
  }
  w.gType[g] = notices === 0 && !nested ? 0 : nS === 0 ? 1 : notices === 0 ? 4 : 5;
}
