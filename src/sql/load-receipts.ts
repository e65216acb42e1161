// R2: pending receipts whose devicecode (text) casts to one of the chunk's
// device codes; junk codes match nothing and never fail the query. Packed:
// see packed-rows.ts.
import type { Sql } from '../infra/db.js';
import type { ReceiptRow } from '../core/index.js';
import { unpack } from './packed-rows.js';

export type LoadedReceipt = ReceiptRow & { code: number };

export async function loadPendingReceipts(sql: Sql, codes: number[]): Promise<LoadedReceipt[]> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(receipt_id, ',', analyzer_code_to_int(devicecode), ',',
                             trunc(extract(epoch from dateclose) * 1000000), ',',
                             trunc(extract(epoch from dateclosemoscow) * 1000000), ',',
                             quantitypackageone, ',', quantitypackagedouble), ';') as packed
    from receipts
    where status = 0 and analyzer_code_to_int(devicecode) = any(${codes}::int[])
    group by receipt_id / 65536`;
  return unpack(parts, 'receipts', (row) => ({
    id: row.id(),
    code: row.id(),
    local: row.number(),
    moscow: row.number(),
    single: row.number(),
    double: row.number(),
  }));
}
