// dwr mode: R15.

import type { Group } from './model.js';

/**
 * R15. Anomalous = a top-level alarm or issue, or a wrap with a nested one.
 * Anomalous groups get type 1 (nS = 0), 4 (nA + nI = 0) or 5; clean groups
 * (taskType null) make no task. Wrap verdicts: nested -> unfit and unpaid.
 */
export function analyseDwrGroup(g: Group): void {
  const c = g.counts;
  c.nA = g.alarms.length;
  c.nI = g.issues.length;
  c.nS = g.wraps.length;
  let nestedAny = false;
  for (const w of g.wraps) {
    const nested = w.nested.length > 0;
    if (nested) nestedAny = true;
    if (w.type === 1) c.S1++;
    else if (w.type === 2) c.S2++;
    else c.SU++;
    w.csp = !nested;
    w.unpaid = nested;
    w.toAccount = !nested;
    w.issue = 0;
  }
  const notices = c.nA + c.nI;
  g.balanced = false;
  g.taskType = notices === 0 && !nestedAny ? null : c.nS === 0 ? 1 : notices === 0 ? 4 : 5;
  g.analysed = true;
}
