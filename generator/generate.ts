// Synthetic, seeded, deterministic data for the benchmark and the demo (issue 7
// item 1, issue 5 item 5). Pure: no I/O, no clock, no Math.random. The rows
// are the legacy tables' columns exactly (docker/initdb/01-schema.sql), stored
// column-wise in typed-array chunks so a few million rows stay compact;
// generator/load.ts streams them into PostgreSQL with COPY.
//
// Times are Micros: zone-free wall-clock microseconds since 1970 (the unit of
// src/core/types.ts). Every event is generated on the Moscow wall clock and its
// local time is Moscow + the device's offset (whole hours, -1 .. +7). Events
// fall on whole seconds, so equal-second ties (R6) happen naturally.

import type { Micros } from '../src/core/index.js';

// ---------------------------------------------------------------------------
// PRNG

/** mulberry32: a tiny, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit mix of two integers (for per-device seeds independent of N). */
function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

// ---------------------------------------------------------------------------
// Column-wise tables

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

function newTables(): Tables {
  return {
    polycomm_device: new Table('polycomm_device', TABLE_COLUMNS.polycomm_device),
    timestamps: new Table('timestamps', TABLE_COLUMNS.timestamps),
    polycommalarm: new Table('polycommalarm', TABLE_COLUMNS.polycommalarm),
    polycommissue: new Table('polycommissue', TABLE_COLUMNS.polycommissue),
    receipts: new Table('receipts', TABLE_COLUMNS.receipts),
    polycomm_suitcase: new Table('polycomm_suitcase', TABLE_COLUMNS.polycomm_suitcase),
  };
}

// ---------------------------------------------------------------------------
// Options and result

/** Probabilities of each anomaly (0..1) and what they apply to. */
export interface Rates {
  /** per wrap (receipts devices): no receipt pays it (R13 issue 7). */
  unpaid: number;
  /** per receipt: one position of the other package type (issue 8 / 9). */
  wrongType: number;
  /** per receipt: printed while the last wrap it pays is running (R7). */
  receiptMidWrap: number;
  /** per wrap: an alarm strictly inside it (nested, R5). */
  alarmInside: number;
  /** per customer: a top-level alarm after the customer's events. */
  alarmOutside: number;
  /** per wrap: an issue strictly inside it. */
  issueInside: number;
  /** per customer: a top-level issue after the customer's events. */
  issueOutside: number;
  /** per customer (receipts devices): a receipt and no wrap. */
  receiptWithoutWrap: number;
  /**
   * per receipt-without-wrap customer: the wrap failed: a top-level alarm (or
   * issue) 5-60 s before the receipt (a task of type 3).
   */
  failedWrap: number;
  /** per wrap: package_type NULL or 0 (untyped, R4/R11). */
  untyped: number;
  /** per customer with 2-3 wraps (receipts devices): one receipt for all of them instead of one per wrap. */
  combinedReceipt: number;
  /** per receipt: an extra receipt for 0 and 0 a few seconds later. */
  zeroReceipt: number;
  /** per 2nd/3rd wrap of a customer: it starts before the previous one finished. */
  overlap: number;
  /** per customer: a 1-3 h pause without customers before it. */
  idleGap: number;
  /** per device and local night: a 1-3 h pause starting between 01:00 and 05:00 local. */
  nightGap: number;
  /** per event: its Moscow column is NULL (R3). Default 0. */
  nullMoscow: number;
  /** per event: the row is invalid (R4: NULL local time, finish before start, NULL or negative quantity). Default 0. */
  invalid: number;
}

export const DEFAULT_RATES: Readonly<Rates> = Object.freeze({
  unpaid: 0.03,
  wrongType: 0.01,
  receiptMidWrap: 0.01,
  alarmInside: 0.03,
  alarmOutside: 0.02,
  issueInside: 0.02,
  issueOutside: 0.005,
  receiptWithoutWrap: 0.005,
  failedWrap: 0.3,
  untyped: 0.003,
  combinedReceipt: 0.5,
  zeroReceipt: 0.001,
  overlap: 0.01,
  idleGap: 0.003,
  nightGap: 0.8,
  nullMoscow: 0,
  invalid: 0,
});

export interface GenerateOptions {
  seed: number;
  devices: number;
  hours: number;
  /** End of the window on the Moscow wall clock (zone-free Micros); no event is later. */
  end: Micros;
  rates?: Partial<Rates>;
  /** polycomm_device.id of the first device (default 1); code = 1000 + id. */
  firstDeviceId?: number;
  /** First primary key of the event rows (default 1); ids are unique across all event tables. */
  idBase?: number;
  /** Minutes between two customers' arrivals, uniform (default [2, 15]). */
  customerEveryMinutes?: readonly [number, number];
}

export type DeviceMode = 'receipts' | 'dwr';

export interface DeviceInfo {
  id: number;
  code: number;
  title: string;
  mode: DeviceMode;
  /** local = Moscow + offsetHours */
  offsetHours: number;
}

/** What the generator put in, counted as it did (ground truth for tests and reports). */
export interface Stats {
  customers: number;
  wraps: number;
  receipts: number;
  alarms: number;
  issues: number;
  unpaidWraps: number;
  wrongTypeReceipts: number;
  midWrapReceipts: number;
  alarmsInside: number;
  alarmsOutside: number;
  issuesInside: number;
  issuesOutside: number;
  receiptsWithoutWrap: number;
  /** receipts without wrap preceded by an alarm or issue (counted in alarmsOutside / issuesOutside too) */
  failedWraps: number;
  untypedWraps: number;
  combinedReceipts: number;
  zeroReceipts: number;
  overlappingWraps: number;
  idleGaps: number;
  nightGaps: number;
  nullMoscow: number;
  invalidRows: number;
}

export interface Dataset {
  tables: Tables;
  devices: DeviceInfo[];
  /** The Moscow window [start, end] the events fall in. */
  start: Micros;
  end: Micros;
  idBase: number;
  /** The next free id: pass it as `idBase` to generate a second dataset for the same database. */
  nextId: number;
  stats: Stats;
}

export const MICROS = 1_000_000;
const HOUR = 3600;

function emptyStats(): Stats {
  return {
    customers: 0, wraps: 0, receipts: 0, alarms: 0, issues: 0,
    unpaidWraps: 0, wrongTypeReceipts: 0, midWrapReceipts: 0,
    alarmsInside: 0, alarmsOutside: 0, issuesInside: 0, issuesOutside: 0,
    receiptsWithoutWrap: 0, failedWraps: 0, untypedWraps: 0, combinedReceipts: 0, zeroReceipts: 0,
    overlappingWraps: 0, idleGaps: 0, nightGaps: 0, nullMoscow: 0, invalidRows: 0,
  };
}

/** Total number of rows in all tables. */
export function rowCount(d: Dataset): number {
  let n = 0;
  for (const t of TABLE_NAMES) n += d.tables[t].length;
  return n;
}

// ---------------------------------------------------------------------------
// Writing one device's events

interface Ids {
  next: number;
}

/** Per-event overrides for invalid or odd rows (handcrafted demo events and the R3/R4 rates). */
export interface EventFlags {
  /** Moscow column NULL (R3). */
  nullMoscow?: boolean;
  /** Local time column NULL (R4); for a wrap: dateini_local. */
  nullLocal?: boolean;
}

/** Emits rows for one device; all times in whole Moscow seconds. */
class DeviceWriter {
  private readonly offsetS: number;
  private readonly codeText: string;
  polycomId: number;
  totalid: number;
  issueNo: number;

  constructor(
    private readonly t: Tables,
    private readonly ids: Ids,
    private readonly stats: Stats,
    readonly device: DeviceInfo,
    rng: Rng,
  ) {
    this.offsetS = device.offsetHours * HOUR;
    this.codeText = String(device.code);
    // device-side counters: polycom_id deliberately collides across devices (R17: address rows by id).
    this.polycomId = rng.int(1, 5000);
    this.totalid = rng.int(10_000, 900_000);
    this.issueNo = rng.int(1, 100_000);
  }

  local(moscowS: number): number {
    return moscowS + this.offsetS;
  }

  private count(f: EventFlags): void {
    if (f.nullMoscow) this.stats.nullMoscow++;
    if (f.nullLocal) this.stats.invalidRows++;
  }

  /** A wrap from `startS` for `durS` seconds (Moscow). Returns polycom_id, totalid, duration for nested issues. */
  wrap(
    startS: number,
    durS: number,
    packageType: number | null,
    f: EventFlags & { finishBeforeStart?: boolean } = {},
  ): { polycomId: number; totalid: number; duration: number } {
    const polycomId = this.polycomId++;
    const totalid = this.totalid++;
    const finishS = startS + durS;
    let startLocal: number | null = this.local(startS) * MICROS;
    let finishLocal = this.local(finishS) * MICROS;
    if (f.finishBeforeStart) {
      [startLocal, finishLocal] = [finishLocal, startLocal];
      this.stats.invalidRows++;
    }
    if (f.nullLocal) startLocal = null;
    this.count(f);
    this.t.polycomm_suitcase.push({
      id: this.ids.next++,
      device_id: this.device.id,
      polycom_id: polycomId,
      totalid,
      dateini_local: startLocal,
      local_date: finishLocal,
      date: f.nullMoscow ? null : finishS * MICROS,
      duration: durS,
      package_type: packageType,
      status: 0,
    });
    this.stats.wraps++;
    return { polycomId, totalid, duration: durS };
  }

  receipt(
    atS: number,
    single: number | null,
    double: number | null,
    f: EventFlags & { devicecode?: string | null } = {},
  ): void {
    this.count(f);
    if (!f.nullLocal && (single === null || double === null || single < 0 || double < 0)) this.stats.invalidRows++;
    this.t.receipts.push({
      receipt_id: this.ids.next++,
      devicecode: f.devicecode === undefined ? this.codeText : f.devicecode,
      dateclose: f.nullLocal ? null : this.local(atS) * MICROS,
      dateclosemoscow: f.nullMoscow ? null : atS * MICROS,
      quantitypackageone: single,
      quantitypackagedouble: double,
      status: 0,
    });
    this.stats.receipts++;
  }

  alarm(atS: number, alarmtype: number, f: EventFlags = {}): void {
    this.count(f);
    this.t.polycommalarm.push({
      polycommalarm_id: this.ids.next++,
      device: this.device.id,
      alarmtype,
      localdate: f.nullLocal ? null : this.local(atS) * MICROS,
      date: f.nullMoscow ? null : atS * MICROS,
      status: 0,
    });
    this.stats.alarms++;
  }

  issue(
    atS: number,
    type: number,
    wrap: { polycomId: number; totalid: number; duration: number } | null,
    f: EventFlags & { id?: number; status?: number; createDelayS?: number } = {},
  ): void {
    this.count(f);
    this.t.polycommissue.push({
      polycommissue_id: this.ids.next++,
      id: f.id ?? this.issueNo++,
      device: this.device.id,
      type,
      suitcase: wrap === null ? null : wrap.polycomId,
      total: wrap === null ? this.totalid : wrap.totalid,
      duration: wrap === null ? null : wrap.duration,
      localdate: f.nullLocal ? null : this.local(atS) * MICROS,
      date: f.nullMoscow ? null : atS * MICROS,
      createtime: (atS + (f.createDelayS ?? 5)) * MICROS,
      status: f.status ?? 0,
    });
    this.stats.issues++;
  }
}

// ---------------------------------------------------------------------------
// The random stream of one device

interface PlannedWrap {
  start: number;
  dur: number;
  /** what the customer asked (and pays) for: 1 single, 2 double */
  type: 1 | 2;
  /** what the device recorded in package_type */
  pkg: number | null;
  unpaid: boolean;
  flags: EventFlags & { finishBeforeStart?: boolean };
  /** alarms and issues strictly inside the wrap (nested, R5) */
  points: { kind: 'alarm' | 'issue'; at: number; type: number; flags: EventFlags }[];
}
interface PlannedReceipt {
  at: number;
  q1: number | null;
  q2: number | null;
  flags: EventFlags;
  /** index of the wrap after which it is written (ids roughly chronological); -1 = before all */
  after: number;
}
interface PlannedPoint {
  kind: 'alarm' | 'issue';
  at: number;
  type: number;
}

function simulateDevice(w: DeviceWriter, rng: Rng, r: Rates, startS: number, endS: number, gapMinS: number, gapMaxS: number, stats: Stats): void {
  const receiptsMode = w.device.mode === 'receipts';
  // what the customer being planned adds to `stats`, added only if it is written
  const ds = emptyStats();
  const keys = Object.keys(ds) as (keyof Stats)[];
  const offsetS = w.device.offsetHours * HOUR;
  let t = startS + rng.int(0, gapMaxS);
  let nightDone = Math.floor((t + offsetS) / 86_400) - 1;

  const pointFlags = (): EventFlags => {
    const f: EventFlags = {};
    if (rng.chance(r.nullMoscow)) f.nullMoscow = true;
    if (rng.chance(r.invalid)) f.nullLocal = true;
    return f;
  };

  for (;;) {
    // Long idle gaps: once per local night (decided when the first arrival of
    // the night falls between 01:00 and 05:00 local) and now and then by day.
    const localS = t + offsetS;
    const day = Math.floor(localS / 86_400);
    const tod = localS - day * 86_400;
    if (day > nightDone && tod >= 1 * HOUR && tod < 5 * HOUR) {
      nightDone = day;
      if (rng.chance(r.nightGap)) {
        t += rng.int(HOUR, 3 * HOUR);
        stats.nightGaps++;
        continue;
      }
    }
    if (rng.chance(r.idleGap)) {
      t += rng.int(HOUR, 3 * HOUR);
      stats.idleGaps++;
      continue;
    }

    // Plan one customer, then write it only if it ends inside the window.
    for (const k of keys) ds[k] = 0;
    const wraps: PlannedWrap[] = [];
    const receipts: PlannedReceipt[] = [];
    const outside: PlannedPoint[] = [];
    let last = t;
    let receiptWithoutWrap = false;

    const planReceipt = (at: number, q1: number, q2: number, after: number, midWrap: boolean): void => {
      if (q1 + q2 > 0 && rng.chance(r.wrongType)) {
        // one position of the other package type
        if (q1 > 0 && (q2 === 0 || rng.next() < 0.5)) {
          q1--;
          q2++;
        } else {
          q2--;
          q1++;
        }
        ds.wrongTypeReceipts++;
      }
      if (midWrap) ds.midWrapReceipts++;
      const f: EventFlags = {};
      if (rng.chance(r.nullMoscow)) f.nullMoscow = true;
      let a: number | null = q1;
      let b: number | null = q2;
      if (rng.chance(r.invalid)) {
        const u = rng.next();
        if (u < 1 / 3) f.nullLocal = true;
        else if (u < 2 / 3) a = null;
        else b = -1;
      }
      receipts.push({ at, q1: a, q2: b, flags: f, after });
      last = Math.max(last, at);
      if (rng.chance(r.zeroReceipt)) {
        const z = at + rng.int(3, 30);
        receipts.push({ at: z, q1: 0, q2: 0, flags: {}, after });
        last = Math.max(last, z);
        ds.zeroReceipts++;
      }
    };

    if (receiptsMode && rng.chance(r.receiptWithoutWrap)) {
      receiptWithoutWrap = true;
      const single = rng.next() < 0.8;
      let at = t;
      if (rng.chance(r.failedWrap)) {
        ds.failedWraps++;
        if (rng.next() < 0.7) outside.push({ kind: 'alarm', at: t, type: rng.int(1, 5) });
        else outside.push({ kind: 'issue', at: t, type: rng.int(1, 4) });
        at = t + rng.int(5, 60);
      }
      planReceipt(at, single ? 1 : 0, single ? 0 : 1, -1, false);
    } else {
      const u = rng.next();
      const k = u < 0.85 ? 1 : u < 0.95 ? 2 : 3;
      const combined = !receiptsMode || k === 1 || rng.chance(r.combinedReceipt);
      let cursor = t;
      let q1 = 0;
      let q2 = 0;
      for (let j = 0; j < k; j++) {
        const prev = wraps[j - 1];
        let start = cursor;
        if (prev !== undefined && rng.chance(r.overlap)) {
          start = prev.start + prev.dur - rng.int(5, 30);
          ds.overlappingWraps++;
        }
        const dur = rng.int(40, 180);
        const type: 1 | 2 = rng.next() < 0.8 ? 1 : 2;
        let pkg: number | null = type;
        if (rng.chance(r.untyped)) {
          pkg = rng.next() < 0.5 ? null : 0;
          ds.untypedWraps++;
        }
        const unpaid = receiptsMode && rng.chance(r.unpaid);
        if (unpaid) ds.unpaidWraps++;
        const flags: PlannedWrap['flags'] = {};
        if (rng.chance(r.nullMoscow)) flags.nullMoscow = true;
        if (rng.chance(r.invalid)) {
          if (rng.next() < 0.5) flags.nullLocal = true;
          else flags.finishBeforeStart = true;
        }
        const pw: PlannedWrap = { start, dur, type, pkg, unpaid, flags, points: [] };
        if (rng.chance(r.alarmInside)) {
          pw.points.push({ kind: 'alarm', at: start + rng.int(1, dur - 1), type: rng.int(1, 5), flags: pointFlags() });
          ds.alarmsInside++;
        }
        if (rng.chance(r.issueInside)) {
          pw.points.push({ kind: 'issue', at: start + rng.int(1, dur - 1), type: rng.int(1, 4), flags: pointFlags() });
          ds.issuesInside++;
        }
        pw.points.sort((a, b) => a.at - b.at);
        wraps.push(pw);
        const finish = start + dur;
        last = Math.max(last, finish);
        if (!unpaid) {
          if (type === 1) q1++;
          else q2++;
        }
        if (receiptsMode && !combined) {
          // one receipt per wrap, then the next wrap
          if (!unpaid) {
            const mid = rng.chance(r.receiptMidWrap);
            const at = mid ? start + rng.int(1, dur - 1) : finish + rng.int(5, 90);
            planReceipt(at, q1, q2, j, mid);
            q1 = 0;
            q2 = 0;
            cursor = Math.max(finish, at) + rng.int(5, 60);
          } else {
            cursor = finish + rng.int(5, 60);
          }
        } else {
          cursor = Math.max(cursor, finish + rng.int(5, 60));
        }
      }
      if (receiptsMode && combined && q1 + q2 > 0) {
        const lw = wraps[wraps.length - 1] as PlannedWrap;
        const mid = rng.chance(r.receiptMidWrap);
        const lastFinish = Math.max(...wraps.map((x) => x.start + x.dur));
        const at = mid ? lw.start + rng.int(1, lw.dur - 1) : lastFinish + rng.int(5, 90);
        planReceipt(at, q1, q2, wraps.length - 1, mid);
        if (k > 1) ds.combinedReceipts++;
      }
    }
    // Top-level alarms / issues: mostly right after the customer, sometimes
    // (30%) while the device idles, more than TIMEDELTA_CHECK away from any
    // customer (a lone fault: task type 1 in both modes).
    let quietUntil = 0;
    const outsideEvent = (kind: 'alarm' | 'issue') => {
      const idle = rng.next() < 0.3;
      const at = last + (idle ? rng.int(421, 1200) : rng.int(5, 120));
      outside.push({ kind, at, type: kind === 'alarm' ? rng.int(1, 5) : rng.int(1, 4) });
      last = at;
      if (idle) quietUntil = at + rng.int(421, 900);
    };
    if (rng.chance(r.alarmOutside)) outsideEvent('alarm');
    if (rng.chance(r.issueOutside)) outsideEvent('issue');

    if (last > endS) break;

    // Write the customer.
    for (const k of keys) stats[k] += ds[k];
    stats.customers++;
    if (receiptWithoutWrap) stats.receiptsWithoutWrap++;
    const writeReceipt = (pr: PlannedReceipt) => w.receipt(pr.at, pr.q1, pr.q2, pr.flags);
    for (const pr of receipts) if (pr.after === -1) writeReceipt(pr);
    for (let j = 0; j < wraps.length; j++) {
      const pw = wraps[j] as PlannedWrap;
      const ref = w.wrap(pw.start, pw.dur, pw.pkg, pw.flags);
      for (const p of pw.points) {
        if (p.kind === 'alarm') w.alarm(p.at, p.type, p.flags);
        else w.issue(p.at, p.type, ref, p.flags);
      }
      for (const pr of receipts) if (pr.after === j) writeReceipt(pr);
    }
    for (const p of outside) {
      const f = pointFlags();
      if (p.kind === 'alarm') {
        w.alarm(p.at, p.type, f);
        stats.alarmsOutside++;
      } else {
        w.issue(p.at, p.type, null, f);
        stats.issuesOutside++;
      }
    }

    t = Math.max(t + rng.int(gapMinS, gapMaxS), last + rng.int(10, 60), quietUntil);
  }
}

// ---------------------------------------------------------------------------
// Devices

const AIRPORTS: Record<number, readonly string[]> = {
  [-1]: ['KGD'],
  0: ['MOW', 'LED', 'AER', 'KZN'],
  1: ['KUF'],
  2: ['SVX', 'UFA'],
  3: ['OMS'],
  4: ['OVB', 'KJA'],
  5: ['IKT'],
  6: ['YKS'],
  7: ['VVO', 'KHV'],
};

class Titles {
  private readonly used = new Map<string, number>();
  make(iata: string, terminal: number): string {
    const prefix = `${iata}-T${terminal}`;
    const n = (this.used.get(prefix) ?? 0) + 1;
    this.used.set(prefix, n);
    return `${prefix}-${String(n).padStart(2, '0')}`;
  }
}

function addDevice(t: Tables, d: DeviceInfo, ready = true, mode: 1 | 2 = d.mode === 'receipts' ? 1 : 2): void {
  t.polycomm_device.push({ id: d.id, title: d.title, code: d.code });
  t.timestamps.push({ devicecode: String(d.code), ready, status_type_device: mode });
}

function validateOptions(o: GenerateOptions): void {
  const intOk = (v: number, min: number) => Number.isSafeInteger(v) && v >= min;
  if (!intOk(o.devices, 0)) throw new RangeError(`devices must be a non-negative integer, got ${o.devices}`);
  if (!(o.hours > 0 && Number.isFinite(o.hours))) throw new RangeError(`hours must be positive, got ${o.hours}`);
  if (!Number.isSafeInteger(o.end)) throw new RangeError(`end must be integer Micros, got ${o.end}`);
  if (!Number.isInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
  const first = o.firstDeviceId ?? 1;
  if (!intOk(first, 1) || first + o.devices + 1000 > 2147483647) throw new RangeError(`firstDeviceId out of range: ${first}`);
  if (!intOk(o.idBase ?? 1, 1)) throw new RangeError(`idBase must be a positive integer, got ${o.idBase}`);
  const [lo, hi] = o.customerEveryMinutes ?? [2, 15];
  if (!(lo > 0 && hi >= lo)) throw new RangeError(`customerEveryMinutes must be 0 < min <= max, got [${lo}, ${hi}]`);
  for (const [k, v] of Object.entries(o.rates ?? {})) {
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`rate ${k} must be in [0, 1], got ${String(v)}`);
  }
}

/**
 * N devices (the first ceil(N/2) with receipts, status_type_device 1; the rest
 * dwr, 2), each with `hours` of events ending at `end` (Moscow). Deterministic
 * for given options; a device's stream depends on (seed, its index) only.
 */
export function generate(options: GenerateOptions): Dataset {
  validateOptions(options);
  const rates: Rates = { ...DEFAULT_RATES, ...options.rates };
  const tables = newTables();
  const stats = emptyStats();
  const idBase = options.idBase ?? 1;
  const ids: Ids = { next: idBase };
  const first = options.firstDeviceId ?? 1;
  const endS = Math.floor(options.end / MICROS);
  const startS = endS - Math.round(options.hours * HOUR);
  const [lo, hi] = options.customerEveryMinutes ?? [2, 15];
  const gapMinS = Math.round(lo * 60);
  const gapMaxS = Math.round(hi * 60);
  const titles = new Titles();
  const nReceipts = Math.ceil(options.devices / 2);
  const devices: DeviceInfo[] = [];

  for (let i = 0; i < options.devices; i++) {
    const rng = new Rng(mix(options.seed, i));
    const offsetHours = rng.next() < 0.4 ? 0 : rng.int(-1, 7);
    const id = first + i;
    const d: DeviceInfo = {
      id,
      code: 1000 + id,
      title: titles.make(rng.pick(AIRPORTS[offsetHours] ?? ['XXX']), rng.int(1, 3)),
      mode: i < nReceipts ? 'receipts' : 'dwr',
      offsetHours,
    };
    devices.push(d);
    addDevice(tables, d);
    simulateDevice(new DeviceWriter(tables, ids, stats, d, rng), rng, rates, startS, endS, gapMinS, gapMaxS, stats);
  }
  return { tables, devices, start: startS * MICROS, end: endS * MICROS, idBase, nextId: ids.next, stats };
}

// ---------------------------------------------------------------------------
// The demo: a small day with every anomaly the rules know, plus handcrafted
// scenarios whose expected outcome is known (see demoScenarios).

/** One handcrafted scenario: what it contains and what the analyzer must make of it. */
export interface DemoScenario {
  device: number;
  mode: DeviceMode;
  /** Moscow time of the scenario's first event. */
  at: Micros;
  name: string;
  /** The expected task types (R11/R15), in order; [] = no task (clean dwr group or nothing analysed). */
  tasks: number[];
  /** Expected analyzer issue types (R14) in the scenario. */
  analyzerIssues: number[];
  /** The scenario's rows have ids from <= id < to (all event tables). */
  ids: { from: number; to: number };
}

export interface DemoDataset extends Dataset {
  scenarios: DemoScenario[];
}

/** Device id -> role of the demo devices. */
export const DEMO_DEVICES = {
  receiptsRandomA: 1,
  receiptsRandomB: 2,
  receiptsScenarios: 3,
  dwrRandomA: 4,
  dwrRandomB: 5,
  dwrScenarios: 6,
  /** ready in both modes (R1 conflict): skipped by both, reported. */
  conflict: 7,
  /** ready = false: never analysed. */
  notReady: 8,
} as const;

/** The demo's rates: the defaults, anomalies three times as frequent so a day of 4 devices shows them. */
export const DEMO_RATES: Partial<Rates> = {
  unpaid: 0.09, wrongType: 0.03, receiptMidWrap: 0.03, alarmInside: 0.09, alarmOutside: 0.06,
  issueInside: 0.06, issueOutside: 0.015, receiptWithoutWrap: 0.015, untyped: 0.01, zeroReceipt: 0.005,
};

/**
 * A day ending at `end` (Moscow) on 3 receipts devices and 3 dwr devices (plus
 * one device ready in both modes and one not ready): devices 1, 2, 4, 5 carry
 * random traffic with the DEMO_RATES; devices 3 (receipts) and 6 (dwr) carry
 * only handcrafted scenarios, 30 minutes apart, between 20 h and 5 h before
 * `end` (so none is in progress when the demo runs with now >= end). Every
 * task type of each mode (receipts 1-5, dwr 1, 4, 5) and analyzer issues 7, 8
 * and 9 are guaranteed by the scenarios; `scenarios` lists what each must give.
 */
export function demoDataset(end: Micros, options: { idBase?: number } = {}): DemoDataset {
  const tables = newTables();
  const stats = emptyStats();
  const idBase = options.idBase ?? 1;
  const ids: Ids = { next: idBase };
  const endS = Math.floor(end / MICROS);
  const startS = endS - 24 * HOUR;
  const rates: Rates = { ...DEFAULT_RATES, ...DEMO_RATES };
  const D = DEMO_DEVICES;
  const dev = (id: number, mode: DeviceMode, offsetHours: number, title: string): DeviceInfo => ({
    id, code: 1000 + id, title, mode, offsetHours,
  });
  const devices: DeviceInfo[] = [
    dev(D.receiptsRandomA, 'receipts', 0, 'MOW-T1-01'),
    dev(D.receiptsRandomB, 'receipts', 7, 'VVO-T1-01'),
    dev(D.receiptsScenarios, 'receipts', 2, 'SVX-T2-01'),
    dev(D.dwrRandomA, 'dwr', -1, 'KGD-T1-01'),
    dev(D.dwrRandomB, 'dwr', 4, 'OVB-T1-01'),
    dev(D.dwrScenarios, 'dwr', 5, 'IKT-T1-01'),
    dev(D.conflict, 'receipts', 0, 'LED-T1-01'),
    dev(D.notReady, 'dwr', 3, 'OMS-T1-01'),
  ];
  for (const d of devices) {
    if (d.id === D.conflict) {
      addDevice(tables, d, true, 1);
      tables.timestamps.push({ devicecode: String(d.code), ready: true, status_type_device: 2 });
    } else if (d.id === D.notReady) {
      addDevice(tables, d, false);
    } else {
      addDevice(tables, d);
    }
  }
  // R1 junk and duplicates in timestamps: never match, never fail, logged once.
  tables.timestamps.push({ devicecode: 'abc', ready: true, status_type_device: 1 });
  tables.timestamps.push({ devicecode: '', ready: true, status_type_device: 2 });
  tables.timestamps.push({ devicecode: '99999999999', ready: true, status_type_device: 1 });
  tables.timestamps.push({ devicecode: null, ready: true, status_type_device: 2 });
  // a second ready row for device 2, with white space: still matches, device takes part once
  tables.timestamps.push({ devicecode: ` ${1000 + D.receiptsRandomB} `, ready: true, status_type_device: 1 });

  const writer = (d: DeviceInfo, salt: number) => new DeviceWriter(tables, ids, stats, d, new Rng(mix(0x5eed, salt)));
  const byId = (id: number) => devices.find((d) => d.id === id) as DeviceInfo;

  // Random traffic.
  for (const id of [D.receiptsRandomA, D.receiptsRandomB, D.dwrRandomA, D.dwrRandomB]) {
    const rng = new Rng(mix(0xdead, id));
    const w = new DeviceWriter(tables, ids, stats, byId(id), rng);
    simulateDevice(w, rng, rates, startS, endS, 120, 900, stats);
  }

  const scenarios: DemoScenario[] = [];
  const slot0 = endS - 20 * HOUR;
  const SLOT = 30 * 60;

  // ---- receipts scenarios (device 3, local = Moscow + 2 h) ----
  {
    const d = byId(D.receiptsScenarios);
    const w = writer(d, 3);
    let n = 0;
    const sc = (name: string, tasks: number[], analyzerIssues: number[], body: (s: number) => void) => {
      const s = slot0 + n++ * SLOT;
      const from = ids.next;
      body(s);
      scenarios.push({ device: d.id, mode: 'receipts', at: s * MICROS, name, tasks, analyzerIssues, ids: { from, to: ids.next } });
    };
    sc('balanced: wrap and its receipt (example 1)', [4], [], (s) => {
      w.wrap(s, 90, 1);
      // devicecode with white space still matches (R2)
      w.receipt(s + 120, 1, 0, { devicecode: ` ${d.code} ` });
    });
    sc('unpaid earlier wrap (example 2)', [4], [7], (s) => {
      w.wrap(s, 60, 1);
      w.wrap(s + 180, 60, 1);
      w.receipt(s + 300, 1, 0);
    });
    sc('double wrap paid as single (example 3)', [5], [8], (s) => {
      w.wrap(s, 60, 2);
      w.receipt(s + 120, 1, 0);
    });
    sc('single wrap paid as double', [5], [9], (s) => {
      w.wrap(s, 60, 1);
      w.receipt(s + 120, 0, 1);
    });
    sc('receipt printed mid-wrap (example 4, R7)', [4], [], (s) => {
      w.wrap(s, 120, 1);
      w.receipt(s + 60, 1, 0);
    });
    sc('two receipts printed inside one wrap (R7 decision)', [4], [], (s) => {
      w.wrap(s, 90, 1);
      w.wrap(s + 120, 150, 1);
      w.receipt(s + 150, 1, 0);
      w.receipt(s + 180, 1, 0);
    });
    sc('receipt without wrap', [2], [], (s) => {
      w.receipt(s, 1, 0);
    });
    sc('receipt paying more than wrapped (type 2, receipt status 2)', [2], [], (s) => {
      w.wrap(s, 60, 1);
      w.receipt(s + 120, 2, 0);
    });
    sc('alarm then receipt, no wrap (type 3)', [3], [], (s) => {
      w.alarm(s, 1);
      w.receipt(s + 60, 1, 0);
    });
    sc('issue then receipt, no wrap (type 3)', [3], [], (s) => {
      w.issue(s, 1, null);
      w.receipt(s + 30, 0, 1);
    });
    sc('lone alarm (type 1)', [1], [], (s) => {
      w.alarm(s, 2);
    });
    sc('lone issue (type 1)', [1], [], (s) => {
      w.issue(s, 4, null);
    });
    sc('wrap with nested alarm, no receipt: unfit, unpaid, no issue (example 6)', [4], [], (s) => {
      w.wrap(s, 90, 1);
      w.alarm(s + 30, 3);
    });
    sc('wrap with nested issue, paid: balanced', [4], [], (s) => {
      const ref = w.wrap(s, 90, 2);
      w.issue(s + 45, 2, ref);
      w.receipt(s + 120, 0, 1);
    });
    sc('top-level alarm between wrap and receipt (type 5, balanced)', [5], [], (s) => {
      w.wrap(s, 60, 1);
      w.alarm(s + 90, 4);
      w.receipt(s + 120, 1, 0);
    });
    sc('receipt for 0/0 after a paid wrap (status 1)', [4], [], (s) => {
      w.wrap(s, 60, 1);
      w.receipt(s + 100, 1, 0);
      w.receipt(s + 110, 0, 0);
    });
    sc('lone receipt for 0/0', [2], [], (s) => {
      w.receipt(s, 0, 0);
    });
    sc('overlapping wraps, one receipt for both', [4], [], (s) => {
      w.wrap(s, 180, 1);
      w.wrap(s + 120, 120, 1);
      w.receipt(s + 300, 2, 0);
    });
    sc('untyped wrap (package_type NULL) paid (type 5, no issue 8/9)', [5], [], (s) => {
      w.wrap(s, 60, null);
      w.receipt(s + 120, 1, 0);
    });
    sc('untyped wrap (package_type 0) unpaid (issue 7)', [4], [7], (s) => {
      w.wrap(s, 60, 0);
    });
    sc('ties: alarm at the very second a wrap starts is not nested (R5 strict, R6 order)', [5], [], (s) => {
      w.wrap(s, 60, 1);
      w.alarm(s, 5);
      w.receipt(s + 90, 1, 0);
    });
    sc('zero-length wrap, paid', [4], [], (s) => {
      w.wrap(s, 0, 1);
      w.receipt(s + 30, 1, 0);
    });
    sc('cut by time: wrap, alarm 19 min later (example 7)', [4, 1], [7], (s) => {
      w.wrap(s, 60, 1);
      w.alarm(s + 60 + 19 * 60, 1);
    });
    sc('long wrap (600 s > TIMEDELTA_CHECK) is never split', [4], [], (s) => {
      w.wrap(s, 600, 1);
      w.receipt(s + 620, 1, 0);
    });
    sc('receipt first, then a wrap and its receipt (example 5)', [2, 4], [], (s) => {
      w.receipt(s, 1, 0);
      w.wrap(s + 60, 60, 1);
      w.receipt(s + 180, 1, 0);
    });
    sc('NULL Moscow times (R3): local time used instead', [4], [], (s) => {
      w.wrap(s, 90, 1, { nullMoscow: true });
      w.receipt(s + 120, 1, 0, { nullMoscow: true });
    });
    sc('NULL Moscow time on a lone alarm (R3)', [1], [], (s) => {
      w.alarm(s, 2, { nullMoscow: true });
    });
    sc('invalid rows (R4): left pending, reported', [], [], (s) => {
      w.wrap(s, 60, 1, { nullLocal: true });
      w.wrap(s + 120, 60, 1, { finishBeforeStart: true });
      w.receipt(s + 240, null, 0);
      w.receipt(s + 300, 1, -1);
      w.alarm(s + 360, 1, { nullLocal: true });
      w.issue(s + 420, 1, null, { nullLocal: true });
    });
    sc('a pending row with id 22222222 in polycommissue is never read (R2)', [], [], (s) => {
      w.issue(s, 7, null, { id: 22222222 });
    });
    sc('receipt with a junk devicecode belongs to no device', [], [], (s) => {
      w.receipt(s, 1, 0, { devicecode: `x${d.code}` });
    });
  }

  // ---- dwr scenarios (device 6, local = Moscow + 5 h) ----
  {
    const d = byId(D.dwrScenarios);
    const w = writer(d, 6);
    let n = 0;
    const sc = (name: string, tasks: number[], body: (s: number) => void) => {
      const s = slot0 + n++ * SLOT;
      const from = ids.next;
      body(s);
      scenarios.push({ device: d.id, mode: 'dwr', at: s * MICROS, name, tasks, analyzerIssues: [], ids: { from, to: ids.next } });
    };
    sc('clean wrap: no task, marked processed', [], (s) => {
      w.wrap(s, 90, 1);
    });
    sc('lone alarm (type 1)', [1], (s) => {
      w.alarm(s, 1);
    });
    sc('lone issue (type 1)', [1], (s) => {
      w.issue(s, 3, null);
    });
    sc('wrap with nested alarm (type 4, unfit)', [4], (s) => {
      w.wrap(s, 90, 1);
      w.alarm(s + 30, 2);
    });
    sc('wrap with nested issue (type 4, unfit)', [4], (s) => {
      const ref = w.wrap(s, 90, 2);
      w.issue(s + 40, 1, ref);
    });
    sc('wrap then a top-level alarm (type 5)', [5], (s) => {
      w.wrap(s, 60, 1);
      w.alarm(s + 120, 3);
    });
    sc('wrap then a top-level issue (type 5)', [5], (s) => {
      w.wrap(s, 60, 2);
      w.issue(s + 90, 2, null);
    });
    sc('overlapping wraps, one untyped: clean, no task', [], (s) => {
      w.wrap(s, 120, null);
      w.wrap(s + 60, 120, 1);
    });
    sc('NULL Moscow time on a wrap with a nested alarm (R3)', [4], (s) => {
      w.wrap(s, 90, 1, { nullMoscow: true });
      w.alarm(s + 45, 5);
    });
    sc('invalid rows (R4): left pending, reported', [], (s) => {
      w.wrap(s, 60, 1, { nullLocal: true });
      w.wrap(s + 120, 60, 1, { finishBeforeStart: true });
      w.alarm(s + 240, 1, { nullLocal: true });
    });
    sc('a pending row with id 22222222 in polycommissue is never read (R2)', [], (s) => {
      w.issue(s, 8, null, { id: 22222222 });
    });
  }

  // ---- the misconfigured devices: events that no pass may touch ----
  {
    const c = writer(byId(D.conflict), 7);
    const s = slot0 + 5 * SLOT;
    c.wrap(s, 60, 1);
    c.receipt(s + 90, 1, 0);
    c.alarm(s + 600, 1);
    const nr = writer(byId(D.notReady), 8);
    nr.wrap(s, 60, 1);
    nr.alarm(s + 30, 2);
  }

  return { tables, devices, start: startS * MICROS, end: endS * MICROS, idBase, nextId: ids.next, stats, scenarios };
}
