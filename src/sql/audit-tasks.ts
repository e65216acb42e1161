// audit (issue 23): the tasks of a chunk of devices that link one of the
// loaded rows (wraps by polycom_id, R16; only the chunk's own tasks: a task
// links rows of its own device) or are dated (local_date) in the device's
// window, with every link of each. Packed (packed-rows.ts): one row per
// link, a task without links once.
import type { Sql } from '../infra/db.js';
import type { AuditLink, StoredTask } from '../core/index.js';
import { unpack } from './packed-rows.js';
import { numberArray, textArray } from './array-literal.js';
import type { WindowArrays } from './audit-windows.js';
import { flag } from './audit-wraps.js';
import { EVENT_TABLES } from './plan-rows.js';

/** The loaded rows tasks are looked up by, per table (task_to_event.event_id: a wrap's polycom_id, R16). */
export interface EventKeys {
  wraps: number[];
  alarms: number[];
  issues: number[];
  receipts: number[];
}

export interface WindowTasks {
  tasks: StoredTask[];
  links: AuditLink[];
}

export async function auditTasks(sql: Sql, w: WindowArrays, keys: EventKeys): Promise<WindowTasks> {
  // every list is a hashed `= any(constant)` (custom plans: src/infra/db.ts); the per-device windows
  // are joined only to rows already narrowed, so no estimate of unnest's size can mislead the planner
  const parts = await sql<{ packed: string }[]>`
    with hit as (
      select l.task_id as id
      from task_to_event l
      where (l.table_name = 'polycomm_suitcase' and l.event_id = any(${numberArray(keys.wraps)}::int8[]))
         or (l.table_name = 'polycommalarm' and l.event_id = any(${numberArray(keys.alarms)}::int8[]))
         or (l.table_name = 'polycommissue' and l.event_id = any(${numberArray(keys.issues)}::int8[]))
         or (l.table_name = 'receipts' and l.event_id = any(${numberArray(keys.receipts)}::int8[]))
      union
      select t.id
      from task t
      join unnest(${w.devices}::int[], ${w.from}::timestamp[], ${w.to}::timestamp[]) as w(device, lo, hi)
        on t.device_id = w.device and t.local_date between w.lo and w.hi
      where t.device_id = any(${w.devices}::int[]) and t.local_date between ${w.lowest}::timestamp and ${w.highest}::timestamp
    )
    select string_agg(concat(t.id, ',', t.device_id, ',', t.type, ',', t.resolved::int, ',', t.status, ',',
                             trunc(extract(epoch from t.date) * 1000000), ',', trunc(extract(epoch from t.local_date) * 1000000), ',',
                             l.id, ',', l.event_id, ',', array_position(${textArray([...EVENT_TABLES])}::text[], l.table_name), ',', (l.table_name is not null)::int, ',',
                             l.ord, ',', l.parent_id), ';') as packed
    from hit
    join task t on t.id = hit.id and t.device_id = any(${w.devices}::int[])
    left join task_to_event l on l.task_id = t.id
    group by t.id / 65536`;
  const out: WindowTasks = { tasks: [], links: [] };
  const seen = new Set<number>();
  unpack(parts, 'task', (row) => {
    const task: StoredTask = {
      id: row.id(), deviceId: row.number(), type: row.number(), resolved: flag(row.number()), status: row.number(), date: row.number(), localDate: row.number(),
    };
    if (!seen.has(task.id)) {
      seen.add(task.id);
      out.tasks.push(task);
    }
    const linkId = row.bigint();
    const eventId = row.bigint();
    const table = row.number();
    const named = row.number();
    const ord = row.number();
    const parentId = row.bigint();
    if (linkId === null) return null;
    // a table_name none of the four (or NULL) reads as such: the audit reports the link as extra
    const name = table !== null ? EVENT_TABLES[table - 1]! : named === 1 ? '(another table)' : null;
    out.links.push({ id: linkId, taskId: task.id, eventId, table: name, ord, parentId });
    return null;
  });
  return out;
}
