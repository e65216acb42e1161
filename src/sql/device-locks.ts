// R19: a device is owned by the pass holding the session advisory lock
// (ANALYZER_LOCK, device id). Taken without waiting: a device owned elsewhere
// is skipped. Session locks vanish with the connection, so a killed pass
// leaves no owner behind.
import type { Sql } from '../infra/db.js';

/** First key of the two-key advisory lock: 'PCMA'. The second is the device id. */
export const ANALYZER_LOCK = 0x50434d41;

/** Try to own each device; returns the ids now owned by this session. */
export async function tryLockDevices(sql: Sql, deviceIds: number[]): Promise<number[]> {
  if (deviceIds.length === 0) return [];
  const rows = await sql<{ id: number }[]>`
    select id from unnest(${deviceIds}::int[]) as d(id)
    where pg_try_advisory_lock(${ANALYZER_LOCK}, id)`;
  return rows.map((r) => r.id);
}

export async function unlockDevices(sql: Sql, deviceIds: number[]): Promise<void> {
  if (deviceIds.length === 0) return;
  await sql`select count(pg_advisory_unlock(${ANALYZER_LOCK}, id)) from unnest(${deviceIds}::int[]) as d(id)`;
}
