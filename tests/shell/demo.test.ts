// The demo's closing table (scripts/demo-table.ts) equals the pass reports:
// the demo's own dataset (where one device is listed twice in `timestamps`),
// both passes through the built CLI, then the table's query against the
// reports' counts, mode by mode and type by type.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataset } from '../../generator/demo.js';
import { loadDataset } from '../../generator/load.js';
import { renderTaskTable, taskTable, type TaskRow } from '../../scripts/demo-table.js';
import type { PassReport } from '../../src/shell/report.js';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, type TestDb } from '../harness/db.js';

const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000; // Moscow wall clock, zone-free micros
const NOW = '2026-01-10T12:00:00';

describe('the demo table', () => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'polycomm-demo-test-'));
  const reports = new Map<string, PassReport>();
  let rows: TaskRow[];

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDataset(db.sql, demoDataset(END));
    for (const mode of ['receipts', 'dwr']) {
      const out = join(dir, mode);
      const r = await runCli(['--mode', mode, '--now', NOW, '--report-dir', out], { DATABASE_URL: db.url });
      expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
      reports.set(mode, JSON.parse(readFileSync(join(out, readdirSync(out)[0]!), 'utf8')) as PassReport);
    }
    rows = await taskTable(db.sql);
  }, 120_000);
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the dataset lists a device twice in timestamps (the case that used to count its tasks twice)', async () => {
    const twice = await db.sql<{ code: number }[]>`
      select analyzer_code_to_int(devicecode) as code from timestamps where ready and analyzer_code_to_int(devicecode) is not null
      group by 1 having count(*) > 1`;
    expect(twice.length).toBeGreaterThan(0);
  });

  it('equals the pass reports: tasks per type, resolved and linked events per mode', () => {
    for (const [mode, report] of reports) {
      const mine = rows.filter((r) => r.mode === mode);
      expect(report.groups.tasks, mode).toBeGreaterThan(0);
      expect(Object.fromEntries(mine.map((r) => [String(r.type), r.tasks])), mode).toEqual(report.groups.byTaskType);
      expect(mine.reduce((n, r) => n + r.resolved, 0), mode).toBe(report.groups.resolved);
      expect(mine.reduce((n, r) => n + r.events, 0), mode).toBe(report.rowsInserted.task_to_event);
    }
    expect(rows.every((r) => r.mode === 'receipts' || r.mode === 'dwr')).toBe(true);
  });

  it('renders one line per mode and type under a header', () => {
    const lines = renderTaskTable(rows);
    expect(lines).toHaveLength(rows.length + 2);
    expect(lines[0]).toMatch(/^ {2}mode\s+type\s+name\s+tasks\s+resolved\s+events$/);
  });
});
