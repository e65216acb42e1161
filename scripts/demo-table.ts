// The demo's closing table: the tasks in the database, by mode and task type.
// A device's mode is whether it has a ready receipts row in `timestamps`
// (asked once per device, so a device listed there twice counts once); the
// table equals the pass reports (tests/shell/demo.test.ts checks it).
import type postgres from 'postgres';
import { TASK_TYPE_NAMES } from '../src/core/index.js';
import { table } from '../src/shell/table.js';

export interface TaskRow {
  mode: 'receipts' | 'dwr';
  type: number;
  tasks: number;
  resolved: number;
  events: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- takes any connection, whatever its custom types (the demo's and the tests' differ); it reads plain rows only
export async function taskTable(sql: postgres.Sql<any>): Promise<TaskRow[]> {
  return sql<TaskRow[]>`
    select case when exists (select 1 from timestamps t
                             where t.ready and t.status_type_device = 1 and analyzer_code_to_int(t.devicecode) = d.code)
                then 'receipts' else 'dwr' end as mode,
           k.type, count(*)::int as tasks, count(*) filter (where k.resolved)::int as resolved,
           coalesce(sum((select count(*) from task_to_event e where e.task_id = k.id)), 0)::int as events
    from task k
    join polycomm_device d on d.id = k.device_id
    group by 1, 2
    order by 1 desc, 2`;
}

export function renderTaskTable(rows: TaskRow[]): string[] {
  if (rows.length === 0) return ['  no tasks'];
  return table(
    ['mode', 'type', 'name', 'tasks', 'resolved', 'events'],
    rows.map((r) => [r.mode, String(r.type), TASK_TYPE_NAMES[r.type] ?? '?', String(r.tasks), String(r.resolved), String(r.events)]),
    { indent: '  ', rule: true },
  );
}
