// "Why did this task appear?": the analysis of one device as pure data (rendered by the shell).

import type {
  AnalyzerIssue,
  AnalyzerIssueType,
  DeviceInput,
  EventTable,
  GroupCounts,
  Micros,
  Mode,
  RejectedRow,
  Settings,
  TaskType,
} from './types.js';
import { MICROS_PER_SECOND } from './types.js';
import { ALARM, CUT_RECEIPT, FINISH, ISSUE, R6_TIE_ORDER, RECEIPT, START, newCounts } from './model.js';
import type { EntryKindName, Work } from './model.js';
import { runAnalysis } from './analysis.js';
import { countGroup } from './receipts.js';
import { analyzerIssueOf, wrapUpdateOf } from './plan.js';
import { Scratch } from './scratch.js';

export type { EntryKindName } from './model.js';

/** An alarm or issue nested in a wrap (R5); it left the timeline. */
export interface ExplainedNested {
  kind: 'alarm' | 'issue';
  table: 'polycommalarm' | 'polycommissue';
  rowId: number;
  local: Micros;
  moscow: Micros;
}

/** One timeline entry, in final (post-R7) order. Positions and group numbers are 1-based. */
export interface ExplainedEntry {
  position: number;
  /** The group the entry stands in. */
  group: number;
  kind: EntryKindName;
  table: EventTable;
  rowId: number;
  /** Local and Moscow time of this entry (after the R3 fallback). */
  local: Micros;
  moscow: Micros;
  /** R7: a receipt moved after a wrap_finish. */
  movedByR7: boolean;
  /** Wrap entries: the group that owns the wrap (holds its wrap_start); else the entry's group. */
  ownerGroup: number;
  /** Wrap entries: 1 single, 2 double, 0 untyped; null for other entries. */
  wrapType: 0 | 1 | 2 | null;
  /** wrap_start entries: the nested alarms and issues (R5, R16 order); empty otherwise. */
  nested: ExplainedNested[];
}

/** A cut between two groups (R8): before entry `position`, opening group `group`. */
export interface ExplainedCut {
  position: number;
  group: number;
  /** 'receipt' = R8 rule 1 (reported when both rules hold), 'time' = R8 rule 2. */
  reason: 'receipt' | 'time';
  /** Local time of the entry after the cut minus that of the entry before it, in seconds. */
  gapSeconds: number;
}

/** One wrap owned by a group, with its R12 payment and R13/R15 verdict. */
export interface ExplainedWrap {
  wrapId: number;
  polycomId: number | null;
  wrapType: 0 | 1 | 2;
  nestedAlarms: number;
  nestedIssues: number;
  /** R12: the receipt that paid it and the position type it was paid as. */
  paidBy: number | null;
  paidAs: 1 | 2 | null;
  csp: boolean;
  unpaid: boolean;
  toAccount: boolean;
  inTask: boolean;
  analyzerIssue: AnalyzerIssueType | null;
}

export interface ExplainedReceipt {
  receiptId: number;
  single: number;
  double: number;
  singleLeft: number;
  doubleLeft: number;
  status: 1 | 2;
  movedByR7: boolean;
}

export interface ExplainedGroup {
  group: number;
  firstPosition: number;
  lastPosition: number;
  /** R9. Deferred groups are analysed too, to show what they would become; nothing of them is written. */
  state: 'written' | 'deferred';
  /** now - latestMoscow, in seconds (R9). */
  ageSeconds: number;
  /** Receipts mode: always; dwr: anomalous groups only (R15). */
  makesTask: boolean;
  taskType: TaskType | null;
  /** R10 (receipts mode); false in dwr. */
  balanced: boolean;
  resolved: boolean;
  firstLocal: Micros;
  latestLocal: Micros;
  latestMoscow: Micros;
  counts: GroupCounts;
  wraps: ExplainedWrap[];
  receipts: ExplainedReceipt[];
  analyzerIssues: AnalyzerIssue[];
  topLevelAlarmIds: number[];
  topLevelIssueIds: number[];
}

export interface Explanation {
  deviceId: number;
  mode: Mode;
  now: Micros;
  lastEventTime: number;
  timedeltaCheck: number;
  entries: ExplainedEntry[];
  cuts: ExplainedCut[];
  groups: ExplainedGroup[];
  rejected: RejectedRow[];
  moscowFallbacks: number;
}

function nestedOf(w: Work, x: number): ExplainedNested[] {
  const out: ExplainedNested[] = [];
  for (let p = w.wNestHead[x]; p >= 0; p = w.pNext[p]) {
    const alarm = w.pKind[p] === ALARM;
    out.push({
      kind: alarm ? 'alarm' : 'issue',
      table: alarm ? 'polycommalarm' : 'polycommissue',
      rowId: w.pId[p],
      local: w.pLocal[p],
      moscow: w.pMoscow[p],
    });
  }
  return out;
}

function explainGroup(w: Work, g: number, now: Micros): ExplainedGroup {
  const type = w.gType[g];
  const makesTask = type !== 0;
  const wraps: ExplainedWrap[] = [];
  const receipts: ExplainedReceipt[] = [];
  const analyzerIssues: AnalyzerIssue[] = [];
  const topLevelAlarmIds: number[] = [];
  const topLevelIssueIds: number[] = [];
  const from = w.gFrom[g];
  const to = w.gTo[g];
  for (let i = from; i < to; i++) {
    const kind = w.sKind[i];
    const x = w.sRef[i];
    if (kind === START) {
      const nested = nestedOf(w, x);
      const nestedAlarms = nested.filter((n) => n.kind === 'alarm').length;
      const paidType = w.wPaidType[x];
      const issue = w.wIssue[x];
      const update = wrapUpdateOf(w, x, makesTask);
      wraps.push({
        wrapId: update.id,
        polycomId: w.input.wraps[w.wSrc[x]].polycomId,
        wrapType: w.wType[x] as 0 | 1 | 2,
        nestedAlarms,
        nestedIssues: nested.length - nestedAlarms,
        paidBy: update.receiptId,
        paidAs: paidType === 0 ? null : (paidType as 1 | 2),
        csp: update.csp,
        unpaid: update.unpaid,
        toAccount: update.toAccount,
        inTask: update.inTask,
        analyzerIssue: issue === 0 ? null : (issue as AnalyzerIssueType),
      });
      if (issue !== 0) analyzerIssues.push(analyzerIssueOf(w, x));
    } else if (kind === RECEIPT) {
      receipts.push({
        receiptId: w.rId[x],
        single: w.rSingle[x],
        double: w.rDouble[x],
        singleLeft: w.rLeftSingle[x],
        doubleLeft: w.rLeftDouble[x],
        status: w.rStatus[x] as 1 | 2,
        movedByR7: w.rMoved[x] === 1,
      });
    } else if (kind === ALARM) {
      topLevelAlarmIds.push(w.pId[x]);
    } else if (kind === ISSUE) {
      topLevelIssueIds.push(w.pId[x]);
    }
  }
  const balanced = w.gBalanced[g] === 1;
  const latestMoscow = w.gLatestMoscow[g];
  return {
    group: g + 1,
    firstPosition: from + 1,
    lastPosition: to,
    state: g >= w.firstDeferred ? 'deferred' : 'written',
    ageSeconds: (now - latestMoscow) / MICROS_PER_SECOND,
    makesTask,
    taskType: makesTask ? (type as TaskType) : null,
    balanced,
    resolved: balanced,
    firstLocal: w.gFirstLocal[g],
    latestLocal: w.gLatestLocal[g],
    latestMoscow,
    counts: countGroup(w, g, newCounts()),
    wraps,
    receipts,
    analyzerIssues,
    topLevelAlarmIds,
    topLevelIssueIds,
  };
}

function rowIdAt(w: Work, i: number): number {
  const x = w.sRef[i];
  switch (w.sKind[i]) {
    case START:
    case FINISH:
      return w.wId[x];
    case RECEIPT:
      return w.rId[x];
    default:
      return w.pId[x];
  }
}

/** Pure data for an operator: the same analysis as analyzeDevice, with every step shown. */
/** `scratch`: the caller's, to reuse its memory across devices; a fresh one by default. */
export function explainDevice(input: DeviceInput, settings: Settings, now: Micros, scratch: Scratch = new Scratch()): Explanation {
  const w = runAnalysis(input, settings, now, true, scratch);
  const entries: ExplainedEntry[] = [];
  const cuts: ExplainedCut[] = [];
  const groups: ExplainedGroup[] = [];
  for (let g = 0; g < w.ng; g++) {
    const from = w.gFrom[g];
    if (g > 0) {
      cuts.push({ position: from + 1, group: g + 1, reason: w.gCut[g] === CUT_RECEIPT ? 'receipt' : 'time', gapSeconds: w.gGap[g] });
    }
    for (let i = from; i < w.gTo[g]; i++) {
      const kind = w.sKind[i];
      const x = w.sRef[i];
      const wrap = kind === START || kind === FINISH;
      entries.push({
        position: i + 1,
        group: g + 1,
        kind: R6_TIE_ORDER[kind].name,
        table: R6_TIE_ORDER[kind].table,
        rowId: rowIdAt(w, i),
        local: w.sLocal[i],
        moscow: w.sMoscow[i],
        movedByR7: kind === RECEIPT && w.rMoved[x] === 1,
        ownerGroup: wrap ? w.wGroup[x] + 1 : g + 1,
        wrapType: wrap ? (w.wType[x] as 0 | 1 | 2) : null,
        nested: kind === START ? nestedOf(w, x) : [],
      });
    }
    groups.push(explainGroup(w, g, now));
  }
  return {
    deviceId: input.deviceId,
    mode: settings.mode,
    now,
    lastEventTime: settings.lastEventTime,
    timedeltaCheck: settings.timedeltaCheck,
    entries,
    cuts,
    groups,
    rejected: w.rejected,
    moscowFallbacks: w.moscowFallbacks,
  };
}

// ---------------------------------------------------------------------------
// Rendering
