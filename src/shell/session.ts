// The open -> wait -> run -> close frame every database command shares: one
// connection, the bounded wait for an unreachable database (logged at each
// retry), and the connection ended whatever happens; and the transaction
// frame of the pass (its timeouts set for the transaction only).
import type { ConnectionConfig } from '../infra/config.js';
import { codeOf, describeError } from '../infra/db-errors.js';
import { waitForDatabase, type WaitOptions } from '../infra/db-wait.js';
import { open, type OpenOptions, type Sql } from '../infra/db.js';
import { EXIT } from '../infra/exit-codes.js';
import type { Logger } from '../infra/log.js';
import type { Output } from '../infra/output.js';
import { setLocalTimeouts, type LocalTimeouts } from '../sql/local-timeouts.js';

/** Where a command's output goes: its log, and its lines and documents (stdout, stderr, the status line). */
export interface Io {
  logger: Logger;
  output: Output;
}

export type SessionOptions = Omit<OpenOptions, 'output'> & WaitOptions;

export async function withDatabase<T>(config: ConnectionConfig, io: Io, options: SessionOptions, body: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = open(config, { ...options, output: io.output });
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      io.logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }), options);
    return await body(sql);
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
}

/** A second connection of a command, opened like its first. */
export interface SpareConnection {
  sql: Sql;
  /** Ends it (waiting up to `timeoutSeconds` for what runs on it); its close is then no lost connection. */
  end(timeoutSeconds: number): Promise<void>;
}

/**
 * Opens a second connection with the options of the first: its statements
 * are counted and bounded the same way, and a close the command did not ask
 * for is reported to `options.onClose` like the first connection's.
 */
export function openSpare(config: ConnectionConfig, options: OpenOptions): SpareConnection {
  let ending = false;
  const sql = open(config, { ...options, onClose: (inTransaction) => { if (!ending) options.onClose?.(inTransaction); } });
  return {
    sql,
    end: async (timeoutSeconds) => {
      ending = true;
      // postgres.js asks a new connection's server for its array types with a
      // query nobody awaits: ended before that answered (a session pooler had
      // no server connection for it), the query's rejection is unhandled.
      // Expected of a connection ended on purpose; anything else is rethrown.
      const ignore = (reason: unknown) => {
        if (!isDestroyed(reason)) throw reason;
      };
      process.on('unhandledRejection', ignore);
      try {
        await sql.end({ timeout: timeoutSeconds }).catch(() => undefined);
      } finally {
        setTimeout(() => process.off('unhandledRejection', ignore), 100).unref();
      }
    },
  };
}

/** postgres.js's error for a query of a connection it ended or destroyed. */
const isDestroyed = (reason: unknown) => ['CONNECTION_DESTROYED', 'CONNECTION_ENDED'].includes(codeOf(reason));

/**
 * A command on its own connection (application_name `polycomm-analyzer
 * <command>`): its exit code, or on any error one log line, one stderr line
 * and exit 1.
 */
export async function runCommand(command: string, config: ConnectionConfig, io: Io, body: (sql: Sql) => Promise<number>, options: SessionOptions = {}): Promise<number> {
  try {
    return await withDatabase(config, io, { applicationName: `polycomm-analyzer ${command}`, ...options }, body);
  } catch (error) {
    const message = describeError(error);
    io.logger.error(`${command} failed: ${message}`);
    io.output.error(message);
    return EXIT.FAILURE;
  }
}

/** One transaction with the configured statement and lock timeouts, for it alone. */
export async function inTransaction<T>(sql: Sql, timeouts: LocalTimeouts, body: (tx: Sql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await setLocalTimeouts(tx as unknown as Sql, timeouts);
    return body(tx as unknown as Sql);
  })) as T;
}
