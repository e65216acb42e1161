// Issue 8: `analyzer open-tasks`, through the built CLI against a real PostgreSQL.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, device, receipt, wrap, type Sql, type TestDb } from '../harness/db.js';
import type { OpenTasksDocument } from '../../src/shell/commands/open-tasks.js';

const tmp = mkdtempSync(join(tmpdir(), 'polycomm-open-tasks-'));
const dbs: TestDb[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
  rmSync(tmp, { recursive: true, force: true });
});

type Link = ['polycomm_suitcase' | 'polycommalarm' | 'receipts', number] | ['analyzer', 7 | 8 | 9] | ['device issue', number];

let issueId = 500;
async function task(sql: Sql, t: { device: number; type: number; date: string; resolved?: boolean; links?: Link[] }): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into task (date, local_date, device_id, type, status, resolved)
    values (${t.date}, ${t.date}, ${t.device}, ${t.type}, 1, ${t.resolved ?? false}) returning id`;
  let ord = 0;
  for (const [kind, value] of t.links ?? []) {
    let table: string = kind;
    let eventId = value;
    if (kind === 'analyzer' || kind === 'device issue') {
      eventId = ++issueId;
      await sql`insert into polycommissue (polycommissue_id, id, device, type, localdate, date, status)
                values (${eventId}, ${kind === 'analyzer' ? 22222222 : 77}, ${t.device}, ${kind === 'analyzer' ? value : 2}, ${t.date}, ${t.date}, 1)`;
      table = 'polycommissue';
    }
    await sql`insert into task_to_event (task_id, event_id, table_name, ord) values (${row!.id}, ${eventId}, ${table}, ${++ord})`;
  }
  return row!.id;
}

describe('analyzer open-tasks', () => {
  let db: TestDb;
  const ids: Record<string, number> = {};
  const cli = (args: string[]) => runCli(['open-tasks', ...args], { DATABASE_URL: db.url });
  const json = async (args: string[]) => {
    const r = await cli([...args, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return JSON.parse(r.stdout) as OpenTasksDocument;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dbs.push(db);
    await device(db.sql, { id: 1, title: 'SVO terminal B', mode: null });
    await device(db.sql, { id: 2, title: 'VKO hall 1', mode: null });
    ids.t1 = await task(db.sql, { device: 1, type: 4, date: '2026-01-01 10:00:00', links: [['polycomm_suitcase', 11], ['analyzer', 7], ['receipts', 12]] });
    ids.t2 = await task(db.sql, { device: 1, type: 4, date: '2026-01-01 11:00:00', resolved: true, links: [['polycomm_suitcase', 13], ['receipts', 14]] });
    ids.t3 = await task(db.sql, { device: 1, type: 1, date: '2026-01-02 09:00:00', links: [['polycommalarm', 15], ['device issue', 0]] });
    ids.t4 = await task(db.sql, { device: 2, type: 5, date: '2026-01-03 08:00:00', links: [['polycomm_suitcase', 16], ['analyzer', 8], ['polycomm_suitcase', 17], ['analyzer', 7]] });
    ids.t5 = await task(db.sql, { device: 2, type: 2, date: '2025-12-31 23:00:00' });
    ids.t6 = await task(db.sql, { device: 99, type: 5, date: '2026-01-02 12:00:00', links: [['receipts', 18]] });
  });

  it('counts equal the database: total, by type, by device', async () => {
    const doc = await json([]);
    const n = (await db.sql<{ n: number }[]>`select count(*)::int as n from task where not resolved`)[0]!.n;
    expect(doc.total).toBe(n);
    expect(doc.total).toBe(5);
    const byType = await db.sql<{ type: number; n: number }[]>`select type, count(*)::int as n from task where not resolved group by type`;
    expect(Object.fromEntries(doc.byType.map((c) => [c.type, c.count]))).toEqual(Object.fromEntries(byType.map((r) => [r.type, r.n])));
    const byDevice = await db.sql<{ device_id: number; n: number }[]>`select device_id, count(*)::int as n from task where not resolved group by device_id`;
    expect(Object.fromEntries(doc.byDevice.map((c) => [c.deviceId, c.count]))).toEqual(Object.fromEntries(byDevice.map((r) => [r.device_id, r.n])));
    expect(doc.byType.find((c) => c.type === 5)).toEqual({ type: 5, name: 'mixed', count: 2 });
    expect(doc.byDevice.find((c) => c.deviceId === 2)).toEqual({ deviceId: 2, title: 'VKO hall 1', count: 2 });
    expect(doc.truncated).toBe(false);
  });

  it('lists each open task with device, type name, date, linked events and analyzer issue types, newest first', async () => {
    const doc = await json([]);
    expect(doc.tasks.map((t) => t.id)).toEqual([ids.t4, ids.t6, ids.t3, ids.t1, ids.t5]);
    expect(doc.tasks.find((t) => t.id === ids.t4)).toMatchObject({
      deviceId: 2, device: 'VKO hall 1', type: 5, typeName: 'mixed', date: '2026-01-03 08:00:00', events: 4,
      analyzerIssues: [{ type: 7, name: 'unpaid wrap' }, { type: 8, name: 'double wrap paid as single' }],
    });
    expect(doc.tasks.find((t) => t.id === ids.t1)).toMatchObject({ typeName: 'KPU/KnPU', events: 3, analyzerIssues: [{ type: 7 }] });
    // a device issue is an event, not an analyzer issue
    expect(doc.tasks.find((t) => t.id === ids.t3)).toMatchObject({ typeName: 'notification', events: 2, analyzerIssues: [] });
    expect(doc.tasks.find((t) => t.id === ids.t6)).toMatchObject({ deviceId: 99, device: null });
  });

  it('the readable report shows the number, the counts and the list', async () => {
    const r = await cli([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Open tasks \(resolved = false\): 5/);
    expect(r.stdout).toMatch(/5\s+mixed\s+2/);
    expect(r.stdout).toMatch(/2\s+VKO hall 1\s+2/);
    expect(r.stdout).toMatch(new RegExp(`${ids.t4}\\s+2 VKO hall 1\\s+5 mixed\\s+2026-01-03 08:00:00\\s+4\\s+7 unpaid wrap, 8 double wrap paid as single`));
  });

  it('filters by device, type and date; counts follow the filter', async () => {
    expect((await json(['--device', '2'])).tasks.map((t) => t.id)).toEqual([ids.t4, ids.t5]);
    const typed = await json(['--type', '4', '5']);
    expect(typed.total).toBe(3);
    expect(typed.byType.map((c) => [c.type, c.count])).toEqual([[5, 2], [4, 1]]);
    expect((await json(['--since', '2026-01-02'])).tasks.map((t) => t.id)).toEqual([ids.t4, ids.t6, ids.t3]);
    expect((await json(['--since', '2026-01-02T10:00'])).total).toBe(2);
    expect((await json(['--device', '1', '--type', '1'])).tasks.map((t) => t.id)).toEqual([ids.t3]);
  });

  it('--limit bounds the list, never the counts', async () => {
    const doc = await json(['--limit', '2']);
    expect(doc.total).toBe(5);
    expect(doc.listed).toBe(2);
    expect(doc.truncated).toBe(true);
    expect(doc.byType.reduce((s, c) => s + c.count, 0)).toBe(5);
    const text = await cli(['--limit', '2']);
    expect(text.stdout).toMatch(/Tasks \(newest 2 of 5; --limit shows more\)/);
  });

  it('--out-dir writes a JSON file with a unique name on every run', async () => {
    const dir = join(tmp, 'out');
    const a = await cli(['--out-dir', dir]);
    const b = await cli(['--out-dir', dir]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(new Set(files).size).toBe(2);
    for (const file of files) {
      expect(file).toMatch(/^open-tasks-\d{8}T\d{6}Z-[0-9a-f]{6}\.json$/);
      expect(a.stdout + b.stdout).toContain(join(dir, file));
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as OpenTasksDocument;
      expect(doc.total).toBe(5);
      expect(doc.tasks).toHaveLength(5);
    }
  });

  it('invalid options exit 2 with one line', async () => {
    for (const args of [['--type', '9'], ['--device', 'x'], ['--since', 'yesterday'], ['--since', '2026-13-01'], ['--limit', '-1']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('after a real pass, counts equal the tasks the pass wrote', async () => {
    const fresh = await createTestDatabase();
    dbs.push(fresh);
    const d = await device(fresh.sql, { id: 1 });
    await wrap(fresh.sql, { device: 1, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
    await wrap(fresh.sql, { device: 1, start: '2026-01-01 10:03:00', finish: '2026-01-01 10:04:00', type: 1 });
    await receipt(fresh.sql, { code: d.code, at: '2026-01-01 10:05:00', single: 1, double: 0 });
    const d2 = await device(fresh.sql, { id: 2 });
    await wrap(fresh.sql, { device: 2, start: '2026-01-01 12:00:00', finish: '2026-01-01 12:01:00', type: 1 });
    await receipt(fresh.sql, { code: d2.code, at: '2026-01-01 12:02:00', single: 1, double: 0 });
    await receipt(fresh.sql, { code: d2.code, at: '2026-01-01 14:02:00', single: 1, double: 0 });
    const pass = await runCli(['--mode', 'receipts', '--now', '2026-01-02T00:00:00'], { DATABASE_URL: fresh.url });
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    const r = await runCli(['open-tasks', '--json'], { DATABASE_URL: fresh.url });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as OpenTasksDocument;
    const byType = await fresh.sql<{ type: number; n: number }[]>`select type, count(*)::int as n from task where not resolved group by type`;
    expect(doc.total).toBe(byType.reduce((s, t) => s + t.n, 0));
    expect(doc.total).toBeGreaterThan(0);
    expect(Object.fromEntries(doc.byType.map((c) => [c.type, c.count]))).toEqual(Object.fromEntries(byType.map((t) => [t.type, t.n])));
    // worked example 2 (docs/rules.md): the unpaid wrap's issue 7 is linked to the open task
    expect(doc.tasks.some((t) => t.deviceId === 1 && t.analyzerIssues.some((i) => i.type === 7))).toBe(true);
  });
});
