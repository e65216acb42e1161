// The seven worked examples of docs/rules.md, one device each (device
// id = offset + example number), on 2026-01-01: one fixture for the example,
// explain and browser tests, which read the rows back by the ids it returns.
import { alarm, device, receipt, wrap, type Sql } from './db.js';

const D = '2026-01-01';
export const at = (t: string) => `${D} ${t.length === 5 ? t + ':00' : t}`;

/** The ids of the rows the tests look at again. */
export interface WorkedExampleIds {
  w1: number;
  early: number;
  late: number;
  r2: number;
  double: number;
  w6: number;
  a6: number;
}

export async function loadWorkedExamples(sql: Sql, offset = 0): Promise<WorkedExampleIds> {
  const d = (n: number) => device(sql, { id: offset + n });
  let dev = await d(1);
  const w1 = await wrap(sql, { device: dev.id, start: at('10:00:00'), finish: at('10:01:30'), type: 1 });
  await receipt(sql, { code: dev.code, at: at('10:02:00'), single: 1, double: 0 });
  dev = await d(2);
  const early = await wrap(sql, { device: dev.id, start: at('10:00'), finish: at('10:01'), type: 1 });
  const late = await wrap(sql, { device: dev.id, start: at('10:03'), finish: at('10:04'), type: 1 });
  const r2 = await receipt(sql, { code: dev.code, at: at('10:05'), single: 1, double: 0 });
  dev = await d(3);
  const double = await wrap(sql, { device: dev.id, start: at('10:00'), finish: at('10:01'), type: 2 });
  await receipt(sql, { code: dev.code, at: at('10:02'), single: 1, double: 0 });
  dev = await d(4);
  await wrap(sql, { device: dev.id, start: at('10:00:00'), finish: at('10:02:00'), type: 1 });
  await receipt(sql, { code: dev.code, at: at('10:01:00'), single: 1, double: 0 });
  dev = await d(5);
  await receipt(sql, { code: dev.code, at: at('10:00'), single: 1, double: 0 });
  await wrap(sql, { device: dev.id, start: at('10:01'), finish: at('10:02'), type: 1 });
  await receipt(sql, { code: dev.code, at: at('10:03'), single: 1, double: 0 });
  dev = await d(6);
  const w6 = await wrap(sql, { device: dev.id, start: at('10:00'), finish: at('10:01'), type: 1 });
  const a6 = await alarm(sql, { device: dev.id, at: at('10:00:30') });
  dev = await d(7);
  await wrap(sql, { device: dev.id, start: at('10:00'), finish: at('10:01'), type: 1 });
  await alarm(sql, { device: dev.id, at: at('10:20') });
  return { w1, early, late, r2, double, w6, a6 };
}
