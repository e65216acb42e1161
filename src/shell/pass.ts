// One analysis pass: the imperative shell around the pure core. It finds the
// ready devices (R1), owns them chunk by chunk (R19), loads their pending rows
// with one query per table per chunk (R2), lets the core decide, and writes
// each device's plan in its own transaction (R16-R18). Each step returns what
// it did; the pass adds it to the tally the report is built from.
import type { PassConfig } from '../infra/config.js';
import { analyzeDevice, formatMicros, releaseScratch, selectReady, type DeviceInput, type DevicePlan, type Micros, type ReadyDevice, type Settings } from '../core/index.js';
import { firstChunkSize, nextChunkSize, type ChunkBounds } from './chunks.js';
import { countNewRows, longestTable, planRows, sliceRows } from '../sql/plan-rows.js';
import { describeError, type Sql } from '../infra/db.js';
import type { Logger } from '../infra/log.js';
import { loadDevices } from './load.js';
import { isConnectionLost, PassAborted } from './outcome.js';
import { hasWrites, recordChunk, recordReady, type ChunkResult, type PassTally } from './report.js';
import type { PassProgress } from './progress.js';
import { allocateIds } from '../sql/allocate-ids.js';
import { tryLockDevices, unlockDevices } from '../sql/device-locks.js';
import { presentIssueTypes } from '../sql/issue-types.js';
import { RowError } from '../sql/packed-rows.js';
import { selectReadyCodes } from '../sql/ready-devices.js';
import { writePlan, type WriteCounts } from '../sql/write-plan.js';

export interface PassContext {
  sql: Sql;
  logger: Logger;
  config: PassConfig;
  now: Micros;
  /** Set by a signal handler: take no new device. */
  stop: { requested: boolean };
  /** Told after each chunk (README "Monitoring": progress on long passes). */
  progress?: PassProgress;
}

const elapsed = (since: number) => Math.round(performance.now() - since);

/**
 * The pass: each step returns what it did and the tally adds it up, so a pass
 * that ends early (a lost connection, a stop signal) still reports every
 * chunk it finished.
 */
export async function runPass(ctx: PassContext, tally: PassTally): Promise<void> {
  const { sql, config } = ctx;
  const settings: Settings = { mode: config.mode, lastEventTime: config.lastEventTime, timedeltaCheck: config.timedeltaCheck };
  const devices = await findReady(ctx, tally);
  const issueTypes = config.mode === 'receipts' ? await presentIssueTypes(sql, [7, 8, 9]) : new Set<number>();
  const bounds: ChunkBounds = { maxDevices: config.chunkSize, targetEvents: config.chunkEvents };
  let size = firstChunkSize(bounds);
  const cursor = { next: 0 }; // the first device not tried yet
  while (cursor.next < devices.length && !ctx.stop.requested) {
    const claim = await claimChunk(ctx, devices, cursor, size);
    const chunk: ChunkResult = { claimed: claim.mine.length, skipped: claim.skipped, done: [], failed: [], durationsMs: { load: 0, analyze: 0, write: 0 } };
    let lost: PassAborted | undefined;
    let events = 0;
    try {
      if (claim.mine.length === 0) break; // the list is exhausted
      const loaded = await loadChunk(ctx, claim.mine);
      chunk.failed.push(...loaded.failed);
      chunk.durationsMs.load = loaded.ms;
      if (ctx.stop.requested) break;
      events = countEvents(loaded.inputs);
      size = nextChunkSize(bounds, size, claim.mine.length, events);
      const analyzed = analyzeChunk(ctx, settings, claim.mine, loaded.inputs, issueTypes);
      chunk.failed.push(...analyzed.failed);
      chunk.durationsMs.analyze = analyzed.ms;
      releaseScratch(); // the core's scratch memory of this chunk's biggest device is not kept to the end of the pass
      const written = await writeChunk(ctx, analyzed.plans);
      chunk.done.push(...written.done);
      chunk.failed.push(...written.failed);
      chunk.durationsMs.write = written.ms;
      lost = written.lost;
    } finally {
      recordChunk(tally, chunk);
      ctx.progress?.chunkDone(events); // after the tally: the line shows this chunk's devices as done
      // a lost connection has already released the locks with the session
      await unlockDevices(sql, claim.mine.map((d) => d.id)).catch(() => undefined);
    }
    if (lost) throw lost;
  }
}

/** The ready devices of the mode (R1), with a warning for each code that matches nothing and each conflict. */
async function findReady(ctx: PassContext, tally: PassTally): Promise<ReadyDevice[]> {
  const { logger, config } = ctx;
  const ready = selectReady(await selectReadyCodes(ctx.sql), config.mode, config.devices);
  recordReady(tally, {
    ready: ready.devices.length,
    conflicts: ready.conflicts.length,
    warnings: { junkDeviceCodes: ready.junkCodes, unknownDeviceCodes: ready.unknownCodes, conflictDevices: ready.conflicts.map((d) => d.id) },
  });
  for (const code of ready.junkCodes) {
    logger.warn(`timestamps.devicecode ${JSON.stringify(code)} is not an integer: it matches no device (R1)`, { devicecode: code });
  }
  for (const code of ready.unknownCodes) {
    logger.warn(`timestamps.devicecode ${code} is ready but no polycomm_device has that code (R1)`, { devicecode: code });
  }
  for (const device of ready.conflicts) {
    logger.warn(`device ${device.id} is ready in both modes: configuration conflict, skipped by both (R1)`, { deviceId: device.id });
  }
  logger.info(`ready devices: ${ready.devices.length}`, { mode: config.mode, conflicts: ready.conflicts.length });
  return ready.devices;
}

/**
 * Claims `size` devices (R19): one owned by another pass is skipped and the
 * next one tried, so every chunk is full and passes running together take
 * whole chunks in turn rather than fragments of each other's.
 */
async function claimChunk(ctx: PassContext, devices: ReadyDevice[], cursor: { next: number }, size: number): Promise<{ mine: ReadyDevice[]; skipped: number[] }> {
  const mine: ReadyDevice[] = [];
  const skipped: number[] = [];
  while (mine.length < size && cursor.next < devices.length) {
    const candidates = devices.slice(cursor.next, cursor.next + size - mine.length);
    cursor.next += candidates.length;
    const owned = new Set(await tryLockDevices(ctx.sql, candidates.map((d) => d.id)));
    for (const d of candidates) {
      if (owned.has(d.id)) {
        mine.push(d);
      } else {
        skipped.push(d.id);
        ctx.logger.info(`device ${d.id} is being processed by another pass: skipped (R19)`, { deviceId: d.id });
      }
    }
  }
  return { mine, skipped };
}

function countEvents(inputs: Map<number, DeviceInput>): number {
  let events = 0;
  for (const input of inputs.values()) events += input.wraps.length + input.alarms.length + input.issues.length + input.receipts.length;
  return events;
}

type Failed = ChunkResult['failed'][number];

/**
 * The pending rows of the chunk's devices. A row the process cannot read
 * exactly (an id beyond 2^53) fails its device alone: the chunk is loaded
 * again device by device and the others go on (as R18 does for writes).
 */
async function loadChunk(ctx: PassContext, devices: ReadyDevice[]): Promise<{ inputs: Map<number, DeviceInput>; failed: Failed[]; ms: number }> {
  const started = performance.now();
  const failed: Failed[] = [];
  try {
    return { inputs: await loadDevices(ctx.sql, ctx.config.mode, devices), failed, ms: elapsed(started) };
  } catch (error) {
    if (!(error instanceof RowError)) throw error;
  }
  const inputs = new Map<number, DeviceInput>();
  for (const device of devices) {
    try {
      inputs.set(device.id, (await loadDevices(ctx.sql, ctx.config.mode, [device])).get(device.id)!);
    } catch (deviceError) {
      if (!(deviceError instanceof RowError)) throw deviceError;
      failed.push(fail(ctx, device.id, `loading failed, nothing written for this device: ${deviceError.message}`));
    }
  }
  return { inputs, failed, ms: elapsed(started) };
}

/** The core's plan for every owned device of the chunk; a device the core cannot plan fails alone. */
function analyzeChunk(ctx: PassContext, settings: Settings, devices: ReadyDevice[], inputs: Map<number, DeviceInput>, issueTypes: Set<number>): { plans: DevicePlan[]; failed: Failed[]; ms: number } {
  const started = performance.now();
  const plans: DevicePlan[] = [];
  const failed: Failed[] = [];
  for (const device of devices) {
    const input = inputs.get(device.id);
    if (!input) continue; // its load failed, and was reported
    let plan: DevicePlan;
    try {
      plan = analyzeDevice(input, settings, ctx.now);
    } catch (error) {
      failed.push(fail(ctx, device.id, `analysis failed: ${describeError(error)}`));
      continue;
    }
    for (const r of plan.rejected) {
      ctx.logger.warn(`${r.table} row ${r.id} of device ${device.id} is invalid (${r.reason}): left pending (R4)`,
        { deviceId: device.id, table: r.table, id: r.id, reason: r.reason });
    }
    const missing = missingIssueTypes(plan, issueTypes);
    if (missing.length > 0) {
      failed.push(fail(ctx, device.id, `issue type(s) ${missing.join(', ')} missing from polycomm_issue_type: nothing written for this device (R14)`, plan));
      continue;
    }
    plans.push(plan);
  }
  return { plans, failed, ms: elapsed(started) };
}

interface WriteResult {
  done: DevicePlan[];
  failed: Failed[];
  ms: number;
  /** the connection was lost: the pass cannot go on (the devices done before it stay done) */
  lost?: PassAborted;
}

/**
 * Writes a chunk's plans in one transaction (a handful of statements whatever
 * the chunk's size). Should that fail for a reason other than a lost
 * connection, each device is retried in its own transaction, so one bad
 * device rolls back alone and the others are written (R18).
 */
async function writeChunk(ctx: PassContext, plans: DevicePlan[]): Promise<WriteResult> {
  const toWrite = ctx.config.dryRun ? [] : plans.filter(hasWrites);
  const result: WriteResult = { done: plans.filter((p) => !toWrite.includes(p)), failed: [], ms: 0 };
  if (toWrite.length === 0) return result;
  const started = performance.now();
  try {
    await writeTransaction(ctx, toWrite);
    result.done.push(...toWrite);
  } catch (error) {
    if (isConnectionLost(error)) {
      result.lost = new PassAborted(`connection lost while writing: ${describeError(error)}`);
    } else if (toWrite.length === 1) {
      result.failed.push(fail(ctx, toWrite[0]!.deviceId, describeError(error), toWrite[0]));
    } else {
      ctx.logger.warn(`writing a chunk of ${toWrite.length} devices failed (${describeError(error)}): retrying device by device`);
      await writeOneByOne(ctx, toWrite, result);
    }
  }
  result.ms = elapsed(started);
  return result;
}

async function writeOneByOne(ctx: PassContext, plans: DevicePlan[], result: WriteResult): Promise<void> {
  for (const plan of plans) {
    if (ctx.stop.requested) break;
    try {
      await writeTransaction(ctx, [plan]);
      result.done.push(plan);
    } catch (error) {
      if (isConnectionLost(error)) {
        result.lost = new PassAborted(`connection lost while writing device ${plan.deviceId}: ${describeError(error)}`);
        return;
      }
      result.failed.push(fail(ctx, plan.deviceId, describeError(error), plan));
    }
  }
}

/** Rows per statement: a chunk's usual plan fits in one; a huge backlog is written in slices. */
const ROWS_PER_STATEMENT = 50_000;

async function writeTransaction(ctx: PassContext, plans: DevicePlan[]): Promise<void> {
  await ctx.sql.begin(async (tx) => {
    const sizes = countNewRows(plans);
    const ids = await allocateIds(tx as unknown as Sql, sizes.tasks, sizes.links, sizes.issues);
    const rows = planRows(plans, ids);
    const total: WriteCounts = { tasks: 0, links: 0, analyzerIssues: 0, wraps: 0, alarms: 0, issues: 0, receipts: 0 };
    const longest = longestTable(rows);
    for (let start = 0; start === 0 || start < longest; start += ROWS_PER_STATEMENT) {
      const slice = longest <= ROWS_PER_STATEMENT ? rows : sliceRows(rows, start, ROWS_PER_STATEMENT);
      const counts = await writePlan(tx as unknown as Sql, slice, formatMicros(ctx.now));
      for (const key of Object.keys(total) as (keyof WriteCounts)[]) total[key] += counts[key];
    }
    checkCounts(total, {
      tasks: sizes.tasks, links: sizes.links, analyzerIssues: sizes.issues,
      wraps: rows.wrap.id.length, alarms: rows.alarmIds.length, issues: rows.issueIds.length, receipts: rows.receipt.id.length,
    }, plans);
  });
}


/** A device that failed and rolled back: logged now, counted by the tally. */
function fail(ctx: PassContext, deviceId: number, error: string, plan?: DevicePlan): Failed {
  ctx.logger.error(`device ${deviceId} failed and was rolled back: ${error}`, { deviceId });
  return { failure: { deviceId, error }, plan };
}

function missingIssueTypes(plan: DevicePlan, present: Set<number>): number[] {
  const missing = new Set<number>();
  for (const task of plan.tasks) {
    for (const event of task.events) {
      if ('analyzerIssue' in event && !present.has(event.analyzerIssue.type)) missing.add(event.analyzerIssue.type);
    }
  }
  return [...missing].sort();
}

function checkCounts(counts: WriteCounts, expected: WriteCounts, plans: DevicePlan[]): void {
  for (const key of Object.keys(expected) as (keyof WriteCounts)[]) {
    if (counts[key] !== expected[key]) {
      const devices = plans.map((p) => p.deviceId).join(', ');
      throw new Error(`device(s) ${devices}: expected to write ${expected[key]} ${key} but wrote ${counts[key]} (rows changed under the pass); rolled back`);
    }
  }
}
