// The connection: one postgres.js client per process, bigint as number, and a
// bounded retry with backoff when the database is unreachable at start.
import postgres from 'postgres';
import type { ConnectionConfig } from './config.js';
import { addSecret, passwordOf, redact } from './redact.js';

export type Sql = postgres.Sql<Record<string, never>>;

export class DatabaseUnreachable extends Error {}

/** int8 columns (ids) as JS numbers; refuse silently-rounded values. */
function parseBigint(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${value} is beyond 2^53 and cannot be handled exactly`);
  return n;
}

export interface OpenOptions {
  /** Connections in the pool; a pass uses 1 so session advisory locks stay on one connection. */
  max?: number;
  applicationName?: string;
}

/** Statements sent by this process (postgres.js debug hook): the pass report shows it. */
export const statementCounter = { count: 0 };

export function open(config: ConnectionConfig, options: OpenOptions = {}): Sql {
  addSecret(passwordOf(config.databaseUrl));
  addSecret(process.env.PGPASSWORD);
  // Custom plans always: postgres.js prepares every statement, and after a few
  // executions PostgreSQL may switch to a generic plan that cannot see the
  // size of the unnest() arrays (it assumes 10 rows) and nests loops over them:
  // a chunk's write went from 0.4 s to 4-20 s midway through a 5M-event pass.
  const connection: Record<string, string> = { application_name: options.applicationName ?? 'polycomm-analyzer', plan_cache_mode: 'force_custom_plan' };
  if (config.statementTimeout > 0) connection.statement_timeout = String(config.statementTimeout);
  if (config.lockTimeout > 0) connection.lock_timeout = String(config.lockTimeout);
  const settings = {
    max: options.max ?? 1,
    connect_timeout: Math.max(1, Math.min(10, config.connectTimeout)),
    idle_timeout: 0,
    onnotice: () => undefined,
    debug: () => {
      statementCounter.count++;
    },
    connection,
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: parseBigint },
      // zone-free text both ways: postgres.js would turn a timestamp into a Date in the process's zone
      timestamp: { to: 1114, from: [1114], serialize: (v: unknown) => String(v), parse: (v: string) => v },
    },
  };
  const sql = config.databaseUrl ? postgres(config.databaseUrl, settings) : postgres(settings);
  return sql as unknown as Sql;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until the database answers, retrying with exponential backoff (0.5 s,
 * 1 s, 2 s, ... capped at 5 s) for at most `connectTimeout` seconds in all.
 */
export async function waitForDatabase(
  sql: Sql,
  config: ConnectionConfig,
  onRetry: (attempt: number, error: string, delayMs: number) => void,
): Promise<void> {
  const deadline = Date.now() + config.connectTimeout * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      const message = describeError(error);
      const delay = Math.min(5000, 500 * 2 ** (attempt - 1));
      if (Date.now() + delay >= deadline || !isConnectionError(error)) {
        throw new DatabaseUnreachable(`database unreachable after ${attempt} attempt(s) in ${config.connectTimeout}s: ${message}`);
      }
      onRetry(attempt, message, delay);
      await sleep(delay);
    }
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  // Authentication and unknown-database errors will not heal by waiting.
  return !['28P01', '28000', '3D000'].includes(code);
}

/** One line describing a database or system error, with the password hidden. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const e = error as Error & { code?: string; detail?: string };
    const parts = [e.message || e.code || e.name];
    // 42501 insufficient_privilege: the server names the privilege and the object; say what to do
    if (e.code === '42501') parts.push(`(42501 insufficient privilege: see \`analyzer grants\` and README "Database roles")`);
    if (e.code && !e.message.includes(e.code)) parts.push(`(${e.code})`);
    if (e.detail) parts.push(`- ${e.detail}`);
    return redact(parts.join(' ').replace(/\s+/g, ' '));
  }
  return redact(String(error));
}
