// "Do the stored tasks of a period agree with the rules?" (issue 23): the
// set-based version of explain --task's comparison. One device at a time, its
// events of a window (every one, processed or not) are analysed once by the
// core as if pending (analyzeDevice, as a pass does), and every stored task,
// link and written column of the period is set beside the plan.
//
// Scope (docs/audit.md): the period's events are the rows whose own local
// time (a wrap's start) lies in [from, to); the period's tasks link one of
// them or are dated (local_date) in it. The audited groups are the rebuilt
// groups holding an event of the period or an event a task of the period
// links: each is compared whole, even where it reaches past the period.
//
// One fact, one finding: where an event stands (in no task, in two, in
// another task) is reported once, and its columns are compared only where
// its place agrees with the rules. Groups still in progress (R9) and invalid
// rows (R4) are never findings.

import type {
  AnalyzerIssue, DevicePlan, EventTable, Micros, PointRow, ReceiptRow, Settings, WrapRow, WrapUpdate,
} from './types.js';
import { analyzeDevice } from './plan.js';
import { Scratch } from './scratch.js';
import type { StoredAnalyzerIssue, StoredLink, StoredStatus, StoredTask, StoredWrapState } from './explain-task.js';
import type { Span } from './audit-window.js';

/** The fixed vocabulary of findings (docs/audit.md). */
export const FINDING_KINDS = [
  'task_type', 'task_resolved', 'link_missing', 'link_extra', 'link_order', 'wrap_verdict', 'receipt_status',
  'analyzer_issue_missing', 'analyzer_issue_extra', 'event_in_no_task', 'event_in_two_tasks', 'task_without_type',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export type FindingValue = number | boolean | string | null | number[];

/** One stored value that differs from what the rules give. */
export interface Finding {
  kind: FindingKind;
  /** The stored task the finding is about; null: no stored task (an event the rules put in a task nobody wrote). */
  taskId: number | null;
  /** The row that differs: 'task', 'task_to_event' or an event table. */
  table: 'task' | 'task_to_event' | EventTable;
  /** Its primary key; null for a row the rules want and the database lacks. */
  id: number | null;
  field: string;
  stored: FindingValue;
  rules: FindingValue;
  /** The event a link or place finding is about. */
  event: { table: EventTable; id: number } | null;
  deviceId: number;
  /** Local time that dates the finding: its rebuilt group's latest (R8, the task's local_date by R16), else the row's or the task's own. */
  local: Micros | null;
  /** The rule that gives the value. */
  rule: string;
  note: string;
}

export interface AuditWrap extends WrapRow, StoredWrapState {}
export interface AuditPoint extends PointRow, StoredStatus {}
export interface AuditReceipt extends ReceiptRow, StoredStatus {}
export interface AuditLink extends StoredLink {
  taskId: number;
}

/** One device's rows of the loaded window, as stored. */
export interface AuditInput {
  deviceId: number;
  wraps: AuditWrap[];
  alarms: AuditPoint[];
  /** Device issues only (R2: never the analyzer's own rows). */
  issues: AuditPoint[];
  /** Empty in dwr mode. */
  receipts: AuditReceipt[];
  /** Analyzer issue rows (R14): those the loaded tasks link and those of the window. */
  analyzerIssues: StoredAnalyzerIssue[];
  /** Every task of the device that links a loaded row or is dated in the window. */
  tasks: StoredTask[];
  /** Every link of those tasks. */
  links: AuditLink[];
  /** Links whose row exists but has no local time (R4): never findings. */
  invalidLinks?: ReadonlySet<number>;
}

export interface NotCompared {
  /** Tasks whose events are all in groups still in progress (R9) or invalid (R4). */
  tasks: number;
  /** Events of the audited scope in groups still in progress (R9). */
  inProgressEvents: number;
  /** Rows left out of the analysis (R4). */
  invalidEvents: number;
  /** Pending events in no task and in no stored task's group: the next pass takes them. */
  pendingEvents: number;
}

export interface DeviceAudit {
  deviceId: number;
  findings: Finding[];
  /** Stored tasks compared. */
  tasks: number;
  /** Of those, the tasks without a finding. */
  agree: number;
  /** resolved = true where the rules give false: the staff's normal work, not a disagreement. */
  resolvedByStaff: { taskId: number; local: Micros | null }[];
  notCompared: NotCompared;
  /** The span of the rows whose groups must be whole (the shell widens the window until both edges are settled). */
  need: Span | null;
  /** Links of compared tasks that name no loaded row: the shell looks them up and widens the window, or they are extra. */
  unresolvedLinks: number[];
}

// ---------------------------------------------------------------------------
// What the rules give (one analyzeDevice)

/** A row of one of the four event tables as one number (id * 4 + table): Map keys that cost no string. Ids are safe integers below 2^51. */
type Key = number;
const TABLE_INDEX: Record<EventTable, number> = { polycomm_suitcase: 0, polycommalarm: 1, polycommissue: 2, receipts: 3 };
const TABLE_OF: readonly EventTable[] = ['polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts'];
const keyOf = (table: EventTable, id: number): Key => id * 4 + TABLE_INDEX[table];
/** 'polycomm_suitcase 11' */
const keyText = (key: Key): string => `${TABLE_OF[key % 4]} ${Math.floor(key / 4)}`;

interface RulesIndex {
  plan: DevicePlan;
  /** A row's place in a planned task: task index and event index (R16 order). */
  inTask: Map<Key, { k: number; i: number }>;
  clean: Set<Key>;
  deferred: Set<Key>;
  rejected: Set<Key>;
  wraps: Map<number, WrapUpdate>;
  receipts: Map<number, 1 | 2>;
}

function rulesOf(input: AuditInput, settings: Settings, now: Micros, scratch: Scratch): RulesIndex {
  const plan = analyzeDevice(
    { deviceId: input.deviceId, wraps: input.wraps, alarms: input.alarms, issues: input.issues, receipts: settings.mode === 'receipts' ? input.receipts : [] },
    settings, now, scratch);
  const inTask = new Map<Key, { k: number; i: number }>();
  plan.tasks.forEach((task, k) => task.events.forEach((ev, i) => {
    if (!('analyzerIssue' in ev)) inTask.set(keyOf(ev.table, ev.rowId), { k, i });
  }));
  const clean = new Set<Key>();
  for (const w of plan.wrapUpdates) if (!w.inTask) clean.add(keyOf('polycomm_suitcase', w.id));
  const deferred = new Set<Key>();
  for (const d of plan.deferred) {
    for (const id of d.wrapIds) deferred.add(keyOf('polycomm_suitcase', id));
    for (const id of d.alarmIds) deferred.add(keyOf('polycommalarm', id));
    for (const id of d.issueIds) deferred.add(keyOf('polycommissue', id));
    for (const id of d.receiptIds) deferred.add(keyOf('receipts', id));
  }
  return {
    plan, inTask, clean, deferred,
    rejected: new Set(plan.rejected.map((r) => keyOf(r.table, r.id))),
    wraps: new Map(plan.wrapUpdates.map((w) => [w.id, w])),
    receipts: new Map(plan.receiptUpdates.map((r) => [r.id, r.status])),
  };
}

// ---------------------------------------------------------------------------
// What is stored, and where each link points

interface StoredIndex {
  wraps: Map<number, AuditWrap>;
  alarms: Map<number, AuditPoint>;
  issues: Map<number, AuditPoint>;
  receipts: Map<number, AuditReceipt>;
  analyzer: Map<number, StoredAnalyzerIssue>;
  wrapsByPolycom: Map<number, number[]>;
  tasks: Map<number, StoredTask>;
  linksByTask: Map<number, AuditLink[]>;
  linkById: Map<number, AuditLink>;
}

function storedOf(input: AuditInput): StoredIndex {
  const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const wrapsByPolycom = new Map<number, number[]>();
  for (const w of [...input.wraps].sort((a, b) => a.id - b.id)) {
    if (w.polycomId === null) continue;
    const ids = wrapsByPolycom.get(w.polycomId);
    if (ids === undefined) wrapsByPolycom.set(w.polycomId, [w.id]);
    else ids.push(w.id);
  }
  const linksByTask = new Map<number, AuditLink[]>(input.tasks.map((t) => [t.id, []]));
  for (const l of input.links) linksByTask.get(l.taskId)?.push(l);
  for (const links of linksByTask.values()) links.sort((a, b) => (a.ord ?? Infinity) - (b.ord ?? Infinity) || a.id - b.id);
  return {
    wraps: byId(input.wraps), alarms: byId(input.alarms), issues: byId(input.issues), receipts: byId(input.receipts),
    analyzer: byId(input.analyzerIssues), wrapsByPolycom,
    tasks: new Map(input.tasks.map((t) => [t.id, t])),
    linksByTask, linkById: new Map(input.links.filter((l) => linksByTask.has(l.taskId)).map((l) => [l.id, l])),
  };
}

/** Where a stored link points. */
type Target =
  | { kind: 'row'; key: Key; table: EventTable; id: number }
  | { kind: 'analyzer'; issue: StoredAnalyzerIssue }
  /** the row is not loaded: the shell looks it up */
  | { kind: 'unresolved' }
  /** the row exists but has no local time (R4) */
  | { kind: 'invalid' }
  /** a table a task of this mode never links (an unknown name, a receipt in dwr mode, R15) */
  | { kind: 'foreign' };

const EVENT_TABLES = new Set<string>(['polycomm_suitcase', 'polycommalarm', 'polycommissue', 'receipts']);

function targetOf(l: AuditLink, stored: StoredIndex, rules: RulesIndex, invalid: ReadonlySet<number> | undefined, dwr: boolean): Target {
  if (invalid?.has(l.id)) return { kind: 'invalid' };
  if (l.table === null || !EVENT_TABLES.has(l.table) || (dwr && l.table === 'receipts')) return { kind: 'foreign' };
  const table = l.table as EventTable;
  if (l.eventId === null) return { kind: 'unresolved' };
  if (table === 'polycomm_suitcase') {
    // event_id is the device's polycom_id (R16): prefer the row the rules place
    const candidates = stored.wrapsByPolycom.get(l.eventId) ?? [];
    const placed = candidates.find((id) => rules.inTask.has(keyOf(table, id)) || rules.clean.has(keyOf(table, id)));
    const id = placed ?? candidates[0];
    return id === undefined ? { kind: 'unresolved' } : { kind: 'row', key: keyOf(table, id), table, id };
  }
  if (table === 'polycommissue') {
    const analyzer = stored.analyzer.get(l.eventId);
    if (analyzer !== undefined) return { kind: 'analyzer', issue: analyzer };
  }
  const rows = table === 'polycommalarm' ? stored.alarms : table === 'polycommissue' ? stored.issues : stored.receipts;
  return rows.has(l.eventId) ? { kind: 'row', key: keyOf(table, l.eventId), table, id: l.eventId } : { kind: 'unresolved' };
}

// ---------------------------------------------------------------------------
// Scope: the period's rows and tasks, the audited groups, who owns each group

interface RowInfo {
  table: EventTable;
  id: number;
  from: Micros;
  to: Micros;
  status: number | null;
}

function rowsOf(input: AuditInput): Map<Key, RowInfo> {
  const rows = new Map<Key, RowInfo>();
  const add = (table: EventTable, id: number, from: Micros | null, to: Micros | null, status: number | null) => {
    if (from !== null && to !== null) rows.set(keyOf(table, id), { table, id, from, to: Math.max(from, to), status });
  };
  for (const w of input.wraps) add('polycomm_suitcase', w.id, w.start, w.finish, w.status);
  for (const a of input.alarms) add('polycommalarm', a.id, a.local, a.local, a.status);
  for (const i of input.issues) add('polycommissue', i.id, i.local, i.local, i.status);
  for (const r of input.receipts) add('receipts', r.id, r.local, r.local, r.status);
  return rows;
}

interface Scope {
  rows: Map<Key, RowInfo>;
  targets: Map<number, Target>;
  /** Who links each row: task id -> its links to it (ord order). */
  linkers: Map<Key, Map<number, AuditLink[]>>;
  periodRows: Set<Key>;
  /** Planned task indexes compared whole. */
  groups: Set<number>;
  /** Rows of clean dwr groups compared. */
  cleanRows: Set<Key>;
  /** Tasks compared: the period's, and those whose main group is compared. */
  tasks: number[];
  /** Each task's main group: the one it stands for, else the one holding most of its events. */
  primary: Map<number, number>;
  /** Each planned task's stored task (ownersOf). */
  owner: Map<number, number>;
}

const inPeriod = (t: Micros, period: Span) => t >= period.from && t < period.to;

function linkersOf(stored: StoredIndex, targets: Map<number, Target>): Map<Key, Map<number, AuditLink[]>> {
  const linkers = new Map<Key, Map<number, AuditLink[]>>();
  for (const links of stored.linksByTask.values()) {
    for (const l of links) {
      const t = targets.get(l.id)!;
      if (t.kind !== 'row') continue;
      let byTask = linkers.get(t.key);
      if (byTask === undefined) linkers.set(t.key, (byTask = new Map<number, AuditLink[]>()));
      const links = byTask.get(l.taskId);
      if (links === undefined) byTask.set(l.taskId, [l]);
      else links.push(l);
    }
  }
  return linkers;
}

/** How many distinct rows of each planned task a stored task links. */
function sharesOf(taskId: number, stored: StoredIndex, targets: Map<number, Target>, rules: RulesIndex): Map<number, number> {
  const counts = new Map<number, number>();
  const seen = new Set<Key>();
  for (const l of stored.linksByTask.get(taskId)!) {
    const t = targets.get(l.id)!;
    if (t.kind !== 'row' || seen.has(t.key)) continue;
    seen.add(t.key);
    const place = rules.inTask.get(t.key);
    if (place !== undefined) counts.set(place.k, (counts.get(place.k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Which stored task stands for which planned task (R8, R16): pairs taken by
 * the most events linked, then the fewest events of the group left out, then
 * the lower task id; each task stands for at most one group and each group
 * has at most one task. A task standing for none has as its main group the one
 * holding most of its events (the earliest on a tie).
 */
function ownersOf(stored: StoredIndex, targets: Map<number, Target>, rules: RulesIndex): { owner: Map<number, number>; primary: Map<number, number> } {
  const pairs: { taskId: number; k: number; n: number; left: number }[] = [];
  const primary = new Map<number, number>();
  for (const taskId of stored.tasks.keys()) {
    const shares = sharesOf(taskId, stored, targets, rules);
    let best: number | undefined;
    for (const [k, n] of shares) {
      pairs.push({ taskId, k, n, left: eventCount(rules, k) - n });
      if (best === undefined || n > shares.get(best)! || (n === shares.get(best)! && k < best)) best = k;
    }
    if (best !== undefined) primary.set(taskId, best);
  }
  pairs.sort((a, b) => b.n - a.n || a.left - b.left || a.taskId - b.taskId || a.k - b.k);
  const owner = new Map<number, number>();
  const owns = new Set<number>();
  for (const p of pairs) {
    if (owner.has(p.k) || owns.has(p.taskId)) continue;
    owner.set(p.k, p.taskId);
    owns.add(p.taskId);
    primary.set(p.taskId, p.k);
  }
  // a task linking no event of any group (its links deleted or pointing nowhere) stands for the
  // group left without a task whose latest local time is its local_date (R16), if there is one
  const byLocal = new Map<Micros, number>();
  rules.plan.tasks.forEach((task, k) => { if (!owner.has(k) && !byLocal.has(task.localDate)) byLocal.set(task.localDate, k); });
  for (const task of [...stored.tasks.values()].sort((a, b) => a.id - b.id)) {
    const k = task.localDate === null || primary.has(task.id) ? undefined : byLocal.get(task.localDate);
    if (k === undefined || owner.has(k)) continue;
    owner.set(k, task.id);
    primary.set(task.id, k);
  }
  return { owner, primary };
}

const eventCount = (rules: RulesIndex, k: number) => rules.plan.tasks[k].events.filter((ev) => !('analyzerIssue' in ev)).length;

function scopeOf(input: AuditInput, stored: StoredIndex, rules: RulesIndex, period: Span, dwr: boolean): Scope {
  const rows = rowsOf(input);
  const targets = new Map<number, Target>();
  for (const links of stored.linksByTask.values()) for (const l of links) targets.set(l.id, targetOf(l, stored, rules, input.invalidLinks, dwr));
  const linkers = linkersOf(stored, targets);
  const periodRows = new Set([...rows].filter(([, r]) => inPeriod(r.from, period)).map(([k]) => k));
  const periodTasks = new Set<number>();
  for (const t of stored.tasks.values()) if (t.localDate !== null && inPeriod(t.localDate, period)) periodTasks.add(t.id);
  for (const k of periodRows) for (const taskId of linkers.get(k)?.keys() ?? []) periodTasks.add(taskId);
  const groups = new Set<number>();
  const cleanRows = new Set<Key>();
  const take = (k: Key) => {
    const place = rules.inTask.get(k);
    if (place !== undefined) groups.add(place.k);
    else if (rules.clean.has(k)) cleanRows.add(k);
  };
  for (const k of periodRows) take(k);
  for (const taskId of periodTasks) for (const l of stored.linksByTask.get(taskId)!) {
    const t = targets.get(l.id)!;
    if (t.kind === 'row') take(t.key);
  }
  const { owner, primary } = ownersOf(stored, targets, rules);
  const tasks = [...stored.tasks.keys()].filter((id) => periodTasks.has(id) || groups.has(primary.get(id) ?? -1)).sort((a, b) => a - b);
  return { rows, targets, linkers, periodRows, groups, cleanRows, tasks, primary, owner };
}

// ---------------------------------------------------------------------------
// Findings

class Findings {
  readonly list: Finding[] = [];
  constructor(private readonly deviceId: number) {}

  add(f: Omit<Finding, 'deviceId' | 'event' | 'note'> & { event?: Finding['event']; note?: string }): void {
    this.list.push({ ...f, event: f.event ?? null, note: f.note ?? '', deviceId: this.deviceId });
  }
}

const rowText = (table: string, id: number | null) => `${table} ${id ?? 'NULL'}`;
const isPending = (status: number | null) => status === 0;

interface Context {
  input: AuditInput;
  rules: RulesIndex;
  stored: StoredIndex;
  scope: Scope;
  out: Findings;
  settings: Settings;
  /** Links already reported (or known to agree), so no link is reported twice. */
  handled: Set<number>;
  notCompared: NotCompared;
  resolvedByStaff: DeviceAudit['resolvedByStaff'];
  /** Analyzer issue links of an owner matched to the rules' issue (with its expected index), for the order check. */
  analyzerMatches: Map<number, { link: AuditLink; i: number }[]>;
  /** Analyzer issue rows no loaded task links. */
  unlinkedAnalyzer: StoredAnalyzerIssue[];
  /** Of those, the ones a missing-issue finding already names. */
  explained: Set<number>;
}

/** The local time that dates a finding about planned task k. */
const groupLocal = (c: Context, k: number): Micros => c.rules.plan.tasks[k].localDate;

/**
 * The links to row `key` of every task but its group's `owner`: the first such
 * task's link is extra, every further task makes the event one in two tasks
 * (with the owner linking it, every other task does); a task linking it twice
 * has an extra link.
 */
function misplaced(c: Context, key: Key, owner: number | undefined, local: Micros, why: string, rule: string, skip?: (taskId: number) => boolean): void {
  const byTask = c.scope.linkers.get(key);
  if (byTask === undefined) return;
  const row = c.scope.rows.get(key)!;
  const taskIds = [...byTask.keys()].filter((id) => skip === undefined || !skip(id)).sort((a, b) => a - b);
  const kept = owner !== undefined && byTask.has(owner) ? owner : taskIds[0];
  for (const taskId of taskIds) {
    const links = byTask.get(taskId)!;
    const [first, ...repeats] = links;
    for (const l of repeats) linkTwice(c, l, row, local);
    if (taskId === kept && taskId === owner) continue;
    if (c.handled.has(first.id)) continue;
    c.handled.add(first.id);
    if (taskId === kept) {
      c.out.add({ kind: 'link_extra', taskId, table: 'task_to_event', id: first.id, field: 'event', stored: first.ord, rules: null,
        event: { table: row.table, id: row.id }, local, rule, note: `${rowText(row.table, row.id)}: ${why}` });
    } else {
      c.out.add({ kind: 'event_in_two_tasks', taskId, table: row.table, id: row.id, field: 'task', stored: taskIds, rules: owner ?? null,
        event: { table: row.table, id: row.id }, local, rule: 'R16',
        note: `linked by tasks ${taskIds.join(', ')}; ${owner !== undefined ? `the rules put it in task ${owner}` : why}` });
    }
  }
}

function linkTwice(c: Context, l: AuditLink, row: RowInfo, local: Micros): void {
  if (c.handled.has(l.id)) return;
  c.handled.add(l.id);
  c.out.add({ kind: 'link_extra', taskId: l.taskId, table: 'task_to_event', id: l.id, field: 'event', stored: l.ord, rules: null,
    event: { table: row.table, id: row.id }, local, rule: 'R16', note: `${rowText(row.table, row.id)} is linked to this task more than once` });
}

/** Every event of compared group k: where it stands (R16), then, where that agrees, its columns (R12, R13, R15, R17). */
function compareGroup(c: Context, k: number): void {
  const task = c.rules.plan.tasks[k];
  const owner = c.scope.owner.get(k);
  const local = task.localDate;
  task.events.forEach((ev, i) => {
    if ('analyzerIssue' in ev) return;
    const key = keyOf(ev.table, ev.rowId);
    const row = c.scope.rows.get(key)!;
    const byTask = c.scope.linkers.get(key);
    const agreed = owner !== undefined ? byTask?.get(owner)?.[0] : undefined;
    misplaced(c, key, owner, local, owner !== undefined ? `the rules put it in task ${owner}` : 'the rules write its group as a task of its own (R8, R16)', 'R8/R16');
    if (agreed !== undefined) {
      c.handled.add(agreed.id);
      compareColumns(c, row, agreed, local);
    } else if (byTask !== undefined && owner !== undefined) {
      c.out.add({ kind: 'link_missing', taskId: owner, table: 'task_to_event', id: null, field: 'event', stored: null, rules: i + 1,
        event: { table: row.table, id: row.id }, local, rule: 'R16', note: `${rowText(row.table, row.id)} is linked to another task instead` });
    } else if (byTask === undefined) {
      missingRow(c, row, owner, task.type, i, local);
    }
  });
}

function missingRow(c: Context, row: RowInfo, owner: number | undefined, type: number, i: number, local: Micros): void {
  const event = { table: row.table, id: row.id };
  if (!isPending(row.status)) {
    c.out.add({ kind: 'event_in_no_task', taskId: owner ?? null, table: row.table, id: row.id, field: 'task', stored: null, rules: type, event, local,
      rule: 'R16/R17', note: `processed (status ${row.status ?? 'NULL'}) but in no task; the rules put it in ${owner !== undefined ? `task ${owner}` : `a task of type ${type} that was never written`}` });
  } else if (owner !== undefined) {
    c.out.add({ kind: 'link_missing', taskId: owner, table: 'task_to_event', id: null, field: 'event', stored: null, rules: i + 1, event, local,
      rule: 'R16', note: `${rowText(row.table, row.id)} is pending (status 0): ingested after the task was written? The rules put it in this task` });
  } else {
    c.notCompared.pendingEvents++;
  }
}

/** The written columns of an event whose place agrees: linked by its group's task (a clean dwr group's wraps: compareWrap). */
function compareColumns(c: Context, row: RowInfo, link: AuditLink, local: Micros): void {
  if (row.table === 'polycomm_suitcase') compareWrap(c, c.stored.wraps.get(row.id)!, link, local);
  else if (row.table === 'receipts') {
    const stored = c.stored.receipts.get(row.id)!;
    const rules = c.rules.receipts.get(row.id)!;
    if (stored.status !== rules) {
      c.out.add({ kind: 'receipt_status', taskId: link.taskId, table: 'receipts', id: row.id, field: 'status', stored: stored.status, rules,
        local, rule: 'R12', note: rules === 1 ? 'every position of the receipt pays a wrap' : 'positions of the receipt are left' });
    }
  } else if (isPending(row.status)) {
    // an alarm or issue has no column of its own but its status: linked while pending, the link is premature
    c.out.add({ kind: 'link_extra', taskId: link.taskId, table: 'task_to_event', id: link.id, field: 'status', stored: 0, rules: 1,
      event: { table: row.table, id: row.id }, local, rule: 'R17', note: `${rowText(row.table, row.id)} is pending (status 0) but linked: a written group's events are processed` });
  }
}

const VERDICT_COLUMNS = [['csp', 'csp'], ['unpaid', 'unpaid'], ['to_account', 'toAccount'], ['in_task', 'inTask']] as const;

function compareWrap(c: Context, w: AuditWrap, link: AuditLink | null, local: Micros): void {
  const rules = c.rules.wraps.get(w.id)!;
  const taskId = link?.taskId ?? null;
  const add = (field: string, stored: boolean | number | null, value: boolean | number | null, rule: string, note = '') =>
    c.out.add({ kind: 'wrap_verdict', taskId, table: 'polycomm_suitcase', id: w.id, field, stored, rules: value, local, rule, note });
  if (w.status !== 1) {
    // pending (or an unknown status): its verdict was never written, one finding says so
    add('status', w.status, 1, 'R17', w.status === 0 ? 'pending, but its group is written' : '');
    if (w.status === 0) return;
  }
  const rule = c.settings.mode === 'receipts' ? 'R13' : 'R15';
  for (const [column, field] of VERDICT_COLUMNS) if (w[field] !== rules[field]) add(column, w[field], rules[field], field === 'inTask' ? 'R17' : rule);
  // receipt_id is the column this project added: NULL on rows an earlier system wrote, compared where it is recorded
  if (w.receiptId !== null && w.receiptId !== rules.receiptId) add('receipt_id', w.receiptId, rules.receiptId, 'R12/R17');
}

/** A clean dwr group's wraps (R15): no task; processed, csp, not unpaid, to_account, not in_task. */
function compareClean(c: Context, key: Key): void {
  const row = c.scope.rows.get(key)!;
  const byTask = c.scope.linkers.get(key);
  if (byTask !== undefined) {
    misplaced(c, key, undefined, row.from, 'its group is clean: the rules write no task for it (R15)', 'R15', (id) => cleanOnly(c, id));
    return;
  }
  if (isPending(row.status)) c.notCompared.pendingEvents++;
  else compareWrap(c, c.stored.wraps.get(row.id)!, null, row.from); // a clean group holds wraps only
}

/** A task whose events all stand in clean dwr groups: one finding (its type: no task) covers it. */
function cleanOnly(c: Context, taskId: number): boolean {
  const links = c.stored.linksByTask.get(taskId)!;
  let clean = 0;
  for (const l of links) {
    const t = c.scope.targets.get(l.id)!;
    if (t.kind === 'row' && c.rules.clean.has(t.key)) clean++;
    else if (t.kind === 'row' || t.kind === 'analyzer') return false;
  }
  return clean > 0;
}

// ---------------------------------------------------------------------------
// Task by task: type, resolved, order, analyzer issues, links to nothing

function compareTask(c: Context, taskId: number): void {
  const task = c.stored.tasks.get(taskId)!;
  const k = c.scope.primary.get(taskId);
  const owns = k !== undefined && c.scope.owner.get(k) === taskId;
  const local = k !== undefined ? groupLocal(c, k) : task.localDate;
  const planned = owns ? c.rules.plan.tasks[k] : undefined;
  const typeRule = c.settings.mode === 'receipts' ? 'R11' : 'R15';
  if (task.type === null) {
    c.out.add({ kind: 'task_without_type', taskId, table: 'task', id: taskId, field: 'type', stored: null, rules: planned?.type ?? null, local, rule: typeRule,
      note: planned !== undefined ? '' : 'and the rules give no task of its own' });
  } else if (planned !== undefined && task.type !== planned.type) {
    c.out.add({ kind: 'task_type', taskId, table: 'task', id: taskId, field: 'type', stored: task.type, rules: planned.type, local, rule: typeRule });
  }
  if (planned !== undefined && k !== undefined) {
    const at = groupLocal(c, k);
    compareResolved(c, task, planned.resolved, at);
    compareAnalyzerIssues(c, taskId, k, at);
    compareOrder(c, taskId, k, at);
  } else if (k === undefined) {
    noGroup(c, task, local, typeRule);
  }
  otherLinks(c, taskId, local, owns);
}

function compareResolved(c: Context, task: StoredTask, rules: boolean, local: Micros): void {
  if (task.resolved === rules) return;
  if (task.resolved === true) c.resolvedByStaff.push({ taskId: task.id, local });
  else c.out.add({ kind: 'task_resolved', taskId: task.id, table: 'task', id: task.id, field: 'resolved', stored: task.resolved, rules, local, rule: 'R10/R16' });
}

/** A task holding no event of a task-making group: none at all, or only clean dwr groups. */
function noGroup(c: Context, task: StoredTask, local: Micros | null, typeRule: string): void {
  const links = c.stored.linksByTask.get(task.id)!;
  if (task.type === null) return; // task_without_type says it
  if (links.length === 0) {
    c.out.add({ kind: 'task_type', taskId: task.id, table: 'task', id: task.id, field: 'type', stored: task.type, rules: null, local, rule: 'R16', note: 'the task links no event' });
  } else if (cleanOnly(c, task.id)) {
    c.out.add({ kind: 'task_type', taskId: task.id, table: 'task', id: task.id, field: 'type', stored: task.type, rules: null, local, rule: typeRule, note: 'its events form clean dwr groups: the rules write no task (R15)' });
  }
}

/** Links not covered group by group: to nothing, to another table, to a group outside the compared ones, to analyzer issues of a task that owns none. */
function otherLinks(c: Context, taskId: number, local: Micros | null, owns: boolean): void {
  for (const l of c.stored.linksByTask.get(taskId)!) {
    if (c.handled.has(l.id)) continue;
    const t = c.scope.targets.get(l.id)!;
    const add = (note: string, rule = 'R16') => c.out.add({ kind: 'link_extra', taskId, table: 'task_to_event', id: l.id, field: 'event', stored: l.ord, rules: null,
      event: t.kind === 'row' ? { table: t.table, id: t.id } : null, local, rule, note: `${rowText(l.table ?? 'NULL', l.eventId)}: ${note}` });
    if (t.kind === 'unresolved') add('no such event of this device');
    else if (t.kind === 'foreign') add(l.table === 'receipts' ? 'a dwr task links no receipt (R15)' : 'not an event table');
    else if (t.kind === 'invalid') c.notCompared.invalidEvents++;
    else if (t.kind === 'analyzer' && !owns) {
      c.out.add({ kind: 'analyzer_issue_extra', taskId, table: 'polycommissue', id: t.issue.id, field: 'type', stored: t.issue.type, rules: null, local, rule: 'R14', note: 'linked to a task that is not its group\'s' });
    } else if (t.kind === 'row') rowLink(c, l, t, local);
    c.handled.add(l.id);
  }
}

/**
 * A link of a compared task to a row no compared group holds: in a group still
 * in progress (R9) or an invalid row (R4), nothing; else it stands where the
 * rules do not put it.
 */
function rowLink(c: Context, l: AuditLink, t: Extract<Target, { kind: 'row' }>, local: Micros | null): void {
  if (c.rules.deferred.has(t.key) || c.rules.rejected.has(t.key)) return;
  const clean = c.rules.clean.has(t.key);
  if (clean && cleanOnly(c, l.taskId)) return;
  const row = c.scope.rows.get(t.key)!;
  const others = [...c.scope.linkers.get(t.key)!.keys()].filter((id) => id !== l.taskId).sort((a, b) => a - b);
  const when = local ?? row.from;
  const event = { table: row.table, id: row.id };
  const place = c.rules.inTask.get(t.key);
  if (others.length > 0) {
    c.out.add({ kind: 'event_in_two_tasks', taskId: l.taskId, table: row.table, id: row.id, field: 'task', stored: [l.taskId, ...others].sort((a, b) => a - b),
      rules: place === undefined ? null : (c.scope.owner.get(place.k) ?? null), event, local: when, rule: 'R16', note: `also linked by task ${others.join(', ')}` });
  } else {
    c.out.add({ kind: 'link_extra', taskId: l.taskId, table: 'task_to_event', id: l.id, field: 'event', stored: l.ord, rules: null, event, local: when,
      rule: clean ? 'R15' : 'R8/R16', note: `${rowText(row.table, row.id)}: ${clean ? 'its group is clean: the rules write no task for it (R15)' : 'the rules put it in another group (R8)'}` });
  }
}

/**
 * R16 order: ord 1, 2, ... in timeline order, nested events and the analyzer
 * issue under their wrap. With every event linked exactly, each ord is
 * compared; otherwise (a link missing or extra shifts every ord after it) the
 * relative order of the links both share.
 */
function compareOrder(c: Context, taskId: number, k: number, local: Micros): void {
  const events = c.rules.plan.tasks[k].events;
  const links = c.stored.linksByTask.get(taskId)!;
  const matched: { link: AuditLink; i: number }[] = [];
  const rowAt = new Map<number, Key>(); // expected index -> row key of the wraps, for parents
  events.forEach((ev, i) => { if (!('analyzerIssue' in ev)) rowAt.set(i, keyOf(ev.table, ev.rowId)); });
  for (const l of links) {
    const t = c.scope.targets.get(l.id)!;
    const i = t.kind === 'row' ? c.rules.inTask.get(t.key) : undefined;
    if (i !== undefined && i.k === k && c.scope.linkers.get((t as { key: Key }).key)!.get(taskId)![0] === l) matched.push({ link: l, i: i.i });
  }
  for (const a of c.analyzerMatches.get(taskId) ?? []) matched.push(a);
  matched.sort((a, b) => (a.link.ord ?? Infinity) - (b.link.ord ?? Infinity) || a.link.id - b.link.id);
  const exact = matched.length === events.length && links.length === events.length;
  const late = exact ? matched.map((m) => m.link.ord !== m.i + 1) : outOfOrder(matched.map((m) => m.i));
  matched.forEach((m, j) => {
    if (late[j]) c.out.add({ kind: 'link_order', taskId, table: 'task_to_event', id: m.link.id, field: 'ord', stored: m.link.ord, rules: m.i + 1, local, rule: 'R16',
      event: eventOf(c, m.link), note: exact ? '' : 'out of order among the links the task and the rules share' });
    const parent = events[m.i].parent;
    const want = parent === null ? null : rowAt.get(parent)!;
    const pl = m.link.parentId === null ? undefined : c.stored.linkById.get(m.link.parentId);
    const pt = pl === undefined || pl.taskId !== taskId ? undefined : c.scope.targets.get(pl.id)!;
    const got = m.link.parentId === null ? null : pt?.kind === 'row' ? keyText(pt.key) : `link ${m.link.parentId}`;
    const rules = want === null ? null : keyText(want);
    if (got !== rules) {
      c.out.add({ kind: 'link_order', taskId, table: 'task_to_event', id: m.link.id, field: 'parent', stored: got, rules,
        local, rule: 'R16', event: eventOf(c, m.link), note: 'a nested event and an analyzer issue hang under their wrap\'s link; others have none' });
    }
  });
}

function eventOf(c: Context, l: AuditLink): Finding['event'] {
  const t = c.scope.targets.get(l.id)!;
  return t.kind === 'row' ? { table: t.table, id: t.id } : t.kind === 'analyzer' ? { table: 'polycommissue', id: t.issue.id } : null;
}

/** Positions not on one longest increasing run of `seq` (the fewest links to call out of order). */
export function outOfOrder(seq: readonly number[]): boolean[] {
  const tails: number[] = []; // index into seq of the smallest tail of a run of each length
  const prev = new Array<number>(seq.length).fill(-1);
  seq.forEach((v, j) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < v) lo = mid + 1;
      else hi = mid;
    }
    prev[j] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = j;
  });
  const late = new Array<boolean>(seq.length).fill(true);
  for (let j = tails.length > 0 ? tails[tails.length - 1] : -1; j >= 0; j = prev[j]) late[j] = false;
  return late;
}

// ---------------------------------------------------------------------------
// Analyzer issues (R13, R14): one per wrap the rules give it to, under the wrap

/** The wrap an analyzer issue link stands for: its parent link's wrap, else the wrap its `suitcase` names. */
function wrapOfIssue(c: Context, l: AuditLink, issue: StoredAnalyzerIssue, k: number): number | null {
  const parent = l.parentId === null ? undefined : c.stored.linkById.get(l.parentId);
  const pt = parent === undefined ? undefined : c.scope.targets.get(parent.id);
  if (pt?.kind === 'row' && pt.table === 'polycomm_suitcase') return pt.id;
  const candidates = issue.suitcase === null ? [] : (c.stored.wrapsByPolycom.get(issue.suitcase) ?? []);
  return candidates.find((id) => c.rules.inTask.get(keyOf('polycomm_suitcase', id))?.k === k) ?? candidates[0] ?? null;
}

function compareAnalyzerIssues(c: Context, taskId: number, k: number, local: Micros): void {
  const expected: { issue: AnalyzerIssue; i: number }[] = [];
  c.rules.plan.tasks[k].events.forEach((ev, i) => { if ('analyzerIssue' in ev) expected.push({ issue: ev.analyzerIssue, i }); });
  const stored: { link: AuditLink; issue: StoredAnalyzerIssue; wrap: number | null }[] = [];
  for (const l of c.stored.linksByTask.get(taskId)!) {
    const t = c.scope.targets.get(l.id)!;
    if (t.kind === 'analyzer') stored.push({ link: l, issue: t.issue, wrap: wrapOfIssue(c, l, t.issue, k) });
  }
  const matches: { link: AuditLink; i: number }[] = [];
  for (const e of expected) {
    const s = stored.findIndex((x) => x.wrap === e.issue.wrapId && x.issue.type === e.issue.type);
    if (s >= 0) {
      matches.push({ link: stored[s].link, i: e.i });
      c.handled.add(stored[s].link.id);
      stored.splice(s, 1);
      continue;
    }
    const unlinked = c.unlinkedAnalyzer.find((x) => x.suitcase === e.issue.suitcase && x.type === e.issue.type && !c.explained.has(x.id));
    if (unlinked !== undefined) c.explained.add(unlinked.id);
    c.out.add({ kind: 'analyzer_issue_missing', taskId, table: 'polycommissue', id: null, field: 'type', stored: null, rules: e.issue.type, local, rule: 'R13/R14',
      event: { table: 'polycomm_suitcase', id: e.issue.wrapId },
      note: unlinked !== undefined ? `analyzer issue row ${unlinked.id} of that type exists on the wrap but no task links it` : '' });
  }
  for (const s of stored) {
    c.handled.add(s.link.id);
    const want = expected.find((e) => e.issue.wrapId === s.wrap);
    c.out.add({ kind: 'analyzer_issue_extra', taskId, table: 'polycommissue', id: s.issue.id, field: 'type', stored: s.issue.type, rules: want?.issue.type ?? null, local, rule: 'R13/R14',
      event: s.wrap === null ? null : { table: 'polycomm_suitcase', id: s.wrap },
      note: s.wrap === null ? 'names no wrap of this device' : want !== undefined ? `wrap ${s.wrap} gets issue ${want.issue.type}` : `the rules give wrap ${s.wrap} no analyzer issue` });
  }
  c.analyzerMatches.set(taskId, matches);
}

/** Analyzer issue rows no task links, on a wrap of a compared group or dated in the period: extra unless a missing one names them. */
function unlinkedAnalyzerIssues(c: Context, period: Span): void {
  for (const a of c.unlinkedAnalyzer) {
    if (c.explained.has(a.id)) continue;
    const wraps = a.suitcase === null ? [] : (c.stored.wrapsByPolycom.get(a.suitcase) ?? []);
    const place = wraps.map((id) => c.rules.inTask.get(keyOf('polycomm_suitcase', id))).find((p) => p !== undefined);
    const compared = place !== undefined ? c.scope.groups.has(place.k) : a.local !== null && inPeriod(a.local, period);
    if (!compared) continue;
    c.out.add({ kind: 'analyzer_issue_extra', taskId: null, table: 'polycommissue', id: a.id, field: 'type', stored: a.type, rules: null,
      local: place !== undefined ? groupLocal(c, place.k) : a.local, rule: 'R14', note: 'no task links it (R14: an analyzer issue is linked under its wrap)' });
  }
}

// ---------------------------------------------------------------------------

/** The span of the rows that must stand in whole groups: the period's rows and every row a compared task links. */
function needOf(c: Context): Span | null {
  let from = Infinity;
  let to = -Infinity;
  const take = (k: Key) => {
    const r = c.scope.rows.get(k);
    if (r === undefined || c.rules.rejected.has(k)) return;
    from = Math.min(from, r.from);
    to = Math.max(to, r.to);
  };
  for (const k of c.scope.periodRows) take(k);
  for (const taskId of c.scope.tasks) for (const l of c.stored.linksByTask.get(taskId)!) {
    const t = c.scope.targets.get(l.id)!;
    if (t.kind === 'row') take(t.key);
  }
  return from === Infinity ? null : { from, to };
}

/**
 * The audit of one device: `input` holds every row of the loaded window
 * (processed or not) and the tasks and links touching it; the rows are
 * analysed as if pending (analyzeDevice: no second analysis) with `now` for
 * R9. Findings concern the period [period.from, period.to) of local time.
 * `scratch`: the caller's, to reuse its memory across devices; a fresh one by default.
 */
export function auditDevice(input: AuditInput, settings: Settings, now: Micros, period: Span, scratch: Scratch = new Scratch()): DeviceAudit {
  const rules = rulesOf(input, settings, now, scratch);
  const stored = storedOf(input);
  const scope = scopeOf(input, stored, rules, period, settings.mode === 'dwr');
  const linked = new Set<number>();
  for (const t of scope.targets.values()) if (t.kind === 'analyzer') linked.add(t.issue.id);
  const c: Context = {
    input, rules, stored, scope, settings, out: new Findings(input.deviceId), handled: new Set(),
    notCompared: { tasks: 0, inProgressEvents: 0, invalidEvents: 0, pendingEvents: 0 },
    analyzerMatches: new Map(), resolvedByStaff: [],
    unlinkedAnalyzer: input.analyzerIssues.filter((a) => !linked.has(a.id)), explained: new Set(),
  };
  for (const k of [...scope.groups].sort((a, b) => a - b)) compareGroup(c, k);
  for (const key of scope.cleanRows) compareClean(c, key);
  const compared = scope.tasks.filter((taskId) => !inProgress(c, taskId));
  c.notCompared.tasks = scope.tasks.length - compared.length;
  for (const taskId of compared) compareTask(c, taskId);
  unlinkedAnalyzerIssues(c, period);
  countNotCompared(c);
  const disagree = new Set(c.out.list.map((f) => f.taskId));
  return {
    deviceId: input.deviceId,
    findings: c.out.list,
    tasks: compared.length,
    agree: compared.filter((id) => !disagree.has(id)).length,
    resolvedByStaff: c.resolvedByStaff,
    notCompared: c.notCompared,
    need: needOf(c),
    unresolvedLinks: compared.flatMap((taskId) => stored.linksByTask.get(taskId)!.filter((l) => scope.targets.get(l.id)!.kind === 'unresolved').map((l) => l.id)),
  };
}

/** A task with links, every one of them to a group still in progress (R9) or an invalid row (R4): not compared. */
function inProgress(c: Context, taskId: number): boolean {
  const links = c.stored.linksByTask.get(taskId)!;
  return links.length > 0 && links.every((l) => {
    const t = c.scope.targets.get(l.id)!;
    return t.kind === 'invalid' || (t.kind === 'row' && (c.rules.deferred.has(t.key) || c.rules.rejected.has(t.key)));
  });
}

function countNotCompared(c: Context): void {
  for (const k of c.scope.periodRows) {
    if (c.rules.deferred.has(k)) c.notCompared.inProgressEvents++;
    else if (c.rules.rejected.has(k)) c.notCompared.invalidEvents++;
  }
}
