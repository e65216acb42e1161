// explain --task: every receipt of a device (devicecode as text, R2) in a
// local-time window, whatever its status.
import type { Sql } from '../infra/db.js';
import type { ReceiptRow, StoredStatus } from '../core/index.js';

export type WindowReceipt = ReceiptRow & StoredStatus;

/** `from` and `to` are local wall-clock times as 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export async function windowReceipts(sql: Sql, code: number, from: string, to: string): Promise<WindowReceipt[]> {
  return sql<WindowReceipt[]>`
    select receipt_id as id,
           trunc(extract(epoch from dateclose) * 1000000)::float8 as local,
           trunc(extract(epoch from dateclosemoscow) * 1000000)::float8 as moscow,
           quantitypackageone as single, quantitypackagedouble as double,
           status
    from receipts
    where analyzer_code_to_int(devicecode) = ${code}
      and dateclose between ${from}::timestamp and ${to}::timestamp
    order by dateclose, receipt_id`;
}
