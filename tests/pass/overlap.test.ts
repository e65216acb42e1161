// Issue 22: a pass with two connections (the next chunk claimed, loaded and
// analysed on the second while a chunk writes on the first) leaves exactly
// the database a pass one chunk after another leaves (PASS_CONNECTIONS=1),
// including when rows change under the waiting chunk (R18: it rolls back and
// its devices are written afresh one by one) and when the pass is killed
// with both connections in a chunk's transaction (R18, R19: every device
// untouched or done; the next pass completes it). Chunks are pinned to 5
// devices (--chunk-events 0) so the test knows which chunk holds a device.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectReady, type Mode } from '../../src/core/index.js';
import { selectReadyCodes } from '../../src/sql/ready-devices.js';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { createTestDatabase, dumpWritten, type Sql, type TestDb } from '../harness/db.js';
import { holdInTransaction, waitFor } from '../harness/wait.js';
import { classifyDevices, deviceDumps, runPass, startPass, waitNoAnalyzerBackends } from '../reliability/helpers.js';

const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000; // Moscow wall clock, zone-free micros
const NOW = '2026-01-10T13:00:00';
const CHUNKS = ['--chunk-size', '5', '--chunk-events', '0'];
const dbs: TestDb[] = [];
let source: TestDb;
const reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-overlap-'));

beforeAll(async () => {
  source = await createTestDatabase();
  dbs.push(source);
  await loadDataset(source.sql, generate({ seed: 12, devices: 60, hours: 24, end: END }));
  await source.sql`vacuum analyze`;
}, 120_000);

afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => undefined);
  rmSync(reportRoot, { recursive: true, force: true });
});

async function copy(): Promise<TestDb> {
  const db = await createTestDatabase({ template: source });
  dbs.push(db);
  return db;
}

const pass = (db: TestDb, args: string[], code = 0) => runPass(reportRoot, db.url, [...args, '--now', NOW], code);

/** The ready devices of a mode, in the order the pass takes them. */
async function readyIds(db: TestDb, mode: Mode): Promise<number[]> {
  return selectReady(await selectReadyCodes(db.sql as never), mode, undefined).devices.map((d) => d.id);
}

/** The first pending wrap of a device. */
async function firstPendingWrap(sql: Sql, deviceId: number): Promise<number> {
  const [row] = await sql<{ id: number }[]>`select id from polycomm_suitcase where device_id = ${deviceId} and status = 0 order by id limit 1`;
  return row!.id;
}

/**
 * Waits until one of the pass's connections waits for a row lock (its chunk's
 * write) while the other has sat idle in its own transaction for a while:
 * the next chunk, claimed, loaded and analysed, waiting for its turn to write.
 */
async function bothConnectionsBusy(db: TestDb): Promise<void> {
  await waitFor('one connection blocked in a write and the other waiting in its transaction', async () => {
    const [row] = await db.sql<{ blocked: number; waiting: number }[]>`
      select count(*) filter (where wait_event_type = 'Lock')::int as blocked,
             count(*) filter (where state = 'idle in transaction' and clock_timestamp() - state_change > interval '300 milliseconds')::int as waiting
      from pg_stat_activity where datname = ${db.name} and application_name = 'polycomm-analyzer'`;
    return row!.blocked === 1 && row!.waiting === 1 ? true : undefined;
  }, 60_000, 50);
}

describe('two connections give what one gives (issue 22)', () => {
  it.each(['receipts', 'dwr'] as const)('%s: the same database with PASS_CONNECTIONS 2 (default) and 1, chunks of 5 devices and adaptive ones', async (mode) => {
    const [two, one, adaptive] = await Promise.all([copy(), copy(), copy()]);
    const a = await pass(two, ['--mode', mode, ...CHUNKS]);
    await pass(one, ['--mode', mode, ...CHUNKS, '--connections', '1']);
    await pass(adaptive, ['--mode', mode, '--chunk-events', '500']);
    expect(a.report.devices.failed).toBe(0);
    expect(a.report.devices.processed).toBeGreaterThan(10);
    const reference = await dumpWritten(one.sql);
    expect(await dumpWritten(two.sql)).toBe(reference);
    expect(await dumpWritten(adaptive.sql)).toBe(reference);
  });

  it('R18: rows changed under the chunk waiting for its turn: it rolls back, its devices are written afresh one by one, the result is that of a pass on the changed data', async () => {
    const db = await copy();
    const reference = await copy();
    const ids = await readyIds(db, 'receipts');
    // chunk 3 (devices 11-15 of the list) blocks in its write; chunk 4 (16-20) waits for its turn, loaded
    const blocked = await firstPendingWrap(db.sql, ids[12]!);
    const changed = await firstPendingWrap(db.sql, ids[17]!);
    const held = await holdInTransaction(db.sql, (tx) => tx`select id from polycomm_suitcase where id = ${blocked} for update`);
    let run;
    try {
      run = startPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, ...CHUNKS]);
      await bothConnectionsBusy(db);
      // someone else processes a wrap of the waiting chunk's device
      await db.sql`update polycomm_suitcase set status = 1, in_task = false where id = ${changed}`;
    } finally {
      await held.release();
    }
    const result = await run.done;
    expect(result.code, result.stdout.slice(-3000) + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/writing a chunk of 5 devices failed \(device\(s\) [\d, ]+: expected to write \d+ wraps but wrote \d+ \(rows changed under the pass\); rolled back\): retrying device by device/);

    await reference.sql`update polycomm_suitcase set status = 1, in_task = false where id = ${changed}`;
    await pass(reference, ['--mode', 'receipts', ...CHUNKS, '--connections', '1']);
    expect(await dumpWritten(db.sql)).toBe(await dumpWritten(reference.sql));
  });

  it('R18, R19: SIGKILL with one chunk writing and the next one waiting: every device untouched or done, and the next pass completes the rest as one pass would', async () => {
    const db = await copy();
    const reference = await copy();
    const ids = await readyIds(db, 'receipts');
    const before = await deviceDumps(db.sql, ids);
    await pass(reference, ['--mode', 'receipts', ...CHUNKS]);
    const after = await deviceDumps(reference.sql, ids);

    const held = await holdInTransaction(db.sql, async (tx) => tx`select id from polycomm_suitcase where id = ${await firstPendingWrap(db.sql, ids[12]!)} for update`);
    try {
      const run = startPass(reportRoot, db.url, ['--mode', 'receipts', '--now', NOW, ...CHUNKS]);
      await bothConnectionsBusy(db);
      run.child.kill('SIGKILL');
      await run.done;
    } finally {
      await held.release();
    }
    await waitNoAnalyzerBackends(db.sql, db.name);
    const states = await classifyDevices(db.sql, before, after);
    // chunks 1 and 2 committed; chunk 3 (blocked) and chunk 4 (waiting) rolled back; nothing later started
    expect([...states].filter(([, s]) => s === 'done').map(([id]) => id)).toEqual(ids.slice(0, 10));
    expect([...states].filter(([, s]) => s === 'untouched').map(([id]) => id)).toEqual(ids.slice(10));

    const rest = await pass(db, ['--mode', 'receipts', ...CHUNKS]);
    expect(rest.report.devices).toMatchObject({ failed: 0, idle: 10 });
    expect(await dumpWritten(db.sql)).toBe(await dumpWritten(reference.sql));
  });
});
