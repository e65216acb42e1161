// Helpers of the migrate tests: databases as `analyzer migrate` meets them in
// production (the legacy schema alone, or also migrated by the old single
// file), the catalog facts the tests compare, and a CLI run whose log lines
// can be awaited while it runs.
import { fileURLToPath } from 'node:url';
import { logLines, startCli, type CliResult } from '../harness/cli.js';
import { createLegacyDatabase, type Sql } from '../harness/db.js';
import { waitFor } from './helpers.js';

/** docker/initdb/03-analyzer.sql as it was before numbered migrations. */
export const LEGACY_ANALYZER_FILE = fileURLToPath(new URL('./fixtures/legacy-03-analyzer.sql', import.meta.url));

export type ScratchDb = Awaited<ReturnType<typeof createLegacyDatabase>>;

/** A new database holding the legacy schema and dictionaries; with `legacyMigrated`, also the old 03-analyzer.sql's objects. */
export const legacyDatabase = (options: { legacyMigrated?: boolean } = {}): Promise<ScratchDb> =>
  createLegacyDatabase({ after: options.legacyMigrated ? [LEGACY_ANALYZER_FILE] : [] });

export interface MigrationRow {
  version: number;
  name: string;
  checksum: string;
  analyzer_version: string;
  baseline: boolean;
  applied_at: string;
}

export const migrationRows = (sql: Sql) => sql<MigrationRow[]>`
  select version, name, checksum, analyzer_version, baseline, applied_at::text as applied_at from analyzer_migration order by version`;

/** Every index of the public schema with its definition, validity and oid. */
export const indexes = (sql: Sql) => sql<{ name: string; def: string; valid: boolean; oid: number }[]>`
  select c.relname as name, pg_get_indexdef(i.indexrelid) as def, i.indisvalid as valid, c.oid::int as oid
  from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' order by 1`;

/** The schema as the analyzer sees it: columns, index definitions, function bodies (analyzer_migration left out). */
export async function catalog(sql: Sql): Promise<string> {
  const columns = await sql`select table_name, column_name, data_type, column_default, is_nullable from information_schema.columns
    where table_schema = 'public' and table_name <> 'analyzer_migration' order by 1, 2`;
  const defs = (await indexes(sql)).filter((i) => !i.name.startsWith('analyzer_migration')).map((i) => [i.def, i.valid]);
  const functions = await sql`select p.proname, pg_get_functiondef(p.oid) as def from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1`;
  return JSON.stringify({ columns, defs, functions }, null, 1);
}

/** The invalid indexes of the database (none is the goal). */
export const invalidIndexes = async (sql: Sql) => (await indexes(sql)).filter((i) => !i.valid).map((i) => i.name);

/** A running CLI whose JSON log lines can be awaited. */
export interface WatchedRun {
  pid: number;
  lines(): Record<string, unknown>[];
  waitForLine(what: string, match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

export function watchCli(args: string[], env: Record<string, string>): WatchedRun {
  const run = startCli(args, env);
  let out = '';
  run.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  let finished: CliResult | undefined;
  void run.done.then((r) => (finished = r));
  const lines = () => logLines(out.slice(0, out.lastIndexOf('\n') + 1));
  return {
    pid: run.child.pid!,
    lines,
    waitForLine: (what, match, ms = 60_000) => waitFor(what, () => {
      const line = lines().find(match);
      if (line) return Promise.resolve(line);
      if (finished) throw new Error(`the CLI exited (${finished.code}) before logging ${what}: ${finished.stdout.slice(-1500)}${finished.stderr}`);
      return Promise.resolve(undefined);
    }, ms),
    kill: (signal) => run.child.kill(signal),
    done: run.done,
  };
}

/** The backend of a session of this database by application_name, with what it waits on and its snapshot/xid. */
export const backends = (sql: Sql, application: string) => sql<{ pid: number; state: string; wait: string | null; xmin: string | null; xid: string | null }[]>`
  select pid, state, wait_event_type as wait, backend_xmin::text as xmin, backend_xid::text as xid from pg_stat_activity
  where datname = current_database() and application_name = ${application}`;
