// Assembling the DevicePlan: R16 task rows and task_to_event order, R17 updates.

import type {
  AnalyzerIssue,
  AnalyzerIssueType,
  DeferredGroup,
  DeviceInput,
  DevicePlan,
  Micros,
  Settings,
  TaskEvent,
  TaskType,
  WrapUpdate,
} from './types.js';
import { ALARM, CSP, ISSUE, RECEIPT, START, TO_ACCOUNT, UNPAID } from './model.js';
import type { Work } from './model.js';
import { runAnalysis } from './analysis.js';
import { Scratch } from './scratch.js';

/** R14: the analyzer issue row of wrap x (which has an issue type). */
export function analyzerIssueOf(w: Work, x: number): AnalyzerIssue {
  const row = w.input.wraps[w.wSrc[x]];
  return {
    type: w.wIssue[x] as AnalyzerIssueType,
    wrapId: row.id,
    suitcase: row.polycomId,
    total: row.totalid,
    duration: row.duration,
    local: w.wFinish[x],
    moscow: w.wFinishMoscow[x],
  };
}

/** R13/R15 (the verdict flags decoded), R12 (the paying receipt), R17 (in_task) for wrap x. */
export function wrapUpdateOf(w: Work, x: number, inTask: boolean): WrapUpdate {
  const verdict = w.wVerdict[x];
  const payer = w.wPaidBy[x];
  return {
    id: w.wId[x],
    csp: (verdict & CSP) !== 0,
    unpaid: (verdict & UNPAID) !== 0,
    toAccount: (verdict & TO_ACCOUNT) !== 0,
    inTask,
    receiptId: payer < 0 ? null : w.rId[payer],
  };
}

function deferredGroup(w: Work, g: number): DeferredGroup {
  const d: DeferredGroup = {
    firstLocal: w.gFirstLocal[g],
    latestLocal: w.gLatestLocal[g],
    latestMoscow: w.gLatestMoscow[g],
    wrapIds: [],
    alarmIds: [],
    issueIds: [],
    receiptIds: [],
  };
  const { sKind, sRef, wNestHead, pNext, pKind, pId } = w;
  const to = w.gTo[g];
  for (let i = w.gFrom[g]; i < to; i++) {
    const kind = sKind[i];
    const x = sRef[i];
    if (kind === START) {
      d.wrapIds.push(w.wId[x]);
      for (let p = wNestHead[x]; p >= 0; p = pNext[p]) (pKind[p] === ALARM ? d.alarmIds : d.issueIds).push(pId[p]);
    } else if (kind === RECEIPT) {
      d.receiptIds.push(w.rId[x]);
    } else if (kind === ALARM) {
      d.alarmIds.push(pId[x]);
    } else if (kind === ISSUE) {
      d.issueIds.push(pId[x]);
    }
  }
  return d;
}

/** The task_to_event entry of alarm or issue p, under the entry at `parent` (null: top-level). */
function pointEvent(w: Work, p: number, parent: number | null): TaskEvent {
  const id = w.pId[p];
  return w.pKind[p] === ALARM
    ? { table: 'polycommalarm', rowId: id, eventId: id, parent }
    : { table: 'polycommissue', rowId: id, eventId: id, parent };
}

/**
 * R16/R17 for the positions [from, to) of a written group, in one description.
 * With `plan`, every wrap (with its verdict), alarm, issue and receipt is
 * marked processed (R17). With `events`, the task's task_to_event entries are
 * written in R16 order: a wrap (at its wrap_start) with its nested
 * alarms/issues and its analyzer issue under it; receipts and top-level points
 * where they stand; wrap_finish writes nothing. Returns the number of entries:
 * called with neither it only counts, so the task's array is allocated at its
 * exact size (many small arrays grown by push cost the plan much more GC) and
 * count and contents can never disagree.
 */
function walkGroup(w: Work, from: number, to: number, inTask: boolean, events: TaskEvent[] | null, plan: DevicePlan | null): number {
  const { sKind, sRef, wId, wPolycom, wNestHead, pNext, wIssue, rId, rStatus } = w;
  let n = 0;
  for (let i = from; i < to; i++) {
    const kind = sKind[i];
    const x = sRef[i];
    if (kind === START) {
      const parent = n;
      const polycom = wPolycom[x];
      if (events !== null) events[n] = { table: 'polycomm_suitcase', rowId: wId[x], eventId: polycom === polycom ? polycom : null, parent: null };
      n++;
      for (let p = wNestHead[x]; p >= 0; p = pNext[p]) {
        if (events !== null) events[n] = pointEvent(w, p, parent);
        if (plan !== null) markPoint(w, p, plan);
        n++;
      }
      if (wIssue[x] !== 0) {
        if (events !== null) events[n] = { table: 'polycommissue', analyzerIssue: analyzerIssueOf(w, x), parent };
        n++;
      }
      if (plan !== null) plan.wrapUpdates.push(wrapUpdateOf(w, x, inTask));
    } else if (kind === RECEIPT) {
      if (events !== null) events[n] = { table: 'receipts', rowId: rId[x], eventId: rId[x], parent: null };
      if (plan !== null) plan.receiptUpdates.push({ id: rId[x], status: rStatus[x] as 1 | 2 });
      n++;
    } else if (kind === ALARM || kind === ISSUE) {
      if (events !== null) events[n] = pointEvent(w, x, null);
      if (plan !== null) markPoint(w, x, plan);
      n++;
    }
  }
  return n;
}

function markPoint(w: Work, p: number, plan: DevicePlan): void {
  (w.pKind[p] === ALARM ? plan.alarmIds : plan.issueIds).push(w.pId[p]);
}

/**
 * R16/R17 for written group g: its task (receipts mode: always; dwr: anomalous
 * groups only, type 0 = clean) and its row updates. A clean dwr group has no
 * receipts, alarms, issues or analyzer issues: it only marks its wraps processed.
 */
function writeGroup(w: Work, g: number, plan: DevicePlan): void {
  const type = w.gType[g];
  const from = w.gFrom[g];
  const to = w.gTo[g];
  if (type === 0) {
    walkGroup(w, from, to, false, null, plan);
    return;
  }
  const events = new Array<TaskEvent>(walkGroup(w, from, to, true, null, null));
  walkGroup(w, from, to, true, events, plan);
  const balanced = w.gBalanced[g] === 1;
  plan.tasks.push({
    type: type as TaskType,
    // R16: resolved = balanced (receipts mode); dwr groups are never balanced.
    resolved: balanced,
    date: w.gLatestMoscow[g],
    localDate: w.gLatestLocal[g],
    balanced,
    events,
  });
}

/**
 * The whole plan for one device. Pure: the result depends only on the
 * arguments, not on the order of the input rows. Every array is in timeline
 * order (nested alarms/issues at their wrap's place), `rejected` by table then id.
 * `scratch`: the caller's, to reuse its memory across devices (the pass); a fresh one by default.
 */
export function analyzeDevice(input: DeviceInput, settings: Settings, now: Micros, scratch: Scratch = new Scratch()): DevicePlan {
  const w = runAnalysis(input, settings, now, false, scratch);
  const plan: DevicePlan = {
    deviceId: input.deviceId,
    tasks: [],
    wrapUpdates: [],
    alarmIds: [],
    issueIds: [],
    receiptUpdates: [],
    deferred: [],
    rejected: w.rejected,
    cleanGroups: 0,
    moscowFallbacks: w.moscowFallbacks,
  };
  let cleanGroups = 0;
  for (let g = 0; g < w.firstDeferred; g++) {
    writeGroup(w, g, plan);
    if (w.gType[g] === 0) cleanGroups++;
  }
  plan.cleanGroups = cleanGroups;
  for (let g = w.firstDeferred; g < w.ng; g++) plan.deferred.push(deferredGroup(w, g));
  return plan;
}
