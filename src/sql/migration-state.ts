// What `analyzer migrate` reads and records: the analyzer_migration table
// (what was applied, when, by which analyzer, with which checksum) and the
// catalog facts it decides on (is an object there, is an index valid, is an
// index being built right now by another backend).
import type { Sql } from '../infra/db.js';
import type { BaselineObject } from './migration-files.js';

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  /** UTC, ISO 8601 (zone-free text: the process time zone never matters) */
  applied_at: string;
  analyzer_version: string;
  /** recorded from objects already present (a database migrated by the old single file), not run */
  baseline: boolean;
}

export async function migrationTableExists(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`select to_regclass('analyzer_migration') is not null as present`;
  return row!.present;
}

/** The table itself: created by migrate before any numbered step (a new table: no lock on a busy one). */
export async function createMigrationTable(tx: Sql): Promise<void> {
  await tx`
    create table if not exists analyzer_migration (
      version          integer primary key,
      name             text not null,
      checksum         text not null,
      applied_at       timestamptz not null default now(),
      analyzer_version text not null,
      baseline         boolean not null default false
    )`;
}

export async function appliedMigrations(sql: Sql): Promise<AppliedMigration[]> {
  return sql<AppliedMigration[]>`
    select version, name, checksum, analyzer_version, baseline,
      to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as applied_at
    from analyzer_migration order by version`;
}

export async function recordMigration(
  tx: Sql,
  row: { version: number; name: string; checksum: string; analyzerVersion: string; baseline: boolean },
): Promise<void> {
  await tx`
    insert into analyzer_migration (version, name, checksum, analyzer_version, baseline)
    values (${row.version}, ${row.name}, ${row.checksum}, ${row.analyzerVersion}, ${row.baseline})`;
}

/** Is a baseline object there (an index: there and valid)? Names resolve on the search_path, as the migrations' do. */
async function objectPresent(sql: Sql, object: BaselineObject): Promise<boolean> {
  const [table = '', column = ''] = object.name.split('.');
  const [row] = await sql<{ present: boolean }[]>`
    select case ${object.kind}
      when 'column' then exists (select from pg_attribute
        where attrelid = to_regclass(${table}) and attname = ${column} and attnum > 0 and not attisdropped)
      when 'function' then to_regprocedure(${object.name}) is not null
      when 'table' then exists (select from pg_class where oid = to_regclass(${object.name}) and relkind in ('r', 'p'))
      when 'index' then coalesce((select indisvalid from pg_index where indexrelid = to_regclass(${object.name})), false)
    end as present`;
  return row!.present;
}

export interface IndexState {
  exists: boolean;
  valid: boolean;
  /** Another backend building it (CREATE INDEX CONCURRENTLY still running, e.g. left by a killed migrate), if any. */
  builder: { pid: number; phase: string | null; application: string | null } | undefined;
}

/**
 * An index's state. A build in progress (CREATE INDEX CONCURRENTLY still
 * running, e.g. the backend of a killed migrate, which the server ends only
 * when it next writes to the client) is seen in pg_stat_progress_create_index
 * by its index_relid (visible to the same role, a superuser or
 * pg_read_all_stats), else as a client backend holding SHARE UPDATE EXCLUSIVE
 * on the index's table: what every concurrent build holds from start to end,
 * and what inserts, queries and the index's own users never take (they take
 * ROW EXCLUSIVE / ACCESS SHARE, also on an invalid index).
 */
export async function indexState(sql: Sql, name: string): Promise<IndexState> {
  const rows = await sql<{ valid: boolean; pid: number | null; phase: string | null; application: string | null }[]>`
    with idx as (select indexrelid, indrelid, indisvalid from pg_index where indexrelid = to_regclass(${name})),
    builders as (
      select p.pid, p.phase from pg_stat_progress_create_index p join idx on p.index_relid = idx.indexrelid
      union all
      select l.pid, null from pg_locks l join idx on l.relation = idx.indrelid join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'relation' and l.mode = 'ShareUpdateExclusiveLock' and l.granted
        and a.backend_type = 'client backend' and l.pid <> pg_backend_pid()
    )
    select idx.indisvalid as valid, b.pid, b.phase, a.application_name as application
    from idx left join builders b on true left join pg_stat_activity a on a.pid = b.pid
    order by b.phase is null, b.pid limit 1`;
  const row = rows[0];
  if (!row) return { exists: false, valid: false, builder: undefined };
  return {
    exists: true,
    valid: row.valid,
    builder: row.pid === null ? undefined : { pid: row.pid, phase: row.phase, application: row.application },
  };
}

/** An invalid index is dropped without blocking writers (DROP INDEX CONCURRENTLY, outside a transaction). */
export async function dropIndexConcurrently(sql: Sql, name: string): Promise<void> {
  await sql`drop index concurrently if exists ${sql(name)}`;
}

/** Who holds the migration lock now (for the "waiting for another migrate" log line). */
export async function migrationLockHolder(sql: Sql, key: number): Promise<{ pid: number; application: string | null; since: string | null } | undefined> {
  const [row] = await sql<{ pid: number; application: string | null; since: string | null }[]>`
    select l.pid, a.application_name as application,
      to_char(a.xact_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since
    from pg_locks l left join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid::bigint = ${key} and l.objsubid = 1
      and l.database = (select oid from pg_database where datname = current_database())
    limit 1`;
  return row;
}

/** Every object a migration would create is already there (a database set up before numbered migrations): stops at the first missing. */
export async function baselinePresent(sql: Sql, objects: readonly BaselineObject[]): Promise<boolean> {
  for (const object of objects) if (!(await objectPresent(sql, object))) return false;
  return true;
}
