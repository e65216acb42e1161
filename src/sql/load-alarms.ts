// R2, R3: pending alarms of a chunk of devices (packed: see packed-rows.ts).
import type { Sql } from '../infra/db.js';
import type { PointRow } from '../core/index.js';
import { unpack, type PackedReader } from './packed-rows.js';

export type LoadedPoint = PointRow & { deviceId: number };

export async function loadPendingAlarms(sql: Sql, deviceIds: number[]): Promise<LoadedPoint[]> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(polycommalarm_id, ',', device, ',',
                             trunc(extract(epoch from localdate) * 1000000), ',',
                             trunc(extract(epoch from date) * 1000000)), ';') as packed
    from polycommalarm
    where status = 0 and device = any(${deviceIds}::int[])
    group by polycommalarm_id / 65536`;
  return unpack(parts, 'polycommalarm', readPoint);
}

/** One alarm or device issue row: id, device, local time, Moscow time. */
export const readPoint = (row: PackedReader): LoadedPoint => ({
  id: row.id(),
  deviceId: row.id(),
  local: row.number(),
  moscow: row.number(),
});
