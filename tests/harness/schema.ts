// Loads the one schema (docker/initdb/*.sql) into a database, exactly as the
// PostgreSQL container does at first start.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import postgres from 'postgres';

export const INITDB_DIR = fileURLToPath(new URL('../../docker/initdb/', import.meta.url));

/** The initdb files in the order the container runs them; `seed` files only when asked. */
export function initdbFiles(options: { seed?: boolean } = {}): string[] {
  return readdirSync(INITDB_DIR)
    .filter((f) => f.endsWith('.sql'))
    .filter((f) => options.seed || !/seed/i.test(f))
    .sort()
    .map((f) => join(INITDB_DIR, f));
}

export async function loadSchema(url: string, options: { seed?: boolean } = {}): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    // eslint-disable-next-line no-restricted-properties -- the repository's static docker/initdb files
    for (const file of initdbFiles(options)) await sql.file(file);
  } finally {
    await sql.end();
  }
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
