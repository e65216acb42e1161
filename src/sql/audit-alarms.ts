// audit (issue 23): every alarm of a chunk of devices in each device's
// window, processed or not. Packed (packed-rows.ts).
import type { Sql } from '../infra/db.js';
import type { AuditPoint } from '../core/index.js';
import { unpack } from './packed-rows.js';
import type { WindowArrays } from './audit-windows.js';

export type WindowPoint = AuditPoint & { deviceId: number };

export async function auditAlarms(sql: Sql, w: WindowArrays): Promise<WindowPoint[]> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(a.polycommalarm_id, ',', a.device, ',',
                             trunc(extract(epoch from a.localdate) * 1000000), ',',
                             trunc(extract(epoch from a.date) * 1000000), ',', a.status), ';') as packed
    from unnest(${w.devices}::int[], ${w.from}::timestamp[], ${w.to}::timestamp[]) as w(device, lo, hi)
    join polycommalarm a on a.device = w.device and a.localdate between w.lo and w.hi
    where a.device = any(${w.devices}::int[]) and a.localdate between ${w.lowest}::timestamp and ${w.highest}::timestamp
    group by a.polycommalarm_id / 65536`;
  return unpack(parts, 'polycommalarm', (row) => ({
    id: row.id(),
    deviceId: row.id(),
    local: row.number(),
    moscow: row.number(),
    status: row.number(),
  }));
}
