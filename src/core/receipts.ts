// Receipts mode: R10 balance, R11 task type, R12 matching, R13 verdicts, R14 analyzer issue types.

import type { TaskType } from './types.js';
import type { Counts, Group, Receipt, Wrap } from './model.js';

/** R11: the first row of the table that holds, in the order the table lists them (1, 3, 2, 4, 5). */
export function receiptsTaskType(c: Counts): TaskType {
  const notices = c.nA + c.nI;
  if (c.nS === 0 && c.nR === 0) return 1;
  if (c.nS === 0 && c.nR > 0 && notices > 0) return 3;
  if (c.nS === 0 && c.nR > 0) return 2;
  if (
    notices === 0 &&
    c.nR > 0 &&
    c.SU === 0 &&
    c.Q1 >= c.S1 &&
    c.Q2 >= c.S2 &&
    (c.Q1 > c.S1 || c.Q2 > c.S2)
  ) {
    return 2;
  }
  if (notices === 0 && (c.nR === 0 || (c.Q1 <= c.S1 && c.Q2 <= c.S2))) return 4;
  return 5;
}

function pay(w: Wrap, r: Receipt, paidType: 1 | 2): void {
  w.paidBy = r;
  w.paidType = paidType;
}

/**
 * R12. Receipts latest first (by position); each pays wraps latest first (by
 * the position of their wrap_start): first by type (type 1 <- single, type 2 <-
 * double), then, with positions still left, residual: the remaining unpaid
 * wraps of any type (untyped included), single positions before double ones.
 * The wrap's paid type is the position's type. Every pointer only moves
 * backwards, so a group costs O(wraps + receipts) whatever the quantities.
 */
export function matchReceipts(wraps: Wrap[], receipts: Receipt[]): void {
  let p1 = wraps.length - 1;
  let p2 = p1;
  let pa = p1;
  for (let ri = receipts.length - 1; ri >= 0; ri--) {
    const r = receipts[ri] as Receipt;
    while (r.leftSingle > 0) {
      while (p1 >= 0 && ((wraps[p1] as Wrap).type !== 1 || (wraps[p1] as Wrap).paidBy !== null)) p1--;
      if (p1 < 0) break;
      pay(wraps[p1] as Wrap, r, 1);
      r.leftSingle--;
    }
    while (r.leftDouble > 0) {
      while (p2 >= 0 && ((wraps[p2] as Wrap).type !== 2 || (wraps[p2] as Wrap).paidBy !== null)) p2--;
      if (p2 < 0) break;
      pay(wraps[p2] as Wrap, r, 2);
      r.leftDouble--;
    }
    while (r.leftSingle > 0 || r.leftDouble > 0) {
      while (pa >= 0 && (wraps[pa] as Wrap).paidBy !== null) pa--;
      if (pa < 0) break;
      if (r.leftSingle > 0) {
        pay(wraps[pa] as Wrap, r, 1);
        r.leftSingle--;
      } else {
        pay(wraps[pa] as Wrap, r, 2);
        r.leftDouble--;
      }
    }
  }
}

/** R10-R14 for one group of a receipts-mode pass. */
export function analyseReceiptsGroup(g: Group): void {
  const c = g.counts;
  for (const w of g.wraps) {
    if (w.type === 1) c.S1++;
    else if (w.type === 2) c.S2++;
    else c.SU++;
  }
  for (const r of g.receipts) {
    c.Q1 += r.single;
    c.Q2 += r.double;
  }
  c.nA = g.alarms.length;
  c.nI = g.issues.length;
  c.nR = g.receipts.length;
  c.nS = g.wraps.length;
  // R10: nested and top-level alarms/issues do not change the balance.
  g.balanced = c.S1 === c.Q1 && c.S2 === c.Q2 && c.SU === 0;
  g.taskType = receiptsTaskType(c);
  // R12: in every group with wraps and receipts; a receipt in a group
  // without wraps keeps all its positions.
  if (g.wraps.length > 0 && g.receipts.length > 0) matchReceipts(g.wraps, g.receipts);
  for (const r of g.receipts) r.status = r.leftSingle > 0 || r.leftDouble > 0 ? 2 : 1;
  for (const w of g.wraps) {
    if (g.balanced) {
      // R13: balanced groups. Matching there is exact by type (no residual
      // can happen when Q1 = S1, Q2 = S2, SU = 0), so every wrap is paid.
      w.csp = true;
      w.unpaid = false;
      w.toAccount = true;
      w.issue = 0;
    } else if (w.paidBy !== null) {
      w.csp = true;
      w.unpaid = false;
      w.toAccount = true;
      // Untyped wraps (type 0) never get 8 or 9.
      w.issue = w.type === 2 && w.paidType === 1 ? 8 : w.type === 1 && w.paidType === 2 ? 9 : 0;
    } else {
      const nested = w.nested.length > 0;
      w.csp = !nested;
      w.unpaid = true;
      w.toAccount = !nested;
      w.issue = nested ? 0 : 7;
    }
  }
  g.analysed = true;
}
