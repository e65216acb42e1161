// Pre-allocates the ids of a chunk's new task, task_to_event and analyzer
// issue rows from their own sequences, so parent links are known before the
// rows are written and all inserts can go in one statement. The sequence is
// looked up once per statement (an initplan), not once per id: nextval(text)
// resolves the name through the catalog on every call (7x slower). A
// sequence hands out consecutive values unless another session takes some
// in between, so the ids come back as first and count, and one by one only
// when they are not consecutive (parsing a chunk's 30,000 ids as text cost
// the process more than the statement). Each sequence's ids are aggregated
// in a subquery of their own: grouping all three by sequence in one
// aggregate cost the server a third more than making them.
import type { Sql } from '../infra/db.js';

export interface AllocatedIds {
  task: Float64Array;
  taskToEvent: Float64Array;
  issue: Float64Array;
}

/** One row per sequence: its first id and how many, and every id as text only when they are not consecutive. */
interface Allocated {
  first: number | null;
  count: number;
  every: string | null;
}

/** `count` ids from the serial sequence of `table.column`, aggregated where they are made (no row per id leaves the statement). */
const block = (sql: Sql, table: string, column: string, count: number) => sql`
  (select min(id) as first, count(*)::int as count,
          case when max(id) - min(id) + 1 = count(*) then null else array_agg(id)::text end as every
   from (select nextval((select pg_get_serial_sequence(${table}, ${column})::regclass)) as id
         from generate_series(1, ${count}::int)) ids)`;

export async function allocateIds(sql: Sql, tasks: number, links: number, issues: number): Promise<AllocatedIds> {
  const [row] = await sql<{
    t_first: number | null; t_count: number; t_every: string | null;
    l_first: number | null; l_count: number; l_every: string | null;
    i_first: number | null; i_count: number; i_every: string | null;
  }[]>`
    select t.first as t_first, t.count as t_count, t.every as t_every, l.first as l_first, l.count as l_count, l.every as l_every,
           i.first as i_first, i.count as i_count, i.every as i_every
    from ${block(sql, 'task', 'id', tasks)} t,
         ${block(sql, 'task_to_event', 'id', links)} l,
         ${block(sql, 'polycommissue', 'polycommissue_id', issues)} i`;
  const r = row!;
  return {
    task: idsOf({ first: r.t_first, count: r.t_count, every: r.t_every }, tasks),
    taskToEvent: idsOf({ first: r.l_first, count: r.l_count, every: r.l_every }, links),
    issue: idsOf({ first: r.i_first, count: r.i_count, every: r.i_every }, issues),
  };
}

function idsOf(a: Allocated, expected: number): Float64Array {
  if (a.first === null) return expand([], expected);
  if (a.every === null) return expand([[a.first, a.count]], expected);
  return expand(a.every.slice(1, -1).split(',').map((id) => [Number(id), 1]), expected);
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
