// R19: a device is owned by the transaction holding the advisory lock
// (ANALYZER_LOCK, device id). The lock is transaction-scoped: taken in the
// chunk's transaction, released by its COMMIT or ROLLBACK, so nothing of it
// outlives the transaction on a server connection that a transaction pooler
// hands to another client, and a killed pass's transaction takes its locks
// with it. Taken without waiting: a device owned elsewhere is skipped.
import type { Sql } from '../infra/db.js';

/** First key of the two-key advisory lock: 'PCMA'. The second is the device id. */
export const ANALYZER_LOCK = 0x50434d41;

/** Try to own each device for the rest of the transaction `tx`; returns the ids now owned. */
export async function tryLockDevices(tx: Sql, deviceIds: number[]): Promise<number[]> {
  if (deviceIds.length === 0) return [];
  const rows = await tx<{ id: number }[]>`
    select id from unnest(${deviceIds}::int[]) with ordinality as d(id, n)
    where pg_try_advisory_xact_lock(${ANALYZER_LOCK}, id)
    order by n`;
  return rows.map((r) => r.id);
}
