// explain --task: every wrap of a device overlapping a local-time window,
// whatever its status: the input row (R3) and its written columns (R17).
import type { Sql } from '../infra/db.js';
import type { StoredWrapState, WrapRow } from '../core/index.js';

export type WindowWrap = WrapRow & StoredWrapState;

/** `from` and `to` are local wall-clock times as 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export async function windowWraps(sql: Sql, deviceId: number, from: string, to: string): Promise<WindowWrap[]> {
  return sql<WindowWrap[]>`
    select id, polycom_id as "polycomId", totalid, duration, package_type as "packageType",
           trunc(extract(epoch from dateini_local) * 1000000)::float8 as start,
           trunc(extract(epoch from local_date) * 1000000)::float8 as finish,
           trunc(extract(epoch from date) * 1000000)::float8 as "finishMoscow",
           status, csp, unpaid, to_account as "toAccount", in_task as "inTask", receipt_id as "receiptId"
    from polycomm_suitcase
    where device_id = ${deviceId}
      and local_date >= ${from}::timestamp and dateini_local <= ${to}::timestamp
    order by dateini_local, id`;
}
