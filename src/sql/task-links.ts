// explain --task: the task's task_to_event rows in ord order.
import type { Sql } from '../infra/db.js';
import type { StoredLink } from '../core/index.js';

export async function taskLinks(sql: Sql, taskId: number): Promise<StoredLink[]> {
  return sql<StoredLink[]>`
    select id, event_id as "eventId", table_name as "table", ord, parent_id as "parentId"
    from task_to_event
    where task_id = ${taskId}
    order by ord nulls last, id`;
}
