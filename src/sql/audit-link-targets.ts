// audit (issue 23): where links the loaded window could not resolve point:
// the row on the task's own device (a wrap by polycom_id, R16), with its
// local span (start and finish of a wrap, the time of anything else). A link
// with no row comes back without one; a row without a local time (R4) comes
// back with NULL times. Rare: only links of compared tasks that the window
// did not hold.
import type { Sql } from '../infra/db.js';
import type { Micros } from '../core/index.js';
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import { numberArray } from './array-literal.js';

export interface LinkTarget {
  linkId: number;
  found: boolean;
  from: Micros | null;
  to: Micros | null;
}

export async function auditLinkTargets(sql: Sql, linkIds: readonly number[]): Promise<LinkTarget[]> {
  return sql<LinkTarget[]>`
    with l as (
      select e.id, e.table_name, e.event_id, t.device_id, d.code
      from task_to_event e join task t on t.id = e.task_id left join polycomm_device d on d.id = t.device_id
      where e.id = any(${numberArray(linkIds)}::int8[])
    ), hits as (
      select l.id, s.dateini_local as lo, s.local_date as hi
      from l join polycomm_suitcase s on l.table_name = 'polycomm_suitcase' and s.device_id = l.device_id and s.polycom_id = l.event_id
      union all
      select l.id, a.localdate, a.localdate
      from l join polycommalarm a on l.table_name = 'polycommalarm' and a.polycommalarm_id = l.event_id and a.device = l.device_id
      union all
      select l.id, i.localdate, i.localdate
      from l join polycommissue i on l.table_name = 'polycommissue' and i.polycommissue_id = l.event_id and i.device = l.device_id
       and i.id is distinct from ${ANALYZER_ISSUE_MARKER}
      union all
      select l.id, r.dateclose, r.dateclose
      from l join receipts r on l.table_name = 'receipts' and r.receipt_id = l.event_id and analyzer_code_to_int(r.devicecode) = l.code
    )
    select l.id as "linkId", h.id is not null as found,
           trunc(extract(epoch from h.lo) * 1000000)::float8 as "from",
           trunc(extract(epoch from h.hi) * 1000000)::float8 as "to"
    from l left join hits h on h.id = l.id
    order by l.id`;
}
