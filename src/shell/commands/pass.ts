// `analyzer --mode M`: one pass, its report, its signals and its exit code.
import { readNow } from '../../infra/clock.js';
import type { PassConfig } from '../../infra/config.js';
import { formatMicros } from '../../core/index.js';
import { describeError, open, statementCounter, waitForDatabase } from '../../infra/db.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { Logger } from '../../infra/log.js';
import { isConnectionLost, PassAborted, runPass } from '../pass.js';
import { peakRssKb } from '../../infra/peak-rss.js';
import { newReport, summaryLine, ttySummary, writeReportFile } from '../report.js';
import { VERSION } from '../../infra/version.js';
import { startRun, finishRun, type RunRecord } from '../run-history.js';

/** After a stop signal the device in flight gets this long to commit or roll back. */
const STOP_GRACE_MS = 4000;

export async function runPassCommand(config: PassConfig, logger: Logger): Promise<number> {
  const now = readNow(config.timezone, config.now);
  const report = newReport(config.mode, VERSION, config.dryRun, formatMicros(now), config.timezone);
  const started = performance.now();
  const stop = { requested: false };
  const sql = open(config);
  let run: RunRecord | undefined;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.requested) return;
    stop.requested = true;
    report.status = 'interrupted';
    logger.warn(`${signal} received: finishing the device in flight, taking no new one`);
    // never outlive the grace period: a transaction still open is rolled back by the server
    setTimeout(() => {
      logger.error('the device in flight did not finish in time: exiting, PostgreSQL rolls it back');
      void finalize().finally(() => process.exit(EXIT.FAILURE));
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let finalized: Promise<number> | undefined;
  // One failure, however many paths see it: the first message becomes the
  // report's error, one log line and one stderr line.
  let failed = false;
  const fail = (message: string) => {
    if (report.status !== 'interrupted') report.status = 'failed';
    if (failed) return;
    failed = true;
    report.error = message;
    logger.error(`pass failed: ${message}`);
    process.stderr.write(`analyzer: ${message}\n`);
  };
  // postgres.js 3.4.9 can throw an uncaught TypeError when the backend of an
  // open transaction dies (porsager/postgres#1208), or leave a statement
  // forever unsent so the event loop empties: either way the pass has lost its
  // connection. End it as such: report, run record, exit 1. The data is safe
  // (R18): the server rolls the open transaction back.
  const connectionLost = (detail: string) => {
    process.exitCode = EXIT.FAILURE;
    if (finalized) return;
    fail(`connection lost: ${detail}`);
    void finalize().finally(() => process.exit(EXIT.FAILURE));
  };
  process.on('uncaughtException', (error) => connectionLost(describeError(error)));
  process.on('beforeExit', () => connectionLost('a statement never completed (the connection closed under the driver)'));
  const finalize = () => (finalized ??= (async () => {
    report.durationsMs.total = Math.round(performance.now() - started);
    report.finishedAt = new Date().toISOString();
    report.maxRssKb = peakRssKb();
    report.statements = statementCounter.count;
    if (report.status === 'succeeded' && report.failures.length > 0) report.status = 'failed';
    if (config.reportDir) {
      try {
        const path = writeReportFile(config.reportDir, report);
        logger.info(`report written to ${path}`, { report: path });
      } catch (error) {
        logger.error(`could not write the report: ${describeError(error)}`);
      }
    }
    if (run) await finishRun(sql, run, report).catch((error) => logger.warn(`could not record the run: ${describeError(error)}`));
    logger.info(summaryLine(report), { report });
    if (process.stdout.isTTY) process.stdout.write(ttySummary(report));
    return report.status === 'succeeded' ? EXIT.OK : EXIT.FAILURE;
  })());

  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    if (!config.dryRun) run = await startRun(sql, config, logger);
    await runPass({ sql, logger, config, now, report, stop });
  } catch (error) {
    // a bare socket error ("read ECONNRESET") says what broke, not what it means
    const lost = isConnectionLost(error) && !(error instanceof PassAborted);
    fail(lost ? `connection lost: ${describeError(error)}` : describeError(error));
  }
  const code = await finalize();
  await sql.end({ timeout: 2 }).catch(() => undefined);
  return code;
}
