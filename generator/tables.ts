// The legacy tables' rows as the generator writes them: the columns exactly as
// in docker/initdb/01-schema.sql, stored column-wise in typed-array chunks so a
// few million rows stay compact (generator/load.ts streams them out with COPY).

import type { Micros } from '../src/core/index.js';

export type ColumnKind = 'int' | 'bigint' | 'time' | 'text' | 'bool';
export interface ColumnSpec {
  readonly name: string;
  /** int: int4 (and bool as 0/1) in Int32Array; bigint, time: Float64Array; text: string[]. */
  readonly kind: ColumnKind;
}

export interface PolycommDeviceRow {
  id: number;
  title: string | null;
  code: number | null;
}
export interface TimestampsRow {
  devicecode: string | null;
  ready: boolean | null;
  status_type_device: number | null;
}
export interface PolycommAlarmRow {
  polycommalarm_id: number;
  device: number | null;
  alarmtype: number | null;
  localdate: Micros | null;
  date: Micros | null;
  status: number | null;
}
export interface PolycommIssueRow {
  polycommissue_id: number;
  /** device-side issue number; 22222222 only on analyzer rows (never generated, except the demo's one trap row). */
  id: number | null;
  device: number | null;
  type: number | null;
  suitcase: number | null;
  total: number | null;
  duration: number | null;
  localdate: Micros | null;
  date: Micros | null;
  createtime: Micros | null;
  status: number | null;
}
export interface ReceiptsRow {
  receipt_id: number;
  devicecode: string | null;
  dateclose: Micros | null;
  dateclosemoscow: Micros | null;
  quantitypackageone: number | null;
  quantitypackagedouble: number | null;
  status: number | null;
}
export interface PolycommSuitcaseRow {
  id: number;
  device_id: number | null;
  polycom_id: number | null;
  totalid: number | null;
  dateini_local: Micros | null;
  local_date: Micros | null;
  date: Micros | null;
  duration: number | null;
  package_type: number | null;
  status: number | null;
}

export interface TableRows {
  polycomm_device: PolycommDeviceRow;
  timestamps: TimestampsRow;
  polycommalarm: PolycommAlarmRow;
  polycommissue: PolycommIssueRow;
  receipts: ReceiptsRow;
  polycomm_suitcase: PolycommSuitcaseRow;
}
export type TableName = keyof TableRows;

const col = (name: string, kind: ColumnKind): ColumnSpec => ({ name, kind });

/** The generated columns of every table, in COPY order (everything else keeps its default / NULL). */
export const TABLE_COLUMNS: { readonly [T in TableName]: readonly ColumnSpec[] } = {
  polycomm_device: [col('id', 'int'), col('title', 'text'), col('code', 'int')],
  timestamps: [col('devicecode', 'text'), col('ready', 'bool'), col('status_type_device', 'int')],
  polycommalarm: [
    col('polycommalarm_id', 'bigint'), col('device', 'int'), col('alarmtype', 'int'),
    col('localdate', 'time'), col('date', 'time'), col('status', 'int'),
  ],
  polycommissue: [
    col('polycommissue_id', 'bigint'), col('id', 'bigint'), col('device', 'int'), col('type', 'int'),
    col('suitcase', 'bigint'), col('total', 'int'), col('duration', 'int'),
    col('localdate', 'time'), col('date', 'time'), col('createtime', 'time'), col('status', 'int'),
  ],
  receipts: [
    col('receipt_id', 'bigint'), col('devicecode', 'text'), col('dateclose', 'time'), col('dateclosemoscow', 'time'),
    col('quantitypackageone', 'int'), col('quantitypackagedouble', 'int'), col('status', 'int'),
  ],
  polycomm_suitcase: [
    col('id', 'bigint'), col('device_id', 'int'), col('polycom_id', 'bigint'), col('totalid', 'int'),
    col('dateini_local', 'time'), col('local_date', 'time'), col('date', 'time'),
    col('duration', 'int'), col('package_type', 'int'), col('status', 'int'),
  ],
};

/** Load order: parents first (nothing has foreign keys, but it reads naturally). */
export const TABLE_NAMES: readonly TableName[] = [
  'polycomm_device', 'timestamps', 'polycommalarm', 'polycommissue', 'receipts', 'polycomm_suitcase',
];

/** NULL in an Int32 column (int4's minimum, never generated as a value). */
const INT_NULL = -2147483648;
const CHUNK_BITS = 14;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ROWS - 1;

type Store = Int32Array | Float64Array | (string | null)[];
type Cell = number | string | boolean | null;

/**
 * Append-only, column-wise rows of one table in chunks of 16,384 rows (no
 * copying on growth). `get(i)` and iteration give plain row objects; the
 * loader reads cells with `num`/`text` without building objects.
 */
export class Table<R> implements Iterable<R> {
  length = 0;
  private readonly chunks: Store[][] = [];

  constructor(
    readonly name: TableName,
    readonly columns: readonly ColumnSpec[],
  ) {}

  private newChunk(): Store[] {
    return this.columns.map((c): Store =>
      c.kind === 'text' ? [] : c.kind === 'int' || c.kind === 'bool' ? new Int32Array(CHUNK_ROWS) : new Float64Array(CHUNK_ROWS),
    );
  }

  push(row: R): void {
    const i = this.length & CHUNK_MASK;
    if (i === 0) this.chunks.push(this.newChunk());
    const chunk = this.chunks[this.chunks.length - 1] as Store[];
    const r = row as unknown as Record<string, Cell>;
    for (let c = 0; c < this.columns.length; c++) {
      const spec = this.columns[c] as ColumnSpec;
      const v = r[spec.name] ?? null;
      const store = chunk[c] as Store;
      if (spec.kind === 'text') {
        (store as (string | null)[])[i] = v === null ? null : String(v);
      } else if (spec.kind === 'bool') {
        (store as Int32Array)[i] = v === null ? INT_NULL : v ? 1 : 0;
      } else if (spec.kind === 'int') {
        if (v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v <= INT_NULL || v > 2147483647)) {
          throw new RangeError(`${this.name}.${spec.name}: ${String(v)} is not an int4`);
        }
        (store as Int32Array)[i] = v === null ? INT_NULL : v;
      } else {
        if (v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v))) {
          throw new RangeError(`${this.name}.${spec.name}: ${String(v)} is not an integer`);
        }
        (store as Float64Array)[i] = v === null ? Number.NaN : v;
      }
    }
    this.length++;
  }

  /** Numeric cell (int, bigint, time, bool as 0/1) or null. */
  num(i: number, c: number): number | null {
    const store = (this.chunks[i >>> CHUNK_BITS] as Store[])[c] as Int32Array | Float64Array;
    const v = store[i & CHUNK_MASK] as number;
    return v === INT_NULL || Number.isNaN(v) ? null : v;
  }

  text(i: number, c: number): string | null {
    const store = (this.chunks[i >>> CHUNK_BITS] as Store[])[c] as (string | null)[];
    return store[i & CHUNK_MASK] ?? null;
  }

  get(i: number): R {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`${this.name}: row ${i} out of range`);
    const row: Record<string, Cell> = {};
    for (let c = 0; c < this.columns.length; c++) {
      const spec = this.columns[c] as ColumnSpec;
      if (spec.kind === 'text') row[spec.name] = this.text(i, c);
      else if (spec.kind === 'bool') {
        const v = this.num(i, c);
        row[spec.name] = v === null ? null : v === 1;
      } else row[spec.name] = this.num(i, c);
    }
    return row as unknown as R;
  }

  *[Symbol.iterator](): Iterator<R> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}

export type Tables = { [T in TableName]: Table<TableRows[T]> };

/** Empty tables for a new dataset. */
export function newTables(): Tables {
  return {
    polycomm_device: new Table('polycomm_device', TABLE_COLUMNS.polycomm_device),
    timestamps: new Table('timestamps', TABLE_COLUMNS.timestamps),
    polycommalarm: new Table('polycommalarm', TABLE_COLUMNS.polycommalarm),
    polycommissue: new Table('polycommissue', TABLE_COLUMNS.polycommissue),
    receipts: new Table('receipts', TABLE_COLUMNS.receipts),
    polycomm_suitcase: new Table('polycomm_suitcase', TABLE_COLUMNS.polycomm_suitcase),
  };
}

