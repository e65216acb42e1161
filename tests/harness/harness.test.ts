import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, device, wrap, receipt, alarm, issue, type TestDb } from './db.js';

describe('test harness: a real PostgreSQL per test file', () => {
  let db: TestDb;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('holds the schema and round-trips rows of every event table', async () => {
    const { sql } = db;
    const d = await device(sql, { id: 1, code: 101 });
    const w = await wrap(sql, { device: d.id, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:30.25', type: 2 });
    const r = await receipt(sql, { code: d.code, at: '2026-01-01 10:02:00', single: 0, double: 1 });
    const a = await alarm(sql, { device: d.id, at: '2026-01-01 10:00:30' });
    const i = await issue(sql, { device: d.id, at: '2026-01-01 10:00:40' });
    const [row] = await sql<{ local_date: string; package_type: number; status: number; receipt_id: number | null }[]>`
      select local_date::text, package_type, status, receipt_id from polycomm_suitcase where id = ${w}`;
    expect(row).toEqual({ local_date: '2026-01-01 10:01:30.25', package_type: 2, status: 0, receipt_id: null });
    const counts = await sql<{ n: number }[]>`
      select (select count(*) from receipts where receipt_id = ${r} and status = 0)
           + (select count(*) from polycommalarm where polycommalarm_id = ${a} and status = 0)
           + (select count(*) from polycommissue where polycommissue_id = ${i} and status = 0) as n`;
    expect(counts[0]!.n).toBe(3);
  });

  it('has the dictionaries, with the analyzer issue types 7, 8 and 9', async () => {
    const rows = await db.sql<{ id: number }[]>`select id from polycomm_issue_type where id in (7, 8, 9) order by id`;
    expect(rows.map((r) => r.id)).toEqual([7, 8, 9]);
  });

  it('R1: analyzer_code_to_int matches exactly what CAST(devicecode AS int) accepts, never failing', async () => {
    const inputs = [' 42 ', '42', '+7', '-3', 'abc', '', '  ', '2147483647', '2147483648', '-2147483648', '99999999999', '4 2', '\t12\n', '1.5'];
    for (const input of inputs) {
      const [row] = await db.sql<{ f: number | null }[]>`select analyzer_code_to_int(${input}) as f`;
      let expected: number | null;
      try {
        const [c] = await db.sql<{ c: number }[]>`select cast(${input}::text as int) as c`;
        expected = c!.c;
      } catch {
        expected = null;
      }
      expect(row!.f, JSON.stringify(input)).toBe(expected);
    }
  });
});
