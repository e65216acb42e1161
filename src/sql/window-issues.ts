// explain --task: every device issue of a device in a local-time window,
// whatever its status; the analyzer's own rows (id 22222222) are never
// device issues (R2).
import type { Sql } from '../infra/db.js';
import type { WindowPoint } from './window-alarms.js';
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';

/** `from` and `to` are local wall-clock times as 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export async function windowIssues(sql: Sql, deviceId: number, from: string, to: string): Promise<WindowPoint[]> {
  return sql<WindowPoint[]>`
    select polycommissue_id as id,
           trunc(extract(epoch from localdate) * 1000000)::float8 as local,
           trunc(extract(epoch from date) * 1000000)::float8 as moscow,
           status
    from polycommissue
    where device = ${deviceId} and localdate between ${from}::timestamp and ${to}::timestamp
      and id is distinct from ${ANALYZER_ISSUE_MARKER}
    order by localdate, polycommissue_id`;
}
