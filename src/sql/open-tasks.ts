// `analyzer open-tasks`: the unresolved tasks (resolved = false), newest first,
// with their device, number of linked events and the analyzer issue types
// (polycommissue rows with id ANALYZER_ISSUE_MARKER) linked to them. Bounded by `limit`.
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { Sql } from '../infra/db.js';

export interface OpenTaskFilter {
  devices: number[] | undefined;
  types: number[] | undefined;
  /** Moscow wall-clock time: tasks whose `date` is at or after it. */
  since: string | undefined;
}

export interface OpenTaskRow {
  id: number;
  device_id: number | null;
  title: string | null;
  type: number | null;
  date: string | null;
  local_date: string | null;
  createtime: string | null;
  events: number;
  issue_types: number[];
}

/** The WHERE clause shared by the list and the counts. */
export function openTaskWhere(sql: Sql, filter: OpenTaskFilter) {
  return sql`
    where t.resolved = false
    ${filter.devices ? sql`and t.device_id = any(${filter.devices}::int[])` : sql``}
    ${filter.types ? sql`and t.type = any(${filter.types}::int[])` : sql``}
    ${filter.since ? sql`and t.date >= ${filter.since}::timestamp` : sql``}`;
}

export async function openTasks(sql: Sql, filter: OpenTaskFilter, limit: number): Promise<OpenTaskRow[]> {
  return sql<OpenTaskRow[]>`
    select t.id, t.device_id, d.title, t.type, t.date::text as date, t.local_date::text as local_date,
      t.createtime::text as createtime,
      (select count(*) from task_to_event e where e.task_id = t.id)::int as events,
      coalesce((
        select array_agg(distinct i.type order by i.type)
        from task_to_event e
        join polycommissue i on i.polycommissue_id = e.event_id and i.id = ${ANALYZER_ISSUE_MARKER}
        where e.task_id = t.id and e.table_name = 'polycommissue'
      ), '{}'::int[]) as issue_types
    from task t
    left join polycomm_device d on d.id = t.device_id
    ${openTaskWhere(sql, filter)}
    order by t.date desc nulls last, t.id desc
    limit ${limit}::int`;
}
