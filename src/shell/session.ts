// The open -> wait -> run -> close frame every database command shares: one
// connection, the bounded wait for an unreachable database (logged at each
// retry), and the connection ended whatever happens.
import type { ConnectionConfig } from '../infra/config.js';
import { describeError, open, waitForDatabase, type OpenOptions, type Sql } from '../infra/db.js';
import { EXIT } from '../infra/exit-codes.js';
import type { Logger } from '../infra/log.js';

export async function withDatabase<T>(config: ConnectionConfig, logger: Logger, options: OpenOptions, body: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = open(config, options);
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    return await body(sql);
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
}

/**
 * A command on its own connection (application_name `polycomm-analyzer
 * <command>`): its exit code, or on any error one log line, one stderr line
 * and exit 1.
 */
export async function runCommand(command: string, config: ConnectionConfig, logger: Logger, body: (sql: Sql) => Promise<number>): Promise<number> {
  try {
    return await withDatabase(config, logger, { applicationName: `polycomm-analyzer ${command}` }, body);
  } catch (error) {
    const message = describeError(error);
    logger.error(`${command} failed: ${message}`);
    process.stderr.write(`analyzer: ${message}\n`);
    return EXIT.FAILURE;
  }
}
