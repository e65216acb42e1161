// Micro-benchmark of the pure core (issue 3): analyzeDevice on 1,000,000 synthetic
// events of one device and on 1,000 devices x 1,000 events, both modes.
// Not a test: run with `npx tsx bench/core-bench.ts` (optionally `--runs N`).
//
// An "event" is one input row (wrap, alarm, issue or receipt); a wrap makes two
// timeline entries. Inputs are generated before timing; only analyzeDevice is timed.
// `now` lies after every event, so every group is written (the full plan is built).

import { analyzeDevice, Scratch } from '../src/core/index.js';
import type { DeviceInput, Micros, Mode, Settings } from '../src/core/index.js';
import { mulberry32 } from '../generator/generate.js';

const S = 1_000_000;
const DAY: Micros = Date.UTC(2024, 2, 15) * 1000;
const OFFSET: Micros = 2 * 3600 * S;


/**
 * A device's day(s) of purchase cycles: 1-3 wraps (mostly typed, some untyped),
 * usually one receipt after them (sometimes printed mid-wrap, sometimes missing
 * or miscounted), alarms/issues now and then (some nested), pauses that
 * sometimes exceed TIMEDELTA_CHECK. Rows are shuffled a little (the core sorts).
 */
export function syntheticDevice(deviceId: number, events: number, mode: Mode, seed: number): DeviceInput {
  const r = mulberry32(seed);
  const d: DeviceInput = { deviceId, wraps: [], alarms: [], issues: [], receipts: [] };
  let t = DAY;
  let id = deviceId * 10_000_000;
  let n = 0;
  while (n < events) {
    t += Math.floor((r() < 0.15 ? 600 + r() * 1800 : 20 + r() * 200) * S);
    const k = 1 + Math.floor(r() * 3);
    let q1 = 0;
    let q2 = 0;
    let lastStart = t;
    for (let i = 0; i < k && n < events; i++) {
      const dur = Math.floor((40 + r() * 80) * S);
      const x = r();
      const type = x < 0.6 ? 1 : x < 0.97 ? 2 : null;
      if (type === 1) q1++;
      else if (type === 2) q2++;
      lastStart = t;
      d.wraps.push({ id: ++id, polycomId: id, totalid: id, duration: dur / S, packageType: type, start: t, finish: t + dur, finishMoscow: t + dur - OFFSET });
      n++;
      if (r() < 0.05 && n < events) {
        const at = t + Math.floor(dur / 2);
        (r() < 0.5 ? d.alarms : d.issues).push({ id: ++id, local: at, moscow: at - OFFSET });
        n++;
      }
      t += dur + Math.floor(r() * 15 * S);
    }
    if (mode === 'receipts' && n < events && r() < 0.9) {
      const inside = r() < 0.1;
      const at = inside ? lastStart + S : t + Math.floor(r() * 30 * S);
      const miss = r() < 0.1;
      d.receipts.push({ id: ++id, local: at, moscow: at - OFFSET, single: miss ? q1 + 1 : q1, double: q2 });
      n++;
    }
    if (r() < 0.05 && n < events) {
      t += 5 * S;
      (r() < 0.5 ? d.alarms : d.issues).push({ id: ++id, local: t, moscow: t - OFFSET });
      n++;
    }
  }
  // Partial shuffle: rows do not arrive in time order.
  for (const rows of [d.wraps, d.alarms, d.issues, d.receipts] as unknown[][]) {
    for (let i = rows.length - 1; i > 0; i -= 7) {
      const j = Math.floor(r() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
  }
  return d;
}

function count(d: DeviceInput): number {
  return d.wraps.length + d.alarms.length + d.issues.length + d.receipts.length;
}

function measure(label: string, inputs: DeviceInput[], settings: Settings, now: Micros, runs: number): void {
  const events = inputs.reduce((s, d) => s + count(d), 0);
  let best = Infinity;
  let bestCpu = Infinity;
  let tasks = 0;
  // as a pass does: one scratch space reused from device to device (and here from run to run)
  const scratch = new Scratch();
  for (let run = 0; run < runs; run++) {
    // each run starts from a collected heap (with --expose-gc): otherwise the
    // previous run's plan (a million event objects) is collected inside this one
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    tasks = 0;
    for (const d of inputs) tasks += analyzeDevice(d, settings, now, scratch).tasks.length;
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    if (ms < best) best = ms;
    if (cpuMs < bestCpu) bestCpu = cpuMs;
  }
  const rate = events / (best / 1000);
  // CPU time (all threads of the process, GC helpers included) is steadier than
  // wall time on a shared machine; both are best of `runs`.
  console.log(
    `${label.padEnd(30)} ${String(events).padStart(8)} events  wall ${best.toFixed(0).padStart(5)} ms = ` +
      `${(rate / 1e6).toFixed(2)} M/s   cpu ${bestCpu.toFixed(0).padStart(5)} ms = ` +
      `${(events / (bestCpu / 1000) / 1e6).toFixed(2)} M/s  (${tasks} tasks, best of ${runs})`,
  );
}

function main(): void {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  const now = DAY + 30 * 365 * 86_400 * S; // after every synthetic event (1M events span ~4 years)
  console.log(`node ${process.version}, core micro-benchmark (events = input rows; best of ${runs} runs)`);
  for (const mode of ['receipts', 'dwr'] as const) {
    const settings: Settings = { mode, lastEventTime: 900, timedeltaCheck: 420 };
    const one = [syntheticDevice(1, 1_000_000, mode, 42)];
    measure(`${mode}: 1 device x 1,000,000`, one, settings, now, runs);
    const many = Array.from({ length: 1000 }, (_, i) => syntheticDevice(i + 1, 1000, mode, 1000 + i));
    measure(`${mode}: 1,000 devices x 1,000`, many, settings, now, runs);
  }
}

// run when executed, not when imported (profiling scripts import syntheticDevice)
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) main();
