// What a generated dataset is: the tables, the devices they describe, the
// window the events fall in and the ground truth of what was put in.
//
// Times are Micros: zone-free wall-clock microseconds since 1970 (the unit of
// src/core/types.ts). Every event is generated on the Moscow wall clock and its
// local time is Moscow + the device's offset (whole hours, -1 .. +7). Events
// fall on whole seconds, so equal-second ties (R6) happen naturally.

import type { Micros } from '../src/core/index.js';
import { TABLE_NAMES, type Tables } from './tables.js';

export const MICROS = 1_000_000;
/** One hour in seconds (the simulation counts whole seconds). */
export const HOUR = 3600;

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

export function emptyStats(): Stats {
  return {
    customers: 0, wraps: 0, receipts: 0, alarms: 0, issues: 0,
    unpaidWraps: 0, wrongTypeReceipts: 0, midWrapReceipts: 0,
    alarmsInside: 0, alarmsOutside: 0, issuesInside: 0, issuesOutside: 0,
    receiptsWithoutWrap: 0, failedWraps: 0, untypedWraps: 0, combinedReceipts: 0, zeroReceipts: 0,
    overlappingWraps: 0, idleGaps: 0, nightGaps: 0, nullMoscow: 0, invalidRows: 0,
  };
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

/** Total number of rows in all tables. */
export function rowCount(d: Dataset): number {
  let n = 0;
  for (const t of TABLE_NAMES) n += d.tables[t].length;
  return n;
}
