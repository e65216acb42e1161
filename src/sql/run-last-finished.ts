// `analyzer status`: the latest finished (not running) run of each mode.
import type { Sql } from '../infra/db.js';

export interface FinishedRunRow {
  id: number;
  mode: string;
  started_at: Date;
  finished_at: Date | null;
  status: string;
  error: string | null;
}

export async function lastFinishedRuns(sql: Sql, mode: string | undefined): Promise<FinishedRunRow[]> {
  return sql<FinishedRunRow[]>`
    select distinct on (mode) id, mode, started_at, finished_at, status, error
    from analyzer_run
    where status <> 'running'
      and (${mode ?? null}::text is null or mode = ${mode ?? null}::text)
    order by mode, started_at desc, id desc`;
}
