// The synthetic data generator (generator/generate.ts, issue 7 item 1) and the
// demo dataset (generator/demo.ts, issue 5 item 5): deterministic, realistic rates, valid rows,
// every anomaly present, and the demo's handcrafted scenarios give exactly the
// tasks they promise when run through the pure core.

import { describe, expect, it } from 'vitest';
import { demoDataset } from '../../generator/demo.js';
import { DEFAULT_RATES, MICROS, TABLE_NAMES, generate, rowCount } from '../../generator/generate.js';
import type { Dataset, GenerateOptions } from '../../generator/generate.js';
import { copyChunks } from '../../generator/load.js';
import { analyzeDevice, formatMicros as formatTime } from '../../src/core/index.js';
import type { DeviceInput, DevicePlan, Micros, Mode } from '../../src/core/index.js';

const END: Micros = Date.UTC(2024, 5, 1, 12, 0, 0) * 1000;
const S = MICROS;
const ANALYZER_MARKER = 22222222;

/** A stable digest of every row of every table (FNV-1a over the COPY text). */
function digest(d: Dataset): string {
  let h = 0x811c9dc5;
  for (const name of TABLE_NAMES) {
    for (const chunk of copyChunks(d.tables[name] as never)) {
      for (let i = 0; i < chunk.length; i++) h = Math.imul(h ^ (chunk[i] as number), 16777619);
    }
  }
  return (h >>> 0).toString(16);
}

// R1: devicecode matches when CAST(devicecode AS int) would succeed.
function codeOf(text: string | null): number | null {
  if (text === null || !/^\s*[-+]?\d+\s*$/.test(text)) return null;
  const n = Number(text.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

/** What a pass of `mode` would load (R1, R2), as the core's inputs, by device id. */
function inputsOf(d: Dataset, mode: Mode): Map<number, DeviceInput> {
  const modes = new Map<number, Set<number>>();
  for (const t of d.tables.timestamps) {
    const code = codeOf(t.devicecode);
    if (t.ready !== true || code === null || t.status_type_device === null) continue;
    if (!modes.has(code)) modes.set(code, new Set());
    modes.get(code)?.add(t.status_type_device);
  }
  const want = mode === 'receipts' ? 1 : 2;
  const byCode = new Map<number, DeviceInput>();
  const inputs = new Map<number, DeviceInput>();
  for (const dev of d.tables.polycomm_device) {
    const m = dev.code === null ? undefined : modes.get(dev.code);
    if (m === undefined || !m.has(want) || m.size > 1) continue;
    const input: DeviceInput = { deviceId: dev.id, wraps: [], alarms: [], issues: [], receipts: [] };
    inputs.set(dev.id, input);
    byCode.set(dev.code as number, input);
  }
  for (const w of d.tables.polycomm_suitcase) {
    const input = w.device_id === null ? undefined : inputs.get(w.device_id);
    if (input === undefined || w.status !== 0) continue;
    input.wraps.push({
      id: w.id, polycomId: w.polycom_id, totalid: w.totalid, duration: w.duration, packageType: w.package_type,
      start: w.dateini_local, finish: w.local_date, finishMoscow: w.date,
    });
  }
  for (const a of d.tables.polycommalarm) {
    const input = a.device === null ? undefined : inputs.get(a.device);
    if (input !== undefined && a.status === 0) input.alarms.push({ id: a.polycommalarm_id, local: a.localdate, moscow: a.date });
  }
  for (const i of d.tables.polycommissue) {
    const input = i.device === null ? undefined : inputs.get(i.device);
    if (input !== undefined && i.status === 0 && i.id !== ANALYZER_MARKER) input.issues.push({ id: i.polycommissue_id, local: i.localdate, moscow: i.date });
  }
  if (mode === 'receipts') {
    for (const r of d.tables.receipts) {
      const code = codeOf(r.devicecode);
      const input = code === null ? undefined : byCode.get(code);
      if (input !== undefined && r.status === 0) {
        input.receipts.push({ id: r.receipt_id, local: r.dateclose, moscow: r.dateclosemoscow, single: r.quantitypackageone, double: r.quantitypackagedouble });
      }
    }
  }
  return inputs;
}

function analyse(d: Dataset, mode: Mode, now: Micros): DevicePlan[] {
  const settings = { mode, lastEventTime: 900, timedeltaCheck: 420 };
  return [...inputsOf(d, mode).values()].map((input) => analyzeDevice(input, settings, now));
}

function analyzerIssueTypes(plans: DevicePlan[]): Set<number> {
  const out = new Set<number>();
  for (const p of plans) for (const t of p.tasks) for (const e of t.events) if ('analyzerIssue' in e) out.add(e.analyzerIssue.type);
  return out;
}

const taskTypes = (plans: DevicePlan[]) => new Set(plans.flatMap((p) => p.tasks.map((t) => t.type)));

describe('generate', () => {
  const options: GenerateOptions = { seed: 42, devices: 20, hours: 24, end: END };
  const d = generate(options);

  it('is deterministic for a seed and differs between seeds', () => {
    expect(digest(generate(options))).toBe(digest(d));
    expect(generate(options).stats).toEqual(d.stats);
    expect(digest(generate({ ...options, seed: 43 }))).not.toBe(digest(d));
  });

  it("a device's stream depends on the seed and its index only (not on N)", () => {
    const small = generate({ ...options, devices: 3 });
    const wrapsOf = (x: Dataset, dev: number) =>
      [...x.tables.polycomm_suitcase].filter((w) => w.device_id === dev).map(({ id: _id, ...rest }) => rest);
    for (const dev of [1, 2]) expect(wrapsOf(small, dev)).toEqual(wrapsOf(generate({ ...options, devices: 5 }), dev));
  });

  it('makes half the devices receipts devices and half dwr, with codes and titles', () => {
    expect(d.devices).toHaveLength(20);
    expect(d.tables.polycomm_device.length).toBe(20);
    expect(d.tables.timestamps.length).toBe(20);
    const ts = [...d.tables.timestamps];
    expect(ts.filter((t) => t.status_type_device === 1)).toHaveLength(10);
    expect(ts.filter((t) => t.status_type_device === 2)).toHaveLength(10);
    expect(ts.every((t) => t.ready === true)).toBe(true);
    const titles = new Set<string>();
    for (const [i, dev] of [...d.tables.polycomm_device].entries()) {
      const info = d.devices[i];
      expect(dev.id).toBe(1 + i);
      expect(dev.code).toBe(1000 + dev.id);
      expect(dev.code).not.toBe(dev.id);
      expect(dev.title).toMatch(/^[A-Z]{3}-T[1-3]-\d{2,}$/);
      titles.add(dev.title as string);
      expect(ts[i]).toEqual({ devicecode: String(dev.code), ready: true, status_type_device: info?.mode === 'receipts' ? 1 : 2 });
      expect(info?.offsetHours).toBeGreaterThanOrEqual(-1);
      expect(info?.offsetHours).toBeLessThanOrEqual(7);
    }
    expect(titles.size).toBe(20);
    // no receipts on dwr devices
    const dwrCodes = new Set(d.devices.filter((x) => x.mode === 'dwr').map((x) => String(x.code)));
    expect([...d.tables.receipts].some((r) => dwrCodes.has(r.devicecode as string))).toBe(false);
  });

  it('respects firstDeviceId and idBase so two datasets fit one database', () => {
    const a = generate({ ...options, devices: 4 });
    const b = generate({ ...options, devices: 4, firstDeviceId: 5, idBase: a.nextId });
    const ids = (x: Dataset) => [
      ...[...x.tables.polycommalarm].map((r) => r.polycommalarm_id),
      ...[...x.tables.polycommissue].map((r) => r.polycommissue_id),
      ...[...x.tables.receipts].map((r) => r.receipt_id),
      ...[...x.tables.polycomm_suitcase].map((r) => r.id),
    ];
    const all = [...ids(a), ...ids(b)];
    expect(new Set(all).size).toBe(all.length);
    expect(Math.min(...ids(b))).toBe(a.nextId);
    expect(b.devices.map((x) => x.id)).toEqual([5, 6, 7, 8]);
    expect(new Set([...a.devices, ...b.devices].map((x) => x.code)).size).toBe(8);
  });

  it('writes rows that are valid for the schema', () => {
    const int4 = (v: number | null) => v === null || (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647);
    const ids = new Set<number>();
    const unique = (id: number) => {
      expect(Number.isSafeInteger(id) && id >= 1).toBe(true);
      expect(ids.has(id)).toBe(false);
      ids.add(id);
    };
    const offset = new Map(d.devices.map((x) => [x.id, x.offsetHours * 3600 * S]));
    const inWindow = (m: Micros | null) => m !== null && m >= d.start && m <= d.end && m % S === 0;
    for (const a of d.tables.polycommalarm) {
      unique(a.polycommalarm_id);
      expect(a.alarmtype).toBeGreaterThanOrEqual(1);
      expect(a.alarmtype).toBeLessThanOrEqual(5);
      expect(a.status).toBe(0);
      expect(inWindow(a.date)).toBe(true);
      expect(a.localdate).toBe((a.date as number) + (offset.get(a.device as number) as number));
    }
    for (const i of d.tables.polycommissue) {
      unique(i.polycommissue_id);
      expect(i.id).not.toBe(ANALYZER_MARKER);
      expect(i.type).toBeGreaterThanOrEqual(1);
      expect(i.type).toBeLessThanOrEqual(4);
      expect(i.status).toBe(0);
      expect(int4(i.total) && int4(i.duration)).toBe(true);
      expect(inWindow(i.date)).toBe(true);
      expect(i.localdate).toBe((i.date as number) + (offset.get(i.device as number) as number));
      expect(i.createtime).toBeGreaterThan(i.date as number);
    }
    const codes = new Map(d.devices.map((x) => [String(x.code), x]));
    for (const r of d.tables.receipts) {
      unique(r.receipt_id);
      const dev = codes.get(r.devicecode as string);
      expect(dev?.mode).toBe('receipts');
      expect(r.status).toBe(0);
      expect(inWindow(r.dateclosemoscow)).toBe(true);
      expect(r.dateclose).toBe((r.dateclosemoscow as number) + (dev?.offsetHours as number) * 3600 * S);
      expect(r.quantitypackageone).toBeGreaterThanOrEqual(0);
      expect(r.quantitypackagedouble).toBeGreaterThanOrEqual(0);
      expect((r.quantitypackageone as number) + (r.quantitypackagedouble as number)).toBeLessThanOrEqual(3);
    }
    for (const w of d.tables.polycomm_suitcase) {
      unique(w.id);
      expect(w.status).toBe(0);
      expect([1, 2, 0, null]).toContain(w.package_type);
      expect(int4(w.polycom_id) && int4(w.totalid)).toBe(true);
      expect(w.duration).toBeGreaterThanOrEqual(40);
      expect(w.duration).toBeLessThanOrEqual(180);
      expect((w.local_date as number) - (w.dateini_local as number)).toBe((w.duration as number) * S);
      expect(inWindow(w.date)).toBe(true);
      expect(inWindow((w.date as number) - (w.duration as number) * S)).toBe(true);
      expect(w.local_date).toBe((w.date as number) + (offset.get(w.device_id as number) as number));
    }
    expect(ids.size).toBe(d.nextId - d.idBase);
    expect(rowCount(d)).toBe(ids.size + 40);
  });

  it('has realistic streams and anomaly rates', () => {
    const big = generate({ seed: 7, devices: 60, hours: 24, end: END });
    const st = big.stats;
    const wraps = [...big.tables.polycomm_suitcase];
    const receiptsDevices = new Set(big.devices.filter((x) => x.mode === 'receipts').map((x) => x.id));
    const receiptWraps = wraps.filter((w) => receiptsDevices.has(w.device_id as number)).length;
    // ~ a customer every 8.5 min, minus the night's gap: 130-170 a device-day
    expect(st.customers / 60).toBeGreaterThan(120);
    expect(st.customers / 60).toBeLessThan(180);
    // 85% one wrap, 10% two, 5% three -> 1.2 wraps a customer
    expect(st.wraps / st.customers).toBeGreaterThan(1.12);
    expect(st.wraps / st.customers).toBeLessThan(1.28);
    const typed = wraps.filter((w) => w.package_type === 1 || w.package_type === 2);
    const single = typed.filter((w) => w.package_type === 1).length / typed.length;
    expect(single).toBeGreaterThan(0.77);
    expect(single).toBeLessThan(0.83);
    const near = (n: number, of: number, rate: number) => {
      expect(n / of).toBeGreaterThan(rate * 0.6);
      expect(n / of).toBeLessThan(rate * 1.4);
    };
    const r = DEFAULT_RATES;
    near(st.unpaidWraps, receiptWraps, r.unpaid);
    near(st.alarmsInside, st.wraps, r.alarmInside);
    near(st.issuesInside, st.wraps, r.issueInside);
    near(st.alarmsOutside, st.customers, r.alarmOutside);
    near(st.untypedWraps, st.wraps, r.untyped);
    near(st.wrongTypeReceipts, st.receipts, r.wrongType);
    near(st.midWrapReceipts, st.receipts, r.receiptMidWrap);
    expect(st.alarms).toBe(big.tables.polycommalarm.length);
    expect(st.alarmsInside + st.alarmsOutside).toBe(st.alarms);
    expect(st.issuesInside + st.issuesOutside).toBe(st.issues);
    expect(st.wraps).toBe(big.tables.polycomm_suitcase.length);
    expect(st.receipts).toBe(big.tables.receipts.length);
    // night gaps: most device-nights have one
    expect(st.nightGaps).toBeGreaterThan(30);
    expect(st.nullMoscow + st.invalidRows).toBe(0);
  });

  it('puts receipts 5-90 s after the last wrap they pay (or inside it when printed mid-wrap)', () => {
    // per receipts device, the delay from the latest wrap finish before each receipt
    const delays: number[] = [];
    const byDevice = new Map<string, number[]>();
    for (const w of d.tables.polycomm_suitcase) {
      const dev = d.devices.find((x) => x.id === w.device_id);
      if (dev?.mode !== 'receipts') continue;
      const k = String(dev.code);
      if (!byDevice.has(k)) byDevice.set(k, []);
      byDevice.get(k)?.push(w.date as number);
    }
    for (const r of d.tables.receipts) {
      const finishes = byDevice.get(r.devicecode as string) ?? [];
      const before = finishes.filter((f) => f <= (r.dateclosemoscow as number));
      if (before.length > 0) delays.push(((r.dateclosemoscow as number) - Math.max(...before)) / S);
    }
    const inRange = delays.filter((x) => x >= 5 && x <= 90).length / delays.length;
    expect(inRange).toBeGreaterThan(0.95);
  });

  it('shows every anomaly kind in a modest dataset, and the core makes every task type of it', () => {
    const st = d.stats;
    for (const k of [
      'unpaidWraps', 'wrongTypeReceipts', 'midWrapReceipts', 'alarmsInside', 'alarmsOutside', 'issuesInside',
      'issuesOutside', 'receiptsWithoutWrap', 'untypedWraps', 'combinedReceipts', 'overlappingWraps', 'nightGaps',
    ] as const) {
      expect(st[k], k).toBeGreaterThan(0);
    }
    // seen in the rows themselves: a nested alarm, a receipt inside a wrap, an untyped wrap
    const wraps = [...d.tables.polycomm_suitcase];
    const inside = (dev: number | null, local: number | null) =>
      wraps.some((w) => w.device_id === dev && (w.dateini_local as number) < (local as number) && (local as number) < (w.local_date as number));
    expect([...d.tables.polycommalarm].some((a) => inside(a.device, a.localdate))).toBe(true);
    expect([...d.tables.polycommissue].some((i) => inside(i.device, i.localdate))).toBe(true);
    const codeToId = new Map(d.devices.map((x) => [String(x.code), x.id]));
    expect([...d.tables.receipts].some((r) => inside(codeToId.get(r.devicecode as string) ?? null, r.dateclose))).toBe(true);
    expect(wraps.some((w) => w.package_type === null)).toBe(true);
    expect(wraps.some((w) => w.package_type === 0)).toBe(true);

    const now = d.end + 3600 * S;
    const receipts = analyse(d, 'receipts', now);
    const dwr = analyse(d, 'dwr', now);
    expect(receipts).toHaveLength(10);
    expect(dwr).toHaveLength(10);
    expect(taskTypes(receipts)).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(taskTypes(dwr)).toEqual(new Set([1, 4, 5]));
    expect(analyzerIssueTypes(receipts)).toEqual(new Set([7, 8, 9]));
    expect(receipts.every((p) => p.rejected.length === 0 && p.deferred.length === 0)).toBe(true);
  });

  it('makes invalid rows and NULL Moscow times only when asked', () => {
    const x = generate({ ...options, devices: 6, rates: { invalid: 0.05, nullMoscow: 0.05 } });
    expect(x.stats.invalidRows).toBeGreaterThan(0);
    expect(x.stats.nullMoscow).toBeGreaterThan(0);
    const plans = [...analyse(x, 'receipts', END + 3600 * S), ...analyse(x, 'dwr', END + 3600 * S)];
    const rejected = plans.reduce((n, p) => n + p.rejected.length, 0);
    expect(rejected).toBe(x.stats.invalidRows);
    expect(plans.reduce((n, p) => n + p.moscowFallbacks, 0)).toBeGreaterThan(0);
  });

  it('rejects bad options', () => {
    expect(() => generate({ ...options, devices: -1 })).toThrow(RangeError);
    expect(() => generate({ ...options, hours: 0 })).toThrow(RangeError);
    expect(() => generate({ ...options, rates: { unpaid: 2 } })).toThrow(RangeError);
    expect(() => generate({ ...options, customerEveryMinutes: [5, 2] })).toThrow(RangeError);
    expect(generate({ ...options, devices: 0 }).tables.polycomm_suitcase.length).toBe(0);
  });
});

describe('demoDataset', () => {
  const demo = demoDataset(END);
  const now = END;

  it('is deterministic', () => {
    expect(digest(demoDataset(END))).toBe(digest(demo));
  });

  it('has 3 receipts and 3 dwr devices ready, one conflict and one not ready, and junk codes', () => {
    const receipts = inputsOf(demo, 'receipts');
    const dwr = inputsOf(demo, 'dwr');
    expect([...receipts.keys()].sort()).toEqual([1, 2, 3]);
    expect([...dwr.keys()].sort()).toEqual([4, 5, 6]);
    const junk = [...demo.tables.timestamps].filter((t) => codeOf(t.devicecode) === null);
    expect(junk.length).toBeGreaterThanOrEqual(3);
    expect([...demo.tables.timestamps].some((t) => t.devicecode !== null && t.devicecode !== t.devicecode.trim())).toBe(true);
  });

  it('gives every task type of each mode and analyzer issues 7, 8 and 9', () => {
    const receipts = analyse(demo, 'receipts', now);
    const dwr = analyse(demo, 'dwr', now);
    expect(taskTypes(receipts)).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(taskTypes(dwr)).toEqual(new Set([1, 4, 5]));
    expect(analyzerIssueTypes(receipts)).toEqual(new Set([7, 8, 9]));
    // R4 invalid rows and R3 fallbacks are present
    const all = [...receipts, ...dwr];
    expect(all.reduce((n, p) => n + p.rejected.length, 0)).toBeGreaterThanOrEqual(9);
    expect(new Set(all.flatMap((p) => p.rejected.map((r) => r.reason)))).toEqual(
      new Set(['null_local_time', 'finish_before_start', 'bad_quantity']),
    );
    expect(all.reduce((n, p) => n + p.moscowFallbacks, 0)).toBeGreaterThanOrEqual(4);
    // the random devices run up to `end`: their last group is still in progress at now = end
    expect(all.some((p) => p.deferred.length > 0)).toBe(true);
  });

  it('has a receipt printed mid-wrap, a receipt for 0/0, overlapping and untyped wraps', () => {
    const wraps = [...demo.tables.polycomm_suitcase];
    const receipts = [...demo.tables.receipts];
    const dev3 = wraps.filter((w) => w.device_id === 3 && w.dateini_local !== null);
    expect(receipts.some((r) => dev3.some((w) => (w.dateini_local as number) < (r.dateclose as number) && (r.dateclose as number) < (w.local_date as number)))).toBe(true);
    expect(receipts.some((r) => r.quantitypackageone === 0 && r.quantitypackagedouble === 0)).toBe(true);
    expect(dev3.some((a) => dev3.some((b) => a.id < b.id && (b.dateini_local as number) < (a.local_date as number) && (a.dateini_local as number) < (b.dateini_local as number)))).toBe(true);
    expect(wraps.some((w) => w.package_type === null) && wraps.some((w) => w.package_type === 0)).toBe(true);
    expect([...demo.tables.polycommissue].some((i) => i.id === ANALYZER_MARKER && i.status === 0)).toBe(true);
  });

  it('scenarios give exactly the tasks and analyzer issues they promise, in separate groups', () => {
    const plans = new Map<number, DevicePlan>();
    for (const p of [...analyse(demo, 'receipts', now), ...analyse(demo, 'dwr', now)]) plans.set(p.deviceId, p);
    expect(demo.scenarios.length).toBeGreaterThanOrEqual(40);
    for (const sc of demo.scenarios) {
      const plan = plans.get(sc.device);
      expect(plan, sc.name).toBeDefined();
      const mine = (id: number) => id >= sc.ids.from && id < sc.ids.to;
      const tasks = (plan as DevicePlan).tasks.filter((t) => t.events.some((e) => 'rowId' in e && mine(e.rowId)));
      // a scenario's tasks hold only its own rows
      for (const t of tasks) for (const e of t.events) if ('rowId' in e) expect(mine(e.rowId), sc.name).toBe(true);
      expect(tasks.map((t) => t.type), sc.name).toEqual(sc.tasks);
      const issues = tasks.flatMap((t) => t.events.flatMap((e) => ('analyzerIssue' in e ? [e.analyzerIssue.type] : [])));
      expect(issues, sc.name).toEqual(sc.analyzerIssues);
      expect(sc.at).toBeLessThan(END - 4 * 3600 * S);
    }
  });
});

// The COPY rows' times: the core's formatter with all six fraction digits.
const formatMicros = (m: number) => formatTime(m, 'always');

describe('formatMicros (COPY rows)', () => {
  it('formats zone-free Micros with six fraction digits', () => {
    expect(formatMicros(0)).toBe('1970-01-01 00:00:00.000000');
    expect(formatMicros(END)).toBe('2024-06-01 12:00:00.000000');
    expect(formatMicros(END + 1)).toBe('2024-06-01 12:00:00.000001');
    expect(formatMicros(Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 999_999)).toBe('2024-02-29 23:59:59.999999');
    expect(formatMicros(-1)).toBe('1969-12-31 23:59:59.999999');
    expect(() => formatMicros(Number.NaN)).toThrow(RangeError);
  });

  it('agrees with Date.toISOString on random times', () => {
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const m = Math.floor((x / 2 ** 32) * 4e15) - 1e15;
      const ms = Math.floor(m / 1000);
      const iso = new Date(ms).toISOString();
      const us = String(m - ms * 1000).padStart(3, '0');
      expect(formatMicros(m)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}${us}`);
    }
  });

  it('writes COPY text rows with \\N for NULL and escaped text', () => {
    const demo = demoDataset(END);
    const text = [...copyChunks(demo.tables.timestamps)].map((b) => b.toString('utf8')).join('');
    expect(text).toContain('\\N\tt\t2\n');
    expect(text).toContain('1001\tt\t1\n');
    const wraps = [...copyChunks(demo.tables.polycomm_suitcase)].map((b) => b.toString('utf8')).join('').split('\n');
    expect(wraps.at(-1)).toBe('');
    expect(wraps).toHaveLength(demo.tables.polycomm_suitcase.length + 1);
    expect(wraps[0]?.split('\t')).toHaveLength(10);
  });
});
