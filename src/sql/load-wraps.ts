// R2, R3: pending wraps of a chunk of devices; times as zone-free micros.
import type { Sql } from '../db.js';
import type { WrapRow } from '../core/types.js';

export type LoadedWrap = WrapRow & { deviceId: number };

export async function loadPendingWraps(sql: Sql, deviceIds: number[]): Promise<LoadedWrap[]> {
  return sql<LoadedWrap[]>`
    select id, device_id as "deviceId", polycom_id as "polycomId", totalid, duration, package_type as "packageType",
           (extract(epoch from dateini_local) * 1000000)::float8 as start,
           (extract(epoch from local_date) * 1000000)::float8 as finish,
           (extract(epoch from date) * 1000000)::float8 as "finishMoscow"
    from polycomm_suitcase
    where status = 0 and device_id = any(${deviceIds}::int[])`;
}
