// R2, R3: pending device issues of a chunk of devices. Rows with id 22222222
// are the analyzer's own (R14) and never read, whatever their status.
import type { Sql } from '../db.js';
import type { LoadedPoint } from './load-alarms.js';

export const ANALYZER_ISSUE_MARKER = 22222222;

export async function loadPendingIssues(sql: Sql, deviceIds: number[]): Promise<LoadedPoint[]> {
  return sql<LoadedPoint[]>`
    select polycommissue_id as id, device as "deviceId",
           (extract(epoch from localdate) * 1000000)::float8 as local,
           (extract(epoch from date) * 1000000)::float8 as moscow
    from polycommissue
    where status = 0 and device = any(${deviceIds}::int[])
      and id is distinct from ${ANALYZER_ISSUE_MARKER}`;
}
