// Internal working model of the core (not part of the shell contract).
//
// All typed arrays come from the reusable scratch space (scratch.ts) and are
// valid only during one call of the core.
//
// Struct-of-arrays: one device's valid rows live in typed arrays indexed by
// their sorted position (wraps by (start, id), points by (local, alarm before
// issue, id), receipts by (local, id)); the timeline is two parallel arrays
// (entry kind, index into its table); a group is a range of timeline
// positions. Nothing in the hot loops allocates per entry, so a million
// events cost one sort per table and a few linear passes.

import type { DeviceInput, EventTable, GroupCounts, RejectedRow } from './types.js';
import type { Scratch } from './scratch.js';

/**
 * R6: the timeline's entry kinds in tie order. At equal local time an entry of
 * an earlier kind stands first (remaining ties by row id). A kind's number is
 * its index here, so comparing kinds compares R6 ranks: the timeline merge
 * (timeline.ts), the kind constants below and explain's names and tables all
 * come from this one table.
 */
export const R6_TIE_ORDER = [
  { name: 'wrap_finish', table: 'polycomm_suitcase' },
  { name: 'receipt', table: 'receipts' },
  { name: 'alarm', table: 'polycommalarm' },
  { name: 'issue', table: 'polycommissue' },
  { name: 'wrap_start', table: 'polycomm_suitcase' },
] as const satisfies readonly { name: string; table: EventTable }[];

export type EntryKindName = (typeof R6_TIE_ORDER)[number]['name'];

function rank(name: EntryKindName): number {
  return R6_TIE_ORDER.findIndex((k) => k.name === name);
}

/** Timeline entry kinds (values are R6 ranks, see R6_TIE_ORDER). */
export const FINISH = rank('wrap_finish');
export const RECEIPT = rank('receipt');
export const ALARM = rank('alarm');
export const ISSUE = rank('issue');
export const START = rank('wrap_start');
/** Ranks after every kind: "no entry" in the timeline merge. */
export const NO_KIND: number = R6_TIE_ORDER.length;

/** R8 cut reasons (per group: the cut that opened it). */
export const CUT_NONE = 0;
export const CUT_RECEIPT = 1;
export const CUT_TIME = 2;

/** Wrap verdict flags (R13, R15). */
export const CSP = 1;
export const UNPAID = 2;
export const TO_ACCOUNT = 4;

export function newCounts(): GroupCounts {
  return { S1: 0, S2: 0, SU: 0, Q1: 0, Q2: 0, nA: 0, nI: 0, nR: 0, nS: 0 };
}

export interface Work {
  /** Where this analysis's typed arrays come from. */
  scratch: Scratch;
  receiptsMode: boolean;
  rejected: RejectedRow[];
  moscowFallbacks: number;

  /** The rows as given (wrap rows are read back for R14 and explain). */
  input: DeviceInput;

  /** Valid wraps sorted by (start, id): index of the row in input.wraps, and columns. */
  nw: number;
  wSrc: Int32Array;
  wId: Float64Array;
  /** polycom_id, NaN for NULL. */
  wPolycom: Float64Array;
  wStart: Float64Array;
  wFinish: Float64Array;
  wStartMoscow: Float64Array;
  wFinishMoscow: Float64Array;
  /** 1 single, 2 double, 0 untyped (R4). */
  wType: Uint8Array;
  /** R5: first / last nested point (index into the points), -1 for none; linked by pNext. */
  wNestHead: Int32Array;
  wNestTail: Int32Array;
  /** R8: group holding the wrap_start. */
  wGroup: Int32Array;
  /** R12: paying receipt (index), -1 when unpaid; paid type 1/2 (0 unpaid). */
  wPaidBy: Int32Array;
  wPaidType: Uint8Array;
  /** R13/R15: CSP | UNPAID | TO_ACCOUNT flags; analyzer issue type (0 none). */
  wVerdict: Uint8Array;
  wIssue: Uint8Array;

  /** Valid alarms and issues sorted by (local, alarm before issue, id). */
  np: number;
  pId: Float64Array;
  pKind: Uint8Array;
  pLocal: Float64Array;
  pMoscow: Float64Array;
  /** R5: the wrap it is nested in, -1 when top-level; next nested point of the same wrap. */
  pWrap: Int32Array;
  pNext: Int32Array;

  /** Valid receipts sorted by (local, id). */
  nr: number;
  rId: Float64Array;
  rLocal: Float64Array;
  rMoscow: Float64Array;
  rSingle: Float64Array;
  rDouble: Float64Array;
  /** R12: positions left. */
  rLeftSingle: Float64Array;
  rLeftDouble: Float64Array;
  /** R7 */
  rMoved: Uint8Array;
  /** R12: 1 or 2. */
  rStatus: Uint8Array;

  /** The final timeline (after R7): kind, index into its table, own local and Moscow time. */
  m: number;
  sKind: Uint8Array;
  sRef: Int32Array;
  sLocal: Float64Array;
  sMoscow: Float64Array;

  /** Groups (R8): [gFrom, gTo) positions, opening cut (CUT_*) and gap in seconds, times. */
  ng: number;
  gFrom: Int32Array;
  gTo: Int32Array;
  gCut: Uint8Array;
  gGap: Float64Array;
  gFirstLocal: Float64Array;
  gLatestLocal: Float64Array;
  gLatestMoscow: Float64Array;
  /** R11/R15 task type, 0 = no task (clean dwr group); set for analysed groups only. */
  gType: Uint8Array;
  gBalanced: Uint8Array;
  /** R9: index of the first deferred group (ng when none). */
  firstDeferred: number;
}
