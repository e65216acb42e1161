// The database password must never reach a log line, a report or stderr.
import { parseConnectionUrl } from './connection-url.js';

const secrets = new Set<string>();

/** Remember a secret (the password of DATABASE_URL or PGPASSWORD) so every output hides it. */
export function addSecret(secret: string | undefined): void {
  if (secret && secret.length > 0) {
    secrets.add(secret);
    try {
      const decoded = decodeURIComponent(secret);
      if (decoded !== secret) secrets.add(decoded);
    } catch {
      // not URI-encoded: the raw form is enough
    }
  }
}

/** Remember the password of a connection URL, as written and decoded. */
export function addUrlSecret(url: string | undefined): void {
  const parsed = url === undefined ? undefined : parseConnectionUrl(url);
  addSecret(parsed?.passwordAsWritten);
  addSecret(parsed?.password);
}

/** Hide remembered secrets and any user:password@ in connection URLs. */
export function redact(text: string): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
