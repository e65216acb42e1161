// `analyzer --mode M`: one pass, its report, its signals and its exit code.
// The pass ends one way or another (completed, threw, an uncaught exception,
// a stalled statement, a stop signal's grace period run out); that ending and
// the evidence around it decide one outcome, and everything the operator sees
// (exit code, report status and error, run-history row, stderr line) follows
// from it.
import { readNow } from '../../infra/clock.js';
import type { PassConfig } from '../../infra/config.js';
import { formatMicros, Scratch } from '../../core/index.js';
import { describeError } from '../../infra/db-errors.js';
import type { Sql } from '../../infra/db.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { Logger } from '../../infra/log.js';
import { peakRssKb } from '../../infra/peak-rss.js';
import { VERSION } from '../../infra/version.js';
import { decideOutcome, exitCode, stderrLine, type PassEnding, type PassOutcome } from '../outcome.js';
import { runPass } from '../pass.js';
import { STOP_GRACE_MS, watchProcess, type ProcessWatch } from '../process-watch.js';
import { buildReport, newTally, summaryLine, ttySummary, writeReportFile, type PassTally, type ReportStart } from '../report.js';
import { finishRun, startRun, type RunRecord } from '../run-history.js';
import { openSpare, withDatabase, type Io } from '../session.js';
import { requirePassPrivileges } from '../privileges.js';
import { readBacklog } from '../backlog.js';
import { startProgress, type ProgressHandle } from '../progress.js';

/** Writing the report and the run record is bounded: past this the process exits anyway. */
const CONCLUDE_LIMIT_MS = 20_000;

interface PassState {
  config: PassConfig;
  io: Io;
  logger: Logger;
  start: ReportStart;
  startedMs: number;
  tally: PassTally;
  watch: ProcessWatch;
  /** postgres.js reported the pass's connection closed after it was established (and whether a transaction was open then) */
  connection: { closed: boolean; inTransaction: boolean };
  /** statements sent */
  statements: { count: number };
  progress: ProgressHandle;
}

export async function runPassCommand(config: PassConfig, io: Io): Promise<number> {
  const { logger } = io;
  const now = readNow(config.timezone, config.now);
  const tally = newTally();
  const state: PassState = {
    config, io, logger,
    start: { mode: config.mode, version: VERSION, dryRun: config.dryRun, startedAt: new Date().toISOString(), now: formatMicros(now), timezone: config.timezone },
    startedMs: performance.now(),
    tally,
    watch: watchProcess(logger, config.maxDuration * 1000),
    connection: { closed: false, inTransaction: false },
    statements: { count: 0 },
    // the progress line reads the tally's device counts as the pass adds to them
    progress: startProgress({ mode: config.mode, devices: tally.devices }, config, io),
  };
  try {
    const onClose = (inTransaction: boolean) => {
      state.connection.closed = true;
      state.connection.inTransaction ||= inTransaction;
    };
    const session = { onClose, onStatement: () => state.statements.count++, transactions: true };
    return await withDatabase(config, io, session, async (sql) => {
      state.connection.closed = false; // a close while connecting is no evidence about the pass
      state.connection.inTransaction = false;
      await requirePassPrivileges(sql, config); // least privilege: fail before writing anything
      const run = config.dryRun ? undefined : await startRun(sql, config, io, runLifetime(config));
      // the next chunk is loaded and analysed on the second connection while one writes (README "How a pass works")
      const spare = config.connections > 1 ? openSpare(config, { ...session, output: io.output }) : undefined;
      try {
        const work = runPass({ sql, ...(spare ? { spare } : {}), logger, config, now, stop: state.watch.stop, progress: state.progress, scratch: new Scratch() }, state.tally)
          .then((): PassEnding => ({ kind: 'completed' }), (error: unknown): PassEnding => ({ kind: 'threw', error }));
        const ending = await Promise.race([work, state.watch.ended]);
        state.watch.stop.requested = true; // ended from outside: the pass, if still running, takes no new device
        // nothing of an unfinished pass is worth waiting for: its transactions roll back
        if (ending.kind !== 'completed') await spare?.end(0);
        const code = await conclude(state, ending, sql, run);
        if (ending.kind !== 'completed') await sql.end({ timeout: 0 }).catch(() => undefined);
        return code;
      } finally {
        await spare?.end(2);
      }
    });
  } catch (error) {
    // the database unreachable: no run record, still a report
    return conclude(state, { kind: 'threw', error });
  } finally {
    state.watch.dispose();
  }
}

/**
 * How long a pass can live from now: its time limit, the stop's grace period
 * and recording the outcome, with room to spare; null without a limit.
 */
function runLifetime(config: PassConfig): number | null {
  return config.maxDuration > 0 ? config.maxDuration + (STOP_GRACE_MS + CONCLUDE_LIMIT_MS) / 1000 + 10 : null;
}

/** Decides the outcome and publishes it: log, stderr, report file, run record, summary. */
async function conclude(state: PassState, ending: PassEnding, sql?: Sql, run?: RunRecord): Promise<number> {
  const { config, logger, tally } = state;
  // keeps the event loop alive while the outcome is recorded, and bounds it
  const limit = setTimeout(() => {
    logger.error(`recording the outcome of the pass took more than ${CONCLUDE_LIMIT_MS / 1000} s: exiting`);
    process.exit(EXIT.FAILURE);
  }, CONCLUDE_LIMIT_MS);
  try {
    state.progress.stop();
    const outcome = decideOutcome({
      ending, failedDevices: tally.devices.failed, signal: state.watch.signal(),
      connectionClosed: state.connection.closed, closedInTransaction: state.connection.inTransaction,
    });
    announce(outcome, state.io);
    // the backlog after the pass (for the metrics), unless the connection is gone or still busy (interrupted)
    const usable = sql !== undefined && !state.connection.closed && (outcome.status === 'succeeded' || (outcome.status === 'failed' && outcome.fatal === undefined));
    // every string of the report (errors, failures) with the secrets hidden, for every place it goes
    const report = state.io.output.redactor.redactDeep(buildReport(state.start, tally, outcome, {
      finishedAt: new Date().toISOString(),
      totalMs: Math.round(performance.now() - state.startedMs),
      statements: state.statements.count,
      maxRssKb: peakRssKb(),
      backlog: usable && sql ? await readBacklog(sql, config, logger) : null,
    }));
    if (config.reportDir) {
      try {
        const path = writeReportFile(config.reportDir, report);
        logger.info(`report written to ${path}`, { report: path });
      } catch (error) {
        logger.error(`could not write the report: ${describeError(error)}`);
      }
    }
    // a connection the driver reported closed is not tried again for the run record
    if (run) await finishRun(state.connection.closed ? undefined : sql, run, report).catch((error: unknown) => logger.warn(`could not record the run: ${describeError(error)}`));
    logger.info(summaryLine(report), { report });
    if (state.io.output.stdoutIsTTY) await state.io.output.print(ttySummary(report));
    // prom-client is loaded only when the metrics go somewhere (a tenth of the CLI's start)
    if (config.pushgatewayUrl || config.metricsFile) await (await import('../push-metrics.js')).publishMetrics(report, config, logger);
    return exitCode(outcome);
  } finally {
    clearTimeout(limit);
  }
}

/** A fatal error: one log line (with the stack of an unexpected one) and one stderr line. */
function announce(outcome: PassOutcome, io: Io): void {
  const line = stderrLine(outcome);
  if (outcome.status === 'succeeded' || !outcome.fatal || line === undefined) return;
  const { fatal } = outcome;
  io.logger.error(`pass failed: ${fatal.message}`, fatal.kind === 'unexpected' ? { stack: fatal.stack } : {});
  io.output.error(line);
}
