// Run history retention (RUN_HISTORY_DAYS): rows started longer ago are deleted.
import type { Sql } from '../infra/db.js';

export async function pruneRuns(sql: Sql, days: number, keepId: number | undefined): Promise<number> {
  const result = await sql`
    delete from analyzer_run
    where started_at < now() - make_interval(days => ${days}::int)
      and id is distinct from ${keepId ?? null}::bigint`;
  return result.count;
}
