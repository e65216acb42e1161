// `analyzer audit` (issue 23) on a history written the way the old Python
// job wrote it (generator/legacy.ts on the demo day: every anomaly of the
// rules, invalid rows, junk codes, a device ready in both modes): every
// planted defect is found with its kind, task, row and field, and nothing
// else is reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMicros } from '../../src/core/index.js';
import { demoDataset } from '../../generator/demo.js';
import { loadDataset } from '../../generator/load.js';
import { legacyHistory, writeLegacyHistory, type LegacyHistory } from '../../generator/legacy.js';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, type TestDb } from '../harness/db.js';
import type { AuditDocument } from '../../src/shell/audit-report.js';

const H = 3600 * 1_000_000;
const END = Date.UTC(2026, 0, 2) * 1000;
const NOW = '2026-01-02T01:00:00';

let db: TestDb;
let history: LegacyHistory;
let doc: AuditDocument;
/** The demo's own leftovers: rows marked as the analyzer's (id 22222222) that nothing links (R2, R14). */
let leftovers: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  const dataset = demoDataset(END);
  await loadDataset(db.sql, dataset);
  leftovers = [...dataset.tables.polycommissue].filter((i) => i.id === 22222222).map((i) => `analyzer_issue_extra - polycommissue ${i.polycommissue_id} type`);
  history = legacyHistory(dataset, { now: END + H, ids: { task: 1, link: 1, issue: dataset.nextId } });
  await writeLegacyHistory(db.sql, history, formatMicros(END + H));
  const r = await runCli(['audit', '--from', formatMicros(END - 26 * H), '--to', formatMicros(END + 8 * H), '--now', NOW, '--format', 'json'], { DATABASE_URL: db.url });
  expect(r.code, r.stderr).toBe(0);
  doc = JSON.parse(r.stdout) as AuditDocument;
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

const key = (f: { kind: string; taskId: number | null; table: string; id: number | null; field: string }) => `${f.kind} ${f.taskId ?? '-'} ${f.table} ${f.id ?? '-'} ${f.field}`;

describe("the old job's history", () => {
  it('plants every documented defect kind', () => {
    const kinds = new Set(history.defects.map((d) => d.defect));
    expect([...kinds].sort()).toEqual(['alarm_in_two_tasks', 'alarm_linked_twice', 'null_type', 'paid_wrap_unpaid', 'processed_in_no_task']);
  });

  it('an alarm linked twice, a processed event in no task, a task with a NULL type, a paid wrap flagged unpaid: each found', () => {
    const found = new Set(doc.findings.map(key));
    for (const d of history.defects) expect(found, `${d.defect}: ${key(d.finding)}`).toContain(key(d.finding));
    expect(doc.byKind.event_in_two_tasks + doc.byKind.link_extra).toBeGreaterThan(0);
    expect(doc.byKind.event_in_no_task).toBeGreaterThan(0);
    expect(doc.byKind.task_without_type).toBeGreaterThan(0);
    expect(doc.byKind.wrap_verdict).toBeGreaterThan(0);
  });

  it("and nothing else but the dataset's unlinked analyzer rows; receipt_id left NULL (a column the old schema lacked) is not a finding", () => {
    expect(leftovers).toHaveLength(2);
    expect(doc.findings.map(key).sort()).toEqual([...history.defects.map((d) => key(d.finding)), ...leftovers].sort());
    expect(doc.devices.skipped).toEqual([{ deviceId: 7, reason: 'ready in both modes (R1): every pass skips it' }]);
  });
});

describe('devices by readiness (R1)', () => {
  const period = () => ['--from', formatMicros(END - 26 * H), '--to', formatMicros(END + 8 * H), '--now', NOW, '--format', 'json'];

  it('named devices ready in both modes or in neither are skipped with the reason; --mode audits them in that mode', async () => {
    const named = await runCli(['audit', ...period(), '--device', '7', '8', '3'], { DATABASE_URL: db.url });
    expect(named.code, named.stderr).toBe(0);
    const doc = JSON.parse(named.stdout) as AuditDocument;
    expect(doc.devices.skipped).toEqual([
      { deviceId: 7, reason: 'ready in both modes (R1): give --mode' },
      { deviceId: 8, reason: 'ready in neither mode (R1): give --mode' },
    ]);
    expect(doc.devices).toMatchObject({ audited: 1, byMode: { receipts: 1 } });
    const forced = await runCli(['audit', ...period(), '--device', '8', '--mode', 'dwr'], { DATABASE_URL: db.url });
    expect(forced.code, forced.stderr).toBe(0);
    const one = JSON.parse(forced.stdout) as AuditDocument;
    expect(one.devices).toMatchObject({ audited: 1, byMode: { dwr: 1 }, skipped: [] });
    // nothing of device 8 was ever processed: its events are the backlog, no finding
    expect(one.findings).toEqual([]);
    expect(one.notCompared.pendingEvents).toBeGreaterThan(0);
  });
});
