// One analysis pass: the imperative shell around the pure core. It finds the
// ready devices (R1), then takes them a chunk at a time, each chunk in one
// transaction: own the devices (R19, transaction-scoped advisory locks), load
// their pending rows with one query per table (R2), let the core decide, and
// write the plans (R16-R18); the COMMIT releases the devices. Nothing of a
// chunk outlives its transaction, so the pass works the same directly and
// through a transaction pooler. Each step returns what it did; the pass adds
// it to the tally the report is built from.
import type { PassConfig } from '../infra/config.js';
import { analyzeDevice, formatMicros, Scratch, selectReady, type DeviceInput, type DevicePlan, type Micros, type ReadyDevice, type Settings } from '../core/index.js';
import { firstChunkSize, nextChunkSize, type ChunkBounds } from './chunks.js';
import { countNewRows, longestTable, planRows, sliceRows } from '../sql/plan-rows.js';
import { describeError } from '../infra/db-errors.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/log.js';
import { loadDevices } from './load.js';
import { isConnectionLost, PassAborted } from './outcome.js';
import { hasWrites, recordChunk, recordReady, type ChunkResult, type PassTally } from './report.js';
import type { PassProgress } from './progress.js';
import { inTransaction } from './session.js';
import { allocateIds } from '../sql/allocate-ids.js';
import { tryLockDevices } from '../sql/device-locks.js';
import { presentIssueTypes } from '../sql/issue-types.js';
import { RowError } from '../sql/packed-rows.js';
import { selectReadyCodes } from '../sql/ready-devices.js';
import { writePlan, type WriteCounts } from '../sql/write-plan.js';

export interface PassContext {
  sql: Sql;
  logger: Logger;
  config: PassConfig;
  now: Micros;
  /** Set by a signal handler or the pass's time limit: take no new device. */
  stop: { requested: boolean };
  /** Told after each chunk (docs/operations.md "Monitoring": progress on long passes). */
  progress?: PassProgress;
  /** The core's scratch memory, reused from device to device and released after each chunk. */
  scratch: Scratch;
}

const elapsed = (since: number) => Math.round(performance.now() - since);

type Failed = ChunkResult['failed'][number];

/** What the devices of one transaction came to: plans to commit, devices failed before the write, rows loaded. */
interface Attempt {
  /** devices whose ownership was asked for (claimed or skipped, or in flight when the claim failed) */
  tried: ReadyDevice[];
  claimed: ReadyDevice[];
  skipped: number[];
  plans: DevicePlan[];
  failed: Failed[];
  events: number;
  durationsMs: ChunkResult['durationsMs'];
}

/** Thrown inside a chunk's transaction when a stop was asked for after the load: it rolls back, nothing is written. */
class Stopped extends Error {}

/**
 * The pass: each step returns what it did and the tally adds it up, so a pass
 * that ends early (a lost connection, a stop signal) still reports every
 * chunk it finished.
 */
export async function runPass(ctx: PassContext, tally: PassTally): Promise<void> {
  const devices = await findReady(ctx, tally);
  const issueTypes = ctx.config.mode === 'receipts' ? await presentIssueTypes(ctx.sql, [7, 8, 9]) : new Set<number>();
  const bounds: ChunkBounds = { maxDevices: ctx.config.chunkSize, targetEvents: ctx.config.chunkEvents };
  let size = firstChunkSize(bounds);
  const cursor = { next: 0 }; // the first device not tried yet
  while (cursor.next < devices.length && !ctx.stop.requested) {
    const chunk: ChunkResult = { claimed: 0, skipped: [], done: [], failed: [], durationsMs: { load: 0, analyze: 0, write: 0 } };
    let lost: PassAborted | undefined;
    let events = 0;
    try {
      const result = await processChunk(ctx, issueTypes, (tx, tried) => claimChunk(ctx, tx, devices, cursor, size, tried), chunk);
      lost = result.lost;
      events = result.events;
      if (chunk.claimed > 0) size = nextChunkSize(bounds, size, chunk.claimed, events);
    } finally {
      recordChunk(tally, chunk);
      ctx.progress?.chunkDone(events); // after the tally: the line shows this chunk's devices as done
    }
    if (lost) throw lost;
    if (chunk.claimed === 0 && cursor.next >= devices.length) break; // the list is exhausted
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

interface Claim {
  mine: ReadyDevice[];
  skipped: number[];
}

/** Owns devices in a transaction, telling `tried` each device it asks for before it asks. */
type Claimer = (tx: Sql, tried: ReadyDevice[]) => Promise<Claim>;

/**
 * Claims `size` devices in `tx` (R19): one owned by another pass is skipped
 * and the next one tried, so every chunk is full and passes running together
 * take whole chunks in turn rather than fragments of each other's.
 */
async function claimChunk(ctx: PassContext, tx: Sql, devices: ReadyDevice[], cursor: { next: number }, size: number, tried: ReadyDevice[]): Promise<Claim> {
  const mine: ReadyDevice[] = [];
  const skipped: number[] = [];
  while (mine.length < size && cursor.next < devices.length) {
    const candidates = devices.slice(cursor.next, cursor.next + size - mine.length);
    cursor.next += candidates.length;
    tried.push(...candidates);
    const owned = new Set(await tryLockDevices(tx, candidates.map((d) => d.id)));
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

/**
 * One chunk in one transaction: claim, load, analyse, write, commit. Should
 * that fail for a reason other than a lost connection, each device is tried
 * again in a transaction of its own (owned, loaded, analysed and written
 * afresh), so one bad device rolls back alone and the others are written (R18).
 */
async function processChunk(
  ctx: PassContext,
  issueTypes: Set<number>,
  claim: Claimer,
  chunk: ChunkResult,
): Promise<{ events: number; lost?: PassAborted }> {
  const attempt = newAttempt();
  try {
    await runAttempt(ctx, issueTypes, claim, attempt);
    settle(chunk, attempt, attempt.plans);
    return { events: attempt.events };
  } catch (error) {
    settle(chunk, attempt, []);
    if (error instanceof Stopped) return { events: attempt.events };
    if (isConnectionLost(error)) return { events: attempt.events, lost: new PassAborted(`connection lost while writing: ${describeError(error)}`) };
    // every device asked for that neither failed on its own nor was owned elsewhere
    const retry = attempt.tried.filter((d) => !attempt.skipped.includes(d.id) && !attempt.failed.some((f) => f.failure.deviceId === d.id));
    if (retry.length === 1 && attempt.tried.length === 1) {
      chunk.failed.push(fail(ctx, retry[0]!.id, describeError(error), attempt.plans[0]));
      return { events: attempt.events };
    }
    ctx.logger.warn(`writing a chunk of ${retry.length} devices failed (${describeError(error)}): retrying device by device`);
    return { events: attempt.events, lost: await retryOneByOne(ctx, issueTypes, retry, chunk) };
  }
}

/** Each device in a transaction of its own: a failure is that device's alone. */
async function retryOneByOne(ctx: PassContext, issueTypes: Set<number>, devices: ReadyDevice[], chunk: ChunkResult): Promise<PassAborted | undefined> {
  for (const device of devices) {
    if (ctx.stop.requested) break;
    const attempt = newAttempt();
    try {
      await runAttempt(ctx, issueTypes, async (tx, tried) => {
        tried.push(device);
        const owned = await tryLockDevices(tx, [device.id]);
        return owned.length === 1 ? { mine: [device], skipped: [] } : { mine: [], skipped: [device.id] };
      }, attempt);
      settle(chunk, attempt, attempt.plans);
    } catch (error) {
      settle(chunk, attempt, []);
      if (error instanceof Stopped) break;
      if (isConnectionLost(error)) return new PassAborted(`connection lost while writing device ${device.id}: ${describeError(error)}`);
      chunk.failed.push(fail(ctx, device.id, describeError(error), attempt.plans[0]));
    }
  }
  return undefined;
}

const newAttempt = (): Attempt => ({ tried: [], claimed: [], skipped: [], plans: [], failed: [], events: 0, durationsMs: { load: 0, analyze: 0, write: 0 } });

/** Adds an attempt to the chunk: its claims, skips, failures and times, and `committed` as done. */
function settle(chunk: ChunkResult, attempt: Attempt, committed: DevicePlan[]): void {
  chunk.claimed = Math.max(chunk.claimed, attempt.tried.length - attempt.skipped.length);
  chunk.skipped.push(...attempt.skipped);
  chunk.failed.push(...attempt.failed);
  chunk.done.push(...committed);
  chunk.durationsMs.load += attempt.durationsMs.load;
  chunk.durationsMs.analyze += attempt.durationsMs.analyze;
  chunk.durationsMs.write += attempt.durationsMs.write;
}

/** Claim, load, analyse and write in one transaction; `attempt` says how far it got. Throws to roll back. */
async function runAttempt(ctx: PassContext, issueTypes: Set<number>, claim: Claimer, attempt: Attempt): Promise<void> {
  let writeStarted = 0;
  await inTransaction(ctx.sql, ctx.config, async (tx) => {
    const claimed = await claim(tx, attempt.tried);
    attempt.claimed = claimed.mine;
    attempt.skipped = claimed.skipped;
    if (claimed.mine.length === 0) return;
    const loaded = await loadChunk(ctx, tx, claimed.mine);
    attempt.failed.push(...loaded.failed);
    attempt.durationsMs.load = loaded.ms;
    attempt.events = countEvents(loaded.inputs);
    if (ctx.stop.requested) throw new Stopped('stop requested: the chunk rolls back unwritten');
    const settings: Settings = { mode: ctx.config.mode, lastEventTime: ctx.config.lastEventTime, timedeltaCheck: ctx.config.timedeltaCheck };
    const analyzed = analyzeChunk(ctx, settings, claimed.mine, loaded.inputs, issueTypes);
    attempt.failed.push(...analyzed.failed);
    attempt.plans = analyzed.plans;
    attempt.durationsMs.analyze = analyzed.ms;
    ctx.scratch.release(); // the core's scratch memory of this chunk's biggest device is not kept to the end of the pass
    writeStarted = performance.now();
    if (!ctx.config.dryRun) await writePlans(ctx, tx, analyzed.plans.filter(hasWrites));
  }).finally(() => {
    if (writeStarted > 0) attempt.durationsMs.write = elapsed(writeStarted); // the COMMIT included
  });
}

function countEvents(inputs: Map<number, DeviceInput>): number {
  let events = 0;
  for (const input of inputs.values()) events += input.wraps.length + input.alarms.length + input.issues.length + input.receipts.length;
  return events;
}

/**
 * The pending rows of the chunk's devices. A row the process cannot read
 * exactly (an id beyond 2^53) fails its device alone: the chunk is loaded
 * again device by device and the others go on (as R18 does for writes).
 */
async function loadChunk(ctx: PassContext, tx: Sql, devices: ReadyDevice[]): Promise<{ inputs: Map<number, DeviceInput>; failed: Failed[]; ms: number }> {
  const started = performance.now();
  const failed: Failed[] = [];
  try {
    return { inputs: await loadDevices(tx, ctx.config.mode, devices), failed, ms: elapsed(started) };
  } catch (error) {
    if (!(error instanceof RowError)) throw error;
  }
  const inputs = new Map<number, DeviceInput>();
  for (const device of devices) {
    try {
      inputs.set(device.id, (await loadDevices(tx, ctx.config.mode, [device])).get(device.id)!);
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
      plan = analyzeDevice(input, settings, ctx.now, ctx.scratch);
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

/** Rows per statement: a chunk's usual plan fits in one; a huge backlog is written in slices. */
const ROWS_PER_STATEMENT = 50_000;

/**
 * The plans' rows, each table through one unnest (in slices for a huge
 * backlog), ids pre-allocated; the counts are checked so a plan that no longer
 * matches the database rolls the transaction back (R18's recheck).
 */
async function writePlans(ctx: PassContext, tx: Sql, plans: DevicePlan[]): Promise<void> {
  if (plans.length === 0) return;
  const sizes = countNewRows(plans);
  const ids = await allocateIds(tx, sizes.tasks, sizes.links, sizes.issues);
  const rows = planRows(plans, ids);
  const total: WriteCounts = { tasks: 0, links: 0, analyzerIssues: 0, wraps: 0, alarms: 0, issues: 0, receipts: 0 };
  const longest = longestTable(rows);
  for (let start = 0; start === 0 || start < longest; start += ROWS_PER_STATEMENT) {
    const slice = longest <= ROWS_PER_STATEMENT ? rows : sliceRows(rows, start, ROWS_PER_STATEMENT);
    const counts = await writePlan(tx, slice, formatMicros(ctx.now));
    for (const key of Object.keys(total) as (keyof WriteCounts)[]) total[key] += counts[key];
  }
  checkCounts(total, {
    tasks: sizes.tasks, links: sizes.links, analyzerIssues: sizes.issues,
    wraps: rows.wrap.id.length, alarms: rows.alarmIds.length, issues: rows.issueIds.length, receipts: rows.receipt.id.length,
  }, plans);
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
