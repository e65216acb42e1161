// Pre-allocates the ids of a chunk's new task, task_to_event and analyzer
// issue rows from their own sequences, so parent links are known before the
// rows are written and all inserts can go in one statement. The sequence is
// looked up once per statement (an initplan), not once per id: nextval(text)
// resolves the name through the catalog on every call (7x slower). A
// sequence hands out consecutive values unless another session takes some
// in between, so the ids come back as first and count, and one by one only
// when they are not consecutive (parsing a chunk's 30,000 ids as text cost
// the process more than the statement).
import type { Sql } from '../infra/db.js';

export interface AllocatedIds {
  task: Float64Array;
  taskToEvent: Float64Array;
  issue: Float64Array;
}

export async function allocateIds(sql: Sql, tasks: number, links: number, issues: number): Promise<AllocatedIds> {
  const rows = await sql<{ seq: number; first: number; count: number; every: string | null }[]>`
    with ids as (
      select 1 as seq, nextval((select pg_get_serial_sequence('task', 'id')::regclass)) as id from generate_series(1, ${tasks}::int)
      union all
      select 2, nextval((select pg_get_serial_sequence('task_to_event', 'id')::regclass)) from generate_series(1, ${links}::int)
      union all
      select 3, nextval((select pg_get_serial_sequence('polycommissue', 'polycommissue_id')::regclass)) from generate_series(1, ${issues}::int)
    )
    select seq, first, count, case when last - first + 1 = count then null else every::text end as every
    from (select seq, min(id) as first, max(id) as last, count(*)::int as count, array_agg(id) as every from ids group by seq) s`;
  const ids = (seq: number, expected: number): Float64Array => {
    const row = rows.find((r) => r.seq === seq);
    if (!row) return expand([], expected);
    return row.every === null ? expand([[row.first, row.count]], expected) : expand(row.every.slice(1, -1).split(',').map((id) => [Number(id), 1]), expected);
  };
  return { task: ids(1, tasks), taskToEvent: ids(2, links), issue: ids(3, issues) };
}

/** Runs of consecutive ids ([first, count]) as the ids themselves; `expected` of them. */
export function expand(runs: [number, number][], expected: number): Float64Array {
  const ids = new Float64Array(expected);
  let at = 0;
  for (const [first, count] of runs) {
    if (!Number.isSafeInteger(first + count - 1)) throw new Error(`id ${first + count - 1} is beyond 2^53 and cannot be handled exactly`);
    if (at + count > expected) break;
    for (let k = 0; k < count; k++) ids[at++] = first + k;
  }
  if (at !== expected) throw new Error(`allocated ${at} ids, expected ${expected}`);
  return ids;
}
