// The first contact with the database: retried with backoff while it is
// unreachable (an outage heals), refused at once for what waiting cannot
// heal: a wrong password, an unknown database, TLS, a setting the server or
// a pooler refuses, a pooler in statement mode for a command that needs
// transactions.
import type { ConnectionConfig } from './config.js';
import { connectionTarget, isSocketPath } from './connection-target.js';
import { DatabaseUnreachable, RefusedConfiguration, describeError, isConnectionCode, refusedSetting, refusedLogin } from './db-errors.js';
import type { Sql } from './db.js';
import { TLS_REQUIRED, TlsUnavailable, serverAcceptsTls, tlsProblem } from './tls.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** The command runs multi-statement transactions: a pooler that cannot is refused at once. */
  transactions?: boolean;
}

/**
 * Wait until the database answers, retrying with exponential backoff (0.5 s,
 * 1 s, 2 s, ... capped at 5 s) for at most `connectTimeout` seconds in all.
 */
export async function waitForDatabase(
  sql: Sql,
  config: ConnectionConfig,
  onRetry: (attempt: number, error: string, delayMs: number) => void,
  options: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + config.connectTimeout * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await requireTlsWhereAsked(config);
      await sql`select 1`;
      break;
    } catch (error) {
      const message = describeError(error);
      // what waiting will not heal: fail at once, in one line
      if (tlsProblem(error) !== undefined || refusedSetting(error) !== undefined) throw new DatabaseUnreachable(message);
      const delay = Math.min(5000, 500 * 2 ** (attempt - 1));
      if (Date.now() + delay >= deadline || refusedLogin(error)) {
        throw new DatabaseUnreachable(`database unreachable after ${attempt} attempt(s) in ${config.connectTimeout}s: ${message}`);
      }
      onRetry(attempt, message, delay);
      await sleep(delay);
    }
  }
  if (options.transactions) await requireTransactions(sql);
}

/** sslmode=require or stricter and a server without TLS: say so, rather than a confusing reset mid-handshake. */
async function requireTlsWhereAsked(config: ConnectionConfig): Promise<void> {
  const mode = config.tls?.sslmode;
  const target = connectionTarget(config);
  if (!mode || !TLS_REQUIRED.has(mode) || isSocketPath(target.host)) return;
  if ((await serverAcceptsTls(target, 5000)) === false) throw new TlsUnavailable(`the server does not support TLS, and sslmode=${mode} requires it`);
}

/**
 * A pooler in statement mode hands every statement to whichever server
 * connection is free, so a transaction (R18: a chunk's writes commit together)
 * cannot run; PgBouncer refuses BEGIN there. Refused at once, in one line.
 */
async function requireTransactions(sql: Sql): Promise<void> {
  const refused = (evidence: string) => new RefusedConfiguration(`the connection pooler runs in statement pooling mode, where a transaction cannot run (${evidence}): `
    + 'a pass writes each chunk in one transaction (R18); connect directly or through a pool in transaction or session mode');
  // PgBouncer sends its FATAL and closes the connection: the driver reports the reason, or only the
  // closed connection (then on the next statement); a connection that closes at BEGIN twice while
  // single statements run on it says the same
  const check = async (statement: () => Promise<unknown>) => {
    try {
      await statement();
      return true;
    } catch (error) {
      if (/statement pooling/i.test(error instanceof Error ? error.message : '')) throw refused(describeError(error));
      if (!isConnectionCode(error)) throw error;
      return false;
    }
  };
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (await check(() => sql.begin((tx) => tx`select 1`))) return;
    await check(() => sql`select 1`);
  }
  throw refused('the connection closed at BEGIN twice, while single statements run');
}
