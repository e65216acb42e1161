// R2, R3: pending alarms of a chunk of devices.
import type { Sql } from '../db.js';
import type { PointRow } from '../core/types.js';

export type LoadedPoint = PointRow & { deviceId: number };

export async function loadPendingAlarms(sql: Sql, deviceIds: number[]): Promise<LoadedPoint[]> {
  return sql<LoadedPoint[]>`
    select polycommalarm_id as id, device as "deviceId",
           (extract(epoch from localdate) * 1000000)::float8 as local,
           (extract(epoch from date) * 1000000)::float8 as moscow
    from polycommalarm
    where status = 0 and device = any(${deviceIds}::int[])`;
}
