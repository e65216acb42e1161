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
import { EVENT_TABLES, type Booleans, type Numbers, type PlanRows } from './plan-rows.js';
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

/** A slice of plan rows as the statement's parameters: every column's array literal, built before the statement is sent. */
export type EncodedRows = {
  [T in keyof PlanRows]: PlanRows[T] extends Numbers | Booleans ? string : { [C in keyof PlanRows[T]]: string };
};

const encodeAll = <K extends string>(table: Record<K, Float64Array | Uint8Array>): Record<K, string> =>
  Object.fromEntries(Object.entries<Float64Array | Uint8Array>(table).map(([k, v]) => [k, v instanceof Uint8Array ? b(v) : n(v)])) as Record<K, string>;

export function encodeRows(rows: PlanRows): EncodedRows {
  return {
    task: encodeAll(rows.task), issue: encodeAll(rows.issue), link: encodeAll(rows.link), wrap: encodeAll(rows.wrap),
    alarmIds: n(rows.alarmIds), issueIds: n(rows.issueIds), receipt: encodeAll(rows.receipt),
  };
}

export async function writePlan(sql: Sql, rows: PlanRows, createtime: string): Promise<WriteCounts> {
  return writeEncoded(sql, encodeRows(rows), createtime);
}

export async function writeEncoded(sql: Sql, rows: EncodedRows, createtime: string): Promise<WriteCounts> {
  const { task, issue, link, wrap, receipt } = rows;
  const [counts] = await sql<WriteCounts[]>`
    with new_tasks as (
      insert into task (id, device_id, type, date, local_date, status, resolved)
      select id, device_id, type, timestamp '1970-01-01' + date * interval '1 microsecond', timestamp '1970-01-01' + local_date * interval '1 microsecond', 1, resolved
      from unnest(${task.id}::int8[], ${task.deviceId}::int[], ${task.type}::int[], ${task.date}::int8[], ${task.localDate}::int8[], ${task.resolved}::bool[])
        as t(id, device_id, type, date, local_date, resolved)
      returning 1
    ), new_issues as (
      insert into polycommissue (polycommissue_id, id, device, type, suitcase, total, duration, localdate, date, createtime, status)
      select id, ${ANALYZER_ISSUE_MARKER}, device, type, suitcase, total, duration,
             timestamp '1970-01-01' + localdate * interval '1 microsecond', timestamp '1970-01-01' + date * interval '1 microsecond', ${createtime}::text::timestamp, 1
      from unnest(${issue.id}::int8[], ${issue.deviceId}::int[], ${issue.type}::int[], ${issue.suitcase}::int8[], ${issue.total}::int[], ${issue.duration}::int[],
                  ${issue.local}::int8[], ${issue.moscow}::int8[])
        as i(id, device, type, suitcase, total, duration, localdate, date)
      returning 1
    ), new_links as (
      insert into task_to_event (id, task_id, event_id, table_name, ord, parent_id)
      select id, task_id, event_id, (${t(EVENT_TABLES)}::text[])[l.table_code], ord, parent_id
      from unnest(${link.id}::int8[], ${link.taskId}::int8[], ${link.eventId}::int8[], ${link.table}::int[], ${link.ord}::int[], ${link.parentId}::int8[])
        as l(id, task_id, event_id, table_code, ord, parent_id)
      returning 1
    ), wraps as (
      update polycomm_suitcase s
      set status = 1, csp = u.csp, unpaid = u.unpaid, to_account = u.to_account, in_task = u.in_task, receipt_id = u.receipt_id
      from unnest(${wrap.id}::int8[], ${wrap.csp}::bool[], ${wrap.unpaid}::bool[], ${wrap.toAccount}::bool[], ${wrap.inTask}::bool[], ${wrap.receiptId}::int8[])
        as u(id, csp, unpaid, to_account, in_task, receipt_id)
      where s.id = u.id and s.status = 0 and s.id = any(${wrap.id}::int8[])
      returning 1
    ), alarms as (
      update polycommalarm set status = 1
      where polycommalarm_id = any(${rows.alarmIds}::int8[]) and status = 0
      returning 1
    ), issues as (
      update polycommissue set status = 1
      where polycommissue_id = any(${rows.issueIds}::int8[]) and status = 0
      returning 1
    ), receipts as (
      update receipts r set status = u.status
      from unnest(${receipt.id}::int8[], ${receipt.status}::int[]) as u(id, status)
      where r.receipt_id = u.id and r.status = 0 and r.receipt_id = any(${receipt.id}::int8[])
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
