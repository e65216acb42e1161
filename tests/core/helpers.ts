// Terse builders for core tests. Times are local 'HH:MM[:SS[.ffffff]]' on a fixed day;
// the device's clock runs OFFSET ahead of Moscow, so local and Moscow times differ.

import { analyzeDevice, explainDevice } from '../../src/core/index.js';
import type {
  DeviceInput,
  DevicePlan,
  Explanation,
  Micros,
  Mode,
  PointRow,
  ReceiptRow,
  Settings,
  WrapRow,
} from '../../src/core/index.js';

export const DAY: Micros = Date.UTC(2024, 2, 15) * 1000;
export const S = 1_000_000;
export const OFFSET: Micros = 2 * 3600 * S;

/** Local time on the test day. */
export function t(hms: string): Micros {
  const [h, m, s] = hms.split(':');
  const sec = Number(s ?? '0');
  return DAY + (Number(h) * 3600 + Number(m) * 60) * S + Math.round(sec * S);
}
/** The Moscow time of a local time. */
export const msk = (hms: string): Micros => t(hms) - OFFSET;

export type Item =
  | { kind: 'wrap'; row: WrapRow }
  | { kind: 'alarm'; row: PointRow }
  | { kind: 'issue'; row: PointRow }
  | { kind: 'receipt'; row: ReceiptRow };

/** A wrap: polycom_id = 1000 + id, totalid = 5000 + id, duration in seconds. */
export function W(id: number, start: string, finish: string, type: number | null = 1, over: Partial<WrapRow> = {}): Item {
  return {
    kind: 'wrap',
    row: {
      id,
      polycomId: 1000 + id,
      totalid: 5000 + id,
      duration: (t(finish) - t(start)) / S,
      packageType: type,
      start: t(start),
      finish: t(finish),
      finishMoscow: msk(finish),
      ...over,
    },
  };
}
export function R(id: number, at: string, single: number | null = 1, double: number | null = 0, over: Partial<ReceiptRow> = {}): Item {
  return { kind: 'receipt', row: { id, local: t(at), moscow: msk(at), single, double, ...over } };
}
export function A(id: number, at: string, over: Partial<PointRow> = {}): Item {
  return { kind: 'alarm', row: { id, local: t(at), moscow: msk(at), ...over } };
}
export function I(id: number, at: string, over: Partial<PointRow> = {}): Item {
  return { kind: 'issue', row: { id, local: t(at), moscow: msk(at), ...over } };
}

export const DEVICE = 7;

export function D(...items: Item[]): DeviceInput {
  const d: DeviceInput = { deviceId: DEVICE, wraps: [], alarms: [], issues: [], receipts: [] };
  for (const it of items) {
    if (it.kind === 'wrap') d.wraps.push(it.row);
    else if (it.kind === 'alarm') d.alarms.push(it.row);
    else if (it.kind === 'issue') d.issues.push(it.row);
    else d.receipts.push(it.row);
  }
  return d;
}

export const settings = (mode: Mode = 'receipts', over: Partial<Settings> = {}): Settings => ({
  mode,
  lastEventTime: 900,
  timedeltaCheck: 420,
  ...over,
});

/** Late enough that every test group is old enough (R9). */
export const LATE: Micros = msk('23:59:59');

export interface RunOpts {
  mode?: Mode;
  now?: Micros;
  lastEventTime?: number;
  timedeltaCheck?: number;
}

function opts(o: RunOpts): [Settings, Micros] {
  const s = settings(o.mode ?? 'receipts');
  if (o.lastEventTime !== undefined) s.lastEventTime = o.lastEventTime;
  if (o.timedeltaCheck !== undefined) s.timedeltaCheck = o.timedeltaCheck;
  return [s, o.now ?? LATE];
}

export function run(items: Item[], o: RunOpts = {}): DevicePlan {
  const [s, now] = opts(o);
  return analyzeDevice(D(...items), s, now);
}
export function explain(items: Item[], o: RunOpts = {}): Explanation {
  const [s, now] = opts(o);
  return explainDevice(D(...items), s, now);
}
export const dwr = (items: Item[], o: RunOpts = {}): DevicePlan => run(items, { ...o, mode: 'dwr' });

/** Compact view of the timeline: 'S1 F1 R3 A5 I6' (kind letter + row id), groups separated by '|'. */
export function timeline(e: Explanation): string {
  const letter = { wrap_start: 'S', wrap_finish: 'F', receipt: 'R', alarm: 'A', issue: 'I' } as const;
  let out = '';
  let g = 0;
  for (const en of e.entries) {
    if (g !== 0 && en.group !== g) out += ' |';
    if (out !== '') out += ' ';
    out += letter[en.kind] + String(en.rowId);
    g = en.group;
  }
  return out;
}

/** Compact view of a task's events: 'W1 A5^0 X7^0 R3' (X = analyzer issue of that type, ^parent). */
export function events(plan: DevicePlan, task = 0): string {
  const tk = plan.tasks[task];
  if (tk === undefined) throw new Error(`no task ${task}`);
  return tk.events
    .map((ev) => {
      const p = ev.parent === null ? '' : `^${ev.parent}`;
      if ('analyzerIssue' in ev) return `X${ev.analyzerIssue.type}${p}`;
      const l = ev.table === 'polycomm_suitcase' ? 'W' : ev.table === 'polycommalarm' ? 'A' : ev.table === 'polycommissue' ? 'I' : 'R';
      return `${l}${ev.rowId}${p}`;
    })
    .join(' ');
}

export function wrapUpdate(plan: DevicePlan, id: number) {
  const u = plan.wrapUpdates.find((w) => w.id === id);
  if (u === undefined) throw new Error(`no update for wrap ${id}`);
  return u;
}
export function receiptStatus(plan: DevicePlan, id: number): 1 | 2 {
  const u = plan.receiptUpdates.find((r) => r.id === id);
  if (u === undefined) throw new Error(`no update for receipt ${id}`);
  return u.status;
}
/** Shorthand for a verdict: [csp, unpaid, toAccount]. */
export function verdict(plan: DevicePlan, id: number): [boolean, boolean, boolean] {
  const u = wrapUpdate(plan, id);
  return [u.csp, u.unpaid, u.toAccount];
}
export const FIT_PAID: [boolean, boolean, boolean] = [true, false, true];
export const FIT_UNPAID: [boolean, boolean, boolean] = [true, true, true];
export const UNFIT_UNPAID: [boolean, boolean, boolean] = [false, true, false];
