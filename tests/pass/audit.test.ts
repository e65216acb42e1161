// `analyzer audit` (issue 23) through the built CLI against a real
// PostgreSQL, as the read-only role (tests/harness/roles.ts): after both
// passes over generated data the period has no finding; after seven hand
// edits exactly those seven; nothing in the database changes; exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMicros } from '../../src/core/index.js';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, type Sql, type TestDb } from '../harness/db.js';
import type { AuditDocument } from '../../src/shell/audit-report.js';
import type { ExplainDocument } from '../../src/shell/explain-document.js';

const H = 3600 * 1_000_000;
const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
// every local time of the data: Moscow END-24h .. END, device clocks -1 .. +7 h
const FROM = formatMicros(END - 26 * H);
const TO = formatMicros(END + 8 * H);

let db: TestDb;

const audit = (target: TestDb, args: string[]) => runCli(['audit', '--from', FROM, '--to', TO, '--now', NOW, ...args], { DATABASE_URL: target.url });
const json = async (target: TestDb, args: string[] = []): Promise<AuditDocument> => {
  const r = await audit(target, ['--format', 'json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AuditDocument;
};

/** Every table and sequence of the schema, every column of every row: a digest per relation. */
async function dumpAll(sql: Sql): Promise<string> {
  const rels = await sql<{ name: string; kind: string }[]>`
    select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'S') order by 1`;
  const out: string[] = [];
  for (const r of rels) {
    const [row] = r.kind === 'S'
      ? await sql<{ v: string }[]>`select (last_value::text || ' ' || is_called::text) as v from ${sql(r.name)}`
      : await sql<{ v: string }[]>`select count(*)::text || ' ' || md5(coalesce(string_agg(t::text, E'\n' order by t::text), '')) as v from ${sql(r.name)} t`;
    out.push(`${r.name} ${row!.v}`);
  }
  return out.join('\n');
}

beforeAll(async () => {
  db = await createTestDatabase();
  await loadDataset(db.sql, generate({ seed: 23, devices: 12, hours: 24, end: END, rates: { invalid: 0.005, nullMoscow: 0.01 } }));
  for (const mode of ['receipts', 'dwr']) {
    const r = await runCli(['--mode', mode, '--now', NOW], { DATABASE_URL: db.url });
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
  }
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

describe('after both passes over generated data', () => {
  it('the audit of the period reports 0 findings; every task compared agrees; the database is the same before and after', async () => {
    const before = await dumpAll(db.sql);
    const doc = await json(db);
    const [count] = await db.sql<{ tasks: number }[]>`select count(*)::int as tasks from task`;
    const tasks = count!.tasks;
    expect(doc.findings).toEqual([]);
    expect(doc.tasks).toBe(tasks);
    expect(doc.agree).toBe(tasks);
    expect(Object.values(doc.byKind).every((n) => n === 0)).toBe(true);
    expect(doc.byDay).toEqual({});
    expect(doc.devices).toMatchObject({ audited: 12, byMode: { receipts: 6, dwr: 6 }, skipped: [] });
    expect(doc.maxRssKb).toBeGreaterThan(0);
    // the generated invalid rows (R4) are no findings
    expect(doc.notCompared.invalidEvents).toBeGreaterThan(0);
    const text = await audit(db, ['--fail-on-findings']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('findings 0');
    expect(await dumpAll(db.sql)).toBe(before);
  });

  it('a part of the period with no margin: windows widened until the groups at its edges are whole, still 0 findings', async () => {
    const doc = await json(db, ['--from', formatMicros(END - 14 * H), '--to', formatMicros(END - 9 * H), '--around', '0']);
    expect(doc.findings).toEqual([]);
    expect(doc.tasks).toBeGreaterThan(100);
    expect(doc.devices.widened).toBeGreaterThan(0);
    expect(doc.devices.unsettled).toEqual([]);
  });

  it('as the read-only role, given outright', async () => {
    const r = await runCli(['audit', '--from', FROM, '--to', TO, '--now', NOW, '--mode', 'dwr', '--device', '12'], { DATABASE_URL: db.readUrl });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('devices 1 (dwr 1)');
  });
});

describe('hand edits: exactly those findings and nothing else', () => {
  let edited: TestDb;
  const expected: string[] = [];
  const line = (kind: string, taskId: number | null, table: string, id: number | null, field: string, stored: unknown, rules: unknown) =>
    `${kind} ${taskId ?? '-'} ${table} ${id ?? '-'} ${field} ${JSON.stringify(stored)} ${JSON.stringify(rules)}`;

  beforeAll(async () => {
    edited = await createTestDatabase({ template: db });
    const sql = edited.sql;
    // three wraps' unpaid flipped (R13)
    const wraps = await sql<{ id: number; unpaid: boolean; task: number }[]>`
      select s.id, s.unpaid, e.task_id as task from polycomm_suitcase s
      join task t on t.device_id = s.device_id join task_to_event e on e.task_id = t.id and e.table_name = 'polycomm_suitcase' and e.event_id = s.polycom_id
      where s.status = 1 and s.in_task order by s.id limit 3`;
    for (const w of wraps) {
      await sql`update polycomm_suitcase set unpaid = ${!w.unpaid} where id = ${w.id}`;
      expected.push(line('wrap_verdict', w.task, 'polycomm_suitcase', w.id, 'unpaid', !w.unpaid, w.unpaid));
    }
    // one task's type changed (R11)
    const [task] = await sql<{ id: number; type: number }[]>`select id, type from task where type = 4 order by id desc limit 1`;
    await sql`update task set type = 5 where id = ${task!.id}`;
    expected.push(line('task_type', task!.id, 'task', task!.id, 'type', 5, task!.type));
    // two receipts' status changed (R12)
    const receipts = await sql<{ id: number; status: number; task: number }[]>`
      select r.receipt_id as id, r.status, e.task_id as task from receipts r join task_to_event e on e.table_name = 'receipts' and e.event_id = r.receipt_id
      where r.status in (1, 2) order by r.receipt_id limit 2`;
    for (const r of receipts) {
      await sql`update receipts set status = ${3 - r.status} where receipt_id = ${r.id}`;
      expected.push(line('receipt_status', r.task, 'receipts', r.id, 'status', 3 - r.status, r.status));
    }
    // one processed wrap inserted with no task, 45 min before any event of its device (R16, R17)
    const at = formatMicros(END - 25 * H - 45 * 60 * 1_000_000);
    const [inserted] = await sql<{ id: number }[]>`
      insert into polycomm_suitcase (id, device_id, polycom_id, totalid, dateini_local, local_date, date, duration, package_type, status, csp, unpaid, to_account, in_task)
      values ((select max(id) + 1000 from polycomm_suitcase), 1, 987654, 1, ${at}::timestamp, ${at}::timestamp + interval '90 seconds', ${at}::timestamp + interval '90 seconds', 90, 1, 1, true, false, true, false)
      returning id`;
    expected.push(line('event_in_no_task', null, 'polycomm_suitcase', inserted!.id, 'task', null, 4));
  }, 60_000);
  afterAll(async () => {
    await edited?.drop();
  });

  it('seven edits, seven findings: kinds, tasks, rows, fields, stored and rules values', async () => {
    const doc = await json(edited);
    expect(doc.findings.map((f) => line(f.kind, f.taskId, f.table, f.id, f.field, f.stored, f.rules)).sort()).toEqual([...expected].sort());
    expect(doc.byKind).toMatchObject({ wrap_verdict: 3, task_type: 1, receipt_status: 2, event_in_no_task: 1, link_missing: 0, link_extra: 0 });
    expect(doc.tasks - doc.agree).toBe(new Set(doc.findings.filter((f) => f.taskId !== null).map((f) => f.taskId)).size);
    for (const f of doc.findings) {
      expect(f.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(f.rule).toMatch(/^R\d/);
    }
    expect(Object.values(doc.byDay).reduce((n, d) => n + Object.values(d).reduce((a, b) => a + (b ?? 0), 0), 0)).toBe(7);
  });

  it('explain --task shows each finding of a task as a stored value differing from the rules', async () => {
    const doc = await json(edited);
    for (const f of doc.findings.filter((x) => x.taskId !== null)) {
      const r = await runCli(['explain', '--task', String(f.taskId), '--now', NOW, '--format', 'json'], { DATABASE_URL: edited.url });
      expect(r.code, r.stderr).toBe(0);
      const differences = (JSON.parse(r.stdout) as ExplainDocument).task!.differences;
      expect(differences.some((d) => d.table === f.table && d.rowId === f.id && d.field === f.field), `${f.kind} ${f.table} ${f.id} ${f.field}`).toBe(true);
    }
  });

  it('text: totals by kind, the worst days, how to explain a task; --fail-on-findings exits 3, without it 0', async () => {
    const r = await audit(edited, []);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('findings 7');
    expect(r.stdout).toMatch(/wrap_verdict\s+3/);
    expect(r.stdout).toContain('worst days');
    expect(r.stdout).toMatch(/why a task is what it is: analyzer explain --task \d+/);
    const failing = await audit(edited, ['--fail-on-findings', '--format', 'json']);
    expect(failing.code).toBe(3);
    expect((JSON.parse(failing.stdout) as AuditDocument).findings).toHaveLength(7);
  });

  it('--mode and --device narrow it down', async () => {
    const dwr = await json(edited, ['--mode', 'dwr']);
    expect(dwr.modes).toEqual(['dwr']);
    expect(dwr.findings.every((f) => f.mode === 'dwr')).toBe(true);
    const one = await json(edited, ['--device', '1']);
    expect(one.devices.audited).toBe(1);
    expect(one.findings.map((f) => f.kind)).toContain('event_in_no_task');
    expect(one.findings.every((f) => f.deviceId === 1)).toBe(true);
  });
});

describe('errors: one line, exit 2', () => {
  it('a period that ends before it starts, an unreadable time, an unknown device', async () => {
    const backwards = await runCli(['audit', '--from', '2026-01-10', '--to', '2026-01-09'], { DATABASE_URL: db.url });
    expect(backwards.code).toBe(2);
    expect(backwards.stderr.trim().split('\n')).toEqual(["analyzer: invalid period: --from 2026-01-10 is not before --to 2026-01-09"]);
    const garbage = await runCli(['audit', '--from', 'yesterday', '--to', '2026-01-09'], { DATABASE_URL: db.url });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr.trim().split('\n')).toHaveLength(1);
    expect(garbage.stderr).toContain("invalid --from: 'yesterday'");
    const missing = await runCli(['audit', '--from', FROM, '--to', TO, '--device', '1', '4040'], { DATABASE_URL: db.url });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual(['analyzer: unknown device 4040: no polycomm_device with that id']);
    const none = await runCli(['audit', '--to', TO], { DATABASE_URL: db.url });
    expect(none.code).toBe(2);
  });
});
