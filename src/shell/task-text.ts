// Plain-text rendering of a TaskExplanation: why the task's group starts and
// ends where it does, its counts and type, every wrap and receipt, and the
// stored values that differ from what the rules give (presentation only).
import { formatMicros } from '../core/index.js';
import type { Difference, ExplainedCut, ExplainedEntry, ExplainedGroup, ExplainedWrap, Explanation, TaskExplanation } from '../core/index.js';
import { renderExplanation } from './explanation-text.js';
import { ANALYZER_ISSUE_NAMES, TASK_TYPE_NAMES } from '../core/index.js';

const seconds = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(6).replace(/0+$/, ''));
const packageName = (t: 0 | 1 | 2 | null): string => (t === 1 ? 'single' : t === 2 ? 'double' : 'untyped');

export function entryText(en: ExplainedEntry): string {
  const what = en.kind === 'wrap_start' || en.kind === 'wrap_finish' ? `${en.kind.replace('_', ' ')} of wrap ${en.rowId}` : `${en.kind} ${en.rowId}`;
  return `${what} at ${formatMicros(en.local)} (position ${en.position})`;
}

/** R8: the reason for a cut between `before` and `after`, in words. */
export function cutText(cut: ExplainedCut, timedeltaCheck: number, after: ExplainedEntry | undefined): string {
  if (cut.reason === 'receipt') {
    const next = after === undefined ? 'an entry' : after.kind === 'wrap_start' ? 'a wrap start' : `an ${after.kind}`;
    return `cut after a receipt (R8.1): a purchase cycle ends with its receipt, and ${next} follows`;
  }
  return `cut by time (R8.2): gap ${seconds(cut.gapSeconds)} s > TIMEDELTA_CHECK ${timedeltaCheck} s`;
}

function boundaryLines(te: TaskExplanation, g: ExplainedGroup): string[] {
  const e = te.explanation;
  const out: string[] = [];
  const first = e.entries[g.firstPosition - 1];
  const last = e.entries[g.lastPosition - 1];
  if (te.before.entry !== null && te.before.cut !== null) {
    out.push(`  starts at ${first ? entryText(first) : '?'}: the entry before is ${entryText(te.before.entry)};`);
    out.push(`    ${cutText(te.before.cut, e.timedeltaCheck, first)}`);
  } else {
    out.push(`  starts at ${first ? entryText(first) : '?'}: no entry of the device in the ${te.window.aroundSeconds} s before it`);
    out.push(`    (loaded from ${formatMicros(te.window.from)}), so any earlier entry is cut off by time (R8.2)`);
  }
  if (te.after.entry !== null && te.after.cut !== null) {
    out.push(`  ends at ${last ? entryText(last) : '?'}: the entry after is ${entryText(te.after.entry)};`);
    out.push(`    ${cutText(te.after.cut, e.timedeltaCheck, te.after.entry)}`);
  } else {
    out.push(`  ends at ${last ? entryText(last) : '?'}: no entry of the device after it up to ${formatMicros(te.window.to)}, so the next one is cut off by time (R8.2)`);
  }
  if (te.atWindowEdge) out.push('  NOTE: the group reaches the edge of the loaded window and may continue beyond it: widen --around');
  return out;
}

/** The R11 (receipts) or R15 (dwr) row that gives the type, with the counts that satisfy it. */
export function typeRow(mode: 'receipts' | 'dwr', type: number | null, c: ExplainedGroup['counts']): string {
  if (type === null) return 'R15: clean group (no alarm or issue, top-level or nested): no task';
  if (mode === 'dwr') {
    const row = type === 1 ? 'nS = 0' : type === 4 ? 'nA + nI = 0 (only nested alarms/issues)' : 'top-level alarms/issues and wraps';
    return `R15 anomalous group, ${row} -> type ${type}`;
  }
  const rows: Record<number, string> = {
    1: 'nS = 0, nR = 0',
    3: 'nS = 0, nR > 0, nA + nI > 0',
    2: c.nS === 0 ? 'nS = 0, nR > 0' : 'nA + nI = 0, nS > 0, nR > 0, SU = 0, Q1 >= S1, Q2 >= S2 and (Q1 > S1 or Q2 > S2)',
    4: 'nA + nI = 0, nS > 0, and (nR = 0 or Q1 <= S1 and Q2 <= S2)',
    5: 'anything else (none of the rows above holds)',
  };
  return `R11 row "type ${type}: ${rows[type] ?? '?'}" is the first that holds`;
}

function balanceText(g: ExplainedGroup, mode: 'receipts' | 'dwr'): string {
  if (mode === 'dwr') return 'dwr: no balance (R15); the task is not resolved (R16)';
  const c = g.counts;
  const parts = [`S1 ${c.S1} ${c.S1 === c.Q1 ? '=' : '!='} Q1 ${c.Q1}`, `S2 ${c.S2} ${c.S2 === c.Q2 ? '=' : '!='} Q2 ${c.Q2}`, `SU ${c.SU}${c.SU === 0 ? '' : ' != 0'}`];
  return `${g.balanced ? 'balanced' : 'broken'} (R10: ${parts.join(', ')}) -> resolved ${g.resolved ? 'true' : 'false'} (R16)`;
}

function paymentText(w: ExplainedWrap): string {
  if (w.paidBy === null) return 'unpaid: no receipt position left for it (R12)';
  const how = w.paidAs === w.wrapType ? 'by type' : 'residual: a position of the other type';
  return `paid by receipt ${w.paidBy} as ${packageName(w.paidAs)} (R12 ${how})`;
}

function verdictText(w: ExplainedWrap, g: ExplainedGroup, mode: 'receipts' | 'dwr'): string {
  const flags = `csp ${w.csp}, unpaid ${w.unpaid}, to_account ${w.toAccount}`;
  const nested = w.nestedAlarms + w.nestedIssues > 0;
  const why = mode === 'dwr' ? `R15, ${nested ? 'with' : 'no'} nested alarm/issue`
    : g.balanced ? 'R13, balanced group'
    : `R13 row: ${nested ? 'nested' : 'no nested'}, ${w.paidBy === null ? 'not paid' : 'paid'}`;
  const issue = w.analyzerIssue === null ? 'no analyzer issue' : `analyzer issue ${w.analyzerIssue} (${ANALYZER_ISSUE_NAMES[w.analyzerIssue] ?? '?'}, R14)`;
  return `${flags} (${why}); ${issue}`;
}

function wrapLines(e: Explanation, g: ExplainedGroup): string[] {
  const out: string[] = [];
  for (const w of g.wraps) {
    const start = e.entries.find((en) => en.kind === 'wrap_start' && en.rowId === w.wrapId);
    const finish = e.entries.find((en) => en.kind === 'wrap_finish' && en.rowId === w.wrapId);
    const span = start && finish ? `, ${formatMicros(start.local)} - ${formatMicros(finish.local)}` : '';
    out.push(`  wrap ${w.wrapId} (polycom_id ${w.polycomId ?? 'NULL'}, ${packageName(w.wrapType)}${span})`);
    const nested = start?.nested ?? [];
    out.push(nested.length === 0 ? '    nested: none' : `    nested (R5): ${nested.map((n) => `${n.kind} ${n.rowId} at ${formatMicros(n.local)}`).join(', ')}`);
    out.push(`    ${paymentText(w)}`);
    out.push(`    verdict: ${verdictText(w, g, e.mode)}`);
  }
  return out;
}

function receiptLines(g: ExplainedGroup): string[] {
  const out: string[] = [];
  for (const r of g.receipts) {
    const paid = g.wraps.filter((w) => w.paidBy === r.receiptId);
    const went = paid.length === 0 ? 'no wrap' : paid.map((w) => `${packageName(w.paidAs)} -> wrap ${w.wrapId}${w.paidAs === w.wrapType ? '' : ` (a ${packageName(w.wrapType)} wrap)`}`).join(', ');
    out.push(`  receipt ${r.receiptId}: ${r.single} single, ${r.double} double${r.movedByR7 ? ' (printed mid-wrap, moved after its finish by R7)' : ''}`);
    out.push(`    positions: ${went}; left ${r.singleLeft} single, ${r.doubleLeft} double -> status ${r.status} (R12)`);
  }
  return out;
}

function differenceText(d: Difference): string {
  const v = (x: Difference['stored']): string => (x === null ? 'NULL' : d.unit === 'time' && typeof x === 'number' ? formatMicros(x) : String(x));
  const row = d.rowId === null ? d.table : `${d.table} ${d.rowId}`;
  return `  ${row} ${d.field}: stored ${v(d.stored)}, rules give ${v(d.rules)} (${d.rule})${d.note ? ` - ${d.note}` : ''}`;
}

function storedLines(te: TaskExplanation): string[] {
  const s = te.stored;
  const typeName = s.type === null ? '' : ` (${TASK_TYPE_NAMES[s.type] ?? 'unknown type'})`;
  return [
    `task ${te.taskId}: stored type ${s.type ?? 'NULL'}${typeName}, resolved ${s.resolved ?? 'NULL'}, status ${s.status ?? 'NULL'}, ` +
      `date ${s.date === null ? 'NULL' : formatMicros(s.date)}, local_date ${s.localDate === null ? 'NULL' : formatMicros(s.localDate)}, ${te.links.length} linked events`,
    `rebuilt from the device's events between ${formatMicros(te.window.from)} and ${formatMicros(te.window.to)} local ` +
      `(the task's events +/- ${te.window.aroundSeconds} s, processed or not, all analysed as if pending)`,
  ];
}

/** A readable plain-text explanation of an existing task. */
export function renderTaskExplanation(te: TaskExplanation): string {
  const e = te.explanation;
  const out = storedLines(te);
  out.push('');
  const g = te.group === null ? undefined : e.groups[te.group - 1];
  if (g === undefined) {
    out.push('the rebuild finds none of the task\'s events on the device timeline');
  } else {
    out.push(`group ${g.group} of ${e.groups.length} in the window (entries ${g.firstPosition}-${g.lastPosition}), ${g.state}${g.state === 'deferred' ? ' (R9: still in progress)' : ''}`);
    if (te.groupsTouched.length > 1) out.push(`  the task's events stand in groups ${te.groupsTouched.join(', ')}: the rules split them (R8)`);
    out.push(...boundaryLines(te, g));
    const c = g.counts;
    out.push(`  counts: S1=${c.S1} S2=${c.S2} SU=${c.SU} Q1=${c.Q1} Q2=${c.Q2} nA=${c.nA} nI=${c.nI} nR=${c.nR} nS=${c.nS}`);
    out.push(`  type ${g.taskType ?? '-'}${g.taskType === null ? '' : ` (${TASK_TYPE_NAMES[g.taskType] ?? '?'})`}: ${typeRow(e.mode, g.taskType, c)}`);
    out.push(`  ${balanceText(g, e.mode)}`);
    if (g.topLevelAlarmIds.length + g.topLevelIssueIds.length > 0) {
      out.push(`  top-level (R5: inside no wrap): ${[...g.topLevelAlarmIds.map((id) => `alarm ${id}`), ...g.topLevelIssueIds.map((id) => `issue ${id}`)].join(', ')}`);
    }
    out.push(...wrapLines(e, g), ...receiptLines(g));
  }
  out.push('');
  if (te.differences.length === 0) out.push('stored values: all agree with the rules');
  else out.push(`stored values that DIFFER from the rules (${te.differences.length}):`, ...te.differences.map(differenceText));
  out.push('', 'the device\'s events in the window:', '');
  return out.join('\n') + '\n' + renderExplanation(e);
}
