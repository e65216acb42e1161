// Synthetic, seeded, deterministic data for the benchmark, the demo and the
// tests (issue 7 item 1). Pure: no I/O, no clock, no Math.random.
//
// `generate` registers N devices at airports in Russia's time zones and lets
// customers come to each of them over a window of hours (simulate.ts, visit.ts),
// writing the legacy tables' rows (tables.ts, device-writer.ts); generator/load.ts
// streams them into PostgreSQL with COPY. The demo's dataset is in demo.ts.
//
// This module is the generator's public face: it also re-exports what the
// users of a dataset need (its types, tables, rates and the PRNG).

import { HOUR, MICROS, emptyStats, type Dataset, type DeviceInfo, type DeviceMode } from './dataset.js';
import { DeviceWriter, addDevice, type Ids } from './device-writer.js';
import { DEFAULT_RATES, type Rates } from './rates.js';
import { Rng, mix } from './rng.js';
import { simulateDevice } from './simulate.js';
import { newTables } from './tables.js';
import type { Micros } from '../src/core/index.js';

export { MICROS, rowCount } from './dataset.js';
export type { Dataset, DeviceInfo, DeviceMode, Stats } from './dataset.js';
export type { EventFlags } from './device-writer.js';
export { DEFAULT_RATES } from './rates.js';
export type { Rates } from './rates.js';
export { Rng, mulberry32 } from './rng.js';
export { TABLE_COLUMNS, TABLE_NAMES, Table } from './tables.js';
export type {
  ColumnKind, ColumnSpec, PolycommAlarmRow, PolycommDeviceRow, PolycommIssueRow, PolycommSuitcaseRow,
  ReceiptsRow, TableName, TableRows, Tables, TimestampsRow,
} from './tables.js';

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

/** Airports by the offset of their local time from Moscow (hours). */
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

/** Device titles numbered per airport and terminal: MOW-T1-01, MOW-T1-02, ... */
class Titles {
  private readonly used = new Map<string, number>();
  make(iata: string, terminal: number): string {
    const prefix = `${iata}-T${terminal}`;
    const n = (this.used.get(prefix) ?? 0) + 1;
    this.used.set(prefix, n);
    return `${prefix}-${String(n).padStart(2, '0')}`;
  }
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

/** A device at an airport of its zone: 40% on Moscow time, the others anywhere from -1 to +7 h. */
function newDevice(rng: Rng, id: number, mode: DeviceMode, titles: Titles): DeviceInfo {
  const offsetHours = rng.next() < 0.4 ? 0 : rng.int(-1, 7);
  const title = titles.make(rng.pick(AIRPORTS[offsetHours] ?? ['XXX']), rng.int(1, 3));
  return { id, code: 1000 + id, title, mode, offsetHours };
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
  const traffic = { startS, endS, gapMinS: Math.round(lo * 60), gapMaxS: Math.round(hi * 60) };
  const titles = new Titles();
  const nReceipts = Math.ceil(options.devices / 2);
  const devices: DeviceInfo[] = [];

  for (let i = 0; i < options.devices; i++) {
    const rng = new Rng(mix(options.seed, i));
    const d = newDevice(rng, first + i, i < nReceipts ? 'receipts' : 'dwr', titles);
    devices.push(d);
    addDevice(tables, d);
    simulateDevice(new DeviceWriter(tables, ids, stats, d, rng), rng, rates, traffic, stats);
  }
  return { tables, devices, start: startS * MICROS, end: endS * MICROS, idBase, nextId: ids.next, stats };
}
