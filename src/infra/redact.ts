// The database password must never reach a log line, a report or stderr. The
// secrets to hide are held by the command's Redactor (created by the CLI,
// handed to whatever writes output: the logger, stderr lines, the report);
// nothing is kept at module level. A password inside a connection URL is
// hidden without being known.
import { parseConnectionUrl } from './connection-url.js';

/** user:password@ in any connection URL in `text`, hidden. */
export function hideUrlPasswords(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remember a secret (a password, an sslpassword), URI-encoded or not. */
  add(secret: string | undefined): void {
    if (!secret) return;
    this.secrets.add(secret);
    try {
      const decoded = decodeURIComponent(secret);
      if (decoded !== secret) this.secrets.add(decoded);
    } catch {
      // not URI-encoded: the raw form is enough
    }
  }

  /** Remember the password of a connection URL, as written and decoded. */
  addUrl(url: string | undefined): void {
    const parsed = url === undefined ? undefined : parseConnectionUrl(url);
    this.add(parsed?.passwordAsWritten);
    this.add(parsed?.password);
  }

  /** `text` with every remembered secret and any URL password hidden. */
  redact(text: string): string {
    let out = hideUrlPasswords(text);
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }

  /** A copy of a JSON-like value with every string redacted (a report, a log entry's fields). */
  redactDeep<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.walk(v)]));
    }
    return value;
  }
}
