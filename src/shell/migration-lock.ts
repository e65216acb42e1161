// Two migrates at once serialise on one lock, held in a way a transaction
// pooler (PgBouncer pool_mode=transaction) cannot leak to another client:
// pg_advisory_xact_lock in a transaction left open on a connection of its own
// for the whole migrate, ended by COMMIT (or by the server when the process
// dies: an idle-in-transaction backend sees its client's socket close at once).
//
// That transaction never holds a snapshot or an xid, so CREATE INDEX
// CONCURRENTLY (which waits for every transaction with an older snapshot)
// never waits for it:
//   - the lock is tried (pg_try_advisory_xact_lock) in a short transaction,
//     rolled back when another migrate has it, rather than waited for: a
//     blocked statement would hold a snapshot for as long as it waits, and the
//     other migrate's index build would wait for it in turn, a deadlock the
//     server cannot see (one side of it is in the client);
//   - its statements go by the simple protocol: an extended-protocol portal
//     keeps its snapshot (and so the transaction's xmin) until the next one;
//   - the keep-alive is SHOW, which needs no snapshot;
//   - idle_in_transaction_session_timeout is switched off for this
//     transaction only (set_config(..., true)); the keep-alive also resets a
//     pooler's idle_transaction_timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../infra/db.js';
import { describeError } from '../infra/db-errors.js';
import { migrationLockHolder } from '../sql/migration-state.js';

/** Where migrate says what it does (a logger). */
export interface MigrateLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** 0x50434d31, 'PCM1': written as 1346587953 in the statement that takes it (sent without parameters). */
export const MIGRATION_LOCK = 0x5043_4d31;

export interface MigrationLock {
  /** Throws if the lock's connection was lost: another migrate may have started since. */
  assertHeld(): void;
  release(): Promise<void>;
}

export interface LockTimings {
  /** between two tries while another migrate holds the lock */
  pollMs: number;
  /** between two keep-alive statements while the lock is held */
  keepAliveMs: number;
  /** between two "still waiting" log lines */
  logEveryMs: number;
}

export const LOCK_TIMINGS: LockTimings = { pollMs: 500, keepAliveMs: 5000, logEveryMs: 30_000 };

class NotHeld extends Error {}

/** Waits (logging who holds it) until this process holds the migration lock. */
export async function acquireMigrationLock(sql: Sql, log: MigrateLog, timings: LockTimings = LOCK_TIMINGS): Promise<MigrationLock> {
  const started = Date.now();
  let lastLog = -Infinity;
  for (;;) {
    const lock = await tryLock(sql, timings);
    if (lock) {
      if (lastLog > -Infinity) log.info('migration lock taken', { waitedMs: Date.now() - started });
      return lock;
    }
    if (Date.now() - lastLog >= timings.logEveryMs) {
      lastLog = Date.now();
      const holder = await migrationLockHolder(sql, MIGRATION_LOCK).catch(() => undefined);
      log.info('another migrate is running: waiting for it to finish', {
        holderPid: holder?.pid, holderApplication: holder?.application, holderSince: holder?.since, waitedMs: Date.now() - started,
      });
    }
    await sleep(timings.pollMs);
  }
}

/** One try: the lock held in an open transaction, or undefined (rolled back) when another migrate has it. */
function tryLock(sql: Sql, timings: LockTimings): Promise<MigrationLock | undefined> {
  return new Promise((resolve, reject) => {
    let acquired = false;
    let releasing = false;
    let lost: Error | undefined;
    let wake: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const lock: MigrationLock = {
      assertHeld() {
        if (lost) throw new Error(`lost the migration lock (its connection failed: ${lost.message}); nothing more applied, run migrate again`);
      },
      async release() {
        releasing = true;
        clearTimeout(timer);
        wake();
        await done.catch(() => undefined);
      },
    };
    const done = sql.begin(async (tx) => {
      // simple protocol (no parameters, no portal left open): an extended-protocol
      // portal would keep its snapshot, so our xmin, until the next statement
      const [row] = await tx<{ held: boolean }[]>`
        select set_config('idle_in_transaction_session_timeout', '0', true) as off,
               pg_try_advisory_xact_lock(1346587953) as held -- MIGRATION_LOCK`.simple();
      if (!row!.held) throw new NotHeld('another migrate holds the lock'); // rolls the try back
      acquired = true;
      resolve(lock);
      while (!releasing) {
        await new Promise<void>((r) => {
          wake = r;
          timer = setTimeout(r, timings.keepAliveMs);
        });
        if (!releasing) await tx`show server_version`.simple();
      }
    });
    done.catch((error: unknown) => {
      if (error instanceof NotHeld) resolve(undefined);
      else if (!acquired) reject(error instanceof Error ? error : new Error(String(error)));
      else if (!releasing) lost = new Error(describeError(error));
    });
  });
}
