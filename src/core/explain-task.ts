// "Why is task N what it is?": an existing task's group rebuilt by the same
// analysis (explainDevice on the device's events around it, processed or not),
// and the stored rows set beside what the rules give, field by field.

import type { DeviceInput, EventTable, Micros, PlannedTask, Settings, TaskEvent } from './types.js';
import { analyzeDevice } from './plan.js';
import { explainDevice } from './explain.js';
import type { ExplainedCut, ExplainedEntry, ExplainedGroup, Explanation } from './explain.js';

/** The `task` row as stored. */
export interface StoredTask {
  id: number;
  deviceId: number | null;
  type: number | null;
  date: Micros | null;
  localDate: Micros | null;
  status: number | null;
  resolved: boolean | null;
}

/** One `task_to_event` row as stored. */
export interface StoredLink {
  id: number;
  eventId: number | null;
  table: string | null;
  ord: number | null;
  parentId: number | null;
}

/** The written columns of one `polycomm_suitcase` row (R17) as stored. */
export interface StoredWrapState {
  id: number;
  polycomId: number | null;
  status: number | null;
  csp: boolean | null;
  unpaid: boolean | null;
  toAccount: boolean | null;
  inTask: boolean | null;
  receiptId: number | null;
}

/** `status` of an alarm, device issue or receipt as stored. */
export interface StoredStatus {
  id: number;
  status: number | null;
}

/** An analyzer issue row (`polycommissue.id` = 22222222) linked to the task, as stored. */
export interface StoredAnalyzerIssue {
  /** polycommissue_id */
  id: number;
  type: number | null;
  suitcase: number | null;
  total: number | null;
  duration: number | null;
  local: Micros | null;
  moscow: Micros | null;
  status: number | null;
}

/** What the shell read for one task: the task, its links and the stored state of the window's rows. */
export interface StoredTaskRows {
  task: StoredTask;
  links: StoredLink[];
  wraps: StoredWrapState[];
  alarms: StoredStatus[];
  issues: StoredStatus[];
  receipts: StoredStatus[];
  analyzerIssues: StoredAnalyzerIssue[];
}

/** The local-time window of the device's events that was loaded around the task. */
export interface LoadedWindow {
  from: Micros;
  to: Micros;
  /** Seconds loaded before the task's first and after its last linked event. */
  aroundSeconds: number;
}

/** One stored link and where the rebuild puts its event. */
export interface LocatedLink {
  linkId: number;
  ord: number | null;
  table: string | null;
  eventId: number | null;
  parentId: number | null;
  /** The row the link names (for wraps: the row with that polycom_id); null when none was found. */
  rowId: number | null;
  /** The rebuilt group holding the event (a nested point: its wrap's group); null when not on the timeline. */
  group: number | null;
  /** An analyzer issue row (R14), not a device event. */
  analyzerIssue: boolean;
  /** Why the event is not on the rebuilt timeline, when it is not. */
  missing: 'not_found' | 'invalid' | null;
}

export type DiffValue = number | boolean | string | null;

/** One stored value that differs from what the rules give. */
export interface Difference {
  /** 'task', 'task_to_event' or the event table. */
  table: 'task' | 'task_to_event' | EventTable;
  /** The row's primary key; null for a row the rules want and the database lacks. */
  rowId: number | null;
  field: string;
  stored: DiffValue;
  rules: DiffValue;
  /** 'time' values are Micros. */
  unit: 'time' | 'value';
  /** The rule that gives the value, e.g. 'R11'. */
  rule: string;
  note?: string;
}

/** The entry next to the group and the cut between them (null cut: no entry there in the window). */
export interface GroupBoundary {
  entry: ExplainedEntry | null;
  cut: ExplainedCut | null;
}

export interface TaskExplanation {
  taskId: number;
  stored: StoredTask;
  window: LoadedWindow;
  /** The device's events in the window, explained as explain --device does (one source for every view). */
  explanation: Explanation;
  /** The rebuilt group holding the task's events (1-based, as in explanation.groups); null when none is found. */
  group: number | null;
  /** Every group holding one of the task's events (more than one: the rules would split the task). */
  groupsTouched: number[];
  links: LocatedLink[];
  before: GroupBoundary;
  after: GroupBoundary;
  /** The task the rules would write for the group (R16), null when deferred, clean or not found. */
  expected: PlannedTask | null;
  differences: Difference[];
  /** The group reaches the edge of the loaded window: it may continue beyond it. */
  atWindowEdge: boolean;
}

const key = (table: string | null, id: number | null): string => `${table ?? ''}:${id ?? ''}`;

/** The group of every timeline entry and nested point, by table:rowId (wraps by their start). */
function groupIndex(e: Explanation): Map<string, number> {
  const at = new Map<string, number>();
  for (const en of e.entries) {
    if (en.kind === 'wrap_finish') continue;
    at.set(key(en.table, en.rowId), en.ownerGroup);
    for (const n of en.nested) at.set(key(n.table, n.rowId), en.ownerGroup);
  }
  return at;
}

function locate(rows: StoredTaskRows, e: Explanation): LocatedLink[] {
  const at = groupIndex(e);
  const rejected = new Set(e.rejected.map((r) => key(r.table, r.id)));
  const analyzerIds = new Set(rows.analyzerIssues.map((i) => i.id));
  return [...rows.links]
    .sort((a, b) => (a.ord ?? Infinity) - (b.ord ?? Infinity) || a.id - b.id)
    .map((l) => {
      const analyzerIssue = l.table === 'polycommissue' && l.eventId !== null && analyzerIds.has(l.eventId);
      let rowId: number | null = l.eventId;
      if (l.table === 'polycomm_suitcase') {
        // event_id is the device's polycom_id (R16): prefer the row the rebuild placed
        const candidates = rows.wraps.filter((w) => w.polycomId !== null && w.polycomId === l.eventId).map((w) => w.id);
        rowId = candidates.find((id) => at.has(key(l.table, id))) ?? candidates[0] ?? null;
      }
      const group = analyzerIssue ? null : (at.get(key(l.table, rowId)) ?? null);
      const missing = analyzerIssue || group !== null ? null : rejected.has(key(l.table, rowId)) ? 'invalid' : 'not_found';
      return { linkId: l.id, ord: l.ord, table: l.table, eventId: l.eventId, parentId: l.parentId, rowId, group, analyzerIssue, missing };
    });
}

/** The group most of the task's events stand in (the earliest on a tie). */
function chooseGroup(links: LocatedLink[]): { group: number | null; touched: number[] } {
  const counts = new Map<number, number>();
  for (const l of links) if (l.group !== null) counts.set(l.group, (counts.get(l.group) ?? 0) + 1);
  const touched = [...counts.keys()].sort((a, b) => a - b);
  let best: number | null = null;
  for (const g of touched) if (best === null || (counts.get(g) as number) > (counts.get(best) as number)) best = g;
  return { group: best, touched };
}

function boundaries(e: Explanation, g: ExplainedGroup): { before: GroupBoundary; after: GroupBoundary } {
  return {
    before: {
      entry: e.entries[g.firstPosition - 2] ?? null,
      cut: e.cuts.find((c) => c.group === g.group) ?? null,
    },
    after: {
      entry: e.entries[g.lastPosition] ?? null,
      cut: e.cuts.find((c) => c.group === g.group + 1) ?? null,
    },
  };
}

/** R16: the planned task of explanation group `g` (plan tasks are the written task-making groups in order). */
function plannedTaskOf(e: Explanation, input: DeviceInput, settings: Settings, now: Micros, g: ExplainedGroup): PlannedTask | null {
  if (g.state !== 'written' || !g.makesTask) return null;
  const index = e.groups.filter((x) => x.group < g.group && x.state === 'written' && x.makesTask).length;
  return analyzeDevice(input, settings, now).tasks[index] ?? null;
}

/**
 * Explains stored task `rows.task` on the device's events `input` (every event
 * of the loaded window, whatever its status, treated as pending).
 */
export function explainTask(rows: StoredTaskRows, input: DeviceInput, settings: Settings, now: Micros, window: LoadedWindow): TaskExplanation {
  const explanation = explainDevice(input, settings, now);
  const links = locate(rows, explanation);
  const { group, touched } = chooseGroup(links);
  const g = group === null ? undefined : explanation.groups[group - 1];
  const expected = g === undefined ? null : plannedTaskOf(explanation, input, settings, now, g);
  const bounds = g === undefined ? { before: { entry: null, cut: null }, after: { entry: null, cut: null } } : boundaries(explanation, g);
  const atWindowEdge =
    g !== undefined &&
    ((bounds.before.entry === null && g.firstLocal - window.from <= settings.timedeltaCheck * 1e6) ||
      (bounds.after.entry === null && window.to - g.latestLocal <= settings.timedeltaCheck * 1e6));
  return {
    taskId: rows.task.id,
    stored: rows.task,
    window,
    explanation,
    group,
    groupsTouched: touched,
    links,
    ...bounds,
    expected,
    differences: g === undefined ? noGroupDifferences(rows) : compareTask(rows, explanation, links, g, expected),
    atWindowEdge,
  };
}

function noGroupDifferences(rows: StoredTaskRows): Difference[] {
  return [{
    table: 'task', rowId: rows.task.id, field: 'events', stored: rows.links.length, rules: null, unit: 'value', rule: 'R2',
    note: 'none of the linked events is on the device timeline (not found, another device, or invalid: R4)',
  }];
}

type Push = (d: Omit<Difference, 'unit'> & { unit?: 'time' | 'value' }) => void;

function compareTask(rows: StoredTaskRows, e: Explanation, links: LocatedLink[], g: ExplainedGroup, expected: PlannedTask | null): Difference[] {
  const out: Difference[] = [];
  const push: Push = (d) => out.push({ unit: 'value', ...d });
  const diff = (table: Difference['table'], rowId: number | null, field: string, stored: DiffValue, rules: DiffValue, rule: string, unit: 'time' | 'value' = 'value') => {
    if (stored !== rules) push({ table, rowId, field, stored, rules, rule, unit });
  };
  const t = rows.task;
  if (expected !== null) {
    diff('task', t.id, 'type', t.type, expected.type, e.mode === 'receipts' ? 'R11' : 'R15');
    diff('task', t.id, 'resolved', t.resolved, expected.resolved, 'R16');
    diff('task', t.id, 'date', t.date, expected.date, 'R16', 'time');
    diff('task', t.id, 'local_date', t.localDate, expected.localDate, 'R16', 'time');
    diff('task', t.id, 'status', t.status, 1, 'R16');
  } else if (g.state === 'deferred') {
    push({ table: 'task', rowId: t.id, field: 'state', stored: 'written', rules: 'deferred', rule: 'R9', note: 'the group is still in progress: the rules would not write it yet' });
    return out; // nothing of a deferred group is written (R9): no row to compare
  } else {
    push({ table: 'task', rowId: t.id, field: 'type', stored: t.type, rules: null, rule: 'R15', note: 'a clean dwr group makes no task' });
  }
  compareLinks(rows, links, g, expected, push);
  compareEvents(rows, e, g, diff);
  compareAnalyzerIssues(rows, links, g, push, diff);
  return out;
}

function expectedKey(ev: TaskEvent): string {
  return 'analyzerIssue' in ev ? `analyzer:${ev.analyzerIssue.wrapId}` : key(ev.table, ev.rowId);
}

/** R16: the stored links against the planned task's events (by event, then ord and parent). */
function compareLinks(rows: StoredTaskRows, links: LocatedLink[], g: ExplainedGroup, expected: PlannedTask | null, push: Push): void {
  const ordOf = new Map(rows.links.map((l) => [l.id, l.ord]));
  const byKey = new Map<string, LocatedLink>();
  for (const l of links) {
    const parent = l.analyzerIssue ? links.find((p) => p.linkId === l.parentId) : undefined;
    const k = l.analyzerIssue ? `analyzer:${parent?.rowId ?? `link${l.linkId}`}` : key(l.table, l.rowId);
    // an event linked twice: the first link (by ord) stands for it, the other is extra
    if (!byKey.has(k)) byKey.set(k, l);
  }
  const matched = new Set<number>();
  (expected?.events ?? []).forEach((ev, i) => {
    const k = expectedKey(ev);
    const l = byKey.get(k);
    const what = 'analyzerIssue' in ev ? `analyzer issue ${ev.analyzerIssue.type} on wrap ${ev.analyzerIssue.wrapId}` : `${ev.table} ${ev.rowId}`;
    if (l === undefined) {
      push({ table: 'task_to_event', rowId: null, field: 'link', stored: null, rules: `ord ${i + 1}: ${what}`, rule: 'R16', note: 'missing: the rules link this event to the task' });
      return;
    }
    matched.add(l.linkId);
    if (l.ord !== i + 1) push({ table: 'task_to_event', rowId: l.linkId, field: 'ord', stored: l.ord, rules: i + 1, rule: 'R16', note: what });
    const parentOrd = l.parentId === null ? null : (ordOf.get(l.parentId) ?? -1);
    const rulesParent = ev.parent === null ? null : ev.parent + 1;
    if (parentOrd !== rulesParent) {
      push({ table: 'task_to_event', rowId: l.linkId, field: 'parent (ord)', stored: parentOrd, rules: rulesParent, rule: 'R16', note: what });
    }
  });
  for (const l of links) {
    if (matched.has(l.linkId)) continue;
    const where = l.missing === 'invalid' ? 'the row is invalid now (R4)' : l.missing === 'not_found' ? 'no such event of this device in the window' : l.group !== null && l.group !== g.group ? `the rules put it in group ${l.group}` : 'the rules do not link it';
    push({ table: 'task_to_event', rowId: l.linkId, field: 'link', stored: `ord ${l.ord ?? 'NULL'}: ${l.table ?? 'NULL'} ${l.eventId ?? 'NULL'}`, rules: null, rule: l.missing === 'invalid' ? 'R4' : 'R8/R16', note: `extra: ${where}` });
  }
}

type Diff = (table: Difference['table'], rowId: number | null, field: string, stored: DiffValue, rules: DiffValue, rule: string, unit?: 'time' | 'value') => void;

/** R17 (and R12/R13/R15) on the group's wraps, receipts, alarms and issues. */
function compareEvents(rows: StoredTaskRows, e: Explanation, g: ExplainedGroup, diff: Diff): void {
  const wraps = new Map(rows.wraps.map((w) => [w.id, w]));
  const verdictRule = e.mode === 'receipts' ? 'R13' : 'R15';
  for (const w of g.wraps) {
    const s = wraps.get(w.wrapId);
    if (s === undefined) continue;
    diff('polycomm_suitcase', w.wrapId, 'status', s.status, 1, 'R17');
    diff('polycomm_suitcase', w.wrapId, 'csp', s.csp, w.csp, verdictRule);
    diff('polycomm_suitcase', w.wrapId, 'unpaid', s.unpaid, w.unpaid, verdictRule);
    diff('polycomm_suitcase', w.wrapId, 'to_account', s.toAccount, w.toAccount, verdictRule);
    diff('polycomm_suitcase', w.wrapId, 'in_task', s.inTask, w.inTask, 'R17');
    diff('polycomm_suitcase', w.wrapId, 'receipt_id', s.receiptId, w.paidBy, 'R12/R17');
  }
  const receipts = new Map(rows.receipts.map((r) => [r.id, r]));
  for (const r of g.receipts) {
    const s = receipts.get(r.receiptId);
    if (s !== undefined) diff('receipts', r.receiptId, 'status', s.status, r.status, 'R12');
  }
  const statusOne = (table: 'polycommalarm' | 'polycommissue', stored: StoredStatus[], ids: number[]) => {
    const byId = new Map(stored.map((p) => [p.id, p]));
    for (const id of ids) {
      const s = byId.get(id);
      if (s !== undefined) diff(table, id, 'status', s.status, 1, 'R17');
    }
  };
  statusOne('polycommalarm', rows.alarms, [...g.topLevelAlarmIds, ...nestedIds(e, g, 'alarm')]);
  statusOne('polycommissue', rows.issues, [...g.topLevelIssueIds, ...nestedIds(e, g, 'issue')]);
}

/** The group's nested alarms or issues (R5), from its wrap_start entries. */
function nestedIds(e: Explanation, g: ExplainedGroup, kind: 'alarm' | 'issue'): number[] {
  return e.entries
    .filter((en) => en.kind === 'wrap_start' && en.group === g.group)
    .flatMap((en) => en.nested.filter((n) => n.kind === kind).map((n) => n.rowId));
}

/** R14: every analyzer issue the rules give against the rows linked under the wrap. */
function compareAnalyzerIssues(rows: StoredTaskRows, links: LocatedLink[], g: ExplainedGroup, push: Push, diff: Diff): void {
  const byId = new Map(rows.analyzerIssues.map((i) => [i.id, i]));
  const underWrap = new Map<number, StoredAnalyzerIssue>();
  for (const l of links) {
    if (!l.analyzerIssue || l.eventId === null) continue;
    const parent = links.find((p) => p.linkId === l.parentId);
    const row = byId.get(l.eventId);
    if (row !== undefined && parent?.rowId != null) underWrap.set(parent.rowId, row);
  }
  const expectedWraps = new Set<number>();
  for (const i of g.analyzerIssues) {
    expectedWraps.add(i.wrapId);
    const s = underWrap.get(i.wrapId);
    if (s === undefined) {
      push({ table: 'polycommissue', rowId: null, field: 'analyzer issue', stored: null, rules: i.type, rule: 'R13/R14', note: `missing on wrap ${i.wrapId}` });
      continue;
    }
    diff('polycommissue', s.id, 'type', s.type, i.type, 'R13/R14');
    diff('polycommissue', s.id, 'suitcase', s.suitcase, i.suitcase, 'R14');
    diff('polycommissue', s.id, 'total', s.total, i.total, 'R14');
    diff('polycommissue', s.id, 'duration', s.duration, i.duration, 'R14');
    diff('polycommissue', s.id, 'localdate', s.local, i.local, 'R14', 'time');
    diff('polycommissue', s.id, 'date', s.moscow, i.moscow, 'R14', 'time');
    diff('polycommissue', s.id, 'status', s.status, 1, 'R14');
  }
  for (const [wrapId, s] of underWrap) {
    if (!expectedWraps.has(wrapId)) {
      push({ table: 'polycommissue', rowId: s.id, field: 'analyzer issue', stored: s.type, rules: null, rule: 'R13/R14', note: `the rules give wrap ${wrapId} no analyzer issue` });
    }
  }
}
