// Issue 6, R18: SIGKILL at 20 points of a long pass, each followed by a full
// pass: the final state always equals one uninterrupted pass, and right after
// each kill every device is either untouched or fully done. One generated
// dataset, loaded once; each round works on a fresh copy of it (CREATE
// DATABASE ... TEMPLATE). A kill point is a point of progress, not of time (a
// busy machine slows the pass, not the test's aim): round i waits until the
// pass has written a target number of devices, drawn from the i-th of 20 equal
// slices of the pass, then a little longer (up to about one chunk's time), and
// kills. The draws come from a PRNG with a fixed seed, printed (another:
// ANALYZER_FAULT_SEED=<seed>). The test asserts what it covered: each kill came
// after its target, and kills with some devices done and others not landed in
// the first and the last third of each mode's pass. Behind ANALYZER_FAULT_TESTS
// (CI sets it): about two minutes directly, and again with every pass through
// PgBouncer in transaction pooling (issue 20), where the pooler, not the
// server, sees the client die and must end its transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, mulberry32 } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { startCli } from '../harness/cli.js';
import { createTestDatabase, dumpWritten, type Sql, type TestDb } from '../harness/db.js';
import { pgbouncerAvailable, startTestPgBouncer, type PgBouncer } from '../harness/pgbouncer.js';
import { classifyDevices, deviceDumps, FAULT_TESTS, runPass, sleep, waitNoOpenTransactions } from './helpers.js';

type Mode = 'receipts' | 'dwr';
const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const DEVICES = 120; // 1-60 receipts, 61-120 dwr
const MODE_DEVICES: Record<Mode, number[]> = {
  receipts: Array.from({ length: DEVICES / 2 }, (_, i) => i + 1),
  dwr: Array.from({ length: DEVICES / 2 }, (_, i) => i + 1 + DEVICES / 2),
};
const DEFAULT_SEED = 20260110;
const ARGS = (mode: Mode) => ['--mode', mode, '--now', NOW, '--chunk-size', '2'];

/** How the passes reach the server: directly, or through a transaction-pooling PgBouncer. */
const ROUTES = [
  { route: 'directly', rounds: 20, pooled: false },
  { route: 'through PgBouncer (transaction pooling)', rounds: 10, pooled: true },
] as const;
const noPooler = FAULT_TESTS && !pgbouncerAvailable();

describe.runIf(FAULT_TESTS).each(ROUTES)('R18: SIGKILL at seeded points of progress, $route', ({ rounds: ROUNDS, pooled }) => {
  if (pooled && noPooler) return;
  const dbs: TestDb[] = [];
  let pooler: PgBouncer | undefined;
  const urlOf = (db: TestDb) => (pooler ? pooler.url(db.url) : db.url);
  let source: TestDb;
  let reportRoot: string;
  let before: Map<number, string>;
  const reference = new Map<Mode, { dump: string; devices: Map<number, string>; ms: number; written: number }>();
  /** Devices with a task (written by a committed chunk, so done). */
  const devicesWritten = async (sql: Sql) => (await sql<{ n: number }[]>`select count(distinct device_id)::int as n from task`)[0]!.n;

  beforeAll(async () => {
    if (pooled) pooler = await startTestPgBouncer('transaction');
    reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-sigkill-'));
    source = await createTestDatabase();
    dbs.push(source);
    await loadDataset(source.sql, generate({ seed: 21, devices: DEVICES, hours: 48, end: END }));
    await source.sql`vacuum analyze`;
    before = await deviceDumps(source.sql, [...MODE_DEVICES.receipts, ...MODE_DEVICES.dwr]);
    for (const mode of ['receipts', 'dwr'] as const) {
      const db = await createTestDatabase({ template: source });
      dbs.push(db);
      const { ms } = await runPass(reportRoot, urlOf(db), ARGS(mode), 0);
      const written = await devicesWritten(db.sql);
      expect(written, `${mode}: devices with tasks after one pass`).toBeGreaterThan(10);
      reference.set(mode, { dump: await dumpWritten(db.sql), devices: await deviceDumps(db.sql, MODE_DEVICES[mode]), ms, written });
    }
  }, 180_000);

  afterAll(async () => {
    await pooler?.stop();
    for (const d of dbs) await d.drop().catch(() => undefined);
    rmSync(reportRoot, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds (modes alternating): each device untouched or fully done after the kill; after a full pass, the state of one uninterrupted pass`, async () => {
    const seed = Number(process.env.ANALYZER_FAULT_SEED) || DEFAULT_SEED;
    console.log(`SIGKILL rounds: seed ${seed} (another: ANALYZER_FAULT_SEED=<seed>); uninterrupted pass: ` +
      `receipts ${reference.get('receipts')!.ms} ms (${reference.get('receipts')!.written} devices with tasks), ` +
      `dwr ${reference.get('dwr')!.ms} ms (${reference.get('dwr')!.written} devices with tasks)`);
    const random = mulberry32(seed);
    const outcomes: string[] = [];
    const partialAt: Record<Mode, number[]> = { receipts: [], dwr: [] };
    let partial = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const mode: Mode = round % 2 === 0 ? 'receipts' : 'dwr';
      const ref = reference.get(mode)!;
      const where = `round ${round} (${mode}, seed ${seed})`;
      const db = await createTestDatabase({ template: source });
      // the kill point: a target drawn from this round's slice of the pass, then up to about a chunk's time more
      // (so that kills land in a chunk's load, analysis or write, not only right after a commit)
      const target = Math.floor(((round + random()) / ROUNDS) * ref.written);
      const extraMs = Math.round(random() * (ref.ms / (MODE_DEVICES[mode].length / 2)));
      const run = startCli(ARGS(mode), { DATABASE_URL: urlOf(db) });
      let exited = false;
      void run.done.then(() => (exited = true));
      let seen = 0;
      while (!exited && (seen = await devicesWritten(db.sql)) < target) await sleep(10);
      await sleep(extraMs);
      run.child.kill('SIGKILL');
      const result = await run.done;
      // a pass may finish before a kill aimed at its end
      expect(result.signal === 'SIGKILL' || result.code === 0, `${where}: ${result.stderr}`).toBe(true);
      // PostgreSQL (told by the pooler, which closes a server connection its client left mid-transaction)
      // rolls the killed pass's transaction back and releases its locks
      await waitNoOpenTransactions(db.sql, db.name);

      const modeBefore = new Map(MODE_DEVICES[mode].map((id) => [id, before.get(id)!]));
      const states = await classifyDevices(db.sql, modeBefore, ref.devices);
      const half = [...states].filter(([, s]) => s === 'HALF-WRITTEN').map(([id]) => id);
      expect(half, `${where}: devices half-written`).toEqual([]);
      const done = [...states.values()].filter((s) => s === 'done').length;
      // the kill came after its target: every device seen written is done
      expect(done, `${where}: devices done at the kill (target ${target}, seen ${seen})`).toBeGreaterThanOrEqual(target);
      if (done > 0 && done < states.size) {
        partial++;
        partialAt[mode].push(done / states.size);
      }
      outcomes.push(`${round}:${mode}:${target}+${extraMs}ms:${result.signal ?? `exit ${result.code}`}:${done}/${states.size} done`);

      const rest = await runPass(reportRoot, urlOf(db), ARGS(mode), 0);
      expect(rest.report.devices.failed, where).toBe(0);
      expect(await dumpWritten(db.sql), where).toBe(ref.dump);
      await db.drop();
    }
    console.log(`SIGKILL rounds (round:mode:target devices+extra ms:outcome:devices done at the kill), seed ${seed}:\n  ${outcomes.join('\n  ')}\n  ${partial} of ${ROUNDS} killed with some devices done and others not`);
    // what was covered: kills mid-pass, early and late in each mode's pass
    expect(partial, outcomes.join('\n')).toBeGreaterThanOrEqual(ROUNDS / 4);
    for (const mode of ['receipts', 'dwr'] as const) {
      expect(partialAt[mode].some((f) => f < 1 / 3), `${mode}: a kill in the first third of the pass\n${outcomes.join('\n')}`).toBe(true);
      expect(partialAt[mode].some((f) => f > 2 / 3), `${mode}: a kill in the last third of the pass\n${outcomes.join('\n')}`).toBe(true);
    }
  }, 600_000);
});
