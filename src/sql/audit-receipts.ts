// audit (issue 23): every receipt of a chunk of devices in each device's
// window, processed or not; devicecode is text and matches a device as
// analyzer_code_to_int says (R2). Rows whose code is plain digits are first
// narrowed by a cheap text comparison (a necessary condition: sign, leading
// zeros and white space stripped), so the function runs on this chunk's
// receipts and on odd codes only, not on every receipt of the period (the
// planner evaluates the cheap conditions first); an index on
// (analyzer_code_to_int(devicecode), dateclose) serves it directly.
// Packed (packed-rows.ts).
import type { Sql } from '../infra/db.js';
import type { AuditReceipt } from '../core/index.js';
import { unpack } from './packed-rows.js';
import { textArray } from './array-literal.js';
import type { WindowArrays } from './audit-windows.js';

export type WindowReceipt = AuditReceipt & { deviceId: number };

/** The white space int4's input skips (C isspace). */
const SPACE = ' \t\n\v\f\r';
/** A code of plain digits, maybe signed and padded (anything else goes to the function). */
const PLAIN = String.raw`^\s*[-+]?[0-9]+\s*$`;

export async function auditReceipts(sql: Sql, w: WindowArrays, codes: readonly number[]): Promise<WindowReceipt[]> {
  const digits = textArray(codes.map((c) => String(Math.abs(c)).replace(/^0+/, '')));
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(r.receipt_id, ',', w.device, ',',
                             trunc(extract(epoch from r.dateclose) * 1000000), ',',
                             trunc(extract(epoch from r.dateclosemoscow) * 1000000), ',',
                             r.quantitypackageone, ',', r.quantitypackagedouble, ',', r.status), ';') as packed
    from receipts r
    join unnest(${w.devices}::int[], ${w.codes}::int[], ${w.from}::timestamp[], ${w.to}::timestamp[]) as w(device, code, lo, hi)
      on analyzer_code_to_int(r.devicecode) = w.code and r.dateclose between w.lo and w.hi
    where r.dateclose between ${w.lowest}::timestamp and ${w.highest}::timestamp
      and (r.devicecode !~ ${PLAIN} or ltrim(btrim(r.devicecode, ${SPACE}), '+-0') = any(${digits}::text[]))
      and analyzer_code_to_int(r.devicecode) = any(${w.codes}::int[])
    group by r.receipt_id / 65536`;
  return unpack(parts, 'receipts', (row) => ({
    id: row.id(),
    deviceId: row.id(),
    local: row.number(),
    moscow: row.number(),
    single: row.number(),
    double: row.number(),
    status: row.number(),
  }));
}
