// Run history (analyzer_run): a pass records its start and its outcome, each
// in its own autocommitted statement, so the record survives a pass whose work
// rolled back. A pass killed by SIGKILL or the OOM killer leaves its row
// 'running': `analyzer status` flags such rows as hung.
import { hostname } from 'node:os';
import type { ConnectionConfig, PassConfig } from '../infra/config.js';
import { describeError } from '../infra/db-errors.js';
import { open, type Sql } from '../infra/db.js';
import { DeadlineExceeded, within } from '../infra/deadline.js';
import type { Io } from './session.js';
import type { PassReport } from './report.js';
import { finishRunRow } from '../sql/run-finish.js';
import { insertRun } from '../sql/run-insert.js';
import { expireRuns } from '../sql/run-expire.js';
import { pruneRuns } from '../sql/run-prune.js';
import { VERSION } from '../infra/version.js';

export interface RunRecord {
  id: number;
  startedAt: Date;
  /** To record the outcome on a connection of its own if the pass's one is stuck. */
  connection: ConnectionConfig;
  io: Io;
}

/** How long the outcome may wait for the pass's connection (busy in a transaction after a stop signal). */
const FINISH_ON_PASS_CONNECTION_MS = 2000;
/** The fresh connection's connect and statement limits, seconds. */
const FRESH_CONNECTION_S = 2;
/** The error column keeps a readable summary, not thousands of failures. */
const MAX_ERROR_CHARS = 4000;

/**
 * The pass's row ('running'), then the history's upkeep: rows of passes that
 * cannot be alive any more are marked failed, old rows pruned. `lifetimeSeconds`:
 * how long after now the pass has surely ended (null: no limit).
 */
export async function startRun(sql: Sql, config: PassConfig, io: Io, lifetimeSeconds: number | null): Promise<RunRecord | undefined> {
  const { logger } = io;
  let run: RunRecord;
  try {
    const row = await insertRun(sql, { mode: config.mode, host: hostname(), pid: process.pid, version: VERSION, expiresInSeconds: lifetimeSeconds });
    run = { id: row.id, startedAt: row.startedAt, connection: config, io };
    logger.info(`run ${row.id} recorded in analyzer_run`, { runId: row.id });
  } catch (error) {
    // the pass itself does not depend on its history: warn and go on
    logger.warn(`could not record the run in analyzer_run (has 'analyzer migrate' been run?): ${describeError(error)}`);
    return undefined;
  }
  try {
    for (const id of await expireRuns(sql, run.id)) {
      logger.warn(`run ${id} is still marked running past its time limit: its pass ended without recording an outcome; marked failed`, { runId: id });
    }
  } catch (error) {
    logger.warn(`could not mark expired analyzer_run rows: ${describeError(error)}`);
  }
  try {
    const pruned = await pruneRuns(sql, config.runHistoryDays, run.id);
    if (pruned > 0) logger.info(`pruned ${pruned} analyzer_run row(s) older than ${config.runHistoryDays} days`, { pruned });
  } catch (error) {
    logger.warn(`could not prune analyzer_run: ${describeError(error)}`);
  }
  return run;
}

/** The error column: the fatal error, else a summary of the failed devices, else why the run stopped. */
export function runError(report: PassReport): string | null {
  const parts: string[] = [];
  if (report.error) parts.push(report.error);
  if (report.failures.length > 0) {
    const shown = report.failures.slice(0, 10).map((f) => `device ${f.deviceId}: ${f.error}`);
    const more = report.failures.length > 10 ? `; ... ${report.failures.length - 10} more` : '';
    parts.push(`${report.failures.length} device(s) failed: ${shown.join('; ')}${more}`);
  }
  if (parts.length === 0 && report.status === 'interrupted') parts.push('interrupted (a stop signal, SIGTERM/SIGINT, or the time limit MAX_DURATION) before the pass completed');
  if (parts.length === 0) return null;
  const text = parts.join(' | ');
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 3)}...` : text;
}

/** `sql`: the pass's connection, or undefined when it is known lost (then straight to a fresh one). */
export async function finishRun(sql: Sql | undefined, run: RunRecord, report: PassReport): Promise<void> {
  const row = { id: run.id, status: report.status, report, error: runError(report) };
  // The pass's single connection may still be held by the device in flight
  // (a stop signal whose grace period ran out): then record on a fresh one.
  let reason = 'was lost';
  if (sql) {
    try {
      // not cancelled past the limit: it waits behind the device in flight, which the server rolls back when the process ends
      await within(FINISH_ON_PASS_CONNECTION_MS, "recording the run on the pass's connection", finishRunRow(sql, row));
      return;
    } catch (error) {
      reason = error instanceof DeadlineExceeded ? 'is busy' : `failed (${describeError(error)})`;
    }
  }
  run.io.logger.warn(`the pass's connection ${reason}: recording run ${run.id} on a separate connection`);
  // briefly: a server that went silent will not answer it either, and the next pass marks the row (expires_at)
  const own = open({ ...run.connection, connectTimeout: FRESH_CONNECTION_S, queryTimeout: FRESH_CONNECTION_S, cancelTimeout: 1 }, { applicationName: 'polycomm-analyzer run-history', output: run.io.output });
  try {
    await finishRunRow(own, row);
  } finally {
    await own.end({ timeout: 1 }).catch(() => undefined);
  }
}
