// The write path as it was on main before issue 22 (e07acf2: src/sql/plan-rows.ts,
// write-plan.ts, allocate-ids.ts, array-literal.ts), kept only as the oracle of
// tests/pass/write-path.test.ts: the new write path must give the database this
// one gives, value for value. Not used by the product.
import { ANALYZER_ISSUE_MARKER, formatMicros, type DevicePlan, type Micros } from '../../src/core/index.js';
import type { Sql } from '../../src/infra/db.js';
import type { WriteCounts } from '../../src/sql/write-plan.js';

export interface LegacyRows {
  task: { id: number[]; deviceId: number[]; type: number[]; date: string[]; localDate: string[]; resolved: boolean[] };
  issue: { id: number[]; deviceId: number[]; type: number[]; suitcase: (number | null)[]; total: (number | null)[]; duration: (number | null)[]; local: string[]; moscow: string[] };
  link: { id: number[]; taskId: number[]; eventId: number[]; table: string[]; ord: number[]; parentId: (number | null)[] };
  wrap: { id: number[]; csp: boolean[]; unpaid: boolean[]; toAccount: boolean[]; inTask: boolean[]; receiptId: (number | null)[] };
  alarmIds: number[];
  issueIds: number[];
  receipt: { id: number[]; status: number[] };
}

function numberArray(values: readonly (number | null)[]): string {
  if (!values.includes(null)) return `{${values.join(',')}}`;
  return `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;
}
const booleanArray = (values: readonly boolean[]): string => `{${values.map((v) => (v ? 't' : 'f')).join(',')}}`;
const textArray = (values: readonly string[]): string =>
  `{${values.map((v) => `"${v.includes('\\') || v.includes('"') ? v.replace(/[\\"]/g, '\\$&') : v}"`).join(',')}}`;

export async function legacyAllocateIds(sql: Sql, tasks: number, links: number, issues: number): Promise<{ task: number[]; taskToEvent: number[]; issue: number[] }> {
  const [row] = await sql<{ task: string[]; link: string[]; issue: string[] }[]>`
    select
      array(select nextval((select pg_get_serial_sequence('task', 'id')::regclass)) from generate_series(1, ${tasks}::int))::text[] as task,
      array(select nextval((select pg_get_serial_sequence('task_to_event', 'id')::regclass)) from generate_series(1, ${links}::int))::text[] as link,
      array(select nextval((select pg_get_serial_sequence('polycommissue', 'polycommissue_id')::regclass)) from generate_series(1, ${issues}::int))::text[] as issue`;
  return { task: row!.task.map(Number), taskToEvent: row!.link.map(Number), issue: row!.issue.map(Number) };
}

export function legacyPlanRows(plans: DevicePlan[], ids: { task: number[]; taskToEvent: number[]; issue: number[] }): LegacyRows {
  const rows: LegacyRows = {
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

function addPlan(rows: LegacyRows, plan: DevicePlan, ids: { task: number[]; taskToEvent: number[]; issue: number[] }, cursor: { task: number; link: number; issue: number }): void {
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

export async function legacyWritePlan(sql: Sql, rows: LegacyRows, createtime: string): Promise<WriteCounts> {
  const { task, issue, link, wrap, receipt } = rows;
  const wrapIds = numberArray(wrap.id);
  const receiptIds = numberArray(receipt.id);
  const [counts] = await sql<WriteCounts[]>`
    with new_tasks as (
      insert into task (id, device_id, type, date, local_date, status, resolved)
      select id, device_id, type, date, local_date, 1, resolved
      from unnest(${numberArray(task.id)}::int8[], ${numberArray(task.deviceId)}::int[], ${numberArray(task.type)}::int[], ${textArray(task.date)}::timestamp[], ${textArray(task.localDate)}::timestamp[], ${booleanArray(task.resolved)}::bool[])
        as t(id, device_id, type, date, local_date, resolved)
      returning 1
    ), new_issues as (
      insert into polycommissue (polycommissue_id, id, device, type, suitcase, total, duration, localdate, date, createtime, status)
      select id, ${ANALYZER_ISSUE_MARKER}, device, type, suitcase, total, duration, localdate, date, ${createtime}::text::timestamp, 1
      from unnest(${numberArray(issue.id)}::int8[], ${numberArray(issue.deviceId)}::int[], ${numberArray(issue.type)}::int[], ${numberArray(issue.suitcase)}::int8[], ${numberArray(issue.total)}::int[], ${numberArray(issue.duration)}::int[],
                  ${textArray(issue.local)}::timestamp[], ${textArray(issue.moscow)}::timestamp[])
        as i(id, device, type, suitcase, total, duration, localdate, date)
      returning 1
    ), new_links as (
      insert into task_to_event (id, task_id, event_id, table_name, ord, parent_id)
      select id, task_id, event_id, table_name, ord, parent_id
      from unnest(${numberArray(link.id)}::int8[], ${numberArray(link.taskId)}::int8[], ${numberArray(link.eventId)}::int8[], ${textArray(link.table)}::text[], ${numberArray(link.ord)}::int[], ${numberArray(link.parentId)}::int8[])
        as l(id, task_id, event_id, table_name, ord, parent_id)
      returning 1
    ), wraps as (
      update polycomm_suitcase s
      set status = 1, csp = u.csp, unpaid = u.unpaid, to_account = u.to_account, in_task = u.in_task, receipt_id = u.receipt_id
      from unnest(${wrapIds}::int8[], ${booleanArray(wrap.csp)}::bool[], ${booleanArray(wrap.unpaid)}::bool[], ${booleanArray(wrap.toAccount)}::bool[], ${booleanArray(wrap.inTask)}::bool[], ${numberArray(wrap.receiptId)}::int8[])
        as u(id, csp, unpaid, to_account, in_task, receipt_id)
      where s.id = u.id and s.status = 0 and s.id = any(${wrapIds}::int8[])
      returning 1
    ), alarms as (
      update polycommalarm set status = 1
      where polycommalarm_id = any(${numberArray(rows.alarmIds)}::int8[]) and status = 0
      returning 1
    ), issues as (
      update polycommissue set status = 1
      where polycommissue_id = any(${numberArray(rows.issueIds)}::int8[]) and status = 0
      returning 1
    ), receipts as (
      update receipts r set status = u.status
      from unnest(${receiptIds}::int8[], ${numberArray(receipt.status)}::int[]) as u(id, status)
      where r.receipt_id = u.id and r.status = 0 and r.receipt_id = any(${receiptIds}::int8[])
      returning 1
    )
    select (select count(*) from new_tasks)::int as tasks,
           (select count(*) from new_links)::int as links,
           (select count(*) from new_issues)::int as "analyzerIssues",
           (select count(*) from wraps)::int as wraps,
           (select count(*) from alarms)::int as alarms,
           (select count(*) from issues)::int as issues,
           (select count(*) from receipts)::int as receipts`;
  return counts!;
}
