// The connection: one postgres.js client per process, bigint as number, and a
// bounded retry with backoff when the database is unreachable at start.
// Connection settings mean what they mean to libpq (psql, pg_dump): sslmode,
// sslrootcert, sslcert/sslkey, hostaddr, the password file; postgres.js
// knows only part of them, so they are resolved here and handed to it.
import { createReadStream, statSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import { userInfo } from 'node:os';
import { Writable } from 'node:stream';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import postgres from 'postgres';
import { getPassword, usePgPass, warnTo } from 'pgpass/lib/helper.js';
import { urlParams, type ConnectionConfig, type SslMode } from './config.js';
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
  /** Called when postgres.js reports a connection closed (the server ended it, the socket broke, or sql.end()). */
  onClose?: () => void;
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
    onclose: () => options.onClose?.(),
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
  const target = connectionTarget(config);
  addSecret(config.tls?.keyPassword);
  const libpq = {
    // as libpq: no TLS over a Unix-domain socket
    ssl: target.host.startsWith('/') ? false : sslOption(config.tls?.sslmode ?? 'prefer', config, target),
    ...(config.hostaddr ? { host: config.hostaddr } : {}),
    // libpq's order: the URL's password, PGPASSWORD, then the password file
    ...(passwordOf(config.databaseUrl) || process.env.PGPASSWORD !== undefined ? {} : { pass: passfilePassword(config, target) }),
  };
  const url = postgresJsUrl(config.databaseUrl);
  const sql = url ? postgres(url, { ...settings, ...libpq }) : postgres({ ...settings, ...libpq });
  return sql as unknown as Sql;
}

/** Where a connection goes, as libpq resolves it (URL, else PG* variables, else defaults). */
export interface Target {
  /** The server's name: what its certificate and .pgpass lines name. */
  host: string;
  /** What the socket connects to (hostaddr, else the host). */
  address: string;
  port: number;
  user: string;
  database: string;
}

export function connectionTarget(config: ConnectionConfig, env: NodeJS.ProcessEnv = process.env): Target {
  let host = '';
  let port = '';
  let user = '';
  let database = '';
  if (config.databaseUrl) {
    // the first host of a multi-host URL: enough for a certificate check and .pgpass
    const match = /^postgres(?:ql)?:\/\/(?:([^@/?]*)@)?([^/?]*)(?:\/([^?]*))?/i.exec(config.databaseUrl);
    const credentials = match?.[1] ?? '';
    user = decodeURIComponent(credentials.split(':')[0] ?? '');
    const first = (match?.[2] ?? '').split(',')[0] ?? '';
    const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(first);
    host = decodeURIComponent((hostPort?.[1] ?? '').replace(/^\[(.*)\]$/, '$1'));
    port = hostPort?.[2] ?? '';
    database = decodeURIComponent(match?.[3] ?? '');
  }
  host ||= env.PGHOST || 'localhost';
  user ||= env.PGUSER || userInfo().username;
  return {
    host,
    address: config.hostaddr ?? host,
    port: Number(port || env.PGPORT || 5432),
    user,
    database: database || env.PGDATABASE || user,
  };
}

/** libpq-only parameters leave the URL: postgres.js would send them to the server as settings. */
const LIBPQ_ONLY = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'hostaddr', 'passfile']);

export function postgresJsUrl(url: string | undefined): string | undefined {
  if (url === undefined || !url.includes('?')) return url;
  const params = urlParams(url);
  for (const name of LIBPQ_ONLY) params.delete(name);
  const query = params.toString();
  return url.slice(0, url.indexOf('?')) + (query ? `?${query}` : '');
}

/** sslmode as libpq means it, as postgres.js's `ssl` option (a TLS options object where it verifies). */
function sslOption(mode: SslMode, config: ConnectionConfig, target: Target): false | 'prefer' | ConnectionOptions {
  if (mode === 'disable') return false;
  if (mode === 'allow' || mode === 'prefer') return 'prefer';
  const tls = config.tls;
  const options: ConnectionOptions = {
    ...(tls?.cert && tls.key ? { cert: tls.cert.pem, key: tls.key.pem, passphrase: tls.keyPassword } : {}),
    ...(tls?.rootCert && tls.rootCert !== 'system' ? { ca: tls.rootCert.pem } : {}),
  };
  if (mode === 'require') return { ...options, rejectUnauthorized: false };
  // verify-ca: the chain only; verify-full: the chain and the host name (the
  // server's name even when hostaddr or an IP address is connected to)
  const identity = mode === 'verify-full'
    ? (_: string, cert: Parameters<typeof checkServerIdentity>[1]) => checkServerIdentity(target.host, cert)
    : () => undefined;
  return { ...options, rejectUnauthorized: true, checkServerIdentity: identity, ...(isIP(target.host) ? {} : { servername: target.host }) };
}

/** pgpass prints libpq's warnings (a password file others can read is ignored): one stderr line each. */
warnTo(new Writable({
  write(chunk: Buffer, _encoding, done) {
    process.stderr.write(`analyzer: ${redact(chunk.toString().trim())}\n`);
    done();
  },
}));

/** The password of the first matching line of the password file (libpq's rules, via pgpass), looked up once. */
function passfilePassword(config: ConnectionConfig, target: Target): () => Promise<string> {
  let lookup: Promise<string> | undefined;
  return () => (lookup ??= new Promise<string>((resolve) => {
    const file = config.passfile;
    if (!file) return resolve('');
    let stats;
    try {
      stats = statSync(file);
    } catch {
      return resolve(''); // no password file: as libpq, no password
    }
    if (!usePgPass(stats, file)) return resolve('');
    const info = { host: target.host, port: target.port, database: target.database, user: target.user };
    getPassword(info, createReadStream(file), (password) => {
      addSecret(password);
      resolve(password ?? '');
    });
  }));
}

/** sslmode values under which a server without TLS is an error, not a fallback. */
const TLS_REQUIRED: ReadonlySet<SslMode> = new Set(['require', 'verify-ca', 'verify-full']);

/**
 * Does the server accept TLS? The SSLRequest of the protocol, on a socket of
 * its own: postgres.js would start a handshake even after the server said no
 * and fail with a confusing reset. undefined when the server cannot be reached.
 */
function serverAcceptsTls(target: Target, timeoutMs: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (value: boolean | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('data', (data: Buffer) => done(data[0] === 0x53)); // 'S'
    socket.connect(target.port, target.address, () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80877103, 4);
      socket.write(request);
    });
  });
}

export class TlsUnavailable extends Error {
  code = 'TLS_UNAVAILABLE';
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
      const mode = config.tls?.sslmode;
      const target = connectionTarget(config);
      if (mode && TLS_REQUIRED.has(mode) && !target.host.startsWith('/') && (await serverAcceptsTls(target, 5000)) === false) {
        throw new TlsUnavailable(`the server does not support TLS, and sslmode=${mode} requires it`);
      }
      await sql`select 1`;
      return;
    } catch (error) {
      const message = describeError(error);
      // a certificate or TLS failure will not heal by waiting: fail at once, in one line
      if (tlsProblem(error) !== undefined) throw new DatabaseUnreachable(message);
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

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'CERT_CHAIN_TOO_LONG',
]);

/** What a TLS or certificate error means, in words; undefined for any other error. */
export function tlsProblem(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = e.message ?? '';
  if (code === 'TLS_UNAVAILABLE') return message;
  if (UNTRUSTED.has(code)) return `the server's certificate is not signed by a trusted CA (unknown CA; check sslrootcert): ${message}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `host name mismatch: ${message}`;
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (code === 'CERT_NOT_YET_VALID') return "the server's certificate is not valid yet";
  if (/^ERR_(SSL|TLS|OSSL)_/.test(code)) return `TLS handshake failed: ${message}`;
  return undefined;
}

/** One line describing a database or system error, with the password hidden. */
export function describeError(error: unknown): string {
  const tls = tlsProblem(error);
  if (tls !== undefined) {
    const code = (error as { code?: string }).code;
    return redact(`TLS: ${tls}${code && code !== 'TLS_UNAVAILABLE' && !tls.includes(code) ? ` (${code})` : ''}`.replace(/\s+/g, ' '));
  }
  if (error instanceof Error) {
    const e = error as Error & { code?: string; detail?: string };
    const parts = [e.message || e.code || e.name];
    // 42501 insufficient_privilege: the server names the privilege and the object; say what to do
    // a TLS-only server refusing a plaintext connection (pg_hba.conf hostssl)
    if (e.code === '28000' && /no encryption/.test(e.message)) parts.push('(the server accepts only TLS connections: set sslmode=require or verify-full)');
    if (e.code === '42501') parts.push(`(42501 insufficient privilege: see \`analyzer grants\` and README "Database roles")`);
    if (e.code && !e.message.includes(e.code)) parts.push(`(${e.code})`);
    if (e.detail) parts.push(`- ${e.detail}`);
    return redact(parts.join(' ').replace(/\s+/g, ' '));
  }
  return redact(String(error));
}
