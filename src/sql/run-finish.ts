// Run history: a pass's row, completed at its end with the outcome and the
// full report (autocommit).
import type postgres from 'postgres';
import type { Sql } from '../infra/db.js';

export interface RunFinish {
  id: number;
  status: 'succeeded' | 'failed' | 'interrupted';
  /** The pass report (stored as jsonb). */
  report: object;
  error: string | null;
}

export async function finishRunRow(sql: Sql, run: RunFinish): Promise<number> {
  const result = await sql`
    update analyzer_run
    set status = ${run.status}, finished_at = now(), report = ${sql.json(run.report as postgres.JSONValue)}, error = ${run.error}
    where id = ${run.id}`;
  return result.count;
}
