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
import { countNewRows, longestTable, planRows, sliceRows, type PlanRows } from '../sql/plan-rows.js';
import { describeError } from '../infra/db-errors.js';
import { within } from '../infra/deadline.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/log.js';
import { loadDevices } from './load.js';
import { isConnectionLost, PassAborted } from './outcome.js';
import { hasWrites, recordChunk, recordReady, type ChunkResult, type PassTally } from './report.js';
import type { PassProgress } from './progress.js';
import { inTransaction, type SpareConnection } from './session.js';
import { allocateIds } from '../sql/allocate-ids.js';
import { tryLockDevices } from '../sql/device-locks.js';
import { presentIssueTypes } from '../sql/issue-types.js';
import { RowError } from '../sql/packed-rows.js';
import { selectReadyCodes } from '../sql/ready-devices.js';
import { encodeRows, writeEncoded, type EncodedRows, type WriteCounts } from '../sql/write-plan.js';

export interface PassContext {
  sql: Sql;
  /**
   * A second connection, when the pass has one: the next chunk is claimed,
   * loaded and analysed on it while the chunk before it writes on the other.
   */
  spare?: SpareConnection;
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
  skipped: number[];
  plans: DevicePlan[];
  failed: Failed[];
  events: number;
  durationsMs: ChunkResult['durationsMs'];
}

/** Thrown inside a chunk's transaction when it must not write (a stop was asked for, the chunk before lost its connection): it rolls back. */
class Stopped extends Error {}

/** How a chunk's transaction ended, which the next chunk waits for before it writes. */
type TransactionEnd = 'committed' | 'rolled back' | 'lost';

/** What a chunk's transaction tells the pass as it goes, and waits for before writing. */
interface ChunkSignals {
  /** the chunk has claimed, loaded and analysed: the next chunk can be claimed (its size follows from these) */
  loaded(claimed: number, events: number): void;
  /** the chunk's transaction ended */
  ended(end: TransactionEnd): void;
  /** how the chunk before this one ended: this one writes only after it (and not at all if it was lost) */
  turn: Promise<TransactionEnd>;
}

/** A chunk under way. */
interface ChunkRun {
  loaded: Promise<{ claimed: number; events: number }>;
  ended: Promise<TransactionEnd>;
  /** how its transaction ended, once it has */
  endedAs(): TransactionEnd | undefined;
  /** the chunk is finished, a failed chunk's device-by-device retries included; never rejects */
  done: Promise<{ chunk: ChunkResult; events: number; lost?: PassAborted; error?: unknown }>;
}

/** The ready devices and where the next chunk starts in them. */
interface Cursor {
  devices: ReadyDevice[];
  next: number;
  size: number;
  bounds: ChunkBounds;
}

/**
 * The pass: each step returns what it did and the tally adds it up, so a pass
 * that ends early (a lost connection, a stop signal) still reports every
 * chunk it finished. Chunks go through two stages: claim, load and analyse;
 * then write and commit. With a second connection the next chunk goes
 * through its first stage while this one writes; its write waits for this
 * chunk's COMMIT. Each chunk is still one transaction of its own.
 */
export async function runPass(ctx: PassContext, tally: PassTally): Promise<void> {
  const [devices, lanes, issueTypes] = await Promise.all([
    findReady(ctx, tally), connections(ctx),
    ctx.config.mode === 'receipts' ? presentIssueTypes(ctx.sql, [7, 8, 9]) : new Set<number>(),
  ]);
  const bounds: ChunkBounds = { maxDevices: ctx.config.chunkSize, targetEvents: ctx.config.chunkEvents };
  const cursor: Cursor = { devices, next: 0, size: firstChunkSize(bounds), bounds };
  const start = (lane: Sql, turn: Promise<TransactionEnd>) =>
    startChunk(ctx, lane, issueTypes, (tx, tried) => claimChunk(ctx, tx, cursor, tried), turn);
  let current = devices.length > 0 && !ctx.stop.requested ? start(lanes[0]!, Promise.resolve('committed')) : undefined;
  for (let n = 1; current; n++) {
    const loaded = await current.loaded;
    if (loaded.claimed > 0) cursor.size = nextChunkSize(bounds, cursor.size, loaded.claimed, loaded.events);
    const more = cursor.next < devices.length && !ctx.stop.requested && current.endedAs() !== 'lost';
    const next = more ? start(lanes[n % lanes.length]!, current.ended) : undefined;
    const { chunk, events, lost, error } = await current.done;
    recordChunk(tally, chunk);
    ctx.progress?.chunkDone(events); // after the tally: the line shows this chunk's devices as done
    // a chunk started after a lost one does not write (its turn says 'lost'): it rolls back alone
    if (lost) throw lost;
    if (error !== undefined) throw error instanceof Error ? error : new Error(describeError(error));
    current = next;
  }
}

/**
 * How long the second connection may take to answer its first statement. A
 * session pooler with no free server connection (where the first connection
 * already holds one for the whole pass) or a connection limit would make it
 * wait: past this the pass goes on with one connection.
 */
const SPARE_WAIT_MS = 2000;

/**
 * The connections chunks take turns on: the pass's own, and the spare one if
 * it answers in time. A spare that cannot be used is no failure: it is
 * closed, and the chunks run one after another on the one connection.
 */
async function connections(ctx: PassContext): Promise<Sql[]> {
  const spare = ctx.spare;
  if (!spare) return [ctx.sql];
  try {
    await within(SPARE_WAIT_MS, "the second connection's first statement", spare.sql`select 1`);
    return [ctx.sql, spare.sql];
  } catch (error) {
    ctx.logger.warn(`a second connection could not be used (${describeError(error)}): chunks run one after another on one connection`);
    await spare.end(0);
    return [ctx.sql];
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
 * Claims `cursor.size` devices in `tx` (R19): one owned by another pass is
 * skipped and the next one tried, so every chunk is full and passes running
 * together take whole chunks in turn rather than fragments of each other's.
 */
async function claimChunk(ctx: PassContext, tx: Sql, cursor: Cursor, tried: ReadyDevice[]): Promise<Claim> {
  const mine: ReadyDevice[] = [];
  const skipped: number[] = [];
  const size = cursor.size;
  while (mine.length < size && cursor.next < cursor.devices.length) {
    const candidates = cursor.devices.slice(cursor.next, cursor.next + size - mine.length);
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

/** A promise with its resolve at hand; resolving twice keeps the first value. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Starts a chunk on `lane`; it writes once `turn` says the chunk before it has ended. */
function startChunk(ctx: PassContext, lane: Sql, issueTypes: Set<number>, claim: Claimer, turn: Promise<TransactionEnd>): ChunkRun {
  const loaded = deferred<{ claimed: number; events: number }>();
  const ended = deferred<TransactionEnd>();
  let endedAs: TransactionEnd | undefined;
  const chunk: ChunkResult = { claimed: 0, skipped: [], done: [], failed: [], durationsMs: { load: 0, analyze: 0, write: 0 } };
  const signals: ChunkSignals = {
    loaded: (claimed, events) => loaded.resolve({ claimed, events }),
    ended: (end) => {
      endedAs ??= end;
      ended.resolve(end);
    },
    turn,
  };
  const done = processChunk(ctx, lane, issueTypes, claim, chunk, signals).then(
    (result) => ({ chunk, ...result }),
    (error: unknown) => ({ chunk, events: 0, error }),
  ).finally(() => {
    // a chunk that ended before its analysis (or threw) still lets the pass go on
    loaded.resolve({ claimed: chunk.claimed, events: 0 });
    signals.ended('rolled back');
  });
  return { loaded: loaded.promise, ended: ended.promise, endedAs: () => endedAs, done };
}

/**
 * One chunk in one transaction: claim, load, analyse, write, commit. Should
 * that fail for a reason other than a lost connection, each device is tried
 * again in a transaction of its own (owned, loaded, analysed and written
 * afresh), so one bad device rolls back alone and the others are written (R18).
 */
async function processChunk(
  ctx: PassContext,
  lane: Sql,
  issueTypes: Set<number>,
  claim: Claimer,
  chunk: ChunkResult,
  signals: ChunkSignals,
): Promise<{ events: number; lost?: PassAborted }> {
  const attempt = newAttempt();
  try {
    await runAttempt(ctx, lane, issueTypes, claim, attempt, signals);
    signals.ended('committed');
    settle(chunk, attempt, attempt.plans);
    return { events: attempt.events };
  } catch (error) {
    const lost = isConnectionLost(error);
    signals.ended(lost ? 'lost' : 'rolled back');
    settle(chunk, attempt, []);
    if (error instanceof Stopped) return { events: attempt.events };
    if (lost) return { events: attempt.events, lost: new PassAborted(`connection lost while writing: ${describeError(error)}`) };
    // every device asked for that neither failed on its own nor was owned elsewhere
    const retry = attempt.tried.filter((d) => !attempt.skipped.includes(d.id) && !attempt.failed.some((f) => f.failure.deviceId === d.id));
    if (retry.length === 1 && attempt.tried.length === 1) {
      chunk.failed.push(fail(ctx, retry[0]!.id, describeError(error), attempt.plans[0]));
      return { events: attempt.events };
    }
    ctx.logger.warn(`writing a chunk of ${retry.length} devices failed (${describeError(error)}): retrying device by device`);
    return { events: attempt.events, lost: await retryOneByOne(ctx, lane, issueTypes, retry, chunk) };
  }
}

/** Each device in a transaction of its own: a failure is that device's alone. */
async function retryOneByOne(ctx: PassContext, lane: Sql, issueTypes: Set<number>, devices: ReadyDevice[], chunk: ChunkResult): Promise<PassAborted | undefined> {
  for (const device of devices) {
    if (ctx.stop.requested) break;
    const attempt = newAttempt();
    const signals: ChunkSignals = { loaded: () => undefined, ended: () => undefined, turn: Promise.resolve('committed') };
    try {
      await runAttempt(ctx, lane, issueTypes, async (tx, tried) => {
        tried.push(device);
        const owned = await tryLockDevices(tx, [device.id]);
        return owned.length === 1 ? { mine: [device], skipped: [] } : { mine: [], skipped: [device.id] };
      }, attempt, signals);
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

const newAttempt = (): Attempt => ({ tried: [], skipped: [], plans: [], failed: [], events: 0, durationsMs: { load: 0, analyze: 0, write: 0 } });

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

/**
 * Claim, load, analyse and write in one transaction on `lane`; `attempt` says
 * how far it got. Throws to roll back. The write is made ready (ids, rows,
 * parameters) as soon as the chunk is analysed, and sent once the chunk
 * before has ended.
 */
async function runAttempt(ctx: PassContext, lane: Sql, issueTypes: Set<number>, claim: Claimer, attempt: Attempt, signals: ChunkSignals): Promise<void> {
  let prepareMs = 0;
  let sendStarted = 0;
  await inTransaction(lane, ctx.config, async (tx) => {
    const claimed = await claim(tx, attempt.tried);
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
    signals.loaded(claimed.mine.length, attempt.events);
    const prepareStarted = performance.now();
    const write = ctx.config.dryRun ? undefined : await prepareWrite(tx, analyzed.plans.filter(hasWrites));
    prepareMs = performance.now() - prepareStarted;
    if ((await signals.turn) === 'lost') throw new Stopped('the chunk before lost its connection: this one rolls back unwritten');
    if (ctx.stop.requested) throw new Stopped('stop requested: the chunk rolls back unwritten');
    sendStarted = performance.now();
    if (write) await sendWrite(ctx, tx, write);
  }).finally(() => {
    if (sendStarted > 0) attempt.durationsMs.write = Math.round(prepareMs) + elapsed(sendStarted); // the COMMIT included
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

/** A chunk's write, ready to send: ids allocated, rows built, the first statement's parameters encoded. */
interface PreparedWrite {
  plans: DevicePlan[];
  rows: PlanRows;
  first: EncodedRows;
  expected: WriteCounts;
}

/**
 * The write of the plans made ready while the chunk waits for its turn (ids
 * pre-allocated from their sequences, the rows and the first statement's
 * parameters built), so it goes out the moment the chunk before has ended.
 */
async function prepareWrite(tx: Sql, plans: DevicePlan[]): Promise<PreparedWrite | undefined> {
  if (plans.length === 0) return undefined;
  const sizes = countNewRows(plans);
  const rows = planRows(plans, await allocateIds(tx, sizes.tasks, sizes.links, sizes.issues), sizes);
  const expected: WriteCounts = {
    tasks: sizes.tasks, links: sizes.links, analyzerIssues: sizes.issues,
    wraps: rows.wrap.id.length, alarms: rows.alarmIds.length, issues: rows.issueIds.length, receipts: rows.receipt.id.length,
  };
  return { plans, rows, first: encodeRows(sliceRows(rows, 0, ROWS_PER_STATEMENT)), expected };
}

/**
 * The plans' rows, each table through one unnest (in slices for a huge
 * backlog, each encoded as its turn comes); the counts are checked so a plan
 * that no longer matches the database rolls the transaction back (R18's recheck).
 */
async function sendWrite(ctx: PassContext, tx: Sql, write: PreparedWrite): Promise<void> {
  const total: WriteCounts = { tasks: 0, links: 0, analyzerIssues: 0, wraps: 0, alarms: 0, issues: 0, receipts: 0 };
  const longest = longestTable(write.rows);
  for (let start = 0; start === 0 || start < longest; start += ROWS_PER_STATEMENT) {
    const encoded = start === 0 ? write.first : encodeRows(sliceRows(write.rows, start, ROWS_PER_STATEMENT));
    const counts = await writeEncoded(tx, encoded, formatMicros(ctx.now));
    for (const key of Object.keys(total) as (keyof WriteCounts)[]) total[key] += counts[key];
  }
  checkCounts(total, write.expected, write.plans);
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
