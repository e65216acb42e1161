import type { ConnectionConfig } from '../../infra/config.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { Logger } from '../../infra/log.js';
import { migrate } from '../../sql/migrate.js';
import { runCommand } from '../session.js';

export function runMigrate(config: ConnectionConfig, logger: Logger): Promise<number> {
  return runCommand('migrate', config, logger, async (sql) => {
    await migrate(sql);
    logger.info('migration applied');
    return EXIT.OK;
  });
}
