// `analyzer explain --task` (issue 17): every task of the worked examples (docs/rules.md)
// explained end to end with rule numbers after a real pass; a hand-edited
// stored value is flagged field by field; --format json parses to the
// documented shape; an unknown task is one line and exit 1; nothing is written.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { loadWorkedExamples, type WorkedExampleIds } from '../harness/worked-examples.js';
import { createTestDatabase, dumpWritten, readTasks, type TestDb, type TaskRow } from '../harness/db.js';
import type { ExplainDocument } from '../../src/shell/explain-document.js';

const NOW = '2026-01-02T00:00:00';

let db: TestDb;
const dir = mkdtempSync(join(tmpdir(), 'polycomm-explain-task-'));
let ids: WorkedExampleIds;
let tasks: TaskRow[] = [];

const explain = (args: string[]) => runCli(['explain', ...args, '--now', NOW], { DATABASE_URL: db.url });
const taskOf = (device: number, n = 0) => tasks.filter((t) => t.device_id === device)[n]!.id;

beforeAll(async () => {
  db = await createTestDatabase();
  ids = await loadWorkedExamples(db.sql);
  const r = await runCli(['--mode', 'receipts', '--now', NOW], { DATABASE_URL: db.url });
  expect(r.code, r.stderr).toBe(0);
  tasks = await readTasks(db.sql);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('explain --task on the worked examples (docs/rules.md)', () => {
  it('every task: group, cuts, counts, R11 row, R10, per wrap and receipt, all stored values agreeing', async () => {
    expect(tasks).toHaveLength(9);
    for (const t of tasks) {
      const r = await explain(['--task', String(t.id)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, `task ${t.id}`).toContain(`task ${t.id}: stored type ${t.type}`);
      expect(r.stdout).toMatch(/counts: S1=\d+ S2=\d+ SU=\d+ Q1=\d+ Q2=\d+ nA=\d+ nI=\d+ nR=\d+ nS=\d+/);
      expect(r.stdout).toContain(`type ${t.type} (`);
      expect(r.stdout).toMatch(/R11 row "type \d/);
      expect(r.stdout).toMatch(/\(R10: /);
      expect(r.stdout).toContain('stored values: all agree with the rules');
      expect(r.stdout).toContain('mode receipts (the mode the device is ready for)');
    }
  });

  it('example 1: balanced, paid by type, receipt status 1', async () => {
    const out = (await explain(['--task', String(taskOf(1))])).stdout;
    expect(out).toContain('balanced (R10: S1 1 = Q1 1, S2 0 = Q2 0, SU 0) -> resolved true (R16)');
    expect(out).toMatch(/R11 row "type 4: nA \+ nI = 0, nS > 0/);
    expect(out).toMatch(/paid by receipt \d+ as single \(R12 by type\)/);
    expect(out).toContain('csp true, unpaid false, to_account true (R13, balanced group); no analyzer issue');
    expect(out).toMatch(/positions: single -> wrap \d+; left 0 single, 0 double -> status 1 \(R12\)/);
  });

  it('example 2: the earlier wrap unpaid with issue 7', async () => {
    const out = (await explain(['--task', String(taskOf(2))])).stdout;
    expect(out).toContain('broken (R10: S1 2 != Q1 1');
    expect(out).toContain(`wrap ${ids.early} (`);
    expect(out).toContain('unpaid: no receipt position left for it (R12)');
    expect(out).toContain('csp true, unpaid true, to_account true (R13 row: no nested, not paid); analyzer issue 7 (unpaid wrap, R14)');
  });

  it('example 3: residual payment, issue 8, type 5 as the R11 "anything else" row', async () => {
    const out = (await explain(['--task', String(taskOf(3))])).stdout;
    expect(out).toContain('R11 row "type 5: anything else');
    expect(out).toMatch(/as single \(R12 residual: a position of the other type\)/);
    expect(out).toContain('analyzer issue 8 (double wrap paid as single, R14)');
    expect(out).toContain(`single -> wrap ${ids.double} (a double wrap)`);
  });

  it('example 4: the receipt moved by R7; no entry before or after within the window', async () => {
    const out = (await explain(['--task', String(taskOf(4))])).stdout;
    expect(out).toContain('(printed mid-wrap, moved after its finish by R7)');
    expect(out).toMatch(/no entry of the device in the 3600 s before it/);
    expect(out).toMatch(/so the next one is cut off by time \(R8\.2\)/);
  });

  it('example 5: the cut after the first receipt, seen from both tasks', async () => {
    const first = (await explain(['--task', String(taskOf(5, 0))])).stdout;
    expect(first).toContain('R11 row "type 2: nS = 0, nR > 0"');
    expect(first).toMatch(/ends at receipt \d+ .*: the entry after is wrap start of wrap \d+/);
    expect(first).toContain('cut after a receipt (R8.1): a purchase cycle ends with its receipt, and a wrap start follows');
    expect(first).toContain('left 1 single, 0 double -> status 2 (R12)');
    const second = (await explain(['--task', String(taskOf(5, 1))])).stdout;
    expect(second).toMatch(/starts at wrap start of wrap \d+ .*: the entry before is receipt \d+/);
    expect(second).toContain('cut after a receipt (R8.1)');
  });

  it('example 6: the nested alarm, unfit and unpaid, no analyzer issue', async () => {
    const out = (await explain(['--task', String(taskOf(6))])).stdout;
    expect(out).toContain(`nested (R5): alarm ${ids.a6} at 2026-01-01 10:00:30`);
    expect(out).toContain('csp false, unpaid true, to_account false (R13 row: nested, not paid); no analyzer issue');
  });

  it('example 7: the cut by time between the two tasks', async () => {
    const first = (await explain(['--task', String(taskOf(7, 0))])).stdout;
    expect(first).toContain('cut by time (R8.2): gap 1140 s > TIMEDELTA_CHECK 420 s');
    expect(first).toContain('analyzer issue 7 (unpaid wrap, R14)');
    const second = (await explain(['--task', String(taskOf(7, 1))])).stdout;
    expect(second).toContain('R11 row "type 1: nS = 0, nR = 0"');
    expect(second).toMatch(/the entry before is wrap finish of wrap \d+/);
  });

  it('writes nothing', async () => {
    const before = await dumpWritten(db.sql);
    await explain(['--task', String(taskOf(2))]);
    await explain(['--task', String(taskOf(2)), '--format', 'html', '--out', join(dir, 'x.html')]);
    expect(await dumpWritten(db.sql)).toBe(before);
  });
});

describe('explain --task flags stored values that differ from the rules', () => {
  it('a verdict, a task type and a receipt status edited by hand: each field named, with the rule', async () => {
    const edited = await createTestDatabase({ template: db });
    try {
      const task2 = taskOf(2);
      await edited.sql`update polycomm_suitcase set unpaid = false, receipt_id = ${ids.r2} where id = ${ids.early}`;
      await edited.sql`update task set type = 5 where id = ${task2}`;
      await edited.sql`update receipts set status = 2 where receipt_id = ${ids.r2}`;
      const r = await runCli(['explain', '--task', String(task2), '--now', NOW], { DATABASE_URL: edited.url });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('stored values that DIFFER from the rules (4):');
      expect(r.stdout).toContain(`polycomm_suitcase ${ids.early} unpaid: stored false, rules give true (R13)`);
      expect(r.stdout).toContain(`polycomm_suitcase ${ids.early} receipt_id: stored ${ids.r2}, rules give NULL (R12/R17)`);
      expect(r.stdout).toContain(`task ${task2} type: stored 5, rules give 4 (R11)`);
      expect(r.stdout).toContain(`receipts ${ids.r2} status: stored 2, rules give 1 (R12)`);
      // a link removed and a task written by an earlier system with another time
      await edited.sql`delete from task_to_event where task_id = ${task2} and table_name = 'receipts'`;
      await edited.sql`update task set local_date = local_date + interval '5 minutes' where id = ${task2}`;
      const again = (await runCli(['explain', '--task', String(task2), '--now', NOW], { DATABASE_URL: edited.url })).stdout;
      expect(again).toMatch(/task_to_event link: stored NULL, rules give ord 4: receipts \d+ \(R16\) - missing/);
      expect(again).toContain(`task ${task2} local_date: stored 2026-01-01 10:10:00, rules give 2026-01-01 10:05:00 (R16)`);
    } finally {
      await edited.drop();
    }
  });
});

describe('explain output formats and errors', () => {
  it('--format json: the documented shape, parsed back', async () => {
    const r = await explain(['--task', String(taskOf(3)), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ExplainDocument;
    expect(doc).toMatchObject({ format: 'polycomm-analyzer explain', version: 1, kind: 'task', mode: 'receipts', device: { id: 3 } });
    expect(doc.task!.taskId).toBe(taskOf(3));
    expect(doc.task!.differences).toEqual([]);
    const g = doc.explanation.groups[doc.task!.group! - 1]!;
    expect(g).toMatchObject({ taskType: 5, balanced: false, counts: { S2: 1, Q1: 1 } });
    expect(g.wraps[0]).toMatchObject({ wrapId: ids.double, paidAs: 1, analyzerIssue: 8 });
    expect(doc.task!.expected!.type).toBe(5);
    expect(typeof doc.explanation.entries[0]!.local).toBe('number');
    const dev = JSON.parse((await explain(['--mode', 'receipts', '--device', '3', '--format', 'json'])).stdout) as ExplainDocument;
    expect(dev).toMatchObject({ kind: 'device', device: { id: 3 }, explanation: { entries: [], groups: [] } });
    expect(dev.task).toBeUndefined();
  });

  it('--out writes the file; html is one self-contained document', async () => {
    const file = join(dir, 'task.html');
    const r = await explain(['--task', String(taskOf(2)), '--format', 'html', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });

  it('an unknown task: one line, exit 1; no target or both: usage, exit 2', async () => {
    const r = await explain(['--task', '987654321']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('analyzer: no task with id 987654321\n');
    expect(r.stdout).toBe('');
    expect((await explain(['--task', 'abc'])).code).toBe(2);
    expect((await explain(['--task', '1', '--device', '1'])).code).toBe(2);
    expect((await explain(['--task', '1', '--format', 'pdf'])).code).toBe(2);
  });
});
