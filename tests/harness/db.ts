// Per-test-file databases cloned from the template, and terse helpers to put
// devices and events in and read tasks back.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { open, type Sql as ProductSql } from '../../src/infra/db.js';
import { Output } from '../../src/infra/output.js';
import { Redactor } from '../../src/infra/redact.js';
import { loadInitdb, withDatabase } from './schema.js';
import { asRole, rolesFor } from './roles.js';

export type Sql = postgres.Sql<Record<string, never>>;

export interface TestDb {
  name: string;
  /** The superuser's URL (set-up, migrate, reading results back); startCli hands commands the role URLs below. */
  url: string;
  /** The same database as the least-privileged pass role (`analyzer grants`, tests/harness/roles.ts). */
  passUrl: string;
  /** The same database as the read-only role (`analyzer grants --read-only`). */
  readUrl: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** Drops a test database, ending the sessions still on it first. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const a = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    await a`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`;
    await a`drop database if exists ${a(name)}`;
  } finally {
    await a.end();
  }
}

export function connect(url: string): Sql {
  return postgres(url, {
    max: 4,
    onnotice: () => undefined,
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
      // zone-free text both ways, whatever TZ the test process has
      timestamp: { to: 1114, from: [1114], serialize: (v: unknown) => String(v), parse: (v: string) => v },
    },
  }) as unknown as Sql;
}

/**
 * A fresh database holding the schema (template clone); drop it in afterAll.
 * With `template`, a copy of that test database instead (its connections are
 * closed first: PostgreSQL copies only an idle database).
 */
export async function createTestDatabase(options: { template?: TestDb } = {}): Promise<TestDb> {
  const serverUrl = inject('serverUrl');
  const name = `${inject('databasePrefix')}${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    const template = options.template?.name ?? inject('templateDatabase');
    if (options.template) {
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${template} and pid <> pg_backend_pid()`;
    }
    await admin`create database ${admin(name)} template ${admin(template)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const sql = connect(url);
  const roles = rolesFor(inject('databasePrefix'));
  return {
    name,
    url,
    passUrl: asRole(url, roles.pass),
    readUrl: asRole(url, roles.read),
    sql,
    async drop() {
      await sql.end({ timeout: 2 });
      await dropDatabase(serverUrl, name);
    },
  };
}

/** A fresh test database with a connection opened as the product opens its own (src/infra/db.ts settings). */
export interface ProductDb {
  db: TestDb;
  sql: ProductSql;
  drop(): Promise<void>;
}

export async function createProductDatabase(): Promise<ProductDb> {
  const db = await createTestDatabase();
  const sql = open({ databaseUrl: db.url, connectTimeout: 5, statementTimeout: 0, lockTimeout: 0, queryTimeout: 15, cancelTimeout: 5, tcpKeepalive: 10 }, { output: new Output(new Redactor()) });
  return {
    db,
    sql,
    async drop() {
      await sql.end();
      await db.drop();
    },
  };
}

let nextId = 1000;
const id = () => ++nextId;

export type Ts = string | null;

export interface DeviceSpec {
  id: number;
  code?: number;
  title?: string;
  /** Which mode it is ready for; null: no timestamps row. */
  mode?: 'receipts' | 'dwr' | null;
  /** timestamps.devicecode as text, default String(code). */
  devicecode?: string;
}

export async function device(sql: Sql, spec: DeviceSpec): Promise<{ id: number; code: number }> {
  const code = spec.code ?? spec.id + 5000;
  await sql`insert into polycomm_device (id, title, code) values (${spec.id}, ${spec.title ?? `device ${spec.id}`}, ${code})`;
  const mode = spec.mode === undefined ? 'receipts' : spec.mode;
  if (mode !== null) {
    await sql`insert into timestamps (devicecode, ready, status_type_device)
              values (${spec.devicecode ?? String(code)}, true, ${mode === 'receipts' ? 1 : 2})`;
  }
  return { id: spec.id, code };
}

export interface WrapSpec {
  device: number;
  start: Ts;
  finish: Ts;
  type?: number | null;
  /** Moscow finish; default = finish (a device on Moscow time). */
  moscow?: Ts;
  id?: number;
  polycomId?: number;
  totalid?: number;
  duration?: number;
}

export async function wrap(sql: Sql, w: WrapSpec): Promise<number> {
  const rowId = w.id ?? id();
  await sql`insert into polycomm_suitcase (id, device_id, polycom_id, totalid, dateini_local, local_date, date, duration, package_type)
            values (${rowId}, ${w.device}, ${w.polycomId ?? rowId + 900000}, ${w.totalid ?? rowId}, ${w.start}, ${w.finish},
                    ${w.moscow === undefined ? w.finish : w.moscow}, ${w.duration ?? 60}, ${w.type === undefined ? 1 : w.type})`;
  return rowId;
}

export interface PointSpec {
  device: number;
  at: Ts;
  moscow?: Ts;
  id?: number;
  type?: number;
}

export async function alarm(sql: Sql, a: PointSpec): Promise<number> {
  const rowId = a.id ?? id();
  await sql`insert into polycommalarm (polycommalarm_id, device, alarmtype, localdate, date)
            values (${rowId}, ${a.device}, ${a.type ?? 1}, ${a.at}, ${a.moscow === undefined ? a.at : a.moscow})`;
  return rowId;
}

export async function issue(sql: Sql, i: PointSpec): Promise<number> {
  const rowId = i.id ?? id();
  await sql`insert into polycommissue (polycommissue_id, id, device, type, localdate, date, createtime)
            values (${rowId}, ${rowId + 1}, ${i.device}, ${i.type ?? 1}, ${i.at}, ${i.moscow === undefined ? i.at : i.moscow}, ${i.at})`;
  return rowId;
}

export interface ReceiptSpec {
  /** receipts.devicecode as text. */
  code: number | string;
  at: Ts;
  single: number | null;
  double: number | null;
  moscow?: Ts;
  id?: number;
}

export async function receipt(sql: Sql, r: ReceiptSpec): Promise<number> {
  const rowId = r.id ?? id();
  await sql`insert into receipts (receipt_id, devicecode, dateclose, dateclosemoscow, quantitypackageone, quantitypackagedouble)
            values (${rowId}, ${String(r.code)}, ${r.at}, ${r.moscow === undefined ? r.at : r.moscow}, ${r.single}, ${r.double})`;
  return rowId;
}

export interface TaskRow {
  id: number;
  device_id: number;
  type: number;
  status: number;
  resolved: boolean;
  date: string;
  local_date: string;
  events: { id: number; table_name: string; event_id: number; ord: number; parent_id: number | null }[];
}

/** Every task with its events in ord order; times as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text. */
export async function readTasks(sql: Sql, deviceId?: number): Promise<TaskRow[]> {
  const tasks = await sql<Omit<TaskRow, 'events'>[]>`
    select id, device_id, type, status, resolved, date::text as date, local_date::text as local_date
    from task ${deviceId === undefined ? sql`` : sql`where device_id = ${deviceId}`}
    order by device_id, local_date, id`;
  const events = await sql<(TaskRow['events'][number] & { task_id: number })[]>`
    select id, task_id, table_name, event_id, ord, parent_id from task_to_event order by task_id, ord`;
  return tasks.map((t) => ({ ...t, events: events.filter((e) => e.task_id === t.id).map(({ task_id: _, ...e }) => e) }));
}

/** A stable text dump of every table the analyzer writes (or of one device's rows), ids aside where they are allocated. */
export async function dumpWritten(sql: Sql, deviceId?: number): Promise<string> {
  // with a device: only its rows (its receipts by its code)
  const one = deviceId !== undefined;
  const [device] = one ? await sql<{ code: number | null }[]>`select code from polycomm_device where id = ${deviceId}` : [];
  const where = (column: string) => (one ? sql`and ${sql(column)} = ${deviceId}` : sql``);
  const parts: string[] = [];
  const q = async (label: string, rows: PromiseLike<readonly unknown[]>) => parts.push(`${label}\n${(await rows).map((r) => JSON.stringify(r)).join('\n')}`);
  await q('polycomm_suitcase', sql`select id, status, csp, unpaid, to_account, in_task, receipt_id from polycomm_suitcase where true ${where('device_id')} order by id`);
  await q('polycommalarm', sql`select polycommalarm_id, status from polycommalarm where true ${where('device')} order by 1`);
  await q('polycommissue (device)', sql`select polycommissue_id, status from polycommissue where id is distinct from 22222222 ${where('device')} order by 1`);
  await q('polycommissue (analyzer)', sql`select device, type, suitcase, total, duration, localdate::text, date::text, status from polycommissue
                                         where id = 22222222 ${where('device')} order by device, localdate, suitcase, type`);
  await q('receipts', sql`select receipt_id, status from receipts
                          where ${!one} or analyzer_code_to_int(devicecode) = ${device?.code ?? null} order by 1`);
  // tasks and their events with ids replaced by position, parents by the parent's ord,
  // analyzer issues by their content
  await q('task', sql`
    select t.device_id, t.type, t.status, t.resolved, t.date::text, t.local_date::text,
      (select json_agg(json_build_object(
          'ord', e.ord, 'table', e.table_name,
          'event', case when e.table_name = 'polycommissue' and i.id = 22222222
                        then 'analyzer:' || i.type || ':' || coalesce(i.suitcase::text, '-') else e.event_id::text end,
          'parent', p.ord) order by e.ord)
       from task_to_event e
       left join task_to_event p on p.id = e.parent_id
       left join polycommissue i on e.table_name = 'polycommissue' and i.polycommissue_id = e.event_id
       where e.task_id = t.id) as events
    from task t where true ${one ? sql`and t.device_id = ${deviceId}` : sql``} order by t.device_id, t.local_date, t.date, t.type`);
  return parts.join('\n');
}

/**
 * A fresh database of this run holding only the legacy schema and
 * dictionaries (docker/initdb 01, 02: what `migrate` starts from), then the
 * `after` files (static SQL of the repository). Drop it in afterAll.
 */
export async function createLegacyDatabase(options: { after?: string[] } = {}): Promise<Omit<TestDb, 'passUrl' | 'readUrl'>> {
  const serverUrl = inject('serverUrl');
  const name = `${inject('databasePrefix')}legacy_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  await loadInitdb(url, { after: options.after });
  const sql = connect(url);
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 2 });
      await dropDatabase(serverUrl, name);
    },
  };
}
