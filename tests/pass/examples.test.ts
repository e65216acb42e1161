// The worked examples of docs/rules.md, end to end: the built CLI against a real PostgreSQL,
// reading back the written rows and the report.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkedExamples } from '../harness/worked-examples.js';
import { runCli } from '../harness/cli.js';
import { alarm, createTestDatabase, device, readTasks, receipt, wrap, type TestDb } from '../harness/db.js';
import type { PassReport } from '../../src/shell/report.js';

const D = '2026-01-01';
const at = (t: string) => `${D} ${t.length === 5 ? t + ':00' : t}`;
const NOW = '2026-01-02T00:00:00';

let db: TestDb;
const dbs: TestDb[] = [];
const reportDir = mkdtempSync(join(tmpdir(), 'polycomm-reports-'));

beforeEach(async () => {
  db = await createTestDatabase();
  dbs.push(db);
});
afterAll(async () => {
  for (const d of dbs) await d.drop();
  rmSync(reportDir, { recursive: true, force: true });
});

async function pass(mode: 'receipts' | 'dwr' = 'receipts'): Promise<PassReport> {
  const dir = mkdtempSync(join(reportDir, 'r-'));
  const r = await runCli(['--mode', mode, '--now', NOW, '--report-dir', dir], { DATABASE_URL: db.url });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const [file] = readdirSync(dir);
  return JSON.parse(readFileSync(join(dir, file!), 'utf8')) as PassReport;
}

const wrapState = (id: number) =>
  db.sql<{ status: number; csp: boolean; unpaid: boolean; to_account: boolean; in_task: boolean; receipt_id: number | null }[]>`
    select status, csp, unpaid, to_account, in_task, receipt_id from polycomm_suitcase where id = ${id}`.then((r) => r[0]);
const receiptStatus = (id: number) => db.sql<{ status: number }[]>`select status from receipts where receipt_id = ${id}`.then((r) => r[0]!.status);
const analyzerIssues = () => db.sql<{ type: number; suitcase: number; status: number; localdate: string }[]>`
  select type, suitcase, status, localdate::text from polycommissue where id = 22222222 order by localdate, type`;

describe('the worked examples (docs/rules.md), end to end through the CLI', () => {
  it('example 1: one balanced group, type 4, resolved; wrap paid; receipt status 1', async () => {
    const d = await device(db.sql, { id: 1 });
    const w = await wrap(db.sql, { device: d.id, start: at('10:00:00'), finish: at('10:01:30'), type: 1 });
    const r = await receipt(db.sql, { code: d.code, at: at('10:02:00'), single: 1, double: 0 });
    const report = await pass();
    const [task, ...more] = await readTasks(db.sql);
    expect(more).toHaveLength(0);
    expect(task).toMatchObject({ type: 4, resolved: true, status: 1, date: at('10:02:00'), local_date: at('10:02:00') });
    expect(task!.events.map((e) => [e.table_name, e.ord, e.parent_id])).toEqual([['polycomm_suitcase', 1, null], ['receipts', 2, null]]);
    expect(await wrapState(w)).toEqual({ status: 1, csp: true, unpaid: false, to_account: true, in_task: true, receipt_id: r });
    expect(await receiptStatus(r)).toBe(1);
    expect(report.groups.byTaskType).toEqual({ '4': 1 });
    expect(report.groups.resolved).toBe(1);
  });

  it('example 2: the receipt pays the later wrap, the earlier one is unpaid with issue 7', async () => {
    const d = await device(db.sql, { id: 2 });
    const w1 = await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    const w2 = await wrap(db.sql, { device: d.id, start: at('10:03'), finish: at('10:04'), type: 1 });
    const r = await receipt(db.sql, { code: d.code, at: at('10:05'), single: 1, double: 0 });
    const report = await pass();
    const tasks = await readTasks(db.sql);
    expect(tasks.map((t) => [t.type, t.resolved])).toEqual([[4, false]]);
    expect(await wrapState(w2)).toMatchObject({ unpaid: false, receipt_id: r });
    expect(await wrapState(w1)).toMatchObject({ csp: true, unpaid: true, to_account: true, receipt_id: null });
    const issues = await analyzerIssues();
    expect(issues).toEqual([{ type: 7, suitcase: w1 + 900000, status: 1, localdate: at('10:01') }]);
    // the issue is linked under its wrap
    const events = tasks[0]!.events;
    const wrapLink = events.find((e) => e.table_name === 'polycomm_suitcase' && e.event_id === w1 + 900000)!;
    const issueLink = events.find((e) => e.table_name === 'polycommissue')!;
    expect(issueLink.parent_id).toBe(wrapLink.id);
    expect(issueLink.ord).toBe(wrapLink.ord + 1);
    expect(report.analyzerIssues).toEqual({ '7': 1, '8': 0, '9': 0 });
  });

  it('example 3: a double wrap paid as single: type 5, issue 8, receipt status 1', async () => {
    const d = await device(db.sql, { id: 3 });
    const w = await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 2 });
    const r = await receipt(db.sql, { code: d.code, at: at('10:02'), single: 1, double: 0 });
    await pass();
    expect((await readTasks(db.sql)).map((t) => t.type)).toEqual([5]);
    expect(await wrapState(w)).toMatchObject({ csp: true, unpaid: false, to_account: true, receipt_id: r });
    expect((await analyzerIssues()).map((i) => i.type)).toEqual([8]);
    expect(await receiptStatus(r)).toBe(1);
  });

  it('example 4: a receipt printed mid-wrap moves after the finish; task time is the latest time', async () => {
    const d = await device(db.sql, { id: 4 });
    await wrap(db.sql, { device: d.id, start: at('10:00:00'), finish: at('10:02:00'), type: 1 });
    await receipt(db.sql, { code: d.code, at: at('10:01:00'), single: 1, double: 0 });
    await pass();
    const [task] = await readTasks(db.sql);
    expect(task).toMatchObject({ type: 4, resolved: true, local_date: at('10:02:00') });
    expect(task!.events.map((e) => e.table_name)).toEqual(['polycomm_suitcase', 'receipts']);
  });

  it('example 5: cut after the first receipt: [R] type 2 with status 2, [W, R] balanced type 4', async () => {
    const d = await device(db.sql, { id: 5 });
    const r1 = await receipt(db.sql, { code: d.code, at: at('10:00'), single: 1, double: 0 });
    await wrap(db.sql, { device: d.id, start: at('10:01'), finish: at('10:02'), type: 1 });
    const r2 = await receipt(db.sql, { code: d.code, at: at('10:03'), single: 1, double: 0 });
    const report = await pass();
    expect((await readTasks(db.sql)).map((t) => [t.type, t.resolved])).toEqual([[2, false], [4, true]]);
    expect(await receiptStatus(r1)).toBe(2);
    expect(await receiptStatus(r2)).toBe(1);
    expect(report.groups.byTaskType).toEqual({ '2': 1, '4': 1 });
  });

  it('example 6: a nested alarm: unfit and unpaid, no analyzer issue, alarm linked under the wrap', async () => {
    const d = await device(db.sql, { id: 6 });
    const w = await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    const a = await alarm(db.sql, { device: d.id, at: at('10:00:30') });
    await pass();
    const [task] = await readTasks(db.sql);
    expect(task!.type).toBe(4);
    expect(await wrapState(w)).toMatchObject({ csp: false, unpaid: true, to_account: false, in_task: true });
    expect(await analyzerIssues()).toEqual([]);
    const [wl, al] = task!.events;
    expect(wl).toMatchObject({ ord: 1, table_name: 'polycomm_suitcase', parent_id: null });
    expect(al).toMatchObject({ ord: 2, table_name: 'polycommalarm', event_id: a, parent_id: wl!.id });
  });

  it('example 7: a 19-minute gap cuts: [W] type 4 with issue 7, [alarm] type 1', async () => {
    const d = await device(db.sql, { id: 7 });
    await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
    await alarm(db.sql, { device: d.id, at: at('10:20') });
    const report = await pass();
    expect((await readTasks(db.sql)).map((t) => t.type)).toEqual([4, 1]);
    expect((await analyzerIssues()).map((i) => i.type)).toEqual([7]);
    expect(report.groups.byTaskType).toEqual({ '1': 1, '4': 1 });
  });
});

describe('analyzer explain on the worked examples (docs/rules.md)', () => {
  it('tells for each example why its tasks appear', async () => {
    const explain = async (id: number) => {
      const r = await runCli(['explain', '--mode', 'receipts', '--device', String(id), '--now', NOW], { DATABASE_URL: db.url });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const { early, double } = await loadWorkedExamples(db.sql);

    expect(await explain(1)).toMatch(/task type 4, balanced, resolved yes/);
    const two = await explain(2);
    expect(two).toMatch(/task type 4, broken, resolved no/);
    expect(two).toContain(`analyzer issue 7 on wrap ${early}`);
    const three = await explain(3);
    expect(three).toMatch(/task type 5, broken/);
    expect(three).toContain(`analyzer issue 8 on wrap ${double}`);
    const four = await explain(4);
    expect(four).toContain('moved by R7');
    expect(four).toMatch(/task type 4, balanced/);
    expect(four).toContain('latest local 2026-01-01 10:02:00');
    const five = await explain(5);
    expect(five).toContain('cut after a receipt (R8.1)');
    expect(five).toMatch(/task type 2, broken[\s\S]*task type 4, balanced/);
    const six = await explain(6);
    expect(six).toContain('nested alarm');
    expect(six).toMatch(/task type 4, broken/);
    expect(six).not.toMatch(/analyzer issue \d/);
    const seven = await explain(7);
    expect(seven).toContain('cut by time (R8.2), gap 1140 s');
    expect(seven).toMatch(/task type 4[\s\S]*analyzer issue 7[\s\S]*task type 1/);
    // explain writes nothing
    expect(await readTasks(db.sql)).toEqual([]);
  });
});
