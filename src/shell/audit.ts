// The audit of one mode over a period (issue 23): devices a chunk at a time
// (bounded like a pass's chunks, chunks.ts), each chunk read in one read-only
// repeatable-read transaction (a consistent picture even while a pass writes),
// every device's window analysed once by the core (auditDevice). The window
// starts as the period widened by --around seconds each side and grows, for a
// device whose edges are not settled (windowEdges: no quiet gap between the
// rows that matter and the window's edge) or whose compared tasks link rows
// outside it, until the groups it compares are rebuilt whole.
import { auditDevice, windowEdges, type AuditInput, type Scratch, type DeviceAudit, type Micros, type ReadyDevice, type Settings, type Span } from '../core/index.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/log.js';
import { firstChunkSize, nextChunkSize, type ChunkBounds } from './chunks.js';
import { windowArrays, type DeviceWindow } from '../sql/audit-windows.js';
import { auditWraps } from '../sql/audit-wraps.js';
import { auditAlarms } from '../sql/audit-alarms.js';
import { auditIssues } from '../sql/audit-issues.js';
import { auditReceipts } from '../sql/audit-receipts.js';
import { auditTasks, type EventKeys } from '../sql/audit-tasks.js';
import { auditLinkTargets } from '../sql/audit-link-targets.js';
import { auditAnalyzerIssues } from '../sql/audit-analyzer-issues.js';

export interface AuditContext {
  sql: Sql;
  logger: Logger;
  settings: Settings;
  now: Micros;
  period: Span;
  /** Seconds of each device's events loaded before and after the period to begin with. */
  aroundSeconds: number;
  bounds: ChunkBounds;
  /** Told after each chunk with the rows it loaded (progress on long periods). */
  chunkDone?: (devices: number, rows: number) => void;
  /** The core's scratch memory, reused from device to device and released after each chunk. */
  scratch: Scratch;
}

/** One device's audit and how its window came to be. */
export interface DeviceResult {
  audit: DeviceAudit;
  /** Windows loaded for it (1: the first was enough). */
  rounds: number;
  /** The window could not be settled within MAX_ROUNDS: the groups at its edges may be cut short. */
  unsettled: boolean;
}

/** Rounds of widening per device; the margin doubles each round, so 16 rounds reach years. */
const MAX_ROUNDS = 16;
const SECOND = 1_000_000;

interface DeviceState {
  device: ReadyDevice;
  window: Span;
  margin: { before: number; after: number };
  invalidLinks: Set<number>;
  missingLinks: Set<number>;
  rounds: number;
  result?: DeviceAudit;
}

/** Audits `devices` chunk by chunk; `onDevice` receives each device's result as its chunk ends. */
export async function auditDevices(ctx: AuditContext, devices: readonly ReadyDevice[], onDevice: (r: DeviceResult) => void): Promise<void> {
  let size = firstChunkSize(ctx.bounds);
  for (let next = 0; next < devices.length;) {
    const chunk = devices.slice(next, next + size);
    next += chunk.length;
    const { results, rows } = await ctx.sql.begin('isolation level repeatable read read only', (tx) => auditChunk(ctx, tx as unknown as Sql, chunk));
    size = nextChunkSize(ctx.bounds, size, chunk.length, rows);
    ctx.scratch.release();
    results.forEach(onDevice);
    ctx.chunkDone?.(chunk.length, rows);
  }
}

async function auditChunk(ctx: AuditContext, sql: Sql, chunk: readonly ReadyDevice[]): Promise<{ results: DeviceResult[]; rows: number }> {
  const margin = ctx.aroundSeconds * SECOND;
  const states = chunk.map((device): DeviceState => ({
    device, window: { from: ctx.period.from - margin, to: ctx.period.to + margin }, margin: { before: Math.max(margin, SECOND), after: Math.max(margin, SECOND) },
    invalidLinks: new Set(), missingLinks: new Set(), rounds: 0,
  }));
  let pending = states;
  let rows = 0;
  for (let round = 0; pending.length > 0 && round < MAX_ROUNDS; round++) {
    const inputs = await loadWindows(sql, ctx, pending);
    if (round === 0) rows = countRows(inputs);
    const lookups: DeviceState[] = [];
    const again = new Set<DeviceState>();
    for (const st of pending) {
      st.rounds++;
      const input = inputs.get(st.device.id)!;
      st.result = auditDevice({ ...input, invalidLinks: st.invalidLinks }, ctx.settings, ctx.now, ctx.period, ctx.scratch);
      if (widen(st, input, ctx.settings.timedeltaCheck)) again.add(st);
      else if (st.result.unresolvedLinks.some((id) => !st.missingLinks.has(id) && !st.invalidLinks.has(id))) lookups.push(st);
    }
    for (const st of await lookUpLinks(sql, lookups)) again.add(st);
    pending = [...again];
  }
  for (const st of pending) {
    ctx.logger.warn(`device ${st.device.id}: its window could not be settled in ${MAX_ROUNDS} rounds (no quiet gap of TIMEDELTA_CHECK seconds found around the period): groups at its edges may be cut short`,
      { deviceId: st.device.id });
  }
  const unsettled = new Set(pending);
  return { results: states.map((st) => ({ audit: st.result!, rounds: st.rounds, unsettled: unsettled.has(st) })), rows };
}

/** Widens a side of the window that no quiet gap settles (doubling its margin); true when it did. */
function widen(st: DeviceState, input: AuditInput, timedeltaCheck: number): boolean {
  const need = st.result!.need;
  if (need === null) return false;
  const edges = windowEdges(input, need, st.window, timedeltaCheck);
  if (!edges.before) {
    st.margin.before *= 2;
    st.window = { ...st.window, from: Math.min(st.window.from, need.from) - st.margin.before };
  }
  if (!edges.after) {
    st.margin.after *= 2;
    st.window = { ...st.window, to: Math.max(st.window.to, need.to) + st.margin.after };
  }
  return !edges.before || !edges.after;
}

/**
 * Links of compared tasks to rows the window does not hold: a row found with
 * a local time widens its device's window to take it in; one without (R4) is
 * not a finding; no row at all leaves the link extra. Returns the devices to
 * load again.
 */
async function lookUpLinks(sql: Sql, states: DeviceState[]): Promise<DeviceState[]> {
  if (states.length === 0) return [];
  const owner = new Map<number, DeviceState>();
  for (const st of states) for (const id of st.result!.unresolvedLinks) if (!st.missingLinks.has(id) && !st.invalidLinks.has(id)) owner.set(id, st);
  const again = new Set<DeviceState>();
  const found = new Set<number>();
  for (const target of await auditLinkTargets(sql, [...owner.keys()])) {
    if (!target.found) continue; // no row at all: nothing to load again for it
    const st = owner.get(target.linkId)!;
    again.add(st);
    found.add(target.linkId);
    if (target.from === null || target.to === null) st.invalidLinks.add(target.linkId);
    else st.window = { from: Math.min(st.window.from, target.from - st.margin.before), to: Math.max(st.window.to, target.to + st.margin.after) };
  }
  for (const [id, st] of owner) if (!found.has(id)) st.missingLinks.add(id);
  return [...again];
}

function countRows(inputs: Map<number, AuditInput>): number {
  let n = 0;
  for (const i of inputs.values()) n += i.wraps.length + i.alarms.length + i.issues.length + i.receipts.length;
  return n;
}

/** Every row of each device's window, then the tasks touching them: one statement per table, pipelined. */
async function loadWindows(sql: Sql, ctx: AuditContext, states: readonly DeviceState[]): Promise<Map<number, AuditInput>> {
  const windows: DeviceWindow[] = states.map((st) => ({ deviceId: st.device.id, code: st.device.code, window: st.window }));
  const w = windowArrays(windows);
  const receiptsMode = ctx.settings.mode === 'receipts';
  const [wraps, alarms, issues, receipts] = await Promise.all([
    auditWraps(sql, w), auditAlarms(sql, w), auditIssues(sql, w),
    receiptsMode ? auditReceipts(sql, w, windows.map((x) => x.code)) : [],
  ]);
  const inputs = new Map<number, AuditInput>();
  for (const st of states) {
    inputs.set(st.device.id, { deviceId: st.device.id, wraps: [], alarms: [], issues: [], receipts: [], analyzerIssues: [], tasks: [], links: [] });
  }
  const keys: EventKeys = { wraps: [], alarms: [], issues: [], receipts: [] };
  for (const x of wraps) {
    inputs.get(x.deviceId)!.wraps.push(x);
    if (x.polycomId !== null) keys.wraps.push(x.polycomId);
  }
  for (const x of alarms) {
    inputs.get(x.deviceId)!.alarms.push(x);
    keys.alarms.push(x.id);
  }
  for (const x of issues.issues) {
    inputs.get(x.deviceId)!.issues.push(x);
    keys.issues.push(x.id);
  }
  for (const x of issues.analyzerIssues) {
    inputs.get(x.deviceId)!.analyzerIssues.push(x);
    keys.issues.push(x.id);
  }
  for (const x of receipts) {
    inputs.get(x.deviceId)!.receipts.push(x);
    keys.receipts.push(x.id);
  }
  const linked = await auditTasks(sql, w, keys);
  for (const t of linked.tasks) if (t.deviceId !== null) inputs.get(t.deviceId)?.tasks.push(t);
  const deviceOfTask = new Map(linked.tasks.map((t) => [t.id, t.deviceId ?? -1]));
  for (const l of linked.links) inputs.get(deviceOfTask.get(l.taskId)!)?.links.push(l);
  // analyzer issues the tasks link outside the window (rare): by primary key, to their task's device
  const windowed = new Set(issues.analyzerIssues.map((a) => a.id).concat(issues.issues.map((i) => i.id)));
  const outside = new Map<number, number>();
  for (const l of linked.links) if (l.table === 'polycommissue' && l.eventId !== null && !windowed.has(l.eventId)) outside.set(l.eventId, deviceOfTask.get(l.taskId)!);
  if (outside.size > 0) {
    for (const a of await auditAnalyzerIssues(sql, [...outside.keys()])) inputs.get(outside.get(a.id)!)?.analyzerIssues.push(a);
  }
  return inputs;
}
