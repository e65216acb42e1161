import type { ConnectionConfig } from '../../infra/config.js';
import { describeError } from '../../infra/db-errors.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { Logger } from '../../infra/log.js';
import { migrate } from '../../sql/migrate.js';
import { runCommand } from '../session.js';

export function runMigrate(config: ConnectionConfig, logger: Logger): Promise<number> {
  return runCommand('migrate', config, logger, async (sql) => {
    // the stderr line says what failed: 'migration failed: must be owner of table ...'
    await migrate(sql).catch((error: unknown) => {
      throw Object.assign(new Error(`migration failed: ${describeError(error)}`), { code: (error as { code?: unknown }).code });
    });
    logger.info('migration applied');
    return EXIT.OK;
  }, { transactions: true });
}
