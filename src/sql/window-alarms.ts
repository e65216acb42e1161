// explain --task: every alarm of a device in a local-time window, whatever its status.
import type { Sql } from '../infra/db.js';
import type { PointRow, StoredStatus } from '../core/index.js';

export type WindowPoint = PointRow & StoredStatus;

/** `from` and `to` are local wall-clock times as 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export async function windowAlarms(sql: Sql, deviceId: number, from: string, to: string): Promise<WindowPoint[]> {
  return sql<WindowPoint[]>`
    select polycommalarm_id as id,
           trunc(extract(epoch from localdate) * 1000000)::float8 as local,
           trunc(extract(epoch from date) * 1000000)::float8 as moscow,
           status
    from polycommalarm
    where device = ${deviceId} and localdate between ${from}::timestamp and ${to}::timestamp
    order by localdate, polycommalarm_id`;
}
