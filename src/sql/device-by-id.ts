// One device by id (for explain).
import type { Sql } from '../infra/db.js';
import type { ReadyDevice } from '../core/index.js';

export async function deviceById(sql: Sql, id: number): Promise<ReadyDevice | undefined> {
  const [row] = await sql<ReadyDevice[]>`select id, code, title from polycomm_device where id = ${id}`;
  return row;
}
