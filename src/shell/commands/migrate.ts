import type { ConnectionConfig } from '../../infra/config.js';
import { describeError, open, waitForDatabase } from '../../infra/db.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { Logger } from '../../infra/log.js';
import { migrate } from '../../sql/migrate.js';

export async function runMigrate(config: ConnectionConfig, logger: Logger): Promise<number> {
  const sql = open(config, { applicationName: 'polycomm-analyzer migrate' });
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    await migrate(sql);
    logger.info('migration applied');
    return EXIT.OK;
  } catch (error) {
    const message = `migration failed: ${describeError(error)}`;
    logger.error(message);
    // one line on stderr too: an operator running migrate by hand sees what is missing
    process.stderr.write(`analyzer: ${message}\n`);
    return EXIT.FAILURE;
  } finally {
    await sql.end({ timeout: 2 });
  }
}
