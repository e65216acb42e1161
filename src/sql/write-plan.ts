// R16, R17: the plans of a chunk of devices (or of one) in one statement: tasks, analyzer issues
// (R14) and task_to_event rows inserted with pre-allocated ids, and every
// event's status set, each table through one unnest. Updates touch only rows
// still pending, and the counts come back so the caller can refuse a plan that
// no longer matches the database (R18: then the transaction rolls back).
// The `= any(ids)` conditions next to the unnest joins make the updates index
// scans of exactly the chunk's rows, whatever the size of the backlog (without
// them the planner merge-joins along the whole primary key or hashes every
// pending receipt, once per chunk).
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { Sql } from '../infra/db.js';
import { EVENT_TABLES, type PlanRows } from './plan-rows.js';
import { booleanArray, numberArray, textArray } from './array-literal.js';

// Every column travels as one array literal (src/sql/array-literal.ts).
// Times travel as zone-free microseconds and become timestamps in SQL
// (`timestamp '1970-01-01' + m * interval '1 microsecond'`, exact to the
// microsecond below 2^53), so the process's own time zone never touches
// them (R9). A task_to_event row's table travels as its position in
// EVENT_TABLES, which travels once.
const n = numberArray;
const b = booleanArray;
const t = textArray;

export interface WriteCounts {
  tasks: number;
  links: number;
  analyzerIssues: number;
  wraps: number;
  alarms: number;
  issues: number;
  receipts: number;
}

export async function writePlan(sql: Sql, rows: PlanRows, createtime: string): Promise<WriteCounts> {
  const { task, issue, link, wrap, receipt } = rows;
  const wrapIds = n(wrap.id);
  const receiptIds = n(receipt.id);
  const [counts] = await sql<WriteCounts[]>`
    with new_tasks as (
      insert into task (id, device_id, type, date, local_date, status, resolved)
      select id, device_id, type, timestamp '1970-01-01' + date * interval '1 microsecond', timestamp '1970-01-01' + local_date * interval '1 microsecond', 1, resolved
      from unnest(${n(task.id)}::int8[], ${n(task.deviceId)}::int[], ${n(task.type)}::int[], ${n(task.date)}::int8[], ${n(task.localDate)}::int8[], ${b(task.resolved)}::bool[])
        as t(id, device_id, type, date, local_date, resolved)
      returning 1
    ), new_issues as (
      insert into polycommissue (polycommissue_id, id, device, type, suitcase, total, duration, localdate, date, createtime, status)
      select id, ${ANALYZER_ISSUE_MARKER}, device, type, suitcase, total, duration,
             timestamp '1970-01-01' + localdate * interval '1 microsecond', timestamp '1970-01-01' + date * interval '1 microsecond', ${createtime}::text::timestamp, 1
      from unnest(${n(issue.id)}::int8[], ${n(issue.deviceId)}::int[], ${n(issue.type)}::int[], ${n(issue.suitcase)}::int8[], ${n(issue.total)}::int[], ${n(issue.duration)}::int[],
                  ${n(issue.local)}::int8[], ${n(issue.moscow)}::int8[])
        as i(id, device, type, suitcase, total, duration, localdate, date)
      returning 1
    ), new_links as (
      insert into task_to_event (id, task_id, event_id, table_name, ord, parent_id)
      select id, task_id, event_id, (${t(EVENT_TABLES)}::text[])[l.table_code], ord, parent_id
      from unnest(${n(link.id)}::int8[], ${n(link.taskId)}::int8[], ${n(link.eventId)}::int8[], ${n(link.table)}::int[], ${n(link.ord)}::int[], ${n(link.parentId)}::int8[])
        as l(id, task_id, event_id, table_code, ord, parent_id)
      returning 1
    ), wraps as (
      update polycomm_suitcase s
      set status = 1, csp = u.csp, unpaid = u.unpaid, to_account = u.to_account, in_task = u.in_task, receipt_id = u.receipt_id
      from unnest(${wrapIds}::int8[], ${b(wrap.csp)}::bool[], ${b(wrap.unpaid)}::bool[], ${b(wrap.toAccount)}::bool[], ${b(wrap.inTask)}::bool[], ${n(wrap.receiptId)}::int8[])
        as u(id, csp, unpaid, to_account, in_task, receipt_id)
      where s.id = u.id and s.status = 0 and s.id = any(${wrapIds}::int8[])
      returning 1
    ), alarms as (
      update polycommalarm set status = 1
      where polycommalarm_id = any(${n(rows.alarmIds)}::int8[]) and status = 0
      returning 1
    ), issues as (
      update polycommissue set status = 1
      where polycommissue_id = any(${n(rows.issueIds)}::int8[]) and status = 0
      returning 1
    ), receipts as (
      update receipts r set status = u.status
      from unnest(${receiptIds}::int8[], ${n(receipt.status)}::int[]) as u(id, status)
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
