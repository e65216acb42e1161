// Run history (analyzer_run): filled in by the operations work (issue 8).
import type { PassConfig } from './config.js';
import type { Sql } from './db.js';
import type { Logger } from './log.js';
import type { PassReport } from './report.js';

export interface RunRecord {
  id: number;
}

export async function startRun(_sql: Sql, _config: PassConfig, _logger: Logger): Promise<RunRecord | undefined> {
  return undefined;
}

export async function finishRun(_sql: Sql, _run: RunRecord, _report: PassReport): Promise<void> {
  return;
}
