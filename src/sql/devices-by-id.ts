// audit --device: the named devices that exist (an unknown id is the operator's error).
import type { Sql } from '../infra/db.js';
import type { ReadyDevice } from '../core/index.js';
import { numberArray } from './array-literal.js';

export async function devicesById(sql: Sql, ids: readonly number[]): Promise<ReadyDevice[]> {
  return sql<ReadyDevice[]>`select id, code, title from polycomm_device where id = any(${numberArray(ids)}::int[]) order by id`;
}
