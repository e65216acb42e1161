// R2, R3: pending wraps of a chunk of devices; times as zone-free micros
// (`trunc` keeps them exact, and ±infinity reads as ±Infinity).
import type { Sql } from '../infra/db.js';
import type { WrapRow } from '../core/index.js';
import { unpack, type PackedReader } from './packed-rows.js';

export type LoadedWrap = WrapRow & { deviceId: number };

/** A wrap's input columns, in the order every wrap query packs them (id, device_id, polycom_id, ... date). */
export const readWrap = (row: PackedReader): LoadedWrap => ({
  id: row.id(),
  deviceId: row.id(),
  polycomId: row.bigint(),
  totalid: row.number(),
  duration: row.number(),
  packageType: row.number(),
  start: row.number(),
  finish: row.number(),
  finishMoscow: row.number(),
});

export async function loadPendingWraps(sql: Sql, deviceIds: number[]): Promise<LoadedWrap[]> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(id, ',', device_id, ',', polycom_id, ',', totalid, ',', duration, ',', package_type, ',',
                             trunc(extract(epoch from dateini_local) * 1000000), ',',
                             trunc(extract(epoch from local_date) * 1000000), ',',
                             trunc(extract(epoch from date) * 1000000)), ';') as packed
    from polycomm_suitcase
    where status = 0 and device_id = any(${deviceIds}::int[])
    group by id / 65536`;
  return unpack(parts, 'polycomm_suitcase', readWrap);
}
