// Waiting in tests: poll for a condition, or keep a transaction open (its
// locks held) so a pass blocks exactly where a test wants it.
import type { Sql } from './db.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined; throws after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Runs `statement` in a transaction on a connection of its own and keeps the
 * transaction open (its locks held) until release().
 */
export async function holdInTransaction(sql: Sql, statement: (tx: Sql) => PromiseLike<unknown>): Promise<HeldLock> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = sql.begin(async (tx) => {
    await statement(tx as unknown as Sql);
    locked();
    await released;
  });
  await Promise.race([isLocked, done]);
  return {
    async release() {
      release();
      await done;
    },
  };
}
