// Turns a device's plan into the column arrays the write statement unnests,
// given the ids pre-allocated for the new rows. Pure: the shell only ships it.
import { formatMicros, type DevicePlan, type Micros } from '../core/index.js';

export const ANALYZER_ISSUE_MARKER = 22222222;

export interface IdBlock {
  task: number[];
  taskToEvent: number[];
  issue: number[];
}

export interface PlanRows {
  task: { id: number[]; deviceId: number[]; type: number[]; date: string[]; localDate: string[]; resolved: boolean[] };
  issue: { id: number[]; deviceId: number[]; type: number[]; suitcase: (number | null)[]; total: (number | null)[]; duration: (number | null)[]; local: string[]; moscow: string[] };
  link: { id: number[]; taskId: number[]; eventId: number[]; table: string[]; ord: number[]; parentId: (number | null)[] };
  wrap: { id: number[]; csp: boolean[]; unpaid: boolean[]; toAccount: boolean[]; inTask: boolean[]; receiptId: (number | null)[] };
  alarmIds: number[];
  issueIds: number[];
  receipt: { id: number[]; status: number[] };
}

export interface NewRowCounts {
  tasks: number;
  links: number;
  issues: number;
}

/** How many task, task_to_event and analyzer issue rows the plans insert. */
export function countNewRows(plans: DevicePlan[]): NewRowCounts {
  const counts = { tasks: 0, links: 0, issues: 0 };
  for (const plan of plans) {
    counts.tasks += plan.tasks.length;
    for (const task of plan.tasks) {
      counts.links += task.events.length;
      for (const e of task.events) if ('analyzerIssue' in e) counts.issues++;
    }
  }
  return counts;
}

/** The rows of several devices' plans, to be written in one statement. */
export function planRows(plans: DevicePlan[], ids: IdBlock): PlanRows {
  const rows: PlanRows = {
    task: { id: [], deviceId: [], type: [], date: [], localDate: [], resolved: [] },
    issue: { id: [], deviceId: [], type: [], suitcase: [], total: [], duration: [], local: [], moscow: [] },
    link: { id: [], taskId: [], eventId: [], table: [], ord: [], parentId: [] },
    wrap: { id: [], csp: [], unpaid: [], toAccount: [], inTask: [], receiptId: [] },
    alarmIds: [],
    issueIds: [],
    receipt: { id: [], status: [] },
  };
  const cursor = { task: 0, link: 0, issue: 0 };
  for (const plan of plans) addPlan(rows, plan, ids, cursor);
  return rows;
}

function addPlan(rows: PlanRows, plan: DevicePlan, ids: IdBlock, cursor: { task: number; link: number; issue: number }): void {
  const ts = (m: Micros) => formatMicros(m);
  plan.tasks.forEach((task, t) => {
    const taskId = take(ids.task, cursor.task++, 'task');
    rows.task.id.push(taskId);
    rows.task.deviceId.push(plan.deviceId);
    rows.task.type.push(task.type);
    rows.task.date.push(ts(task.date));
    rows.task.localDate.push(ts(task.localDate));
    rows.task.resolved.push(task.resolved);
    const linkIds: number[] = [];
    task.events.forEach((event, index) => {
      const linkId = take(ids.taskToEvent, cursor.link++, 'task_to_event');
      linkIds.push(linkId);
      let eventId: number;
      if ('analyzerIssue' in event) {
        const issue = event.analyzerIssue;
        eventId = take(ids.issue, cursor.issue++, 'polycommissue');
        rows.issue.id.push(eventId);
        rows.issue.deviceId.push(plan.deviceId);
        rows.issue.type.push(issue.type);
        rows.issue.suitcase.push(issue.suitcase);
        rows.issue.total.push(issue.total);
        rows.issue.duration.push(issue.duration);
        rows.issue.local.push(ts(issue.local));
        rows.issue.moscow.push(ts(issue.moscow));
      } else {
        if (event.eventId === null) {
          throw new Error(`wrap ${event.rowId} has no polycom_id: task_to_event.event_id cannot be NULL`);
        }
        eventId = event.eventId;
      }
      const parent = event.parent === null ? null : linkIds[event.parent];
      if (parent === undefined) throw new Error(`task ${t} event ${index}: parent ${event.parent} is not an earlier entry`);
      rows.link.id.push(linkId);
      rows.link.taskId.push(taskId);
      rows.link.eventId.push(eventId);
      rows.link.table.push(event.table);
      rows.link.ord.push(index + 1);
      rows.link.parentId.push(parent);
    });
  });
  for (const w of plan.wrapUpdates) {
    rows.wrap.id.push(w.id);
    rows.wrap.csp.push(w.csp);
    rows.wrap.unpaid.push(w.unpaid);
    rows.wrap.toAccount.push(w.toAccount);
    rows.wrap.inTask.push(w.inTask);
    rows.wrap.receiptId.push(w.receiptId);
  }
  for (const r of plan.receiptUpdates) {
    rows.receipt.id.push(r.id);
    rows.receipt.status.push(r.status);
  }
  // a loop, not push(...ids): a device can have more ids than the call stack has room for arguments
  for (const id of plan.alarmIds) rows.alarmIds.push(id);
  for (const id of plan.issueIds) rows.issueIds.push(id);
}

function take(ids: number[], index: number, what: string): number {
  const id = ids[index];
  if (id === undefined) throw new Error(`not enough pre-allocated ${what} ids`);
  return id;
}

/**
 * Rows `start` to `start + size` of every table: a large plan is written in
 * slices (still in its one transaction) so no single statement carries
 * millions of parameters. There are no foreign keys between the new rows and
 * their ids are pre-allocated, so slices are independent.
 */
export function sliceRows(rows: PlanRows, start: number, size: number): PlanRows {
  const cut = <T>(xs: T[]) => xs.slice(start, start + size);
  const each = <R extends Record<string, unknown[]>>(table: R): R =>
    Object.fromEntries(Object.entries(table).map(([k, v]) => [k, cut(v)])) as R;
  return {
    task: each(rows.task),
    issue: each(rows.issue),
    link: each(rows.link),
    wrap: each(rows.wrap),
    alarmIds: cut(rows.alarmIds),
    issueIds: cut(rows.issueIds),
    receipt: each(rows.receipt),
  };
}

/** The longest column of any table: how many rows a slice loop must cover. */
export function longestTable(rows: PlanRows): number {
  return Math.max(rows.task.id.length, rows.issue.id.length, rows.link.id.length, rows.wrap.id.length,
    rows.alarmIds.length, rows.issueIds.length, rows.receipt.id.length);
}
