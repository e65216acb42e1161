// The rows of one device: its registration (polycomm_device, timestamps) and
// its events (wraps, receipts, alarms, issues), each given the next id and its
// local time, and counted in the dataset's stats as it is written.

import { HOUR, MICROS, type DeviceInfo, type Stats } from './dataset.js';
import type { Rng } from './rng.js';
import type { Tables } from './tables.js';

/** The next free primary key, shared by all event tables (ids are unique across them). */
export interface Ids {
  next: number;
}

/** Per-event overrides for invalid or odd rows (handcrafted demo events and the R3/R4 rates). */
export interface EventFlags {
  /** Moscow column NULL (R3). */
  nullMoscow?: boolean;
  /** Local time column NULL (R4); for a wrap: dateini_local. */
  nullLocal?: boolean;
}

/** A wrap's overrides: also a finish before its start (R4). */
export type WrapFlags = EventFlags & { finishBeforeStart?: boolean };

/** What an issue raised during a wrap records of it. */
export interface WrapRef {
  polycomId: number;
  totalid: number;
  duration: number;
}

/**
 * Registers a device: its polycomm_device row and one timestamps row saying
 * whether it is ready and in which mode (1 receipts, 2 dwr; R1).
 */
export function addDevice(t: Tables, d: DeviceInfo, ready = true, mode: 1 | 2 = d.mode === 'receipts' ? 1 : 2): void {
  t.polycomm_device.push({ id: d.id, title: d.title, code: d.code });
  t.timestamps.push({ devicecode: String(d.code), ready, status_type_device: mode });
}

/** Emits rows for one device; all times in whole Moscow seconds. */
export class DeviceWriter {
  private readonly offsetS: number;
  private readonly codeText: string;
  private polycomId: number;
  private totalid: number;
  private issueNo: number;

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

  /** A wrap from `startS` for `durS` seconds (Moscow). Returns what an issue during it records. */
  wrap(
    startS: number,
    durS: number,
    packageType: number | null,
    f: WrapFlags = {},
  ): WrapRef {
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

  /** A receipt closed at `atS` for `single` and `double` positions; a NULL or negative quantity is invalid (R4). */
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

  /** An alarm at `atS`. */
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

  /** An issue at `atS`: one raised during a wrap records that wrap; any other, the device's current totalid. */
  issue(
    atS: number,
    type: number,
    wrap: WrapRef | null,
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
