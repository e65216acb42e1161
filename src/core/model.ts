// Internal working model of the core (not part of the shell contract).
// One shape per object kind so the hot loops stay monomorphic.

import type { AnalyzerIssueType, Micros, PointRow, ReceiptRow, TaskType, WrapRow } from './types.js';

/** Timeline entry kinds; the numeric value is the R6 tie rank at equal local time. */
export const FINISH = 0;
export const RECEIPT = 1;
export const ALARM = 2;
export const ISSUE = 3;
export const START = 4;
export type Kind = 0 | 1 | 2 | 3 | 4;
export type PointKind = 2 | 3;

export interface Wrap {
  row: WrapRow;
  id: number;
  /** Local start / finish and their Moscow counterparts after the R3 fallback. */
  start: Micros;
  finish: Micros;
  startMoscow: Micros;
  finishMoscow: Micros;
  /** 1 single, 2 double, 0 untyped (R4). */
  type: 0 | 1 | 2;
  /** R5: nested alarms and issues in (time, alarm before issue, id) order. */
  nested: Point[];
  /** Index of the group holding the wrap_start (R8), -1 before grouping. */
  group: number;
  /** Position of the wrap_start entry in the final sequence (R7). */
  position: number;
  /** R12 */
  paidBy: Receipt | null;
  paidType: 0 | 1 | 2;
  /** R13 / R15 */
  csp: boolean;
  unpaid: boolean;
  toAccount: boolean;
  issue: AnalyzerIssueType | 0;
}

export interface Point {
  row: PointRow;
  kind: PointKind;
  id: number;
  local: Micros;
  moscow: Micros;
  /** The wrap it is nested in (R5), or null when top-level. */
  wrap: Wrap | null;
}

export interface Receipt {
  row: ReceiptRow;
  id: number;
  local: Micros;
  moscow: Micros;
  single: number;
  double: number;
  /** R12: positions not yet used. */
  leftSingle: number;
  leftDouble: number;
  /** R7: moved after a wrap_finish. */
  moved: boolean;
  status: 1 | 2;
}

export interface Entry {
  kind: Kind;
  local: Micros;
  moscow: Micros;
  /** Row id used for R6 tie breaking. */
  id: number;
  wrap: Wrap | null;
  point: Point | null;
  receipt: Receipt | null;
}

export interface Cut {
  /** 'receipt' = R8 rule 1, 'time' = R8 rule 2 (rule 1 is reported when both hold). */
  reason: 'receipt' | 'time';
  /** b.local - a.local in seconds. */
  gapSeconds: number;
}

export interface Counts {
  S1: number;
  S2: number;
  SU: number;
  Q1: number;
  Q2: number;
  nA: number;
  nI: number;
  nR: number;
  nS: number;
}

export interface Group {
  index: number;
  /** [from, to) positions in the final sequence. */
  from: number;
  to: number;
  /** The cut that opened this group (null for the first group). */
  cut: Cut | null;
  /** Wraps whose wrap_start stands in this group, in position order. */
  wraps: Wrap[];
  /** Receipts, top-level alarms and top-level issues standing in this group, in position order. */
  receipts: Receipt[];
  alarms: Point[];
  issues: Point[];
  firstLocal: Micros;
  latestLocal: Micros;
  latestMoscow: Micros;
  deferred: boolean;
  /** Filled by the mode analysis (R10-R15). */
  analysed: boolean;
  counts: Counts;
  balanced: boolean;
  /** null: a clean dwr group, which makes no task (R15). */
  taskType: TaskType | null;
}
