// Pre-allocates the ids of a device's new task, task_to_event and analyzer
// issue rows from their own sequences, so parent links are known before the
// rows are written and all inserts can go in one statement. The sequence is
// looked up once per statement (an initplan), not once per id: nextval(text)
// resolves the name through the catalog on every call (7x slower).
import type { Sql } from '../infra/db.js';

export interface AllocatedIds {
  task: number[];
  taskToEvent: number[];
  issue: number[];
}

export async function allocateIds(sql: Sql, tasks: number, links: number, issues: number): Promise<AllocatedIds> {
  const [row] = await sql<{ task: string[]; link: string[]; issue: string[] }[]>`
    select
      array(select nextval((select pg_get_serial_sequence('task', 'id')::regclass)) from generate_series(1, ${tasks}::int))::text[] as task,
      array(select nextval((select pg_get_serial_sequence('task_to_event', 'id')::regclass)) from generate_series(1, ${links}::int))::text[] as link,
      array(select nextval((select pg_get_serial_sequence('polycommissue', 'polycommissue_id')::regclass)) from generate_series(1, ${issues}::int))::text[] as issue`;
  return { task: row!.task.map(Number), taskToEvent: row!.link.map(Number), issue: row!.issue.map(Number) };
}
