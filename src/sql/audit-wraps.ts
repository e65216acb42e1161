// audit (issue 23): every wrap of a chunk of devices overlapping each
// device's window, processed or not: the input row (R3) and its written
// columns (R17). Packed (packed-rows.ts); booleans as 1/0.
import type { Sql } from '../infra/db.js';
import type { AuditWrap } from '../core/index.js';
import { unpack } from './packed-rows.js';
import { readWrap } from './load-wraps.js';
import type { WindowArrays } from './audit-windows.js';

export type WindowWrap = AuditWrap & { deviceId: number };

/** A 0/1 column as a flag, NULL kept. */
export const flag = (n: number | null): boolean | null => (n === null ? null : n !== 0);

export async function auditWraps(sql: Sql, w: WindowArrays): Promise<WindowWrap[]> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(s.id, ',', s.device_id, ',', s.polycom_id, ',', s.totalid, ',', s.duration, ',', s.package_type, ',',
                             trunc(extract(epoch from s.dateini_local) * 1000000), ',',
                             trunc(extract(epoch from s.local_date) * 1000000), ',',
                             trunc(extract(epoch from s.date) * 1000000), ',',
                             s.status, ',', s.csp::int, ',', s.unpaid::int, ',', s.to_account::int, ',', s.in_task::int, ',', s.receipt_id), ';') as packed
    from unnest(${w.devices}::int[], ${w.from}::timestamp[], ${w.to}::timestamp[]) as w(device, lo, hi)
    join polycomm_suitcase s on s.device_id = w.device and s.local_date >= w.lo and s.dateini_local <= w.hi
    where s.device_id = any(${w.devices}::int[]) and s.local_date >= ${w.lowest}::timestamp and s.dateini_local <= ${w.highest}::timestamp
    group by s.id / 65536`;
  // the input columns as a pass reads them, then the written ones
  return unpack(parts, 'polycomm_suitcase', (row) => ({
    ...readWrap(row),
    status: row.number(),
    csp: flag(row.number()),
    unpaid: flag(row.number()),
    toAccount: flag(row.number()),
    inTask: flag(row.number()),
    receiptId: row.bigint(),
  }));
}
