// Assembling the DevicePlan: R16 task rows and task_to_event order, R17 updates.

import type {
  AnalyzerIssue,
  DeferredGroup,
  DeviceInput,
  DevicePlan,
  Micros,
  PlannedTask,
  ReceiptUpdate,
  Settings,
  TaskEvent,
  WrapUpdate,
} from './types.js';
import { ALARM, ISSUE, RECEIPT, START } from './model.js';
import type { Entry, Group, Point, Receipt, Wrap } from './model.js';
import { runAnalysis } from './analysis.js';

/** R14: the analyzer issue row for a wrap with a verdict issue (7, 8 or 9). */
export function analyzerIssueOf(w: Wrap): AnalyzerIssue | null {
  if (w.issue === 0) return null;
  return {
    type: w.issue,
    wrapId: w.id,
    suitcase: w.row.polycomId,
    total: w.row.totalid,
    duration: w.row.duration,
    local: w.finish,
    moscow: w.finishMoscow,
  };
}

function deferredGroup(seq: Entry[], g: Group): DeferredGroup {
  const d: DeferredGroup = {
    firstLocal: g.firstLocal,
    latestLocal: g.latestLocal,
    latestMoscow: g.latestMoscow,
    wrapIds: [],
    alarmIds: [],
    issueIds: [],
    receiptIds: [],
  };
  for (let i = g.from; i < g.to; i++) {
    const e = seq[i] as Entry;
    const kind = e.kind;
    if (kind === START) {
      const w = e.wrap as Wrap;
      d.wrapIds.push(w.id);
      for (const p of w.nested) (p.kind === ALARM ? d.alarmIds : d.issueIds).push(p.id);
    } else if (kind === RECEIPT) {
      d.receiptIds.push(e.id);
    } else if (kind === ALARM) {
      d.alarmIds.push(e.id);
    } else if (kind === ISSUE) {
      d.issueIds.push(e.id);
    }
  }
  return d;
}

/**
 * The whole plan for one device. Pure: the result depends only on the
 * arguments (not on the order of the input rows). Every array is in timeline
 * order (nested alarms/issues at their wrap's place), `rejected` by table then id.
 */
export function analyzeDevice(input: DeviceInput, settings: Settings, now: Micros): DevicePlan {
  const a = runAnalysis(input, settings, now, false);
  const seq = a.seq;
  const tasks: PlannedTask[] = [];
  const wrapUpdates: WrapUpdate[] = [];
  const alarmIds: number[] = [];
  const issueIds: number[] = [];
  const receiptUpdates: ReceiptUpdate[] = [];
  const deferred: DeferredGroup[] = [];
  let cleanGroups = 0;

  for (const g of a.groups) {
    if (g.deferred) {
      deferred.push(deferredGroup(seq, g));
      continue;
    }
    // R16: every receipts-mode group makes a task; in dwr only anomalous ones.
    const taskType = g.taskType;
    const events: TaskEvent[] = [];
    for (let i = g.from; i < g.to; i++) {
      const e = seq[i] as Entry;
      const kind = e.kind;
      if (kind === START) {
        const w = e.wrap as Wrap;
        const parent = events.length;
        events.push({ table: 'polycomm_suitcase', rowId: w.id, eventId: w.row.polycomId, parent: null });
        for (const p of w.nested) {
          if (p.kind === ALARM) {
            events.push({ table: 'polycommalarm', rowId: p.id, eventId: p.id, parent });
            alarmIds.push(p.id);
          } else {
            events.push({ table: 'polycommissue', rowId: p.id, eventId: p.id, parent });
            issueIds.push(p.id);
          }
        }
        const issue = analyzerIssueOf(w);
        if (issue !== null) events.push({ table: 'polycommissue', analyzerIssue: issue, parent });
        wrapUpdates.push({
          id: w.id,
          csp: w.csp,
          unpaid: w.unpaid,
          toAccount: w.toAccount,
          // R17: linked to a task.
          inTask: taskType !== null,
          receiptId: w.paidBy === null ? null : w.paidBy.id,
        });
      } else if (kind === RECEIPT) {
        const r = e.receipt as Receipt;
        events.push({ table: 'receipts', rowId: r.id, eventId: r.id, parent: null });
        receiptUpdates.push({ id: r.id, status: r.status });
      } else if (kind === ALARM) {
        const p = e.point as Point;
        events.push({ table: 'polycommalarm', rowId: p.id, eventId: p.id, parent: null });
        alarmIds.push(p.id);
      } else if (kind === ISSUE) {
        const p = e.point as Point;
        events.push({ table: 'polycommissue', rowId: p.id, eventId: p.id, parent: null });
        issueIds.push(p.id);
      }
      // wrap_finish writes nothing (R16).
    }
    if (taskType === null) {
      cleanGroups++;
    } else {
      tasks.push({
        type: taskType,
        // R16: resolved = balanced (receipts mode); always false in dwr (balanced is false there).
        resolved: g.balanced,
        date: g.latestMoscow,
        localDate: g.latestLocal,
        balanced: g.balanced,
        events,
      });
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
    rejected: a.rejected,
    cleanGroups,
    moscowFallbacks: a.moscowFallbacks,
  };
}
