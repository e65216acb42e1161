// The SQL floor of a pass (issue 7 item 3): the least any implementation of
// one pass must do in PostgreSQL, with no analysis, in one transaction:
//   1. read every pending row of the mode's ready devices (the pass's four
//      selects, same columns and predicates, all devices at once, streamed to
//      the client and discarded);
//   2. insert as many task, task_to_event and analyzer polycommissue rows as
//      the pass inserted (generate_series);
//   3. mark as many rows processed per table as the pass updated (status = 1,
//      and the wrap verdict columns), addressed by primary key.
// The pass divided by this is the overhead of the real job: chunking, device
// locks, the core, the per-row values it writes and the client round trips.
// Every statement is a postgres.js tagged template.
import type postgres from 'postgres';
import { ANALYZER_ISSUE_MARKER, type Mode } from '../src/core/index.js';
import type { WriteCounts } from '../src/sql/write-plan.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client's type parameter
export type Sql = postgres.Sql<any>;

export interface ModeDevices {
  ids: number[];
  codes: number[];
}

/** The ready devices of a mode (R1; the generated data has no conflicts or junk to skip). */
export async function modeDevices(sql: Sql, mode: Mode): Promise<ModeDevices> {
  const kind = mode === 'receipts' ? 1 : 2;
  const rows = await sql<{ id: number; code: number }[]>`
    select d.id, d.code
    from (select distinct analyzer_code_to_int(devicecode) as code
          from timestamps where ready and status_type_device = ${kind}) t
    join polycomm_device d on d.code = t.code
    order by d.id`;
  return { ids: rows.map((r) => Number(r.id)), codes: rows.map((r) => Number(r.code)) };
}

export interface PendingCounts {
  wraps: number;
  alarms: number;
  issues: number;
  receipts: number;
  total: number;
}

/** Pending rows the pass of `mode` reads (the predicates of src/sql/load-*.ts). */
export async function pendingCounts(sql: Sql, mode: Mode, devices: ModeDevices): Promise<PendingCounts> {
  const [row] = await sql<{ wraps: number; alarms: number; issues: number; receipts: number }[]>`
    select
      (select count(*) from polycomm_suitcase where status = 0 and device_id = any(${devices.ids}::int[]))::int as wraps,
      (select count(*) from polycommalarm where status = 0 and device = any(${devices.ids}::int[]))::int as alarms,
      (select count(*) from polycommissue where status = 0 and device = any(${devices.ids}::int[])
         and id is distinct from ${ANALYZER_ISSUE_MARKER})::int as issues,
      (select count(*) from receipts where ${mode === 'receipts'} and status = 0
         and analyzer_code_to_int(devicecode) = any(${devices.codes}::int[]))::int as receipts`;
  const r = row!;
  return { ...r, total: r.wraps + r.alarms + r.issues + r.receipts };
}

/** What the pass wrote (from its report): the floor writes as much (the counts the pass's write statement returns). */
export type FloorTarget = WriteCounts;

export interface FloorResult {
  wallMs: number;
  readMs: number;
  insertMs: number;
  updateMs: number;
  statements: number;
  rowsRead: { wraps: number; alarms: number; issues: number; receipts: number };
  inserted: { task: number; task_to_event: number; polycommissue: number };
  updated: { polycomm_suitcase: number; polycommalarm: number; polycommissue: number; receipts: number };
}

/** Rows fetched per round trip while streaming the reads (the client discards them). */
const FETCH = 20_000;

/**
 * Runs the floor of a pass of `mode` in one transaction on `sql` (a fresh copy
 * of the data) and returns its timings. `now` is the pass's *now* as zone-free
 * text ('YYYY-MM-DD HH:MM:SS'), used for the inserted rows' times.
 */
export async function runFloor(sql: Sql, mode: Mode, target: FloorTarget, now: string): Promise<FloorResult> {
  let statements = 1; // begin
  const started = performance.now();
  const result = await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const devices = await modeDevices(t, mode);
    const t0 = performance.now();
    const rowsRead = await readPending(t, mode, devices);
    const t1 = performance.now();
    const inserted = await insertAsMany(t, devices, target, now);
    const t2 = performance.now();
    const updated = await updateAsMany(t, mode, devices, target);
    const t3 = performance.now();
    statements += 1 + (mode === 'receipts' ? 4 : 3) + inserted.statements + 1;
    return { readMs: t1 - t0, insertMs: t2 - t1, updateMs: t3 - t2, rowsRead, inserted: inserted.rows, updated };
  });
  statements++; // commit
  return { wallMs: performance.now() - started, statements, ...result };
}

/** 1. Every pending row the pass reads: its selects, same columns and predicates, all the mode's devices at once. */
async function readPending(tx: Sql, mode: Mode, devices: ModeDevices): Promise<FloorResult['rowsRead']> {
  const { ids, codes } = devices;
  const rowsRead = { wraps: 0, alarms: 0, issues: 0, receipts: 0 };
  await tx`
    select id, device_id as "deviceId", polycom_id as "polycomId", totalid, duration, package_type as "packageType",
           (extract(epoch from dateini_local) * 1000000)::float8 as start,
           (extract(epoch from local_date) * 1000000)::float8 as finish,
           (extract(epoch from date) * 1000000)::float8 as "finishMoscow"
    from polycomm_suitcase
    where status = 0 and device_id = any(${ids}::int[])`.cursor(FETCH, (rows) => { rowsRead.wraps += rows.length; });
  await tx`
    select polycommalarm_id as id, device as "deviceId",
           (extract(epoch from localdate) * 1000000)::float8 as local,
           (extract(epoch from date) * 1000000)::float8 as moscow
    from polycommalarm
    where status = 0 and device = any(${ids}::int[])`.cursor(FETCH, (rows) => { rowsRead.alarms += rows.length; });
  await tx`
    select polycommissue_id as id, device as "deviceId",
           (extract(epoch from localdate) * 1000000)::float8 as local,
           (extract(epoch from date) * 1000000)::float8 as moscow
    from polycommissue
    where status = 0 and device = any(${ids}::int[])
      and id is distinct from ${ANALYZER_ISSUE_MARKER}`.cursor(FETCH, (rows) => { rowsRead.issues += rows.length; });
  if (mode === 'receipts') {
    await tx`
      select receipt_id as id, analyzer_code_to_int(devicecode) as code,
             (extract(epoch from dateclose) * 1000000)::float8 as local,
             (extract(epoch from dateclosemoscow) * 1000000)::float8 as moscow,
             quantitypackageone as single, quantitypackagedouble as double
      from receipts
      where status = 0 and analyzer_code_to_int(devicecode) = any(${codes}::int[])`.cursor(FETCH, (rows) => { rowsRead.receipts += rows.length; });
  }
  return rowsRead;
}

/** 2. As many task, task_to_event and analyzer issue rows as the pass inserted (generate_series). */
async function insertAsMany(tx: Sql, devices: ModeDevices, target: FloorTarget, now: string): Promise<{ rows: FloorResult['inserted']; statements: number }> {
  const { ids } = devices;
  const rows = { task: 0, task_to_event: 0, polycommissue: 0 };
  let statements = 0;
  const nDevices = Math.max(1, ids.length);
  if (target.tasks > 0) {
    const [span] = await tx<{ lo: string; n: number }[]>`
      with t as (
        insert into task (device_id, type, date, local_date, status, resolved)
        select (${ids}::int[])[1 + g % ${nDevices}], 4, ${now}::text::timestamp, ${now}::text::timestamp, 1, false
        from generate_series(1, ${target.tasks}::int) g
        returning id
      )
      select min(id)::text as lo, count(*)::int as n from t`;
    rows.task = span!.n;
    statements++;
    if (target.links > 0) {
      const [links] = await tx<{ n: number }[]>`
        with l as (
          insert into task_to_event (task_id, event_id, table_name, ord, parent_id)
          select ${span!.lo}::int8 + (g - 1)::int8 * ${target.tasks}::int8 / ${target.links}::int8, g, 'polycomm_suitcase', 1, null
          from generate_series(1, ${target.links}::int) g
          returning 1
        )
        select count(*)::int as n from l`;
      rows.task_to_event = links!.n;
      statements++;
    }
  }
  if (target.analyzerIssues > 0) {
    const [issues] = await tx<{ n: number }[]>`
      with i as (
        insert into polycommissue (id, device, type, suitcase, total, duration, localdate, date, createtime, status)
        select ${ANALYZER_ISSUE_MARKER}, (${ids}::int[])[1 + g % ${nDevices}], 7, g, g, 60,
               ${now}::text::timestamp, ${now}::text::timestamp, ${now}::text::timestamp, 1
        from generate_series(1, ${target.analyzerIssues}::int) g
        returning 1
      )
      select count(*)::int as n from i`;
    rows.polycommissue = issues!.n;
    statements++;
  }
  return { rows, statements };
}

/** 3. As many rows marked processed per table as the pass updated (status = 1, and the wrap verdicts), by primary key. */
async function updateAsMany(tx: Sql, mode: Mode, devices: ModeDevices, target: FloorTarget): Promise<FloorResult['updated']> {
  const { ids, codes } = devices;
  const [updated] = await tx<FloorResult['updated'][]>`
    with wraps as (
      update polycomm_suitcase s set status = 1, csp = true, unpaid = false, to_account = true, in_task = true
      from (select id from polycomm_suitcase where status = 0 and device_id = any(${ids}::int[]) limit ${target.wraps}::int) p
      where s.id = p.id
      returning 1
    ), alarms as (
      update polycommalarm a set status = 1
      from (select polycommalarm_id as id from polycommalarm where status = 0 and device = any(${ids}::int[]) limit ${target.alarms}::int) p
      where a.polycommalarm_id = p.id
      returning 1
    ), issues as (
      update polycommissue i set status = 1
      from (select polycommissue_id as id from polycommissue where status = 0 and device = any(${ids}::int[])
              and id is distinct from ${ANALYZER_ISSUE_MARKER} limit ${target.issues}::int) p
      where i.polycommissue_id = p.id
      returning 1
    ), receipts as (
      update receipts r set status = 1
      from (select receipt_id as id from receipts where ${mode === 'receipts'} and status = 0
              and analyzer_code_to_int(devicecode) = any(${codes}::int[]) limit ${target.receipts}::int) p
      where r.receipt_id = p.id
      returning 1
    )
    select (select count(*) from wraps)::int as polycomm_suitcase,
           (select count(*) from alarms)::int as polycommalarm,
           (select count(*) from issues)::int as polycommissue,
           (select count(*) from receipts)::int as receipts`;
  return updated!;
}

/**
 * A digest of everything a pass writes, ids aside where they are allocated
 * (tasks and their events by content, parents by ord, analyzer issues by
 * content): two runs that wrote the same data have the same digest.
 */
export async function writtenDigest(sql: Sql): Promise<string> {
  const [row] = await sql<{ wraps: string; alarms: string; issues: string; analyzer: string; receipts: string; tasks: string }[]>`
    select
      (select md5(coalesce(string_agg(concat_ws(',', id, status, csp, unpaid, to_account, in_task, receipt_id), ';' order by id), ''))
         from polycomm_suitcase) as wraps,
      (select md5(coalesce(string_agg(concat_ws(',', polycommalarm_id, status), ';' order by polycommalarm_id), ''))
         from polycommalarm) as alarms,
      (select md5(coalesce(string_agg(concat_ws(',', polycommissue_id, status), ';' order by polycommissue_id), ''))
         from polycommissue where id is distinct from ${ANALYZER_ISSUE_MARKER}) as issues,
      (select md5(coalesce(string_agg(line, ';' order by line), ''))
         from (select concat_ws(',', device, type, suitcase, total, duration, localdate, date, status) as line
               from polycommissue where id = ${ANALYZER_ISSUE_MARKER}) a) as analyzer,
      (select md5(coalesce(string_agg(concat_ws(',', receipt_id, status), ';' order by receipt_id), ''))
         from receipts) as receipts,
      (select md5(coalesce(string_agg(line, E'\n' order by line), ''))
         from (select concat_ws(',', t.device_id, t.type, t.status, t.resolved, t.date, t.local_date, ev.events) as line
               from task t
               left join (
                 select e.task_id,
                        string_agg(concat_ws(':', e.ord, e.table_name,
                          case when i.id = ${ANALYZER_ISSUE_MARKER} then 'a' || i.type || ':' || coalesce(i.suitcase::text, '-')
                               else e.event_id::text end,
                          p.ord), '|' order by e.ord) as events
                 from task_to_event e
                 left join task_to_event p on p.id = e.parent_id
                 left join polycommissue i on e.table_name = 'polycommissue' and i.polycommissue_id = e.event_id
                 group by e.task_id) ev on ev.task_id = t.id) x) as tasks`;
  const r = row!;
  return [r.wraps, r.alarms, r.issues, r.analyzer, r.receipts, r.tasks].join(' ');
}
