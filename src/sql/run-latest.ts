// `analyzer status`: the latest runs of each mode (or of one mode), newest first.
import type { Sql } from '../infra/db.js';

export interface RunRow {
  id: number;
  mode: string;
  started_at: Date;
  finished_at: Date | null;
  status: string;
  host: string | null;
  pid: number | null;
  version: string | null;
  error: string | null;
  /** Seconds from start to finish, or to now while running. */
  duration_s: number;
  /** Seconds since the start. */
  age_s: number;
  devices_ready: number | null;
  devices_processed: number | null;
  devices_failed: number | null;
  tasks: number | null;
  deferred: number | null;
  rejected: number | null;
}

export async function latestRuns(sql: Sql, mode: string | undefined, limit: number): Promise<RunRow[]> {
  return sql<RunRow[]>`
    select id, mode, started_at, finished_at, status, host, pid, version, error,
      extract(epoch from coalesce(finished_at, now()) - started_at)::float8 as duration_s,
      extract(epoch from now() - started_at)::float8 as age_s,
      (report #>> '{devices,ready}')::int as devices_ready,
      (report #>> '{devices,processed}')::int as devices_processed,
      (report #>> '{devices,failed}')::int as devices_failed,
      (report #>> '{groups,tasks}')::int as tasks,
      (report #>> '{groups,deferred}')::int as deferred,
      (report #>> '{rejected,total}')::int as rejected
    from (
      select r.*, row_number() over (partition by r.mode order by r.started_at desc, r.id desc) as rn
      from analyzer_run r
      where ${mode ?? null}::text is null or r.mode = ${mode ?? null}::text
    ) r
    where rn <= ${limit}::int
    order by mode, started_at desc, id desc`;
}
