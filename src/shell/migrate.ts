// `analyzer migrate` on a live database (docs/migrations.md): the numbered
// migrations of src/sql/migrations applied in order, each once, recorded in
// analyzer_migration, under one lock two migrates serialise on. The device
// feed keeps writing meanwhile:
//   - an index is built CONCURRENTLY, outside a transaction; one left invalid
//     by an interrupted build is dropped (concurrently) and built again, unless
//     a build of it is still running (a killed migrate's backend), which is
//     waited for;
//   - any other step runs in one transaction whose locks are requested under a
//     short lock_timeout (SET LOCAL: nothing leaks through a pooler), retried
//     with backoff, so an insert never queues long behind our lock request.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../infra/db.js';
import { codeOf, describeError } from '../infra/db-errors.js';
import { VERSION } from '../infra/version.js';
import { setLocalTimeouts } from '../sql/local-timeouts.js';
import { runMigrationText } from '../sql/migrate.js';
import { loadMigrations, type Migration } from '../sql/migration-files.js';
import {
  appliedMigrations, baselinePresent, createMigrationTable, dropIndexConcurrently, indexState, migrationTableExists, recordMigration,
  type AppliedMigration, type IndexState,
} from '../sql/migration-state.js';
import { acquireMigrationLock, LOCK_TIMINGS, type LockTimings, type MigrateLog, type MigrationLock } from './migration-lock.js';

export type { MigrateLog } from './migration-lock.js';

export interface MigrateOptions {
  /** lock_timeout (ms) under which a transactional step requests its locks */
  lockTimeoutMs: number;
  /** how many times a step whose lock was not available is tried again (backoff 0.25 s doubling to 10 s) */
  lockRetries: number;
  /** the migrations to apply (tests); default: the ones shipped with the analyzer */
  migrations?: Migration[];
  timings?: Partial<LockTimings & { buildPollMs: number }>;
}

export interface MigrateSummary {
  applied: string[];
  baseline: string[];
  rebuilt: string[];
  alreadyApplied: number;
}

interface Ctx {
  sql: Sql;
  lock: MigrationLock;
  options: MigrateOptions;
  log: MigrateLog;
  summary: MigrateSummary;
}

export class MigrationRefused extends Error {}


/** Applies what is pending; `sql` runs the steps, `lockSql` (a connection of its own) holds the migration lock. */
export async function migrate(sql: Sql, lockSql: Sql, options: MigrateOptions, log: MigrateLog): Promise<MigrateSummary> {
  const migrations = options.migrations ?? loadMigrations();
  const lock = await acquireMigrationLock(lockSql, log, { ...LOCK_TIMINGS, ...options.timings });
  const ctx: Ctx = { sql, lock, options, log, summary: { applied: [], baseline: [], rebuilt: [], alreadyApplied: 0 } };
  try {
    if (!(await migrationTableExists(sql))) {
      await withLockRetries(ctx, 'analyzer_migration', () => sql.begin(async (tx) => {
        await setLocalTimeouts(tx as unknown as Sql, { statementTimeout: 0, lockTimeout: options.lockTimeoutMs });
        await createMigrationTable(tx as unknown as Sql);
      }));
    }
    const applied = new Map((await appliedMigrations(sql)).map((a) => [a.version, a]));
    refuseChanged(migrations, applied);
    const known = new Set(migrations.map((m) => m.version));
    for (const a of applied.values()) {
      if (!known.has(a.version)) log.warn('the database has a migration this analyzer does not know (applied by a newer one?)', { version: a.version, name: a.name, by: a.analyzer_version });
    }
    for (const m of migrations) {
      lock.assertHeld();
      await migrateOne(ctx, m, applied.get(m.version));
    }
  } finally {
    await lock.release();
  }
  return ctx.summary;
}

async function migrateOne(ctx: Ctx, m: Migration, applied: AppliedMigration | undefined): Promise<void> {
  if (applied) {
    ctx.summary.alreadyApplied++;
    // an index must stay valid: one an interrupted REINDEX or a hand-made build broke is built again
    if (m.index) await ensureIndex(ctx, m, false);
    return;
  }
  if (m.baseline.length > 0 && (await baselinePresent(ctx.sql, m.baseline))) {
    await ctx.sql.begin((tx) => record(tx as unknown as Sql, m, true));
    ctx.summary.baseline.push(m.label);
    ctx.log.info('migration recorded as applied: its objects are already there (baseline)', { migration: m.label, objects: m.baseline.map((b) => `${b.kind} ${b.name}`) });
    return;
  }
  if (m.index) await ensureIndex(ctx, m, true);
  else await applyInTransaction(ctx, m);
}

const record = (tx: Sql, m: Migration, baseline: boolean) =>
  recordMigration(tx, { version: m.version, name: m.name, checksum: m.checksum, analyzerVersion: VERSION, baseline });

/** An applied migration whose file changed: refused before anything runs, every such file named in one line. */
function refuseChanged(migrations: Migration[], applied: Map<number, AppliedMigration>): void {
  const changed = migrations.filter((m) => applied.has(m.version) && applied.get(m.version)!.checksum !== m.checksum);
  if (changed.length === 0) return;
  const what = changed.map((m) => {
    const a = applied.get(m.version)!;
    return `${m.label} was applied with checksum ${a.checksum.slice(0, 12)} (analyzer ${a.analyzer_version}, ${a.applied_at}) but this analyzer's file has ${m.checksum.slice(0, 12)}`;
  });
  throw new MigrationRefused(
    `applied migration changed: ${what.join('; ')}. Nothing was applied: an applied migration must never change (restore the file; make a change as a new numbered migration)`,
  );
}

/** A transactional step: its statements and its analyzer_migration row in one transaction, locks under lock_timeout. */
async function applyInTransaction(ctx: Ctx, m: Migration): Promise<void> {
  const started = Date.now();
  await withLockRetries(ctx, m.label, () => lockingTransaction(
    ctx.sql,
    ctx.options.lockTimeoutMs,
    // the row first: the step's table locks are then held for its own statements and the commit only
    (tx) => record(tx, m, false),
    (tx) => runMigrationText(tx, m.text),
  ));
  ctx.summary.applied.push(m.label);
  ctx.log.info('migration applied', { migration: m.label, ms: Date.now() - started });
}

/**
 * BEGIN, SET LOCAL lock_timeout, `first`, `last`, COMMIT on one connection.
 * The COMMIT is sent right behind `last`'s statement (pipelined), not after
 * its answer came back: the ACCESS EXCLUSIVE lock that statement takes is held
 * for the server's time only, never for a client round trip (or a paused
 * client). If the statement fails, the server turns that COMMIT into a ROLLBACK.
 * `last` must send its one statement at once (before any await of its own).
 */
async function lockingTransaction(
  sql: Sql,
  lockTimeoutMs: number,
  first: (tx: Sql) => Promise<unknown>,
  last: (tx: Sql) => Promise<unknown>,
): Promise<void> {
  const tx = (await sql.reserve()) as unknown as Sql & { release(): void };
  try {
    await tx`begin`.simple();
    await setLocalTimeouts(tx, { statementTimeout: 0, lockTimeout: lockTimeoutMs });
    await first(tx);
    const [done, commit] = await Promise.allSettled([last(tx), tx`commit`.simple()]);
    if (done.status === 'rejected') throw done.reason as Error;
    if (commit.status === 'rejected') throw commit.reason as Error;
  } catch (error) {
    await tx`rollback`.simple().catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}

const LOCK_WAIT_CODES = new Set(['55P03', '40P01']); // lock_not_available (lock_timeout), deadlock_detected
const isLockWait = (error: unknown) => LOCK_WAIT_CODES.has(codeOf(error));

/** 0.25 s, 0.5 s, 1 s, ... capped at 10 s, plus up to 20 % so two waiters do not retry in step. */
export const backoffMs = (attempt: number): number => Math.round(Math.min(10_000, 250 * 2 ** (attempt - 1)) * (1 + Math.random() * 0.2));

async function withLockRetries<T>(ctx: Ctx, label: string, body: () => Promise<T>): Promise<T> {
  const { lockTimeoutMs, lockRetries } = ctx.options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await body();
    } catch (error) {
      if (!isLockWait(error)) throw error;
      if (attempt > lockRetries) {
        throw new Error(`${label}: a lock it needs was not available within ${lockTimeoutMs} ms in ${attempt} attempts (${describeError(error)}); `
          + 'a long transaction holds a conflicting lock. This step was not applied; run migrate again later, or raise --migrate-lock-retries', { cause: error });
      }
      const delay = backoffMs(attempt);
      ctx.log.warn('lock not available within lock_timeout: retrying', {
        migration: label, attempt, of: lockRetries + 1, lockTimeoutMs, retryInMs: delay, error: describeError(error),
      });
      await sleep(delay);
      ctx.lock.assertHeld();
    }
  }
}

const MAX_BUILDS = 3;

/** An index step: valid when done. Invalid: dropped and built again, unless a build of it is still running (waited for). */
async function ensureIndex(ctx: Ctx, m: Migration, recordIt: boolean): Promise<void> {
  const { name, table } = m.index!;
  let builds = 0;
  let retries = 0;
  for (;;) {
    ctx.lock.assertHeld();
    const state = await indexState(ctx.sql, name);
    if (state.valid) break;
    if (state.builder) {
      await waitForBuild(ctx, name, state);
      continue;
    }
    // a build that succeeded yet left no valid index (IF NOT EXISTS met another's): bounded, never a loop
    if (builds >= MAX_BUILDS) throw new Error(`${m.label}: index ${name} is still not valid after ${builds} builds`);
    const started = Date.now();
    try {
      if (state.exists) {
        ctx.log.warn('index is invalid (an interrupted build): dropping it concurrently and building it again', { migration: m.label, index: name });
        await dropIndexConcurrently(ctx.sql, name);
      } else if (!recordIt) {
        ctx.log.warn('index of an applied migration is missing: building it again', { migration: m.label, index: name });
      }
      ctx.log.info('building index concurrently', { migration: m.label, index: name, table });
      await runMigrationText(ctx.sql, m.text);
      builds++;
    } catch (error) {
      // a lock_timeout of the role or database can stop the drop or the build in a wait: the index is left invalid, dropped next round
      if (!isLockWait(error) || retries >= ctx.options.lockRetries) throw error;
      retries++;
      const delay = backoffMs(retries);
      ctx.log.warn('index build stopped by a lock timeout: retrying', { migration: m.label, index: name, attempt: retries, retryInMs: delay, error: describeError(error) });
      await sleep(delay);
      continue;
    }
    ctx.log.info('index built', { migration: m.label, index: name, ms: Date.now() - started });
    if ((!recordIt || state.exists) && !ctx.summary.rebuilt.includes(m.label)) ctx.summary.rebuilt.push(m.label);
  }
  if (recordIt) {
    await ctx.sql.begin((tx) => record(tx as unknown as Sql, m, false));
    ctx.summary.applied.push(m.label);
  }
}

/** Another backend is building the index (e.g. the server-side half of a killed migrate): wait for it, never drop under it. */
async function waitForBuild(ctx: Ctx, name: string, state: IndexState): Promise<void> {
  const pollMs = ctx.options.timings?.buildPollMs ?? 1000;
  const logEveryMs = ctx.options.timings?.logEveryMs ?? LOCK_TIMINGS.logEveryMs;
  const started = Date.now();
  let lastLog = started;
  ctx.log.warn('index is being built by another backend (a killed migrate\'s build still running?): waiting for it', {
    index: name, pid: state.builder!.pid, phase: state.builder!.phase, application: state.builder!.application,
  });
  for (;;) {
    await sleep(pollMs);
    ctx.lock.assertHeld();
    const now = await indexState(ctx.sql, name);
    if (now.valid || !now.builder) {
      ctx.log.info('the other build ended', { index: name, valid: now.valid, waitedMs: Date.now() - started });
      return;
    }
    if (Date.now() - lastLog >= logEveryMs) {
      lastLog = Date.now();
      ctx.log.info('still waiting for the other build', { index: name, pid: now.builder.pid, phase: now.builder.phase, waitedMs: Date.now() - started });
    }
  }
}
