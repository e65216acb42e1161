// `analyzer open-tasks`: complete counts of the unresolved tasks by type and by
// device (one statement, grouping sets), whatever the list's limit.
import type { Sql } from '../infra/db.js';
import { openTaskWhere, type OpenTaskFilter } from './open-tasks.js';

export interface OpenTaskCountRow {
  /** 'type' or 'device'. */
  by: 'type' | 'device';
  type: number | null;
  device_id: number | null;
  title: string | null;
  count: number;
}

export async function openTaskCounts(sql: Sql, filter: OpenTaskFilter): Promise<OpenTaskCountRow[]> {
  return sql<OpenTaskCountRow[]>`
    select case when grouping(t.type) = 0 then 'type' else 'device' end as by,
      t.type, t.device_id, max(d.title) as title, count(*)::int as count
    from task t
    left join polycomm_device d on d.id = t.device_id
    ${openTaskWhere(sql, filter)}
    group by grouping sets ((t.type), (t.device_id))
    order by 1, count(*) desc, t.type, t.device_id`;
}
