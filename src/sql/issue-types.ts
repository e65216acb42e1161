// R14 needs issue types 7, 8 and 9 in the dictionary; the pass checks once.
import type { Sql } from '../infra/db.js';

export async function presentIssueTypes(sql: Sql, wanted: number[]): Promise<Set<number>> {
  const rows = await sql<{ id: number }[]>`select id from polycomm_issue_type where id = any(${wanted}::int[])`;
  return new Set(rows.map((r) => r.id));
}
