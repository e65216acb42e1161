// Where a connection goes, as libpq resolves it: the URL, else the PG*
// variables, else libpq's defaults. The certificate check and the password
// file name the server by this host, whatever address the socket uses.
import { userInfo } from 'node:os';
import type { ConnectionConfig } from './config.js';
import { parseConnectionUrl } from './connection-url.js';

export interface Target {
  /** The server's name: what its certificate and .pgpass lines name. */
  host: string;
  /** What the socket connects to (hostaddr, else the host). */
  address: string;
  port: number;
  user: string;
  database: string;
}

export function connectionTarget(config: Pick<ConnectionConfig, 'databaseUrl' | 'hostaddr'>, env: NodeJS.ProcessEnv = process.env): Target {
  const url = config.databaseUrl === undefined ? undefined : parseConnectionUrl(config.databaseUrl);
  // the first host of a multi-host URL: enough for a certificate check and .pgpass
  const first = url?.hosts[0];
  const host = first?.host || env.PGHOST || 'localhost';
  const user = url?.user || env.PGUSER || userInfo().username;
  return {
    host,
    address: config.hostaddr ?? host,
    port: Number(first?.port || env.PGPORT || 5432),
    user,
    database: url?.database || env.PGDATABASE || user,
  };
}

/** A Unix-domain socket directory rather than a TCP host (libpq: a host starting with '/'). */
export const isSocketPath = (host: string): boolean => host.startsWith('/');
