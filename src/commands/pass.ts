// `analyzer --mode M`: one pass. The shell around the pure core lives in pass.ts.
import type { PassConfig } from '../config.js';
import { describeError, open, waitForDatabase } from '../db.js';
import { EXIT } from '../exit-codes.js';
import type { Logger } from '../log.js';
import { selectReady } from '../core/devices.js';
import { selectReadyCodes } from '../sql/ready-devices.js';

export async function runPassCommand(config: PassConfig, logger: Logger): Promise<number> {
  const sql = open(config);
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    const ready = selectReady(await selectReadyCodes(sql), config.mode, config.devices);
    logger.info(`ready devices: ${ready.devices.length}`, { mode: config.mode, conflicts: ready.conflicts.length });
    return EXIT.OK;
  } catch (error) {
    const message = describeError(error);
    logger.error(message);
    process.stderr.write(`analyzer: ${message}\n`);
    return EXIT.FAILURE;
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
}
