// "Why did this task appear?": the analysis of one device as pure data, and a plain-text rendering.

import type {
  AnalyzerIssue,
  AnalyzerIssueType,
  DeviceInput,
  EventTable,
  Micros,
  Mode,
  RejectedRow,
  Settings,
  TaskType,
} from './types.js';
import { MICROS_PER_SECOND } from './types.js';
import { ALARM, FINISH, ISSUE, RECEIPT, START } from './model.js';
import type { Entry, Group, Point, Receipt, Wrap } from './model.js';
import { runAnalysis } from './analysis.js';
import { analyzerIssueOf } from './plan.js';
import { formatMicros } from './time.js';

export type EntryKindName = 'wrap_start' | 'wrap_finish' | 'receipt' | 'alarm' | 'issue';

/** An alarm or issue nested in a wrap (R5); it left the timeline. */
export interface ExplainedNested {
  kind: 'alarm' | 'issue';
  table: 'polycommalarm' | 'polycommissue';
  rowId: number;
  local: Micros;
  moscow: Micros;
}

/** One timeline entry, in final (post-R7) order. Positions and group numbers are 1-based. */
export interface ExplainedEntry {
  position: number;
  /** The group the entry stands in. */
  group: number;
  kind: EntryKindName;
  table: EventTable;
  rowId: number;
  /** Local and Moscow time of this entry (after the R3 fallback). */
  local: Micros;
  moscow: Micros;
  /** R7: a receipt moved after a wrap_finish. */
  movedByR7: boolean;
  /** Wrap entries: the group that owns the wrap (holds its wrap_start); else the entry's group. */
  ownerGroup: number;
  /** Wrap entries: 1 single, 2 double, 0 untyped; null for other entries. */
  wrapType: 0 | 1 | 2 | null;
  /** wrap_start entries: the nested alarms and issues (R5, R16 order); empty otherwise. */
  nested: ExplainedNested[];
}

/** A cut between two groups (R8): before entry `position`, opening group `group`. */
export interface ExplainedCut {
  position: number;
  group: number;
  /** 'receipt' = R8 rule 1 (reported when both rules hold), 'time' = R8 rule 2. */
  reason: 'receipt' | 'time';
  /** Local time of the entry after the cut minus that of the entry before it, in seconds. */
  gapSeconds: number;
}

export interface GroupCounts {
  S1: number;
  S2: number;
  SU: number;
  Q1: number;
  Q2: number;
  nA: number;
  nI: number;
  nR: number;
  nS: number;
}

/** One wrap owned by a group, with its R12 payment and R13/R15 verdict. */
export interface ExplainedWrap {
  wrapId: number;
  polycomId: number | null;
  wrapType: 0 | 1 | 2;
  nestedAlarms: number;
  nestedIssues: number;
  /** R12: the receipt that paid it and the position type it was paid as. */
  paidBy: number | null;
  paidAs: 1 | 2 | null;
  csp: boolean;
  unpaid: boolean;
  toAccount: boolean;
  inTask: boolean;
  analyzerIssue: AnalyzerIssueType | null;
}

export interface ExplainedReceipt {
  receiptId: number;
  single: number;
  double: number;
  singleLeft: number;
  doubleLeft: number;
  status: 1 | 2;
  movedByR7: boolean;
}

export interface ExplainedGroup {
  group: number;
  firstPosition: number;
  lastPosition: number;
  /** R9. Deferred groups are analysed too, to show what they would become; nothing of them is written. */
  state: 'written' | 'deferred';
  /** now - latestMoscow, in seconds (R9). */
  ageSeconds: number;
  /** Receipts mode: always; dwr: anomalous groups only (R15). */
  makesTask: boolean;
  taskType: TaskType | null;
  /** R10 (receipts mode); false in dwr. */
  balanced: boolean;
  resolved: boolean;
  firstLocal: Micros;
  latestLocal: Micros;
  latestMoscow: Micros;
  counts: GroupCounts;
  wraps: ExplainedWrap[];
  receipts: ExplainedReceipt[];
  analyzerIssues: AnalyzerIssue[];
  topLevelAlarmIds: number[];
  topLevelIssueIds: number[];
}

export interface Explanation {
  deviceId: number;
  mode: Mode;
  now: Micros;
  lastEventTime: number;
  timedeltaCheck: number;
  entries: ExplainedEntry[];
  cuts: ExplainedCut[];
  groups: ExplainedGroup[];
  rejected: RejectedRow[];
  moscowFallbacks: number;
}

const KIND_NAME: Record<Entry['kind'], EntryKindName> = {
  [FINISH]: 'wrap_finish',
  [RECEIPT]: 'receipt',
  [ALARM]: 'alarm',
  [ISSUE]: 'issue',
  [START]: 'wrap_start',
};

const KIND_TABLE: Record<Entry['kind'], EventTable> = {
  [FINISH]: 'polycomm_suitcase',
  [RECEIPT]: 'receipts',
  [ALARM]: 'polycommalarm',
  [ISSUE]: 'polycommissue',
  [START]: 'polycomm_suitcase',
};

function explainNested(p: Point): ExplainedNested {
  const alarm = p.kind === ALARM;
  return {
    kind: alarm ? 'alarm' : 'issue',
    table: alarm ? 'polycommalarm' : 'polycommissue',
    rowId: p.id,
    local: p.local,
    moscow: p.moscow,
  };
}

function explainGroup(g: Group, now: Micros): ExplainedGroup {
  const makesTask = g.taskType !== null;
  const wraps: ExplainedWrap[] = [];
  const analyzerIssues: AnalyzerIssue[] = [];
  for (const w of g.wraps) {
    let nestedAlarms = 0;
    for (const p of w.nested) if (p.kind === ALARM) nestedAlarms++;
    wraps.push({
      wrapId: w.id,
      polycomId: w.row.polycomId,
      wrapType: w.type,
      nestedAlarms,
      nestedIssues: w.nested.length - nestedAlarms,
      paidBy: w.paidBy === null ? null : w.paidBy.id,
      paidAs: w.paidType === 0 ? null : w.paidType,
      csp: w.csp,
      unpaid: w.unpaid,
      toAccount: w.toAccount,
      inTask: makesTask,
      analyzerIssue: w.issue === 0 ? null : w.issue,
    });
    const issue = analyzerIssueOf(w);
    if (issue !== null) analyzerIssues.push(issue);
  }
  return {
    group: g.index + 1,
    firstPosition: g.from + 1,
    lastPosition: g.to,
    state: g.deferred ? 'deferred' : 'written',
    ageSeconds: (now - g.latestMoscow) / MICROS_PER_SECOND,
    makesTask,
    taskType: g.taskType,
    balanced: g.balanced,
    resolved: g.balanced,
    firstLocal: g.firstLocal,
    latestLocal: g.latestLocal,
    latestMoscow: g.latestMoscow,
    counts: { ...g.counts },
    wraps,
    receipts: g.receipts.map(
      (r: Receipt): ExplainedReceipt => ({
        receiptId: r.id,
        single: r.single,
        double: r.double,
        singleLeft: r.leftSingle,
        doubleLeft: r.leftDouble,
        status: r.status,
        movedByR7: r.moved,
      }),
    ),
    analyzerIssues,
    topLevelAlarmIds: g.alarms.map((p) => p.id),
    topLevelIssueIds: g.issues.map((p) => p.id),
  };
}

/** Pure data for an operator: the same analysis as analyzeDevice, with every step shown. */
export function explainDevice(input: DeviceInput, settings: Settings, now: Micros): Explanation {
  const a = runAnalysis(input, settings, now, true);
  const entries: ExplainedEntry[] = [];
  const cuts: ExplainedCut[] = [];
  for (const g of a.groups) {
    if (g.cut !== null) {
      cuts.push({ position: g.from + 1, group: g.index + 1, reason: g.cut.reason, gapSeconds: g.cut.gapSeconds });
    }
    for (let i = g.from; i < g.to; i++) {
      const e = a.seq[i] as Entry;
      const w = e.wrap;
      entries.push({
        position: i + 1,
        group: g.index + 1,
        kind: KIND_NAME[e.kind],
        table: KIND_TABLE[e.kind],
        rowId: e.id,
        local: e.local,
        moscow: e.moscow,
        movedByR7: e.receipt !== null && e.receipt.moved,
        ownerGroup: w === null ? g.index + 1 : w.group + 1,
        wrapType: w === null ? null : w.type,
        nested: e.kind === START ? (w as Wrap).nested.map(explainNested) : [],
      });
    }
  }
  return {
    deviceId: input.deviceId,
    mode: settings.mode,
    now,
    lastEventTime: settings.lastEventTime,
    timedeltaCheck: settings.timedeltaCheck,
    entries,
    cuts,
    groups: a.groups.map((g) => explainGroup(g, now)),
    rejected: a.rejected,
    moscowFallbacks: a.moscowFallbacks,
  };
}

// ---------------------------------------------------------------------------
// Rendering

function table(headers: string[], rows: string[][], indent: string): string[] {
  const widths = headers.map((h) => h.length);
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] as number, cell.length);
    });
  }
  const line = (cells: string[]): string =>
    (indent + cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ')).trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const typeName = (t: 0 | 1 | 2 | null): string => (t === 1 ? 'single' : t === 2 ? 'double' : t === 0 ? 'untyped' : '');
const num = (n: number | null): string => (n === null ? 'NULL' : String(n));

function trimNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(6).replace(/0+$/, '');
}

/** A readable plain-text report of an Explanation (times 'YYYY-MM-DD HH:MM:SS', zone-free). */
export function renderExplanation(e: Explanation): string {
  const out: string[] = [];
  out.push(
    `device ${e.deviceId}, ${e.mode} mode, now ${formatMicros(e.now)}, ` +
      `LAST_EVENT_TIME ${e.lastEventTime} s, TIMEDELTA_CHECK ${e.timedeltaCheck} s`,
  );
  out.push(`moscow fallbacks (R3): ${e.moscowFallbacks}`);
  out.push('');

  out.push(`timeline (${e.entries.length} entries, final order after R7):`);
  if (e.entries.length === 0) {
    out.push('  (empty)');
  } else {
    const cutAt = new Map<number, ExplainedCut>();
    for (const c of e.cuts) cutAt.set(c.position, c);
    const rows: string[][] = [];
    for (const en of e.entries) {
      const cut = cutAt.get(en.position);
      if (cut !== undefined) {
        const why = cut.reason === 'receipt' ? 'after a receipt (R8.1)' : `by time (R8.2)`;
        rows.push([`-- cut ${why}, gap ${trimNumber(cut.gapSeconds)} s, group ${cut.group} starts --`]);
      }
      const notes: string[] = [];
      if (en.wrapType !== null) notes.push(typeName(en.wrapType));
      if (en.movedByR7) notes.push('moved by R7');
      if (en.ownerGroup !== en.group) notes.push(`wrap of group ${en.ownerGroup}`);
      if (en.nested.length > 0) notes.push(`${en.nested.length} nested`);
      rows.push([
        String(en.position),
        String(en.group),
        en.kind,
        en.table,
        String(en.rowId),
        formatMicros(en.local),
        formatMicros(en.moscow),
        notes.join(', '),
      ]);
      for (const p of en.nested) {
        rows.push(['', '', `  nested ${p.kind}`, p.table, String(p.rowId), formatMicros(p.local), formatMicros(p.moscow), 'R5']);
      }
    }
    // Cut lines span the table: render them outside the column layout.
    const plain = rows.filter((r) => r.length > 1);
    const lines = table(['#', 'grp', 'kind', 'table', 'id', 'local', 'moscow', 'note'], plain, '  ');
    const body = lines.slice(2);
    out.push(lines[0] as string, lines[1] as string);
    let k = 0;
    for (const r of rows) {
      if (r.length === 1) out.push(`  ${r[0] as string}`);
      else out.push(body[k++] as string);
    }
  }
  out.push('');

  for (const g of e.groups) {
    const head =
      `group ${g.group} (entries ${g.firstPosition}-${g.lastPosition}): ${g.state}` +
      (g.state === 'deferred' ? ' (R9: in progress; shown as it would be written)' : '');
    out.push(head);
    out.push(
      `  latest local ${formatMicros(g.latestLocal)}, latest moscow ${formatMicros(g.latestMoscow)}, ` +
        `age ${trimNumber(g.ageSeconds)} s, first local ${formatMicros(g.firstLocal)}`,
    );
    const task = g.makesTask
      ? `task type ${String(g.taskType)}, ${e.mode === 'receipts' ? (g.balanced ? 'balanced' : 'broken') : 'anomalous'}, ` +
        `resolved ${yesNo(g.resolved)}`
      : 'clean: no task (R15)';
    out.push(`  ${task}`);
    const c = g.counts;
    out.push(`  counts S1=${c.S1} S2=${c.S2} SU=${c.SU} Q1=${c.Q1} Q2=${c.Q2} nA=${c.nA} nI=${c.nI} nR=${c.nR} nS=${c.nS}`);
    if (g.topLevelAlarmIds.length > 0) out.push(`  top-level alarms: ${g.topLevelAlarmIds.join(', ')}`);
    if (g.topLevelIssueIds.length > 0) out.push(`  top-level issues: ${g.topLevelIssueIds.join(', ')}`);
    if (g.wraps.length > 0) {
      out.push('  wraps:');
      out.push(
        ...table(
          ['wrap', 'polycom_id', 'type', 'nested', 'paid by', 'paid as', 'csp', 'unpaid', 'to_account', 'in_task', 'issue'],
          g.wraps.map((w) => [
            String(w.wrapId),
            num(w.polycomId),
            typeName(w.wrapType),
            `${w.nestedAlarms}A ${w.nestedIssues}I`,
            w.paidBy === null ? '-' : `receipt ${w.paidBy}`,
            typeName(w.paidAs),
            yesNo(w.csp),
            yesNo(w.unpaid),
            yesNo(w.toAccount),
            yesNo(w.inTask),
            w.analyzerIssue === null ? '-' : String(w.analyzerIssue),
          ]),
          '    ',
        ),
      );
    }
    if (g.receipts.length > 0) {
      out.push('  receipts:');
      out.push(
        ...table(
          ['receipt', 'single', 'double', 'single left', 'double left', 'status', 'moved'],
          g.receipts.map((r) => [
            String(r.receiptId),
            String(r.single),
            String(r.double),
            String(r.singleLeft),
            String(r.doubleLeft),
            String(r.status),
            yesNo(r.movedByR7),
          ]),
          '    ',
        ),
      );
    }
    for (const i of g.analyzerIssues) {
      out.push(
        `  analyzer issue ${i.type} on wrap ${i.wrapId} (suitcase ${num(i.suitcase)}, total ${num(i.total)}, ` +
          `duration ${num(i.duration)}, local ${formatMicros(i.local)}, moscow ${formatMicros(i.moscow)})`,
      );
    }
    out.push('');
  }

  out.push(`rejected (R4): ${e.rejected.length}`);
  if (e.rejected.length > 0) {
    out.push(...table(['table', 'id', 'reason'], e.rejected.map((r) => [r.table, String(r.id), r.reason]), '  '));
  }
  return out.join('\n') + '\n';
}
