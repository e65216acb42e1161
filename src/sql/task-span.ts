// explain --task: the local-time span of the task's linked events on its
// device (wraps by polycom_id, R16), whatever their status; analyzer issues
// (id 22222222) are outputs, not events, and do not count.
import type { Sql } from '../infra/db.js';
import type { Micros } from '../core/index.js';

export interface TaskSpan {
  from: Micros | null;
  to: Micros | null;
}

export async function taskSpan(sql: Sql, taskId: number, deviceId: number, code: number): Promise<TaskSpan> {
  const [row] = await sql<TaskSpan[]>`
    with l as (select table_name, event_id from task_to_event where task_id = ${taskId})
    select trunc(extract(epoch from min(lo)) * 1000000)::float8 as "from",
           trunc(extract(epoch from max(hi)) * 1000000)::float8 as "to"
    from (
      select s.dateini_local as lo, s.local_date as hi
      from l join polycomm_suitcase s
        on l.table_name = 'polycomm_suitcase' and s.device_id = ${deviceId} and s.polycom_id = l.event_id
      union all
      select a.localdate, a.localdate
      from l join polycommalarm a
        on l.table_name = 'polycommalarm' and a.polycommalarm_id = l.event_id and a.device = ${deviceId}
      union all
      select i.localdate, i.localdate
      from l join polycommissue i
        on l.table_name = 'polycommissue' and i.polycommissue_id = l.event_id and i.device = ${deviceId}
       and i.id is distinct from 22222222
      union all
      select r.dateclose, r.dateclose
      from l join receipts r
        on l.table_name = 'receipts' and r.receipt_id = l.event_id and analyzer_code_to_int(r.devicecode) = ${code}
    ) x`;
  return row ?? { from: null, to: null };
}
