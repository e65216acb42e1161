// Receipts mode: R10 balance, R11 task type, R12 matching, R13 verdicts, R14 analyzer issue types.

import type { GroupCounts, TaskType } from './types.js';
import { ALARM, CSP, ISSUE, RECEIPT, START, TO_ACCOUNT, UNPAID } from './model.js';
import type { Work } from './model.js';

/** R11: the first row of the table that holds, in the order the table lists them (1, 3, 2, 4, 5). */
export function receiptsTaskType(c: GroupCounts): TaskType {
  const notices = c.nA + c.nI;
  if (c.nS === 0 && c.nR === 0) return 1;
  if (c.nS === 0 && c.nR > 0 && notices > 0) return 3;
  if (c.nS === 0 && c.nR > 0) return 2;
  if (notices === 0 && c.nR > 0 && c.SU === 0 && c.Q1 >= c.S1 && c.Q2 >= c.S2 && (c.Q1 > c.S1 || c.Q2 > c.S2)) return 2;
  if (notices === 0 && (c.nR === 0 || (c.Q1 <= c.S1 && c.Q2 <= c.S2))) return 4;
  return 5;
}

/** The counts of group g (docs/rules.md, "4. Receipts mode"): S1, S2, SU by wrap_start; Q1, Q2, nR over receipts; top-level nA, nI. */
export function countGroup(w: Work, g: number, c: GroupCounts): GroupCounts {
  const { sKind, sRef, wType, rSingle, rDouble } = w;
  c.S1 = c.S2 = c.SU = c.Q1 = c.Q2 = c.nA = c.nI = c.nR = c.nS = 0;
  const to = w.gTo[g];
  for (let i = w.gFrom[g]; i < to; i++) {
    const kind = sKind[i];
    const r = sRef[i];
    if (kind === START) {
      c.nS++;
      const t = wType[r];
      if (t === 1) c.S1++;
      else if (t === 2) c.S2++;
      else c.SU++;
    } else if (kind === RECEIPT) {
      c.nR++;
      c.Q1 += rSingle[r];
      c.Q2 += rDouble[r];
    } else if (kind === ALARM) {
      c.nA++;
    } else if (kind === ISSUE) {
      c.nI++;
    }
  }
  return c;
}

/**
 * R12 for the positions [from, to). Receipts latest first (by position); each
 * pays wraps latest first (by the position of their wrap_start): first by type
 * (type 1 <- single, type 2 <- double), then, with positions still left,
 * residual: the remaining unpaid wraps of any type (untyped included), single
 * positions before double ones. The wrap's paid type is the position's type.
 * Each pointer only moves backwards: O(group size) whatever the quantities.
 */
function matchReceipts(w: Work, from: number, to: number): void {
  const { sKind, sRef, wType, wPaidBy, wPaidType, rLeftSingle, rLeftDouble } = w;
  let p1 = to - 1;
  let p2 = to - 1;
  let pa = to - 1;
  for (let ri = to - 1; ri >= from; ri--) {
    if (sKind[ri] !== RECEIPT) continue;
    const r = sRef[ri];
    let single = rLeftSingle[r];
    let double = rLeftDouble[r];
    while (single > 0) {
      while (p1 >= from && !(sKind[p1] === START && wType[sRef[p1]] === 1 && wPaidBy[sRef[p1]] < 0)) p1--;
      if (p1 < from) break;
      wPaidBy[sRef[p1]] = r;
      wPaidType[sRef[p1]] = 1;
      single--;
    }
    while (double > 0) {
      while (p2 >= from && !(sKind[p2] === START && wType[sRef[p2]] === 2 && wPaidBy[sRef[p2]] < 0)) p2--;
      if (p2 < from) break;
      wPaidBy[sRef[p2]] = r;
      wPaidType[sRef[p2]] = 2;
      double--;
    }
    while (single > 0 || double > 0) {
      while (pa >= from && !(sKind[pa] === START && wPaidBy[sRef[pa]] < 0)) pa--;
      if (pa < from) break;
      const x = sRef[pa];
      wPaidBy[x] = r;
      if (single > 0) {
        wPaidType[x] = 1;
        single--;
      } else {
        wPaidType[x] = 2;
        double--;
      }
    }
    rLeftSingle[r] = single;
    rLeftDouble[r] = double;
  }
}

/** R10-R14 for group g of a receipts-mode pass; `c` is scratch space for the counts. */
export function analyseReceiptsGroup(w: Work, g: number, c: GroupCounts): void {
  countGroup(w, g, c);
  const from = w.gFrom[g];
  const to = w.gTo[g];
  // R10: nested and top-level alarms/issues do not change the balance.
  const balanced = c.S1 === c.Q1 && c.S2 === c.Q2 && c.SU === 0;
  w.gBalanced[g] = balanced ? 1 : 0;
  w.gType[g] = receiptsTaskType(c);
  // R12: in every group with wraps and receipts; a receipt in a group
  // without wraps keeps all its positions.
  if (c.nS > 0 && c.nR > 0) matchReceipts(w, from, to);
  const { sKind, sRef, wType, wPaidBy, wPaidType, wNestHead, wVerdict, wIssue, rLeftSingle, rLeftDouble, rStatus } = w;
  for (let i = from; i < to; i++) {
    const kind = sKind[i];
    const x = sRef[i];
    if (kind === RECEIPT) {
      rStatus[x] = rLeftSingle[x] > 0 || rLeftDouble[x] > 0 ? 2 : 1;
    } else if (kind === START) {
      if (balanced) {
        // R13: balanced groups. Matching there is exact by type (no residual
        // can happen when Q1 = S1, Q2 = S2, SU = 0), so every wrap is paid.
        wVerdict[x] = CSP | TO_ACCOUNT;
        wIssue[x] = 0;
      } else if (wPaidBy[x] >= 0) {
        wVerdict[x] = CSP | TO_ACCOUNT;
        // Untyped wraps (type 0) never get 8 or 9.
        const t = wType[x];
        const paid = wPaidType[x];
        wIssue[x] = t === 2 && paid === 1 ? 8 : t === 1 && paid === 2 ? 9 : 0;
      } else if (wNestHead[x] >= 0) {
        wVerdict[x] = UNPAID; // unfit (КнПУ): not csp, not billed, no analyzer issue
        wIssue[x] = 0;
      } else {
        wVerdict[x] = CSP | UNPAID | TO_ACCOUNT;
        wIssue[x] = 7;
      }
    }
  }
}
