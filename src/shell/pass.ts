// One analysis pass: the imperative shell around the pure core. It finds the
// ready devices (R1), owns them chunk by chunk (R19), loads their pending rows
// with one query per table per chunk (R2), lets the core decide, and writes
// each device's plan in its own transaction (R16-R18).
import type { PassConfig } from '../infra/config.js';
import { analyzeDevice, selectReady, formatMicros, type ReadyDevice, type DeviceInput, type DevicePlan, type Micros, type Settings } from '../core/index.js';
import { firstChunkSize, nextChunkSize, type ChunkBounds } from './chunks.js';
import { countNewRows, longestTable, planRows, sliceRows } from '../sql/plan-rows.js';
import { describeError, type Sql } from '../infra/db.js';
import type { Logger } from '../infra/log.js';
import { loadDevices } from './load.js';
import { countPlan, type PassReport } from './report.js';
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
  report: PassReport;
  /** Set by a signal handler: take no new device. */
  stop: { requested: boolean };
}

/** Errors after which this session (and its locks) cannot go on. */
export class PassAborted extends Error {}

const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

export function isConnectionLost(error: unknown): boolean {
  return CONNECTION_LOST.has((error as { code?: string }).code ?? '');
}

const elapsed = (since: number) => Math.round(performance.now() - since);

export async function runPass(ctx: PassContext): Promise<void> {
  const { sql, logger, config, report } = ctx;
  const settings: Settings = { mode: config.mode, lastEventTime: config.lastEventTime, timedeltaCheck: config.timedeltaCheck };
  const ready = selectReady(await selectReadyCodes(sql), config.mode, config.devices);
  report.devices.ready = ready.devices.length;
  report.devices.conflicts = ready.conflicts.length;
  report.warnings = {
    junkDeviceCodes: ready.junkCodes,
    unknownDeviceCodes: ready.unknownCodes,
    conflictDevices: ready.conflicts.map((d) => d.id),
  };
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

  const issueTypes = config.mode === 'receipts' ? await presentIssueTypes(sql, [7, 8, 9]) : new Set<number>();

  const bounds: ChunkBounds = { maxDevices: config.chunkSize, targetEvents: config.chunkEvents };
  let size = firstChunkSize(bounds);
  const devices = ready.devices;
  let next = 0; // the first device not tried yet
  while (next < devices.length) {
    if (ctx.stop.requested) break;
    const mine: ReadyDevice[] = [];
    try {
      // Claim `size` devices (R19): one owned by another pass is skipped and
      // the next one tried, so every chunk is full and passes running together
      // take whole chunks in turn rather than fragments of each other's.
      while (mine.length < size && next < devices.length) {
        const candidates = devices.slice(next, next + size - mine.length);
        next += candidates.length;
        const owned = new Set(await tryLockDevices(sql, candidates.map((d) => d.id)));
        for (const d of candidates) {
          if (owned.has(d.id)) {
            mine.push(d);
          } else {
            report.devices.skippedOwnedElsewhere++;
            report.skipped.push(d.id);
            logger.info(`device ${d.id} is being processed by another pass: skipped (R19)`, { deviceId: d.id });
          }
        }
      }
      if (mine.length === 0) break; // the list is exhausted
      report.chunks++;
      const inputs = await loadChunk(ctx, mine);
      if (ctx.stop.requested) break;
      size = nextChunkSize(bounds, size, mine.length, countEvents(inputs));
      const plans = analyzeChunk(ctx, settings, mine, inputs, issueTypes);
      await writeChunk(ctx, plans);
    } finally {
      // a lost connection has already released the locks with the session
      await unlockDevices(sql, mine.map((d) => d.id)).catch(() => undefined);
    }
  }
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
async function loadChunk(ctx: PassContext, devices: ReadyDevice[]): Promise<Map<number, DeviceInput>> {
  const started = performance.now();
  try {
    return await loadDevices(ctx.sql, ctx.config.mode, devices);
  } catch (error) {
    if (!(error instanceof RowError)) throw error;
    const inputs = new Map<number, DeviceInput>();
    for (const device of devices) {
      try {
        inputs.set(device.id, (await loadDevices(ctx.sql, ctx.config.mode, [device])).get(device.id)!);
      } catch (deviceError) {
        if (!(deviceError instanceof RowError)) throw deviceError;
        fail(ctx, device.id, `loading failed, nothing written for this device: ${deviceError.message}`);
      }
    }
    return inputs;
  } finally {
    ctx.report.durationsMs.load += elapsed(started);
  }
}

/** The core's plan for every owned device of the chunk; a device the core cannot plan fails alone. */
function analyzeChunk(ctx: PassContext, settings: Settings, devices: ReadyDevice[], inputs: Map<number, DeviceInput>, issueTypes: Set<number>): DevicePlan[] {
  const started = performance.now();
  const plans: DevicePlan[] = [];
  for (const device of devices) {
    const input = inputs.get(device.id);
    if (!input) continue; // its load failed, and was reported
    let plan: DevicePlan;
    try {
      plan = analyzeDevice(input, settings, ctx.now);
    } catch (error) {
      fail(ctx, device.id, `analysis failed: ${describeError(error)}`);
      continue;
    }
    for (const r of plan.rejected) {
      ctx.logger.warn(`${r.table} row ${r.id} of device ${device.id} is invalid (${r.reason}): left pending (R4)`,
        { deviceId: device.id, table: r.table, id: r.id, reason: r.reason });
    }
    const missing = missingIssueTypes(plan, issueTypes);
    if (missing.length > 0) {
      fail(ctx, device.id, `issue type(s) ${missing.join(', ')} missing from polycomm_issue_type: nothing written for this device (R14)`);
      countRejectedAndDeferred(ctx.report, plan);
      continue;
    }
    plans.push(plan);
  }
  ctx.report.durationsMs.analyze += elapsed(started);
  return plans;
}

const hasWrites = (p: DevicePlan) =>
  p.tasks.length + p.wrapUpdates.length + p.alarmIds.length + p.issueIds.length + p.receiptUpdates.length > 0;

/**
 * Writes a chunk's plans in one transaction (a handful of statements whatever
 * the chunk's size). Should that fail for a reason other than a lost
 * connection, each device is retried in its own transaction, so one bad
 * device rolls back alone and the others are written (R18).
 */
async function writeChunk(ctx: PassContext, plans: DevicePlan[]): Promise<void> {
  const { report } = ctx;
  // processed: something was (or in a dry run would be) written; idle: nothing
  // to write (nothing pending, or only groups still in progress). Two passes
  // that meet on a device count it once as processed between them.
  const done = (plan: DevicePlan) => {
    countPlan(report, plan);
    if (hasWrites(plan)) report.devices.processed++;
    else report.devices.idle++;
  };
  const toWrite = ctx.config.dryRun ? [] : plans.filter(hasWrites);
  for (const plan of plans) if (!toWrite.includes(plan)) done(plan);
  if (toWrite.length === 0) return;
  const started = performance.now();
  try {
    await writeTransaction(ctx, toWrite);
    toWrite.forEach(done);
  } catch (error) {
    if (isConnectionLost(error)) throw new PassAborted(`connection lost while writing: ${describeError(error)}`);
    if (toWrite.length === 1) {
      fail(ctx, toWrite[0]!.deviceId, describeError(error));
      countRejectedAndDeferred(report, toWrite[0]!);
    } else {
      ctx.logger.warn(`writing a chunk of ${toWrite.length} devices failed (${describeError(error)}): retrying device by device`);
      for (const plan of toWrite) {
        if (ctx.stop.requested) break;
        try {
          await writeTransaction(ctx, [plan]);
          done(plan);
        } catch (deviceError) {
          if (isConnectionLost(deviceError)) throw new PassAborted(`connection lost while writing device ${plan.deviceId}: ${describeError(deviceError)}`);
          fail(ctx, plan.deviceId, describeError(deviceError));
          countRejectedAndDeferred(report, plan);
        }
      }
    }
  } finally {
    report.durationsMs.write += elapsed(started);
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

function fail(ctx: PassContext, deviceId: number, error: string): void {
  ctx.report.devices.failed++;
  ctx.report.failures.push({ deviceId, error });
  ctx.logger.error(`device ${deviceId} failed and was rolled back: ${error}`, { deviceId });
}

/** A failed device still reports what it found invalid or in progress. */
function countRejectedAndDeferred(report: PassReport, plan: DevicePlan): void {
  countPlan(report, { ...plan, tasks: [], wrapUpdates: [], alarmIds: [], issueIds: [], receiptUpdates: [], cleanGroups: 0 });
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
