// A history "written the way the old Python job wrote it" (issue 23): the
// tasks, links and written columns a pass of this analyzer would write for a
// generated dataset (the core's plan, src/sql/plan-rows.ts), with the old
// job's documented defects planted on top. Each planted defect is listed with
// the finding `analyzer audit` must report for it, so a test can check that
// every one is found and nothing else is.
//
// The defects (docs/audit.md "The old job's history"; the Decisions in docs/rules.md):
//  - null_type: every notification task (type 1) of receipts mode has no
//    type: the old job misspelt type 1, so those tasks got none (R11 Decision)
//    -> task_without_type;
//  - paid_wrap_unpaid: in receipts-mode groups of type 2 with wraps (a
//    receipt paying more than was wrapped) it skipped matching (R12 Decision):
//    every wrap there is flagged unpaid and gets a false issue 7 under it
//    -> wrap_verdict (unpaid) and analyzer_issue_extra for each wrap;
//  - alarm_linked_twice / alarm_in_two_tasks: it duplicated top-level alarms
//    (R5 Decision): some are linked a second time in their own task
//    -> link_extra, others also in the device's next task -> event_in_two_tasks;
//  - processed_in_no_task: some nested alarms and issues are marked processed
//    but left out of their task (the links after them renumbered)
//    -> event_in_no_task.
// Everything else is as this analyzer writes it, except that receipt_id (the
// column this project added) is NULL everywhere, as in the legacy schema.
// Pure: no I/O; writeLegacyHistory (below) writes it with the pass's own
// statement.
import { analyzeDevice, type DeviceInput, type DevicePlan, type Micros, type Mode, type PointRow, type ReceiptRow, type WrapRow } from '../src/core/index.js';
import { countNewRows, EVENT_TABLES, planRows, type PlanRows } from '../src/sql/plan-rows.js';
import { writePlan } from '../src/sql/write-plan.js';
import type { Sql as ProductSql } from '../src/infra/db.js';
import type { Sql } from './load.js';
import { Rng, type Dataset } from './generate.js';

export type LegacyDefectKind = 'null_type' | 'paid_wrap_unpaid' | 'alarm_linked_twice' | 'alarm_in_two_tasks' | 'processed_in_no_task';

/** A planted defect and the finding it must give (kind, task, table, id, field). */
export interface LegacyDefect {
  defect: LegacyDefectKind;
  deviceId: number;
  finding: { kind: string; taskId: number; table: string; id: number; field: string };
}

/**
 * The history's rows as plain arrays the defects are planted in (rows added,
 * removed, renumbered): NULL is null, a link's table its name. The pass's
 * typed columns (PlanRows) are made from them only to be written.
 */
export interface LegacyRows {
  task: { id: number[]; deviceId: number[]; type: number[]; date: number[]; localDate: number[]; resolved: boolean[] };
  issue: { id: number[]; deviceId: number[]; type: number[]; suitcase: (number | null)[]; total: (number | null)[]; duration: (number | null)[]; local: number[]; moscow: number[] };
  link: { id: number[]; taskId: number[]; eventId: number[]; table: string[]; ord: number[]; parentId: (number | null)[] };
  wrap: { id: number[]; csp: boolean[]; unpaid: boolean[]; toAccount: boolean[]; inTask: boolean[]; receiptId: (number | null)[] };
  alarmIds: number[];
  issueIds: number[];
  receipt: { id: number[]; status: number[] };
}

export interface LegacyHistory {
  rows: LegacyRows;
  /** Tasks written with a NULL type (PlanRows carries only numbers). */
  nullTypeTasks: number[];
  defects: LegacyDefect[];
  /** The next free ids after the history (for the sequences). */
  next: { task: number; link: number; issue: number };
}

export interface LegacyOptions {
  /** The old job's *now* (R9): groups younger than LAST_EVENT_TIME stay pending. */
  now: Micros;
  /** First ids of the task, task_to_event and analyzer issue rows. */
  ids: { task: number; link: number; issue: number };
  /** Share of top-level alarms duplicated, and of nested points left out (default 0.2; at least one each where any exists). */
  rate?: number;
  seed?: number;
  lastEventTime?: number;
  timedeltaCheck?: number;
}

/** A device's events of the dataset as the core takes them (receipts matched by code as R2 says). */
export function deviceInput(d: Dataset, deviceId: number, code: number, mode: Mode): DeviceInput {
  const t = d.tables;
  const input: DeviceInput = { deviceId, wraps: [], alarms: [], issues: [], receipts: [] };
  for (const w of t.polycomm_suitcase) {
    if (w.device_id !== deviceId) continue;
    input.wraps.push({ id: w.id, polycomId: w.polycom_id, totalid: w.totalid, duration: w.duration, packageType: w.package_type, start: w.dateini_local, finish: w.local_date, finishMoscow: w.date } satisfies WrapRow);
  }
  for (const a of t.polycommalarm) if (a.device === deviceId) input.alarms.push({ id: a.polycommalarm_id, local: a.localdate, moscow: a.date } satisfies PointRow);
  for (const i of t.polycommissue) if (i.device === deviceId && i.id !== 22222222) input.issues.push({ id: i.polycommissue_id, local: i.localdate, moscow: i.date } satisfies PointRow);
  if (mode === 'receipts') {
    for (const r of t.receipts) {
      const text = r.devicecode?.trim() ?? '';
      if (!/^[-+]?\d+$/.test(text) || Number(text) !== code) continue;
      input.receipts.push({ id: r.receipt_id, local: r.dateclose, moscow: r.dateclosemoscow, single: r.quantitypackageone, double: r.quantitypackagedouble } satisfies ReceiptRow);
    }
  }
  return input;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** The old job's history of every ready device of `dataset` (devices ready in both modes or none are left alone). */
export function legacyHistory(dataset: Dataset, o: LegacyOptions): LegacyHistory {
  const rng = new Rng(o.seed ?? 23);
  const rate = o.rate ?? 0.2;
  const modes = new Map<number, Mode[]>();
  for (const ts of dataset.tables.timestamps) {
    const code = Number(ts.devicecode?.trim());
    const device = dataset.devices.find((d) => d.code === code);
    if (device === undefined || ts.ready !== true) continue;
    const mode: Mode = ts.status_type_device === 1 ? 'receipts' : 'dwr';
    if (!modes.get(device.id)?.includes(mode)) modes.set(device.id, [...(modes.get(device.id) ?? []), mode]);
  }
  const plans: { plan: DevicePlan; mode: Mode }[] = [];
  for (const device of dataset.devices) {
    const m = modes.get(device.id);
    if (m?.length !== 1) continue;
    const input = deviceInput(dataset, device.id, device.code, m[0]!);
    const plan = analyzeDevice(input, { mode: m[0]!, lastEventTime: o.lastEventTime ?? 900, timedeltaCheck: o.timedeltaCheck ?? 420 }, o.now);
    plans.push({ plan, mode: m[0]! });
  }
  const sizes = countNewRows(plans.map((p) => p.plan));
  const rows = editable(planRows(plans.map((p) => p.plan), {
    task: range(o.ids.task, sizes.tasks), taskToEvent: range(o.ids.link, sizes.links), issue: range(o.ids.issue, sizes.issues),
  }));
  const history: LegacyHistory = { rows, nullTypeTasks: [], defects: [], next: { task: o.ids.task + sizes.tasks, link: o.ids.link + sizes.links, issue: o.ids.issue + sizes.issues } };
  const deviceOfTask = new Map(rows.task.id.map((id, i) => [id, rows.task.deviceId[i]!]));
  const modeOf = new Map(plans.map((p) => [p.plan.deviceId, p.mode]));
  rows.wrap.receiptId.fill(null);
  nullTypes(history, deviceOfTask, modeOf);
  paidWrapsUnpaid(history, plans);
  duplicateAlarms(history, deviceOfTask, rng, rate);
  pointsInNoTask(history, deviceOfTask, rng, rate);
  return history;
}

const numbers = (xs: Float64Array): number[] => Array.from(xs);
const nullables = (xs: Float64Array): (number | null)[] => Array.from(xs, (x) => (Number.isNaN(x) ? null : x));
const booleans = (xs: Uint8Array): boolean[] => Array.from(xs, (x) => x === 1);

/** The pass's typed columns as arrays to edit. */
function editable(r: PlanRows): LegacyRows {
  return {
    task: { id: numbers(r.task.id), deviceId: numbers(r.task.deviceId), type: numbers(r.task.type), date: numbers(r.task.date), localDate: numbers(r.task.localDate), resolved: booleans(r.task.resolved) },
    issue: { id: numbers(r.issue.id), deviceId: numbers(r.issue.deviceId), type: numbers(r.issue.type), suitcase: nullables(r.issue.suitcase), total: nullables(r.issue.total), duration: nullables(r.issue.duration), local: numbers(r.issue.local), moscow: numbers(r.issue.moscow) },
    link: { id: numbers(r.link.id), taskId: numbers(r.link.taskId), eventId: numbers(r.link.eventId), table: Array.from(r.link.table, (code) => EVENT_TABLES[code - 1]!), ord: numbers(r.link.ord), parentId: nullables(r.link.parentId) },
    wrap: { id: numbers(r.wrap.id), csp: booleans(r.wrap.csp), unpaid: booleans(r.wrap.unpaid), toAccount: booleans(r.wrap.toAccount), inTask: booleans(r.wrap.inTask), receiptId: nullables(r.wrap.receiptId) },
    alarmIds: numbers(r.alarmIds),
    issueIds: numbers(r.issueIds),
    receipt: { id: numbers(r.receipt.id), status: numbers(r.receipt.status) },
  };
}

const f64 = (xs: (number | null)[]) => Float64Array.from(xs, (x) => x ?? NaN);
const u8 = (xs: boolean[]) => Uint8Array.from(xs, (x) => (x ? 1 : 0));

/** The edited rows as the pass's write statement takes them. */
function typed(r: LegacyRows): PlanRows {
  const tableCode = (name: string) => {
    const i = (EVENT_TABLES as readonly string[]).indexOf(name);
    if (i < 0) throw new Error(`unknown event table ${name}`);
    return i + 1;
  };
  return {
    task: { id: f64(r.task.id), deviceId: f64(r.task.deviceId), type: f64(r.task.type), date: f64(r.task.date), localDate: f64(r.task.localDate), resolved: u8(r.task.resolved) },
    issue: { id: f64(r.issue.id), deviceId: f64(r.issue.deviceId), type: f64(r.issue.type), suitcase: f64(r.issue.suitcase), total: f64(r.issue.total), duration: f64(r.issue.duration), local: f64(r.issue.local), moscow: f64(r.issue.moscow) },
    link: { id: f64(r.link.id), taskId: f64(r.link.taskId), eventId: f64(r.link.eventId), table: Float64Array.from(r.link.table, tableCode), ord: f64(r.link.ord), parentId: f64(r.link.parentId) },
    wrap: { id: f64(r.wrap.id), csp: u8(r.wrap.csp), unpaid: u8(r.wrap.unpaid), toAccount: u8(r.wrap.toAccount), inTask: u8(r.wrap.inTask), receiptId: f64(r.wrap.receiptId) },
    alarmIds: f64(r.alarmIds),
    issueIds: f64(r.issueIds),
    receipt: { id: f64(r.receipt.id), status: f64(r.receipt.status) },
  };
}

function nullTypes(h: LegacyHistory, deviceOfTask: Map<number, number>, modeOf: Map<number, Mode>): void {
  const { task } = h.rows;
  task.id.forEach((id, i) => {
    const deviceId = deviceOfTask.get(id)!;
    if (task.type[i] !== 1 || modeOf.get(deviceId) !== 'receipts') return;
    h.nullTypeTasks.push(id);
    h.defects.push({ defect: 'null_type', deviceId, finding: { kind: 'task_without_type', taskId: id, table: 'task', id, field: 'type' } });
  });
}

/** Links of one task, in ord order: indexes into rows.link. */
function linksOf(rows: LegacyRows, taskId: number): number[] {
  return rows.link.taskId.flatMap((t, i) => (t === taskId ? [i] : [])).sort((a, b) => rows.link.ord[a]! - rows.link.ord[b]!);
}

function paidWrapsUnpaid(h: LegacyHistory, plans: { plan: DevicePlan; mode: Mode }[]): void {
  const { rows } = h;
  const wrapIndex = new Map(rows.wrap.id.map((id, i) => [id, i]));
  const taskIds = rows.task.id;
  let t = 0;
  for (const { plan, mode } of plans) {
    for (const task of plan.tasks) {
      const at = t++;
      const taskId = taskIds[at]!;
      if (mode !== 'receipts' || task.type !== 2) continue;
      const links = linksOf(rows, taskId);
      let ord = links.length;
      for (const ev of task.events) {
        if ('analyzerIssue' in ev || ev.table !== 'polycomm_suitcase') continue;
        const w = wrapIndex.get(ev.rowId)!;
        rows.wrap.unpaid[w] = true;
        const wrapLink = links.find((i) => rows.link.table[i] === 'polycomm_suitcase' && rows.link.eventId[i] === ev.eventId)!;
        const issueId = h.next.issue++;
        // the columns copied from the wrap (R14) are not what the audit compares: the task's times stand in
        rows.issue.id.push(issueId);
        rows.issue.deviceId.push(plan.deviceId);
        rows.issue.type.push(7);
        rows.issue.suitcase.push(ev.eventId);
        rows.issue.total.push(null);
        rows.issue.duration.push(null);
        rows.issue.local.push(rows.task.localDate[at]!);
        rows.issue.moscow.push(rows.task.date[at]!);
        pushLink(h, taskId, issueId, 'polycommissue', ++ord, rows.link.id[wrapLink]!);
        h.defects.push({ defect: 'paid_wrap_unpaid', deviceId: plan.deviceId, finding: { kind: 'wrap_verdict', taskId, table: 'polycomm_suitcase', id: ev.rowId, field: 'unpaid' } });
        h.defects.push({ defect: 'paid_wrap_unpaid', deviceId: plan.deviceId, finding: { kind: 'analyzer_issue_extra', taskId, table: 'polycommissue', id: issueId, field: 'type' } });
      }
    }
  }
}

function pushLink(h: LegacyHistory, taskId: number, eventId: number, table: string, ord: number, parentId: number | null): number {
  const id = h.next.link++;
  const l = h.rows.link;
  l.id.push(id);
  l.taskId.push(taskId);
  l.eventId.push(eventId);
  l.table.push(table);
  l.ord.push(ord);
  l.parentId.push(parentId);
  return id;
}

/** Some top-level alarms linked again: in their own task, or also in the device's next task. */
function duplicateAlarms(h: LegacyHistory, deviceOfTask: Map<number, number>, rng: Rng, rate: number): void {
  const { link, task } = h.rows;
  const candidates = link.id.flatMap((_, i) => (link.table[i] === 'polycommalarm' && link.parentId[i] === null ? [i] : []));
  const chosen = candidates.filter((_, j) => j === 0 || rng.chance(rate));
  chosen.forEach((i, j) => {
    const taskId = link.taskId[i]!;
    const deviceId = deviceOfTask.get(taskId)!;
    const next = task.id[task.id.indexOf(taskId) + 1];
    const ordAfter = (t: number) => Math.max(...linksOf(h.rows, t).map((x) => link.ord[x]!)) + 1;
    if (j % 2 === 0 || next === undefined || deviceOfTask.get(next) !== deviceId) {
      const id = pushLink(h, taskId, link.eventId[i]!, 'polycommalarm', ordAfter(taskId), null);
      h.defects.push({ defect: 'alarm_linked_twice', deviceId, finding: { kind: 'link_extra', taskId, table: 'task_to_event', id, field: 'event' } });
    } else {
      pushLink(h, next, link.eventId[i]!, 'polycommalarm', ordAfter(next), null);
      h.defects.push({ defect: 'alarm_in_two_tasks', deviceId, finding: { kind: 'event_in_two_tasks', taskId: next, table: 'polycommalarm', id: link.eventId[i]!, field: 'task' } });
    }
  });
}

/** Some nested alarms and issues processed but left out of their task; the links after them renumbered. */
function pointsInNoTask(h: LegacyHistory, deviceOfTask: Map<number, number>, rng: Rng, rate: number): void {
  const { link } = h.rows;
  const analyzer = new Set(h.rows.issue.id);
  const candidates = link.id.flatMap((_, i) => ((link.table[i] === 'polycommalarm' || (link.table[i] === 'polycommissue' && !analyzer.has(link.eventId[i]!))) && link.parentId[i] !== null ? [i] : []));
  const chosen = new Set(candidates.filter((_, j) => j === 0 || rng.chance(rate)));
  if (chosen.size === 0) return;
  for (const i of chosen) {
    const taskId = link.taskId[i]!;
    for (const j of linksOf(h.rows, taskId)) if (link.ord[j]! > link.ord[i]!) link.ord[j]!--;
    h.defects.push({ defect: 'processed_in_no_task', deviceId: deviceOfTask.get(taskId)!, finding: { kind: 'event_in_no_task', taskId, table: link.table[i]!, id: link.eventId[i]!, field: 'task' } });
  }
  const keep = (_: unknown, i: number) => !chosen.has(i);
  for (const key of Object.keys(link) as (keyof LegacyRows['link'])[]) (link[key] as unknown[]) = (link[key] as unknown[]).filter(keep);
}

/**
 * Writes the history with the pass's own statement (src/sql/write-plan.ts)
 * into a database holding `dataset` (pending), then the NULL types, and moves
 * the sequences past the ids it used.
 */
export async function writeLegacyHistory(sql: Sql, history: LegacyHistory, createtime: string): Promise<void> {
  await sql.begin(async (tx) => {
    await writePlan(tx as unknown as ProductSql, typed(history.rows), createtime);
    await tx`update task set type = null where id = any(${history.nullTypeTasks}::int8[])`;
    for (const [table, column, next] of [['task', 'id', history.next.task], ['task_to_event', 'id', history.next.link], ['polycommissue', 'polycommissue_id', history.next.issue]] as const) {
      await tx`select setval(pg_get_serial_sequence(${table}, ${column}), greatest(${next - 1}::int8, (select max(${tx(column)}) from ${tx(table)})))`;
    }
  });
}
