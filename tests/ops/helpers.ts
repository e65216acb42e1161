// Helpers of the operations tests: wait for a condition, hold a table lock to
// keep a pass busy for as long as a test needs.
import type { Sql } from '../harness/db.js';
import { holdInTransaction, sleep, waitFor as pollFor, type HeldLock } from '../harness/wait.js';

export { sleep, type HeldLock };

/** Polls `check` until it returns a value other than undefined (or throws after `ms`). */
export const waitFor = <T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> => pollFor(what, check, ms, 50);

/** ACCESS EXCLUSIVE on a table in an open transaction: a pass reading it waits until release(). */
export function lockTable(sql: Sql, table: string): Promise<HeldLock> {
  return holdInTransaction(sql, (tx) => tx`lock table ${tx(table)} in access exclusive mode`);
}

/** The analyzer's backend waits for a lock (the pass is blocked where the test wants it). */
export function analyzerWaitsOnLock(sql: Sql): Promise<true | undefined> {
  return sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and application_name = 'polycomm-analyzer' and wait_event_type = 'Lock'`
    .then((r) => ((r[0]?.n ?? 0) > 0 ? true : undefined));
}

export interface RunRowT {
  id: number;
  mode: string;
  status: string;
  host: string | null;
  pid: number | null;
  version: string | null;
  started_at: Date;
  finished_at: Date | null;
  report: unknown;
  error: string | null;
}

export const runRows = (sql: Sql) =>
  sql<RunRowT[]>`select id, mode, status, host, pid, version, started_at, finished_at, report, error from analyzer_run order by id`;
