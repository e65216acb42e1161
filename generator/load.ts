// Loads a generated Dataset (generator/generate.ts) into PostgreSQL with COPY
// (text format), one streamed COPY per table in chunks of ~64 KiB, never one
// giant string. Then moves the bigserial sequences past the loaded ids so rows
// the analyzer inserts later do not collide.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { formatMicros } from '../src/core/index.js';
import type { Dataset } from './dataset.js';
import { TABLE_NAMES } from './tables.js';
import type { ColumnSpec, Table, TableName } from './tables.js';

/** Any postgres.js client (with or without custom types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client's type parameter
export type Sql = postgres.Sql<any>;

/** COPY text-format escaping of a text value. */
function escapeText(v: string): string {
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : v;
}

const CHUNK_CHARS = 64 * 1024;

/** The COPY text-format lines of rows [from, to), as ~64 KiB Buffers. */
export function* copyChunks<R>(table: Table<R>, from = 0, to = table.length): Generator<Buffer> {
  const cols: readonly ColumnSpec[] = table.columns;
  const n = cols.length;
  const kinds = cols.map((c) => c.kind);
  let buf = '';
  for (let i = from; i < to; i++) {
    let line = '';
    for (let c = 0; c < n; c++) {
      if (c > 0) line += '\t';
      const kind = kinds[c];
      if (kind === 'text') {
        const v = table.text(i, c);
        line += v === null ? '\\N' : escapeText(v);
      } else {
        const v = table.num(i, c);
        if (v === null) line += '\\N';
        else if (kind === 'time') line += formatMicros(v, 'always');
        else if (kind === 'bool') line += v === 1 ? 't' : 'f';
        else line += String(v);
      }
    }
    buf += line + '\n';
    if (buf.length >= CHUNK_CHARS) {
      yield Buffer.from(buf, 'utf8');
      buf = '';
    }
  }
  if (buf.length > 0) yield Buffer.from(buf, 'utf8');
}

/**
 * COPY one table's rows in, on a connection reserved for it (postgres.js
 * would otherwise pipeline other queries onto the connection mid-COPY).
 */
export async function copyTable<R>(sql: Sql, table: Table<R>): Promise<void> {
  if (table.length === 0) return;
  const columns = table.columns.map((c) => c.name);
  const reserved = await sql.reserve();
  try {
    const writable = await reserved`copy ${reserved(table.name)} (${reserved(columns)}) from stdin`.writable();
    await pipeline(Readable.from(copyChunks(table), { objectMode: false }), writable);
  } finally {
    reserved.release();
  }
}

/** Primary keys with a sequence behind them (bigserial in 01-schema.sql). */
const SERIAL_KEYS: readonly (readonly [TableName, string])[] = [
  ['polycommissue', 'polycommissue_id'],
  ['polycomm_suitcase', 'id'],
];

/**
 * Moves each bigserial sequence to the table's max id (so the analyzer's
 * inserts get fresh ids); an empty table's sequence is left alone.
 */
export async function syncSequences(sql: Sql): Promise<void> {
  for (const [table, key] of SERIAL_KEYS) {
    await sql`select setval(pg_get_serial_sequence(${table}, ${key}), m) from (select max(${sql(key)}) as m from ${sql(table)}) x where m is not null`;
  }
}

export interface LoadReport {
  rows: Record<TableName, number>;
  total: number;
  ms: number;
  rowsPerSecond: number;
}

/**
 * COPY every table of the dataset into the database `sql` points at (the
 * schema must be loaded; the rows must not exist yet), then sync sequences.
 * Tables are copied concurrently, each on its own reserved connection, as
 * far as the client's pool (`max`) allows; with `max: 1` one after another.
 */
export async function loadDataset(sql: Sql, dataset: Dataset): Promise<LoadReport> {
  const t0 = performance.now();
  await Promise.all(TABLE_NAMES.map((name) => copyTable(sql, dataset.tables[name] as Table<unknown>)));
  await syncSequences(sql);
  const ms = performance.now() - t0;
  const rows = Object.fromEntries(TABLE_NAMES.map((name) => [name, dataset.tables[name].length])) as Record<TableName, number>;
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  return { rows, total, ms, rowsPerSecond: ms > 0 ? Math.round((total / ms) * 1000) : total };
}

/** VACUUM ANALYZE the tables a dataset fills (statistics for the planner, visibility map for index-only scans). */
export async function vacuumAnalyze(sql: Sql, tables: readonly TableName[] = TABLE_NAMES): Promise<void> {
  for (const name of tables) await sql`vacuum analyze ${sql(name)}`;
}
