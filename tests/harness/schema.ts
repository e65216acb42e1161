// Builds the one schema the way production gets it: the legacy schema and
// dictionaries (docker/initdb/*.sql, what the PostgreSQL container loads at
// first start), then `analyzer migrate` (the numbered migrations of
// src/sql/migrations, by the same code the CLI runs).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import postgres from 'postgres';
import { MIGRATE, parseMigrateSettings } from '../../src/infra/migrate-settings.js';
import { defaultsOf } from '../../src/infra/settings.js';
import { migrate } from '../../src/shell/migrate.js';

export const INITDB_DIR = fileURLToPath(new URL('../../docker/initdb/', import.meta.url));

/** The initdb files in the order the container runs them; `seed` files only when asked. */
export function initdbFiles(options: { seed?: boolean } = {}): string[] {
  return readdirSync(INITDB_DIR)
    .filter((f) => f.endsWith('.sql'))
    .filter((f) => options.seed || !/seed/i.test(f))
    .sort()
    .map((f) => join(INITDB_DIR, f));
}

/** The legacy schema (and with `seed` the compose seed), then the `after` files (static SQL of the repository): no migration. */
export async function loadInitdb(url: string, options: { seed?: boolean; after?: string[] } = {}): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    // eslint-disable-next-line no-restricted-properties -- the repository's static docker/initdb files and test fixtures
    for (const file of [...initdbFiles(options), ...(options.after ?? [])]) await sql.file(file);
  } finally {
    await sql.end();
  }
}

/** The legacy schema (and with `seed` the compose seed), then every migration. */
export async function loadSchema(url: string, options: { seed?: boolean } = {}): Promise<void> {
  await loadInitdb(url, options);
  await migrateDatabase(url);
}

const silent = { info: () => undefined, warn: () => undefined };

/** `analyzer migrate` with its default settings, in this process. */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connection: { application_name: 'polycomm-analyzer migrate' } });
  const lock = postgres(url, { max: 1, onnotice: () => undefined, connection: { application_name: 'polycomm-analyzer migrate lock' } });
  try {
    await migrate(sql, lock, parseMigrateSettings(defaultsOf(MIGRATE)), silent);
  } finally {
    await Promise.all([sql.end(), lock.end()]);
  }
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
