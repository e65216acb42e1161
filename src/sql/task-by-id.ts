// explain --task: one task row; times as zone-free micros.
import type { Sql } from '../infra/db.js';
import type { StoredTask } from '../core/index.js';

export async function taskById(sql: Sql, taskId: number): Promise<StoredTask | undefined> {
  const [row] = await sql<StoredTask[]>`
    select id, device_id as "deviceId", type,
           trunc(extract(epoch from date) * 1000000)::float8 as date,
           trunc(extract(epoch from local_date) * 1000000)::float8 as "localDate",
           status, resolved
    from task
    where id = ${taskId}`;
  return row;
}
