// `analyzer migrate` applies the pending numbered migrations (src/shell/migrate.ts);
// `analyzer migrate --status` lists them, applied and pending, as text or JSON.
import type { ConnectionConfig } from '../../infra/config.js';
import { describeError } from '../../infra/db-errors.js';
import { open } from '../../infra/db.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { MigrateSettings } from '../../infra/migrate-settings.js';
import { migrate } from '../migrate.js';
import { formatMigrationStatus, migrationStatus } from '../migration-status.js';
import { runCommand, type Io } from '../session.js';

export interface MigrateCommandOptions {
  status: boolean;
  json: boolean;
}

export function runMigrate(
  config: ConnectionConfig,
  settings: MigrateSettings,
  options: MigrateCommandOptions,
  io: Io,
): Promise<number> {
  const { logger } = io;
  // The pass's STATEMENT_TIMEOUT and LOCK_TIMEOUT are not migrate's: an index
  // build may rightly take long, and migrate bounds its own lock requests
  // (MIGRATE_LOCK_TIMEOUT, per transaction).
  const own: ConnectionConfig = { ...config, statementTimeout: 0, lockTimeout: 0 };
  if (options.status) {
    return runCommand('migrate', own, io, async (sql) => {
      const status = await migrationStatus(sql);
      await io.output.print(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatMigrationStatus(status));
      return EXIT.OK;
    });
  }
  return runCommand('migrate', own, io, async (sql) => {
    const lockSql = open(own, { applicationName: 'polycomm-analyzer migrate lock', output: io.output });
    try {
      // the stderr line says what failed: 'migration failed: must be owner of table ...'
      const summary = await migrate(sql, lockSql, settings, logger).catch((error: unknown) => {
        throw Object.assign(new Error(`migration failed: ${describeError(error)}`), { code: (error as { code?: unknown }).code });
      });
      logger.info('migrations up to date', { ...summary });
      return EXIT.OK;
    } finally {
      await lockSql.end({ timeout: 2 }).catch(() => undefined);
    }
    // an index build may rightly outlast QUERY_TIMEOUT: migrate's statements are not bounded by it
  }, { transactions: true, bounded: false });
}
