import type { ConnectionConfig } from '../config.js';
import { describeError, open, waitForDatabase } from '../db.js';
import { EXIT } from '../exit-codes.js';
import type { Logger } from '../log.js';
import { migrate } from '../sql/migrate.js';

export async function runMigrate(config: ConnectionConfig, logger: Logger): Promise<number> {
  const sql = open(config, { applicationName: 'polycomm-analyzer migrate' });
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    await migrate(sql);
    logger.info('migration applied');
    return EXIT.OK;
  } catch (error) {
    logger.error(`migration failed: ${describeError(error)}`);
    return EXIT.FAILURE;
  } finally {
    await sql.end({ timeout: 2 });
  }
}
