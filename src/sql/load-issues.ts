// R2, R3: pending device issues of a chunk of devices (packed: see
// packed-rows.ts). Rows with id ANALYZER_ISSUE_MARKER are the analyzer's own
// (R14) and never read, whatever their status.
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { Sql } from '../infra/db.js';
import { readPoint, type LoadedPoint } from './load-alarms.js';
import { unpack } from './packed-rows.js';

export async function loadPendingIssues(sql: Sql, deviceIds: number[]): Promise<LoadedPoint[]> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(polycommissue_id, ',', device, ',',
                             trunc(extract(epoch from localdate) * 1000000), ',',
                             trunc(extract(epoch from date) * 1000000)), ';') as packed
    from polycommissue
    where status = 0 and device = any(${deviceIds}::int[])
      and id is distinct from ${ANALYZER_ISSUE_MARKER}
    group by polycommissue_id / 65536`;
  return unpack(parts, 'polycommissue', readPoint);
}
