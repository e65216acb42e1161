// Issue 8: run history (analyzer_run) and `analyzer status`, through the built
// CLI against a real PostgreSQL.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../harness/cli.js';
import { alarm, createTestDatabase, device, receipt, wrap, type TestDb } from '../harness/db.js';
import type { PassReport } from '../../src/shell/report.js';
import type { StatusDocument } from '../../src/shell/commands/status.js';
import { VERSION } from '../../src/infra/version.js';
import { analyzerWaitsOnLock, lockTable, runRows, waitFor } from './helpers.js';

const D = '2026-01-01';
const at = (t: string) => `${D} ${t}:00`;
const NOW = '2026-01-02T00:00:00';

let db: TestDb;
const dbs: TestDb[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'polycomm-ops-'));

beforeEach(async () => {
  db = await createTestDatabase();
  dbs.push(db);
});
afterAll(async () => {
  for (const d of dbs) await d.drop();
  rmSync(tmp, { recursive: true, force: true });
});

async function balancedDevice(id: number): Promise<void> {
  const d = await device(db.sql, { id });
  await wrap(db.sql, { device: d.id, start: at('10:00'), finish: at('10:01'), type: 1 });
  await receipt(db.sql, { code: d.code, at: at('10:02'), single: 1, double: 0 });
}

function passArgs(dir?: string): string[] {
  return ['--mode', 'receipts', '--now', NOW, ...(dir ? ['--report-dir', dir] : [])];
}

function readReport(dir: string): PassReport {
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as PassReport;
}

const status = (args: string[]) => runCli(['status', ...args], { DATABASE_URL: db.url });

describe('run history (analyzer_run)', () => {
  it('a pass leaves one succeeded row whose report equals the pass report', async () => {
    await balancedDevice(1);
    const dir = mkdtempSync(join(tmp, 'r-'));
    const r = await runCli(passArgs(dir), { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = readReport(dir);
    const rows = await runRows(db.sql);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ mode: 'receipts', status: 'succeeded', host: hostname(), version: VERSION, error: null });
    expect(row!.pid).toBeGreaterThan(0);
    expect(row!.finished_at).not.toBeNull();
    expect(row!.finished_at!.getTime()).toBeGreaterThanOrEqual(row!.started_at.getTime());
    expect(row!.report).toEqual(report);
    expect(report.groups.tasks).toBe(1);
  });

  it('--dry-run records nothing', async () => {
    await balancedDevice(1);
    const r = await runCli([...passArgs(), '--dry-run'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await runRows(db.sql)).toHaveLength(0);
  });

  it('a failed device makes the row failed, with the message; status --fail-on-stale then exits 3', async () => {
    await balancedDevice(1);
    // R13/R14: an unpaid wrap needs issue type 7, which is missing: that device fails and rolls back
    await db.sql`delete from polycomm_issue_type where id = 7`;
    const d = await device(db.sql, { id: 2 });
    await wrap(db.sql, { device: d.id, start: at('11:00'), finish: at('11:01'), type: 1 });
    const dir = mkdtempSync(join(tmp, 'r-'));
    const r = await runCli(passArgs(dir), { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = readReport(dir);
    expect(report.status).toBe('failed');
    expect(report.failures.map((f) => f.deviceId)).toEqual([2]);
    const [row, ...more] = await runRows(db.sql);
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ status: 'failed' });
    expect(row!.error).toContain('device 2');
    expect(row!.error).toContain(report.failures[0]!.error);
    expect(row!.report).toEqual(report);

    const s = await status(['--fail-on-stale']);
    expect(s.code, s.stdout + s.stderr).toBe(3);
    expect(s.stdout).toMatch(/ALERT: .*receipts run .* failed/);
    expect(s.stdout).toContain('device 2');
    const plain = await status([]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
  });

  it('SIGTERM during a pass makes the row interrupted', async () => {
    await balancedDevice(1);
    const lock = await lockTable(db.sql, 'polycomm_suitcase');
    try {
      const run = startCli(passArgs(), { DATABASE_URL: db.url });
      let out = '';
      run.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      // the row is inserted before the pass reads anything: SIGTERM reaches the handler
      await waitFor('the run row', async () => ((await runRows(db.sql)).length > 0 ? true : undefined));
      run.child.kill('SIGTERM');
      // the pass has taken the signal (it says so) before the lock lets it go on
      await waitFor('the pass to take the SIGTERM', () => Promise.resolve(out.includes('SIGTERM received') ? true : undefined));
      await lock.release();
      const r = await run.done;
      expect(r.code, r.stdout + r.stderr).toBe(1);
    } finally {
      await lock.release();
    }
    const [row] = await runRows(db.sql);
    expect(row).toMatchObject({ status: 'interrupted' });
    expect((row!.report as PassReport).status).toBe('interrupted');
    expect(row!.finished_at).not.toBeNull();
    expect(row!.error).toMatch(/interrupted/);
  });

  it('SIGTERM while the device in flight outlives the grace period: recorded interrupted on a separate connection', async () => {
    await balancedDevice(1);
    const lock = await lockTable(db.sql, 'polycomm_suitcase');
    let r;
    try {
      const run = startCli(passArgs(), { DATABASE_URL: db.url });
      await waitFor('the pass to block on the lock', () => analyzerWaitsOnLock(db.sql));
      run.child.kill('SIGTERM');
      r = await run.done;
    } finally {
      await lock.release();
    }
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const [row] = await runRows(db.sql);
    expect(row).toMatchObject({ status: 'interrupted' });
    expect(r.stdout).toMatch(/separate connection/);
  }, 30_000);

  it('SIGKILL leaves a running row: status --stale-after 1 --fail-on-stale flags it as hung and exits 3', async () => {
    await balancedDevice(1);
    const lock = await lockTable(db.sql, 'polycomm_suitcase');
    let pid: number | undefined;
    try {
      const run = startCli(passArgs(), { DATABASE_URL: db.url });
      await waitFor('the run row', async () => ((await runRows(db.sql)).length > 0 ? true : undefined));
      pid = run.child.pid;
      run.child.kill('SIGKILL');
      const r = await run.done;
      expect(r.signal).toBe('SIGKILL');
    } finally {
      await lock.release();
    }
    const [row] = await runRows(db.sql);
    expect(row).toMatchObject({ status: 'running', pid, finished_at: null, report: null });

    // not hung yet for the default threshold, and nothing failed: 0
    const fresh = await status(['--fail-on-stale']);
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/Hung runs .*: none/);

    await waitFor('the row to be older than 1 s', async () =>
      ((JSON.parse((await status(['--stale-after', '1', '--json'])).stdout) as StatusDocument).hung.length > 0 ? true : undefined));
    const hung = await status(['--stale-after', '1', '--fail-on-stale']);
    expect(hung.code, hung.stdout + hung.stderr).toBe(3);
    expect(hung.stdout).toMatch(new RegExp(`run ${row!.id} receipts started .* pid ${pid}`));
    expect(hung.stdout).toContain('HUNG');
    const json = await status(['--stale-after', '1', '--fail-on-stale', '--json']);
    expect(json.code).toBe(3);
    const doc = JSON.parse(json.stdout) as StatusDocument;
    expect(doc.hung.map((h) => h.id)).toEqual([row!.id]);
    expect(doc.alert).toBe(true);
    // without --fail-on-stale the report is informational: 0
    expect((await status(['--stale-after', '1'])).code).toBe(0);
  });

  it('with no hung or failed run status --fail-on-stale exits 0, as table and as JSON', async () => {
    const none = await status(['--fail-on-stale']);
    expect(none.code, none.stdout + none.stderr).toBe(0);
    expect(none.stdout).toContain('no runs recorded yet');
    await balancedDevice(1);
    for (let i = 0; i < 2; i++) expect((await runCli(passArgs(), { DATABASE_URL: db.url })).code).toBe(0);
    expect((await runCli(['--mode', 'dwr', '--now', NOW], { DATABASE_URL: db.url })).code).toBe(0);
    const s = await status(['--stale-after', '1', '--fail-on-stale']);
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expect(s.stdout).toMatch(/OK: no hung run, no failed last run/);
    expect(s.stdout.match(/succeeded/g)?.length).toBeGreaterThanOrEqual(3);
    const json = await status(['--fail-on-stale', '--json', '--limit', '1']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as StatusDocument;
    expect(doc.alert).toBe(false);
    expect(doc.runs.map((r) => [r.mode, r.status])).toEqual([['dwr', 'succeeded'], ['receipts', 'succeeded']]);
    expect(doc.runs.find((r) => r.mode === 'receipts')).toMatchObject({ devices_processed: 0, devices_ready: 1, tasks: 0 });
    const receiptsOnly = JSON.parse((await status(['--json', '--mode', 'receipts'])).stdout) as StatusDocument;
    expect(receiptsOnly.runs.every((r) => r.mode === 'receipts')).toBe(true);
    expect(receiptsOnly.runs).toHaveLength(2);
  });

  it('status shows the pending backlog per mode of the ready devices only', async () => {
    const r1 = await device(db.sql, { id: 1, mode: 'receipts' });
    await wrap(db.sql, { device: 1, start: at('10:00'), finish: at('10:01') });
    await wrap(db.sql, { device: 1, start: at('09:00'), finish: at('09:01') });
    await alarm(db.sql, { device: 1, at: at('10:30') });
    await receipt(db.sql, { code: r1.code, at: at('10:02'), single: 1, double: 0 });
    await receipt(db.sql, { code: ` ${r1.code} `, at: at('10:03'), single: 1, double: 0 });
    await receipt(db.sql, { code: 'junk', at: at('10:03'), single: 1, double: 0 });
    // an analyzer issue is never pending work (R2), a processed wrap neither
    await db.sql`insert into polycommissue (id, device, type, localdate, date, status) values (22222222, 1, 7, ${at('10:01')}, ${at('10:01')}, 0)`;
    const done = await wrap(db.sql, { device: 1, start: at('08:00'), finish: at('08:01') });
    await db.sql`update polycomm_suitcase set status = 1 where id = ${done}`;
    await device(db.sql, { id: 2, mode: 'dwr' });
    await wrap(db.sql, { device: 2, start: at('07:00'), finish: at('07:01') });
    await device(db.sql, { id: 3, mode: null }); // not ready
    await wrap(db.sql, { device: 3, start: at('06:00'), finish: at('06:01') });
    const s = await status(['--json']);
    expect(s.code, s.stderr).toBe(0);
    const doc = JSON.parse(s.stdout) as StatusDocument;
    expect(doc.backlog).toEqual([
      { mode: 'receipts', devices: 1, conflicts: 0, wraps: 2, alarms: 1, issues: 0, receipts: 2, oldest: at('09:01') },
      { mode: 'dwr', devices: 1, conflicts: 0, wraps: 1, alarms: 0, issues: 0, receipts: 0, oldest: at('07:01') },
    ]);
    const text = await status([]);
    expect(text.stdout).toMatch(/receipts\s+1\s+2\s+1\s+0\s+2\s+2026-01-01 09:01:00/);
  });

  it('invalid status options exit 2 with one line', async () => {
    for (const args of [['--stale-after', 'soon'], ['--limit', '0'], ['--mode', 'both']]) {
      const r = await status(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('the pass prunes rows older than RUN_HISTORY_DAYS', async () => {
    await db.sql`insert into analyzer_run (mode, started_at, finished_at, status) values
      ('receipts', now() - interval '10 days', now() - interval '10 days', 'succeeded'),
      ('dwr', now() - interval '3 days', now() - interval '3 days', 'failed')`;
    const r = await runCli([...passArgs(), '--run-history-days', '5'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await runRows(db.sql)).map((row) => [row.mode, row.status])).toEqual([['dwr', 'failed'], ['receipts', 'succeeded']]);
  });
});
