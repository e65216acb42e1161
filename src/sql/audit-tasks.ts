// audit (issue 23): the tasks of a chunk of devices that link one of the
// loaded rows (wraps by polycom_id, R16; a task links rows of its own device)
// or are dated (local_date) in the device's window, with every link of each,
// and for links to the analyzer's own issues (id 22222222, R14) the issue's
// columns. Packed (packed-rows.ts): one row per link, a task without links once.
import type { Sql } from '../infra/db.js';
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { AuditLink, StoredAnalyzerIssue, StoredTask } from '../core/index.js';
import { unpack } from './packed-rows.js';
import { numberArray, textArray } from './array-literal.js';
import type { WindowArrays } from './audit-windows.js';

/** The loaded rows tasks are looked up by: table, event_id (a wrap's polycom_id), device. */
export interface EventKeys {
  tables: string[];
  eventIds: number[];
  devices: number[];
}

export interface WindowTasks {
  tasks: StoredTask[];
  links: AuditLink[];
  analyzerIssues: (StoredAnalyzerIssue & { deviceId: number })[];
}

const TABLES = ['polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts'] as const;

export async function auditTasks(sql: Sql, w: WindowArrays, keys: EventKeys): Promise<WindowTasks> {
  const parts = await sql<{ packed: string }[]>`
    with ev as (
      select * from unnest(${textArray(keys.tables)}::text[], ${numberArray(keys.eventIds)}::int8[], ${numberArray(keys.devices)}::int[]) as ev(tbl, event_id, device)
    ), hit as (
      select l.task_id as id
      from ev join task_to_event l on l.event_id = ev.event_id and l.table_name = ev.tbl
      join task t on t.id = l.task_id and t.device_id = ev.device
      union
      select t.id
      from unnest(${w.devices}::int[], ${w.from}::timestamp[], ${w.to}::timestamp[]) as w(device, lo, hi)
      join task t on t.device_id = w.device and t.local_date between w.lo and w.hi
    )
    select string_agg(concat(t.id, ',', t.device_id, ',', t.type, ',', t.resolved::int, ',', t.status, ',',
                             trunc(extract(epoch from t.date) * 1000000), ',', trunc(extract(epoch from t.local_date) * 1000000), ',',
                             l.id, ',', l.event_id, ',', array_position(${textArray([...TABLES])}::text[], l.table_name), ',', (l.table_name is not null)::int, ',',
                             l.ord, ',', l.parent_id, ',',
                             i.polycommissue_id, ',', i.type, ',', i.suitcase, ',', i.total, ',', i.duration, ',',
                             trunc(extract(epoch from i.localdate) * 1000000), ',', trunc(extract(epoch from i.date) * 1000000), ',', i.status), ';') as packed
    from hit
    join task t on t.id = hit.id
    left join task_to_event l on l.task_id = t.id
    left join polycommissue i on l.table_name = 'polycommissue' and i.polycommissue_id = l.event_id and i.id = ${ANALYZER_ISSUE_MARKER}
    group by t.id / 65536`;
  const out: WindowTasks = { tasks: [], links: [], analyzerIssues: [] };
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
    const issueId = row.bigint();
    const issue = { type: row.number(), suitcase: row.bigint(), total: row.number(), duration: row.number(), local: row.number(), moscow: row.number(), status: row.number() };
    if (linkId === null) return null;
    // a table_name none of the four (or NULL) reads as such: the audit reports the link as extra
    const name = table !== null ? TABLES[table - 1]! : named === 1 ? '(another table)' : null;
    out.links.push({ id: linkId, taskId: task.id, eventId, table: name, ord, parentId });
    if (issueId !== null) out.analyzerIssues.push({ id: issueId, deviceId: task.deviceId ?? 0, ...issue });
    return null;
  });
  return out;
}

const flag = (n: number | null): boolean | null => (n === null ? null : n !== 0);
