// "Why did this task appear?": the analysis of one device as pure data (rendered by the shell).

import type {
  AnalyzerIssue,
  AnalyzerIssueType,
  DeviceInput,
  EventTable,
  Micros,
  Mode,
  RejectedRow,
  Settings,
  TaskType,
} from './types.js';
import type { WrapRow } from './types.js';
import { MICROS_PER_SECOND } from './types.js';
import { ALARM, CSP, CUT_RECEIPT, FINISH, ISSUE, RECEIPT, START, TO_ACCOUNT, UNPAID, newCounts } from './model.js';
import type { Work } from './model.js';
import { runAnalysis } from './analysis.js';
import { countGroup } from './receipts.js';
import { analyzerIssueOf } from './plan.js';

export type EntryKindName = 'wrap_start' | 'wrap_finish' | 'receipt' | 'alarm' | 'issue';

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

export interface GroupCounts {
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

const KIND_NAME: readonly EntryKindName[] = ['wrap_finish', 'receipt', 'alarm', 'issue', 'wrap_start'];
const KIND_TABLE: readonly EventTable[] = ['polycomm_suitcase', 'receipts', 'polycommalarm', 'polycommissue', 'polycomm_suitcase'];

function nestedOf(w: Work, x: number): ExplainedNested[] {
  const out: ExplainedNested[] = [];
  for (let p = w.wNestHead[x] as number; p >= 0; p = w.pNext[p] as number) {
    const alarm = w.pKind[p] === ALARM;
    out.push({
      kind: alarm ? 'alarm' : 'issue',
      table: alarm ? 'polycommalarm' : 'polycommissue',
      rowId: w.pId[p] as number,
      local: w.pLocal[p] as number,
      moscow: w.pMoscow[p] as number,
    });
  }
  return out;
}

function explainGroup(w: Work, g: number, now: Micros): ExplainedGroup {
  const type = w.gType[g] as number;
  const makesTask = type !== 0;
  const wraps: ExplainedWrap[] = [];
  const receipts: ExplainedReceipt[] = [];
  const analyzerIssues: AnalyzerIssue[] = [];
  const topLevelAlarmIds: number[] = [];
  const topLevelIssueIds: number[] = [];
  const from = w.gFrom[g] as number;
  const to = w.gTo[g] as number;
  for (let i = from; i < to; i++) {
    const kind = w.sKind[i];
    const x = w.sRef[i] as number;
    if (kind === START) {
      const nested = nestedOf(w, x);
      const nestedAlarms = nested.filter((n) => n.kind === 'alarm').length;
      const payer = w.wPaidBy[x] as number;
      const paidType = w.wPaidType[x] as number;
      const verdict = w.wVerdict[x] as number;
      const issue = w.wIssue[x] as number;
      wraps.push({
        wrapId: w.wId[x] as number,
        polycomId: (w.input.wraps[w.wSrc[x] as number] as WrapRow).polycomId,
        wrapType: w.wType[x] as 0 | 1 | 2,
        nestedAlarms,
        nestedIssues: nested.length - nestedAlarms,
        paidBy: payer < 0 ? null : (w.rId[payer] as number),
        paidAs: paidType === 0 ? null : (paidType as 1 | 2),
        csp: (verdict & CSP) !== 0,
        unpaid: (verdict & UNPAID) !== 0,
        toAccount: (verdict & TO_ACCOUNT) !== 0,
        inTask: makesTask,
        analyzerIssue: issue === 0 ? null : (issue as AnalyzerIssueType),
      });
      if (issue !== 0) analyzerIssues.push(analyzerIssueOf(w, x));
    } else if (kind === RECEIPT) {
      receipts.push({
        receiptId: w.rId[x] as number,
        single: w.rSingle[x] as number,
        double: w.rDouble[x] as number,
        singleLeft: w.rLeftSingle[x] as number,
        doubleLeft: w.rLeftDouble[x] as number,
        status: w.rStatus[x] as 1 | 2,
        movedByR7: w.rMoved[x] === 1,
      });
    } else if (kind === ALARM) {
      topLevelAlarmIds.push(w.pId[x] as number);
    } else if (kind === ISSUE) {
      topLevelIssueIds.push(w.pId[x] as number);
    }
  }
  const balanced = w.gBalanced[g] === 1;
  const latestMoscow = w.gLatestMoscow[g] as number;
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
    firstLocal: w.gFirstLocal[g] as number,
    latestLocal: w.gLatestLocal[g] as number,
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
  const x = w.sRef[i] as number;
  switch (w.sKind[i]) {
    case START:
    case FINISH:
      return w.wId[x] as number;
    case RECEIPT:
      return w.rId[x] as number;
    default:
      return w.pId[x] as number;
  }
}

/** Pure data for an operator: the same analysis as analyzeDevice, with every step shown. */
export function explainDevice(input: DeviceInput, settings: Settings, now: Micros): Explanation {
  const w = runAnalysis(input, settings, now, true);
  const entries: ExplainedEntry[] = [];
  const cuts: ExplainedCut[] = [];
  const groups: ExplainedGroup[] = [];
  for (let g = 0; g < w.ng; g++) {
    const from = w.gFrom[g] as number;
    if (g > 0) {
      cuts.push({ position: from + 1, group: g + 1, reason: w.gCut[g] === CUT_RECEIPT ? 'receipt' : 'time', gapSeconds: w.gGap[g] as number });
    }
    for (let i = from; i < (w.gTo[g] as number); i++) {
      const kind = w.sKind[i] as number;
      const x = w.sRef[i] as number;
      const wrap = kind === START || kind === FINISH;
      entries.push({
        position: i + 1,
        group: g + 1,
        kind: KIND_NAME[kind] as EntryKindName,
        table: KIND_TABLE[kind] as EventTable,
        rowId: rowIdAt(w, i),
        local: w.sLocal[i] as number,
        moscow: w.sMoscow[i] as number,
        movedByR7: kind === RECEIPT && w.rMoved[x] === 1,
        ownerGroup: wrap ? (w.wGroup[x] as number) + 1 : g + 1,
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
