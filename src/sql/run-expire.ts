// Run history: rows still 'running' past their expiry belong to passes that
// can no longer be alive (killed, or cut off from the server until their time
// limit ran out) and never recorded an outcome: marked failed, naming the run
// that noticed.
import type { Sql } from '../infra/db.js';

export async function expireRuns(sql: Sql, byRunId: number): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    update analyzer_run
    set status = 'failed', finished_at = now(),
        error = 'no outcome recorded: the pass ended without recording it (killed, or cut off from the server) before its time limit ran out; marked by run ' || ${byRunId}::bigint
    where status = 'running' and expires_at < now() and id <> ${byRunId}::bigint
    returning id`;
  return rows.map((r) => r.id);
}
