// Database errors in one line each, and what they mean for the job: an outage
// worth retrying, a configuration the server or pooler refuses (never healed
// by waiting), a lost connection. Decided by the error's class and code.
import { codeOf } from './error-code.js';
import { hideUrlPasswords } from './redact.js';
import { tlsProblem } from './tls.js';

/** The database could not be reached (after the retries), or refused us for good. */
export class DatabaseUnreachable extends Error {}

/**
 * A setting the server or a pooler in front of it refuses: a startup
 * parameter PgBouncer does not support, an unknown or invalid setting, a pool
 * mode the job cannot work in. A configuration error: not retried.
 */
export class RefusedConfiguration extends Error {
  readonly code = 'REFUSED_CONFIGURATION';
}

export { codeOf };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * What the server or pooler refused, in one line naming it; undefined for
 * any other error. PgBouncer answers an unknown startup parameter with 08P01
 * "unsupported startup parameter: NAME"; PostgreSQL an unknown setting with
 * 42704, an invalid value with 22023.
 */
export function refusedSetting(error: unknown): string | undefined {
  if (error instanceof RefusedConfiguration) return error.message;
  const code = codeOf(error);
  const message = messageOf(error);
  const startup = /unsupported startup parameter:?\s*(\S+)/i.exec(message);
  if (code === '08P01' && startup) {
    return `the connection pooler refuses the startup parameter ${startup[1]} (${message}): remove it from the connection URL, or add it to the pooler's ignore_startup_parameters`;
  }
  if (code === '42704' && /configuration parameter/i.test(message)) return `the server refuses a setting: ${message} (${code})`;
  if (code === '22023' && /parameter/i.test(message)) return `the server refuses a setting: ${message} (${code})`;
  return undefined;
}

/** SQLSTATEs and socket codes that say the session is gone. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT',
  '57P01', '57P02', '57P03', '08000', '08003', '08006',
]);

/** The error says the connection is gone (a socket error, PostgreSQL's own "terminating connection"). */
export const isConnectionCode = (error: unknown): boolean => CONNECTION_CODES.has(codeOf(error));

/** A wrong password, an unknown role or database: waiting will not heal it (TLS and refused settings are told apart before). */
export const refusedLogin = (error: unknown): boolean => ['28P01', '28000', '3D000'].includes(codeOf(error));

/** One line describing a database or system error (a URL's password hidden; the known secrets are hidden where output is written). */
export function describeError(error: unknown): string {
  const tls = tlsProblem(error);
  if (tls !== undefined) {
    const code = codeOf(error);
    return hideUrlPasswords(`TLS: ${tls}${code && code !== 'TLS_UNAVAILABLE' && !tls.includes(code) ? ` (${code})` : ''}`.replace(/\s+/g, ' '));
  }
  const refused = refusedSetting(error);
  if (refused !== undefined) return hideUrlPasswords(refused.replace(/\s+/g, ' '));
  if (error instanceof Error) {
    const e = error as Error & { code?: string; detail?: string };
    const parts = [e.message || e.code || e.name];
    // a TLS-only server refusing a plaintext connection (pg_hba.conf hostssl)
    if (e.code === '28000' && /no encryption/.test(e.message)) parts.push('(the server accepts only TLS connections: set sslmode=require or verify-full)');
    // 42501 insufficient_privilege: the server names the privilege and the object; say what to do
    if (e.code === '42501') parts.push(`(42501 insufficient privilege: see \`analyzer grants\` and docs/configuration.md "Database roles")`);
    if (e.code && !e.message.includes(e.code)) parts.push(`(${e.code})`);
    if (e.detail) parts.push(`- ${e.detail}`);
    return hideUrlPasswords(parts.join(' ').replace(/\s+/g, ' '));
  }
  return hideUrlPasswords(String(error));
}
