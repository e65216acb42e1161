// `analyzer status`: pending rows (status = 0) of a mode's ready devices, per
// table, and the oldest pending Moscow time. Served by the partial
// "pending" indexes (src/sql/migrations). Receipts count only in receipts mode
// (R2): pass no codes for dwr.
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { Sql } from '../infra/db.js';

export interface BacklogRow {
  wraps: number;
  alarms: number;
  issues: number;
  receipts: number;
  oldest: string | null;
}

export async function pendingBacklog(sql: Sql, deviceIds: number[], codes: number[]): Promise<BacklogRow> {
  const [row] = await sql<BacklogRow[]>`
    with w as (
      select count(*) as n, min(date) as oldest from polycomm_suitcase where status = 0 and device_id = any(${deviceIds}::int[])
    ), a as (
      select count(*) as n, min(date) as oldest from polycommalarm where status = 0 and device = any(${deviceIds}::int[])
    ), i as (
      select count(*) as n, min(date) as oldest from polycommissue
      where status = 0 and device = any(${deviceIds}::int[]) and id is distinct from ${ANALYZER_ISSUE_MARKER}
    ), r as (
      select count(*) as n, min(dateclosemoscow) as oldest from receipts
      where status = 0 and analyzer_code_to_int(devicecode) = any(${codes}::int[])
    )
    select w.n as wraps, a.n as alarms, i.n as issues, r.n as receipts,
      least(w.oldest, a.oldest, i.oldest, r.oldest)::text as oldest
    from w, a, i, r`;
  if (!row) throw new Error('backlog query returned no row');
  return row;
}
