// The database password must never reach a log line, a report or stderr.
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

/** Hide remembered secrets and any user:password@ in connection URLs. */
export function redact(text: string): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/** The password of a connection URL (URI-decoded), if any. */
export function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const match = /^postgres(?:ql)?:\/\/[^:/@\s]*:([^@\s]*)@/i.exec(url);
  return match?.[1];
}
