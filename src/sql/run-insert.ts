// Run history: a pass's row, inserted at its start (autocommit, so it survives
// whatever the pass's own transactions do).
import type { Sql } from '../infra/db.js';

export interface RunInsert {
  mode: string;
  host: string;
  pid: number;
  version: string;
  /** Seconds after which the row, if still running, belongs to a dead pass; null: never. */
  expiresInSeconds: number | null;
}

export async function insertRun(sql: Sql, run: RunInsert): Promise<{ id: number; startedAt: Date }> {
  const [row] = await sql<{ id: number; started_at: Date }[]>`
    insert into analyzer_run (mode, status, host, pid, version, expires_at)
    values (${run.mode}, 'running', ${run.host}, ${run.pid}, ${run.version},
            now() + make_interval(secs => ${run.expiresInSeconds}::float8))
    returning id, started_at`;
  if (!row) throw new Error('insert into analyzer_run returned no row');
  return { id: row.id, startedAt: row.started_at };
}
