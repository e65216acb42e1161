// The demo's dataset (issue 5 item 5): a small day with every anomaly the
// rules know, on random traffic, plus handcrafted scenarios whose expected
// outcome is known (demo-scenarios.ts), plus devices no pass may touch.

import { HOUR, MICROS, emptyStats, type Dataset, type DeviceInfo, type DeviceMode } from './dataset.js';
import { RECEIPTS_SCENARIOS, DWR_SCENARIOS, type ScenarioScript } from './demo-scenarios.js';
import { DeviceWriter, addDevice, type Ids } from './device-writer.js';
import { DEFAULT_RATES, type Rates } from './rates.js';
import { Rng, mix } from './rng.js';
import { simulateDevice } from './simulate.js';
import { newTables, type Tables } from './tables.js';
import type { Micros } from '../src/core/index.js';

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

/** Scenarios are this far apart (Moscow seconds): each is a group of its own. */
const SLOT = 30 * 60;

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
  const devices = demoDevices();
  registerDevices(tables, devices);
  const byId = (id: number) => devices.find((d) => d.id === id) as DeviceInfo;

  const D = DEMO_DEVICES;
  const rates: Rates = { ...DEFAULT_RATES, ...DEMO_RATES };
  for (const id of [D.receiptsRandomA, D.receiptsRandomB, D.dwrRandomA, D.dwrRandomB]) {
    const rng = new Rng(mix(0xdead, id));
    const w = new DeviceWriter(tables, ids, stats, byId(id), rng);
    simulateDevice(w, rng, rates, { startS, endS, gapMinS: 120, gapMaxS: 900 }, stats);
  }

  // The handcrafted devices' own counters (polycom_id, totalid, issue number) come from a salted stream.
  const writer = (id: number, salt: number) => new DeviceWriter(tables, ids, stats, byId(id), new Rng(mix(0x5eed, salt)));
  const firstSlot = endS - 20 * HOUR;
  const scenarios = [
    ...playScenarios(writer(D.receiptsScenarios, 3), 'receipts', RECEIPTS_SCENARIOS, firstSlot, ids),
    ...playScenarios(writer(D.dwrScenarios, 6), 'dwr', DWR_SCENARIOS, firstSlot, ids),
  ];
  writeUntouchables(writer(D.conflict, 7), writer(D.notReady, 8), firstSlot + 5 * SLOT);

  return { tables, devices, start: startS * MICROS, end: endS * MICROS, idBase, nextId: ids.next, stats, scenarios };
}

/** The demo's eight devices, in time zones from Kaliningrad (-1 h) to Vladivostok (+7 h). */
function demoDevices(): DeviceInfo[] {
  const D = DEMO_DEVICES;
  const dev = (id: number, mode: DeviceMode, offsetHours: number, title: string): DeviceInfo => ({
    id, code: 1000 + id, title, mode, offsetHours,
  });
  return [
    dev(D.receiptsRandomA, 'receipts', 0, 'MOW-T1-01'),
    dev(D.receiptsRandomB, 'receipts', 7, 'VVO-T1-01'),
    dev(D.receiptsScenarios, 'receipts', 2, 'SVX-T2-01'),
    dev(D.dwrRandomA, 'dwr', -1, 'KGD-T1-01'),
    dev(D.dwrRandomB, 'dwr', 4, 'OVB-T1-01'),
    dev(D.dwrScenarios, 'dwr', 5, 'IKT-T1-01'),
    dev(D.conflict, 'receipts', 0, 'LED-T1-01'),
    dev(D.notReady, 'dwr', 3, 'OMS-T1-01'),
  ];
}

/** The devices' rows and timestamps, with the misconfigurations and the junk a real timestamps table has (R1). */
function registerDevices(tables: Tables, devices: readonly DeviceInfo[]): void {
  const D = DEMO_DEVICES;
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
}

/** Plays the scripts on `w`'s device, one slot each from `firstSlot`, and says what each must give. */
function playScenarios(w: DeviceWriter, mode: DeviceMode, scripts: readonly ScenarioScript[], firstSlot: number, ids: Ids): DemoScenario[] {
  return scripts.map((script, n) => {
    const s = firstSlot + n * SLOT;
    const from = ids.next;
    script.play(w, s);
    const { name, tasks, analyzerIssues } = script;
    // copies: a dataset's scenarios are its own
    return { device: w.device.id, mode, at: s * MICROS, name, tasks: [...tasks], analyzerIssues: [...analyzerIssues], ids: { from, to: ids.next } };
  });
}

/** Events on the conflicting and the not-ready device: no pass may touch them. */
function writeUntouchables(conflict: DeviceWriter, notReady: DeviceWriter, s: number): void {
  conflict.wrap(s, 60, 1);
  conflict.receipt(s + 90, 1, 0);
  conflict.alarm(s + 600, 1);
  notReady.wrap(s, 60, 1);
  notReady.alarm(s + 30, 2);
}
