// Turns a device's plan into the column arrays the write statement unnests,
// given the ids pre-allocated for the new rows. Pure: the shell only ships it.
//
// Columns are typed arrays, filled in one pass over the plans: a chunk's
// columns hold hundreds of thousands of values, and typed arrays keep them
// out of the garbage collector's way (no growing arrays, no value copied by
// a scavenge). Ids and counts are float64 (exact to 2^53), NULL is NaN, a
// boolean is 1 or 0, a time stays zone-free microseconds (the statement
// turns it into a timestamp), and an event's table is its 1-based position
// in EVENT_TABLES.
import type { DevicePlan, TaskEvent } from '../core/index.js';

/** The tables a task_to_event row can point at; `link.table` holds a 1-based position in this list. */
export const EVENT_TABLES = ['polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts'] as const satisfies readonly TaskEvent['table'][];

const TABLE_CODE: Readonly<Record<TaskEvent['table'], number>> = Object.fromEntries(EVENT_TABLES.map((name, i) => [name, i + 1])) as Record<TaskEvent['table'], number>;

export interface IdBlock {
  task: ArrayLike<number>;
  taskToEvent: ArrayLike<number>;
  issue: ArrayLike<number>;
}

/** A column of numbers (NaN = NULL) and one of booleans (1 / 0). */
export type Numbers = Float64Array;
export type Booleans = Uint8Array;

export interface PlanRows {
  task: { id: Numbers; deviceId: Numbers; type: Numbers; date: Numbers; localDate: Numbers; resolved: Booleans };
  issue: { id: Numbers; deviceId: Numbers; type: Numbers; suitcase: Numbers; total: Numbers; duration: Numbers; local: Numbers; moscow: Numbers };
  link: { id: Numbers; taskId: Numbers; eventId: Numbers; table: Numbers; ord: Numbers; parentId: Numbers };
  wrap: { id: Numbers; csp: Booleans; unpaid: Booleans; toAccount: Booleans; inTask: Booleans; receiptId: Numbers };
  alarmIds: Numbers;
  issueIds: Numbers;
  receipt: { id: Numbers; status: Numbers };
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

/** Empty columns sized for the plans' rows. */
function allocate(plans: DevicePlan[], n: NewRowCounts): PlanRows {
  let wraps = 0;
  let alarms = 0;
  let issues = 0;
  let receipts = 0;
  for (const p of plans) {
    wraps += p.wrapUpdates.length;
    alarms += p.alarmIds.length;
    issues += p.issueIds.length;
    receipts += p.receiptUpdates.length;
  }
  const f = (length: number) => new Float64Array(length);
  const b = (length: number) => new Uint8Array(length);
  return {
    task: { id: f(n.tasks), deviceId: f(n.tasks), type: f(n.tasks), date: f(n.tasks), localDate: f(n.tasks), resolved: b(n.tasks) },
    issue: { id: f(n.issues), deviceId: f(n.issues), type: f(n.issues), suitcase: f(n.issues), total: f(n.issues), duration: f(n.issues), local: f(n.issues), moscow: f(n.issues) },
    link: { id: f(n.links), taskId: f(n.links), eventId: f(n.links), table: f(n.links), ord: f(n.links), parentId: f(n.links) },
    wrap: { id: f(wraps), csp: b(wraps), unpaid: b(wraps), toAccount: b(wraps), inTask: b(wraps), receiptId: f(wraps) },
    alarmIds: f(alarms),
    issueIds: f(issues),
    receipt: { id: f(receipts), status: f(receipts) },
  };
}

/** Where the next row of each table goes. */
interface Cursor {
  task: number;
  link: number;
  issue: number;
  wrap: number;
  alarm: number;
  issueRow: number;
  receipt: number;
}

/** The rows of several devices' plans, to be written in one statement. */
export function planRows(plans: DevicePlan[], ids: IdBlock, counts: NewRowCounts = countNewRows(plans)): PlanRows {
  const rows = allocate(plans, counts);
  const at: Cursor = { task: 0, link: 0, issue: 0, wrap: 0, alarm: 0, issueRow: 0, receipt: 0 };
  for (const plan of plans) {
    for (let t = 0; t < plan.tasks.length; t++) addTask(rows, plan, t, ids, at);
    addUpdates(rows, plan, at);
  }
  return rows;
}

const nullable = (v: number | null): number => (v === null ? NaN : v);

function addTask(rows: PlanRows, plan: DevicePlan, t: number, ids: IdBlock, at: Cursor): void {
  const task = plan.tasks[t]!;
  const taskId = take(ids.task, at.task, 'task');
  const { task: tasks, link: links, issue: issues } = rows;
  tasks.id[at.task] = taskId;
  tasks.deviceId[at.task] = plan.deviceId;
  tasks.type[at.task] = task.type;
  tasks.date[at.task] = task.date;
  tasks.localDate[at.task] = task.localDate;
  tasks.resolved[at.task++] = task.resolved ? 1 : 0;
  const first = at.link; // the task's first link: parents are earlier entries of the same task
  for (let index = 0; index < task.events.length; index++) {
    const event = task.events[index]!;
    let eventId: number;
    if ('analyzerIssue' in event) {
      const issue = event.analyzerIssue;
      eventId = take(ids.issue, at.issue, 'polycommissue');
      issues.id[at.issue] = eventId;
      issues.deviceId[at.issue] = plan.deviceId;
      issues.type[at.issue] = issue.type;
      issues.suitcase[at.issue] = nullable(issue.suitcase);
      issues.total[at.issue] = nullable(issue.total);
      issues.duration[at.issue] = nullable(issue.duration);
      issues.local[at.issue] = issue.local;
      issues.moscow[at.issue++] = issue.moscow;
    } else {
      if (event.eventId === null) throw new Error(`wrap ${event.rowId} has no polycom_id: task_to_event.event_id cannot be NULL`);
      eventId = event.eventId;
    }
    if (event.parent !== null && !(event.parent >= 0 && event.parent < index)) {
      throw new Error(`task ${t} event ${index}: parent ${event.parent} is not an earlier entry`);
    }
    links.id[at.link] = take(ids.taskToEvent, at.link, 'task_to_event');
    links.taskId[at.link] = taskId;
    links.eventId[at.link] = eventId;
    links.table[at.link] = TABLE_CODE[event.table];
    links.ord[at.link] = index + 1;
    links.parentId[at.link++] = event.parent === null ? NaN : links.id[first + event.parent]!;
  }
}

function addUpdates(rows: PlanRows, plan: DevicePlan, at: Cursor): void {
  const { wrap, receipt } = rows;
  for (const w of plan.wrapUpdates) {
    wrap.id[at.wrap] = w.id;
    wrap.csp[at.wrap] = w.csp ? 1 : 0;
    wrap.unpaid[at.wrap] = w.unpaid ? 1 : 0;
    wrap.toAccount[at.wrap] = w.toAccount ? 1 : 0;
    wrap.inTask[at.wrap] = w.inTask ? 1 : 0;
    wrap.receiptId[at.wrap++] = nullable(w.receiptId);
  }
  for (const r of plan.receiptUpdates) {
    receipt.id[at.receipt] = r.id;
    receipt.status[at.receipt++] = r.status;
  }
  for (const id of plan.alarmIds) rows.alarmIds[at.alarm++] = id;
  for (const id of plan.issueIds) rows.issueIds[at.issueRow++] = id;
}

function take(ids: ArrayLike<number>, index: number, what: string): number {
  if (index >= ids.length) throw new Error(`not enough pre-allocated ${what} ids`);
  return ids[index]!;
}

/**
 * Rows `start` to `start + size` of every table: a large plan is written in
 * slices (still in its one transaction) so no single statement carries
 * millions of parameters. There are no foreign keys between the new rows and
 * their ids are pre-allocated, so slices are independent. (Views, no copies.)
 */
export function sliceRows(rows: PlanRows, start: number, size: number): PlanRows {
  const cut = <T extends Numbers | Booleans>(xs: T): T => xs.subarray(start, start + size) as T;
  const each = <R extends Record<string, Numbers | Booleans>>(table: R): R =>
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
