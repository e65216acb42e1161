// R2: pending receipts whose devicecode (text) casts to one of the chunk's
// device codes; junk codes match nothing and never fail the query.
import type { Sql } from '../db.js';
import type { ReceiptRow } from '../core/types.js';

export type LoadedReceipt = ReceiptRow & { code: number };

export async function loadPendingReceipts(sql: Sql, codes: number[]): Promise<LoadedReceipt[]> {
  return sql<LoadedReceipt[]>`
    select receipt_id as id, analyzer_code_to_int(devicecode) as code,
           (extract(epoch from dateclose) * 1000000)::float8 as local,
           (extract(epoch from dateclosemoscow) * 1000000)::float8 as moscow,
           quantitypackageone as single, quantitypackagedouble as double
    from receipts
    where status = 0 and analyzer_code_to_int(devicecode) = any(${codes}::int[])`;
}
