// The connection: one postgres.js client per command, bigint as number,
// libpq's meaning for the connection settings (connection-target, tls,
// passfile), every statement bounded and one at a time outside a transaction
// (deadline), and nothing a connection pooler would refuse or hand to another
// client: no startup parameter but application_name, no named prepared
// statement, no session setting.
import postgres from 'postgres';
import type { ConnectionConfig } from './config.js';
import { connectionTarget, isSocketPath } from './connection-target.js';
import { postgresJsUrl, passwordOf } from './connection-url.js';
import { guardQueries, type Activity } from './deadline.js';
import { passfilePassword } from './passfile.js';
import type { Output } from './output.js';
import { sslOption } from './tls.js';

export type { Sql } from './sql-client.js';
import type { Sql } from './sql-client.js';

/** int8 columns (ids) as JS numbers; refuse silently-rounded values. */
function parseBigint(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${value} is beyond 2^53 and cannot be handled exactly`);
  return n;
}

export interface OpenOptions {
  /** Connections in the pool; a pass uses 1 (its chunks go one after another). */
  max?: number;
  applicationName?: string;
  /** Called when postgres.js reports a connection closed (the server ended it, the socket broke, or sql.end()), saying whether a transaction was open on it. */
  onClose?: (inTransaction: boolean) => void;
  /** Called for every statement sent (the pass report counts them). */
  onStatement?: () => void;
  /** Bound every statement by the connection's QUERY_TIMEOUT (default); migrate's index builds are not. */
  bounded?: boolean;
  /** Where the connection's secrets are remembered (so no output shows them) and libpq's warnings go. */
  output: Output;
}

export function open(config: ConnectionConfig, options: OpenOptions): Sql {
  const activity: Activity = { transactions: 0 };
  const { redactor } = options.output;
  redactor.addUrl(config.databaseUrl);
  redactor.add(process.env.PGPASSWORD);
  redactor.add(config.tls?.keyPassword);
  const target = connectionTarget(config);
  const settings = {
    max: options.max ?? 1,
    connect_timeout: Math.max(1, Math.min(10, config.connectTimeout)),
    idle_timeout: 0,
    keep_alive: config.tcpKeepalive > 0 ? config.tcpKeepalive : null,
    // Unnamed statements only: a transaction pooler (PgBouncer before 1.21,
    // pgcat, Supavisor) hands each transaction to any server connection, where
    // a statement prepared on another one does not exist. An unnamed statement
    // is also planned for its actual parameters every time, which the pass
    // needs (a generic plan cannot see the size of the unnest() arrays).
    prepare: false,
    onnotice: () => undefined,
    onclose: () => options.onClose?.(activity.transactions > 0),
    debug: () => options.onStatement?.(),
    // the only startup parameter besides user, database and client_encoding: every pooler accepts it
    connection: { application_name: options.applicationName ?? 'polycomm-analyzer' },
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: parseBigint },
      // zone-free text both ways: postgres.js would turn a timestamp into a Date in the process's zone
      timestamp: { to: 1114, from: [1114], serialize: (v: unknown) => String(v), parse: (v: string) => v },
    },
    // as libpq: no TLS over a Unix-domain socket
    ssl: isSocketPath(target.host) ? false : sslOption(config.tls?.sslmode ?? 'prefer', config, target),
    ...(config.hostaddr ? { host: config.hostaddr } : {}),
    // libpq's order: the URL's password, PGPASSWORD, then the password file
    ...(passwordOf(config.databaseUrl) || process.env.PGPASSWORD !== undefined ? {} : {
      pass: passfilePassword(config.passfile, target, (line) => options.output.error(line), (password) => redactor.add(password)),
    }),
  };
  const url = postgresJsUrl(config.databaseUrl);
  const sql = (url ? postgres(url, settings) : postgres(settings)) as unknown as Sql;
  const limits = options.bounded === false ? { queryMs: 0, cancelMs: 0 } : { queryMs: config.queryTimeout * 1000, cancelMs: config.cancelTimeout * 1000 };
  // a server that answers nothing, not even a cancel: end the connection, so everything waiting on it fails now
  return guardQueries(sql, limits, () => void sql.end({ timeout: 0 }).catch(() => undefined), activity);
}
