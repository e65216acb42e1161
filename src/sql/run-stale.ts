// `analyzer status`: runs still marked running after `staleAfter` seconds. A
// pass killed by SIGKILL or the OOM killer never finishes its row: exactly these.
import type { Sql } from '../infra/db.js';

export interface StaleRunRow {
  id: number;
  mode: string;
  started_at: Date;
  host: string | null;
  pid: number | null;
  version: string | null;
  age_s: number;
}

export async function staleRuns(sql: Sql, mode: string | undefined, staleAfterSeconds: number): Promise<StaleRunRow[]> {
  return sql<StaleRunRow[]>`
    select id, mode, started_at, host, pid, version, extract(epoch from now() - started_at)::float8 as age_s
    from analyzer_run
    where status = 'running'
      and started_at < now() - make_interval(secs => ${staleAfterSeconds}::float8)
      and (${mode ?? null}::text is null or mode = ${mode ?? null}::text)
    order by started_at, id`;
}
