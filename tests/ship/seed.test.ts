// The compose seed (docker/initdb/03-seed.sql) does what docker-compose.yml
// promises: loaded after the schema exactly as the PostgreSQL container loads
// docker/initdb/*.sql, a receipts pass and a dwr pass through the built CLI on
// the real clock produce every task type of each mode and analyzer issues 7, 8
// and 9, and leave nothing pending.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli } from '../harness/cli.js';
import { createTestDatabase, type TestDb } from '../harness/db.js';
import { initdbFiles } from '../harness/schema.js';
import type { PassReport } from '../../src/shell/report.js';

/** The seeded database, never passed over itself: each test takes a copy of it. */
let seeded: TestDb;
const dbs: TestDb[] = [];
const reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-seed-'));

beforeAll(async () => {
  seeded = await createTestDatabase(); // 01, 02 and the migrations are in the template already
  dbs.push(seeded);
  const loaded = new Set(initdbFiles().map((f) => basename(f)));
  const rest = initdbFiles({ seed: true }).filter((f) => !loaded.has(basename(f)));
  expect(rest.map((f) => basename(f))).toContain('03-seed.sql');
  // eslint-disable-next-line no-restricted-properties -- the repository's static docker/initdb files
  for (const file of rest) await seeded.sql.file(file);
});
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => undefined);
  rmSync(reportRoot, { recursive: true, force: true });
});

/** A fresh copy of the seeded database. */
async function copy(): Promise<TestDb> {
  const db = await createTestDatabase({ template: seeded });
  dbs.push(db);
  return db;
}

async function pass(db: TestDb, mode: 'receipts' | 'dwr'): Promise<{ report: PassReport; logs: Record<string, unknown>[] }> {
  const dir = mkdtempSync(join(reportRoot, `${mode}-`));
  // no --now: the compose service runs on the real clock too
  const r = await runCli(['--mode', mode, '--report-dir', dir], { DATABASE_URL: db.url });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const [file, ...more] = readdirSync(dir);
  expect(more).toEqual([]);
  return { report: JSON.parse(readFileSync(join(dir, file!), 'utf8')) as PassReport, logs: logLines(r.stdout) };
}

const pending = async (db: TestDb) => {
  const [row] = await db.sql<{ wraps: number; alarms: number; issues: number; receipts: number }[]>`
    select (select count(*)::int from polycomm_suitcase where status = 0) as wraps,
           (select count(*)::int from polycommalarm where status = 0) as alarms,
           (select count(*)::int from polycommissue where status = 0) as issues,
           (select count(*)::int from receipts where status = 0) as receipts`;
  return row;
};

describe('docker/initdb/03-seed.sql', () => {
  it('a receipts pass produces task types 1-5 and analyzer issues 7, 8, 9', async () => {
    const db = await copy();
    const { report, logs } = await pass(db, 'receipts');
    expect(report.status).toBe('succeeded');
    expect(report.failures).toEqual([]);
    expect(report.rejected.total).toBe(0);
    expect(report.groups.deferred).toBe(0);
    expect(report.devices).toMatchObject({ ready: 2, processed: 2, conflicts: 0 });
    expect(report.groups.byTaskType).toEqual({ '1': 2, '2': 2, '3': 1, '4': 7, '5': 3 });
    // balanced (R10): G1, G5b, G10, G11, device 2's double wrap, and the two
    // type-1 groups (no wraps, no receipts: 0 = 0)
    expect(report.groups.resolved).toBe(7);
    expect(report.analyzerIssues).toEqual({ '7': 2, '8': 1, '9': 1 });
    // the junk timestamps.devicecode is reported, not fatal (R1)
    expect(report.warnings.junkDeviceCodes).toEqual(['SVO-TEST']);
    expect(logs.some((l) => l.level === 'warn' && String(l.message).includes('SVO-TEST'))).toBe(true);

    const issues = await db.sql<{ type: number; device: number; suitcase: number; status: number }[]>`
      select type, device, suitcase, status from polycommissue where id = 22222222 order by device, suitcase, type`;
    expect(issues).toEqual([
      { type: 7, device: 1, suitcase: 500102, status: 1 },
      { type: 8, device: 1, suitcase: 500104, status: 1 },
      { type: 9, device: 1, suitcase: 500105, status: 1 },
      { type: 7, device: 2, suitcase: 500111, status: 1 },
    ]);
    const receipts = await db.sql<{ receipt_id: number; status: number }[]>`select receipt_id, status from receipts order by 1`;
    expect(receipts.filter((r) => r.status === 2).map((r) => r.receipt_id)).toEqual([205, 207, 208]);
  });

  it('a dwr pass produces task types 1, 4, 5 and marks the clean groups processed', async () => {
    const db = await copy();
    const { report } = await pass(db, 'dwr');
    expect(report.status).toBe('succeeded');
    expect(report.failures).toEqual([]);
    expect(report.rejected.total).toBe(0);
    expect(report.devices).toMatchObject({ ready: 2, processed: 2, conflicts: 0 });
    expect(report.groups.byTaskType).toEqual({ '1': 1, '4': 1, '5': 2 });
    expect(report.groups.clean).toBe(2);
    expect(report.analyzerIssues).toEqual({ '7': 0, '8': 0, '9': 0 });
    const clean = await db.sql<{ id: number; status: number; in_task: boolean }[]>`
      select id, status, in_task from polycomm_suitcase where id in (114, 115, 117) order by id`;
    expect(clean).toEqual([114, 115, 117].map((id) => ({ id, status: 1, in_task: false })));
  });

  it('both passes leave nothing pending; the next passes find nothing to do', async () => {
    const db = await copy();
    for (const mode of ['receipts', 'dwr'] as const) await pass(db, mode);
    expect(await pending(db)).toEqual({ wraps: 0, alarms: 0, issues: 0, receipts: 0 });
    const tasks = await db.sql<{ n: number }[]>`select count(*)::int as n from task`;
    expect(tasks[0]!.n).toBe(15 + 4);
    for (const mode of ['receipts', 'dwr'] as const) {
      const { report } = await pass(db, mode);
      expect(report.groups.tasks).toBe(0);
      expect(report.rowsInserted).toEqual({ task: 0, task_to_event: 0, polycommissue: 0 });
    }
  });
});
