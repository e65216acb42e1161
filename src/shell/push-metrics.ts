// Where a pass's metrics go: a Prometheus Pushgateway (pushAdd under job
// polycomm_analyzer, grouped by mode) and/or a *.prom file for node_exporter's
// textfile collector. Monitoring must never cost the pass: a failure here is a
// warning, never an exit code, and a push waits at most PUSH_TIMEOUT_MS.
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from './files.js';
import { Pushgateway } from 'prom-client';
import type { ObservabilityConfig } from '../infra/config.js';
import { describeError } from '../infra/db-errors.js';
import { within } from '../infra/deadline.js';
import type { Logger } from '../infra/log.js';
import { buildRegistry, lastSuccessIn, metricsText } from './metrics.js';
import type { PassReport } from './report.js';

export const PUSH_JOB = 'polycomm_analyzer';
/** A gateway that is down answers at once; one that hangs costs the pass this long at most. */
export const PUSH_TIMEOUT_MS = 3000;

/** Pushes and/or writes the pass's metrics as configured; dry runs publish nothing. Never throws. */
export async function publishMetrics(report: PassReport, config: ObservabilityConfig, logger: Logger): Promise<void> {
  if (report.dryRun) return;
  await Promise.all([
    config.pushgatewayUrl ? pushMetrics(report, config.pushgatewayUrl, logger) : undefined,
    config.metricsFile ? Promise.resolve().then(() => writeMetricsFile(report, config.metricsFile!, logger)) : undefined,
  ]);
}

async function pushMetrics(report: PassReport, url: string, logger: Logger): Promise<void> {
  const gateway = new Pushgateway(url, { timeout: PUSH_TIMEOUT_MS }, buildRegistry(report));
  try {
    // add semantics: a failed pass's push leaves last_success_timestamp_seconds as it was
    await within(PUSH_TIMEOUT_MS, `pushing the metrics to ${url}`, gateway.pushAdd({ jobName: PUSH_JOB, groupings: { mode: report.mode } }));
    logger.info(`metrics pushed to ${url}`, { pushgateway: url });
  } catch (error) {
    logger.warn(`could not push the metrics to the Pushgateway ${url}: ${describeError(error)} (the pass's outcome is unchanged)`, { pushgateway: url });
  }
}

/**
 * Writes the textfile atomically (a temporary name the collector ignores, then
 * rename). A pass that did not succeed keeps the file's previous last success.
 */
async function writeMetricsFile(report: PassReport, path: string, logger: Logger): Promise<void> {
  try {
    const previousLastSuccess = report.status === 'succeeded' ? undefined : previousSuccess(path, report.mode);
    writeFileAtomically(path, await metricsText(report, { previousLastSuccess }));
    logger.info(`metrics written to ${path}`, { metricsFile: path });
  } catch (error) {
    logger.warn(`could not write the metrics file ${path}: ${describeError(error)} (the pass's outcome is unchanged)`, { metricsFile: path });
  }
}

function previousSuccess(path: string, mode: string): number | undefined {
  try {
    return lastSuccessIn(readFileSync(path, 'utf8'), mode);
  } catch {
    return undefined; // no previous file: no success recorded yet
  }
}
