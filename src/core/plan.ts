// Assembling the DevicePlan: R16 task rows and task_to_event order, R17 updates.

import type {
  AnalyzerIssue,
  AnalyzerIssueType,
  DeferredGroup,
  DeviceInput,
  DevicePlan,
  Micros,
  PlannedTask,
  ReceiptUpdate,
  Settings,
  TaskEvent,
  TaskType,
  WrapRow,
  WrapUpdate,
} from './types.js';
import { ALARM, CSP, FINISH, ISSUE, RECEIPT, START, TO_ACCOUNT, UNPAID } from './model.js';
import type { Work } from './model.js';
import { runAnalysis } from './analysis.js';

/** R14: the analyzer issue row of wrap x (which has an issue type). */
export function analyzerIssueOf(w: Work, x: number): AnalyzerIssue {
  const row = w.input.wraps[w.wSrc[x] as number] as WrapRow;
  return {
    type: w.wIssue[x] as AnalyzerIssueType,
    wrapId: row.id,
    suitcase: row.polycomId,
    total: row.totalid,
    duration: row.duration,
    local: w.wFinish[x] as number,
    moscow: w.wFinishMoscow[x] as number,
  };
}

function deferredGroup(w: Work, g: number): DeferredGroup {
  const d: DeferredGroup = {
    firstLocal: w.gFirstLocal[g] as number,
    latestLocal: w.gLatestLocal[g] as number,
    latestMoscow: w.gLatestMoscow[g] as number,
    wrapIds: [],
    alarmIds: [],
    issueIds: [],
    receiptIds: [],
  };
  const { sKind, sRef, wNestHead, pNext, pKind, pId } = w;
  const to = w.gTo[g] as number;
  for (let i = w.gFrom[g] as number; i < to; i++) {
    const kind = sKind[i];
    const x = sRef[i] as number;
    if (kind === START) {
      d.wrapIds.push(w.wId[x] as number);
      for (let p = wNestHead[x] as number; p >= 0; p = pNext[p] as number) {
        (pKind[p] === ALARM ? d.alarmIds : d.issueIds).push(pId[p] as number);
      }
    } else if (kind === RECEIPT) {
      d.receiptIds.push(w.rId[x] as number);
    } else if (kind === ALARM) {
      d.alarmIds.push(pId[x] as number);
    } else if (kind === ISSUE) {
      d.issueIds.push(pId[x] as number);
    }
  }
  return d;
}

/**
 * The whole plan for one device. Pure: the result depends only on the
 * arguments, not on the order of the input rows. Every array is in timeline
 * order (nested alarms/issues at their wrap's place), `rejected` by table then id.
 */
export function analyzeDevice(input: DeviceInput, settings: Settings, now: Micros): DevicePlan {
  const w = runAnalysis(input, settings, now, false);
  const { sKind, sRef, wId, wPolycom, pId, rId, wNestHead, pNext, pKind, wVerdict, wIssue, wPaidBy, rStatus } = w;
  // Size the output arrays exactly: count what the written groups hold.
  const written = w.firstDeferred;
  const writtenEnd = written < w.ng ? (w.gFrom[written] as number) : w.m;
  let nWraps = 0;
  let nAlarms = 0;
  let nIssues = 0;
  let nReceipts = 0;
  let nTasks = 0;
  for (let i = 0; i < writtenEnd; i++) {
    const kind = sKind[i];
    if (kind === START) {
      nWraps++;
      for (let p = wNestHead[sRef[i] as number] as number; p >= 0; p = pNext[p] as number) {
        if (pKind[p] === ALARM) nAlarms++;
        else nIssues++;
      }
    } else if (kind === RECEIPT) nReceipts++;
    else if (kind === ALARM) nAlarms++;
    else if (kind === ISSUE) nIssues++;
  }
  for (let g = 0; g < written; g++) if (w.gType[g] !== 0) nTasks++;
  const tasks: PlannedTask[] = new Array<PlannedTask>(nTasks);
  const wrapUpdates: WrapUpdate[] = new Array<WrapUpdate>(nWraps);
  const alarmIds: number[] = new Array<number>(nAlarms);
  const issueIds: number[] = new Array<number>(nIssues);
  const receiptUpdates: ReceiptUpdate[] = new Array<ReceiptUpdate>(nReceipts);
  const deferred: DeferredGroup[] = [];
  let cleanGroups = 0;
  let kt = 0;
  let kw = 0;
  let ka = 0;
  let ki = 0;
  let kr = 0;

  for (let g = written; g < w.ng; g++) deferred.push(deferredGroup(w, g));
  for (let g = 0; g < written; g++) {
    // R16: every receipts-mode group makes a task; in dwr only anomalous ones (type 0 = clean).
    const type = w.gType[g] as number;
    const inTask = type !== 0;
    const from = w.gFrom[g] as number;
    const to = w.gTo[g] as number;
    // Size the task's event list exactly (no growth of many small arrays).
    let size = 0;
    if (inTask) {
      for (let i = from; i < to; i++) {
        const kind = sKind[i];
        if (kind === FINISH) continue;
        size++;
        if (kind === START) {
          const x = sRef[i] as number;
          for (let p = wNestHead[x] as number; p >= 0; p = pNext[p] as number) size++;
          if (wIssue[x] !== 0) size++;
        }
      }
    }
    const events: TaskEvent[] = new Array<TaskEvent>(size);
    let n = 0;
    for (let i = from; i < to; i++) {
      const kind = sKind[i];
      const x = sRef[i] as number;
      if (kind === START) {
        const wrapId = wId[x] as number;
        const polycom = wPolycom[x] as number;
        const parent = n;
        if (inTask) events[n++] = { table: 'polycomm_suitcase', rowId: wrapId, eventId: polycom === polycom ? polycom : null, parent: null };
        // Clean dwr groups have no nested points and no issues: nothing below is pushed for them.
        for (let p = wNestHead[x] as number; p >= 0; p = pNext[p] as number) {
          const id = pId[p] as number;
          if (pKind[p] === ALARM) {
            events[n++] = { table: 'polycommalarm', rowId: id, eventId: id, parent };
            alarmIds[ka++] = id;
          } else {
            events[n++] = { table: 'polycommissue', rowId: id, eventId: id, parent };
            issueIds[ki++] = id;
          }
        }
        if (wIssue[x] !== 0) events[n++] = { table: 'polycommissue', analyzerIssue: analyzerIssueOf(w, x), parent };
        const verdict = wVerdict[x] as number;
        const payer = wPaidBy[x] as number;
        wrapUpdates[kw++] = {
          id: wrapId,
          csp: (verdict & CSP) !== 0,
          unpaid: (verdict & UNPAID) !== 0,
          toAccount: (verdict & TO_ACCOUNT) !== 0,
          // R17: linked to a task.
          inTask,
          receiptId: payer < 0 ? null : (rId[payer] as number),
        };
      } else if (kind === RECEIPT) {
        const id = rId[x] as number;
        events[n++] = { table: 'receipts', rowId: id, eventId: id, parent: null };
        receiptUpdates[kr++] = { id, status: rStatus[x] as 1 | 2 };
      } else if (kind === ALARM) {
        const id = pId[x] as number;
        events[n++] = { table: 'polycommalarm', rowId: id, eventId: id, parent: null };
        alarmIds[ka++] = id;
      } else if (kind === ISSUE) {
        const id = pId[x] as number;
        events[n++] = { table: 'polycommissue', rowId: id, eventId: id, parent: null };
        issueIds[ki++] = id;
      }
      // wrap_finish writes nothing (R16).
    }
    if (inTask) {
      const balanced = w.gBalanced[g] === 1;
      tasks[kt++] = {
        type: type as TaskType,
        // R16: resolved = balanced (receipts mode); dwr groups are never balanced.
        resolved: balanced,
        date: w.gLatestMoscow[g] as number,
        localDate: w.gLatestLocal[g] as number,
        balanced,
        events,
      };
    } else {
      cleanGroups++;
    }
  }

  return {
    deviceId: input.deviceId,
    tasks,
    wrapUpdates,
    alarmIds,
    issueIds,
    receiptUpdates,
    deferred,
    rejected: w.rejected,
    cleanGroups,
    moscowFallbacks: w.moscowFallbacks,
  };
}
