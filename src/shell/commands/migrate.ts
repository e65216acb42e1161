import type { ConnectionConfig } from '../../infra/config.js';
import { describeError } from '../../infra/db-errors.js';
import { EXIT } from '../../infra/exit-codes.js';
import { migrate } from '../../sql/migrate.js';
import { runCommand, type Io } from '../session.js';

export function runMigrate(config: ConnectionConfig, io: Io): Promise<number> {
  return runCommand('migrate', config, io, async (sql) => {
    // the stderr line says what failed: 'migration failed: must be owner of table ...'
    await migrate(sql).catch((error: unknown) => {
      throw Object.assign(new Error(`migration failed: ${describeError(error)}`), { code: (error as { code?: unknown }).code });
    });
    io.logger.info('migration applied');
    return EXIT.OK;
  }, { transactions: true });
}
