// Plain-text rendering of an Explanation (presentation, not analysis).

import { formatMicros } from '../core/index.js';
import type { Explanation, ExplainedCut } from '../core/index.js';
import { table } from './table.js';

/** The tables of this report: indented, a dashed rule under the header. */
const ruled = (headers: string[], rows: string[][], indent: string): string[] => table(headers, rows, { indent, rule: true });

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

  renderTimeline(e, out);
  for (const g of e.groups) renderGroup(e, g, out);

  out.push(`rejected (R4): ${e.rejected.length}`);
  if (e.rejected.length > 0) {
    for (const line of ruled(['table', 'id', 'reason'], e.rejected.map((r) => [r.table, String(r.id), r.reason]), '  ')) out.push(line);
  }
  return out.join('\n') + '\n';
}

/** The timeline table, with a line where each cut falls. */
function renderTimeline(e: Explanation, out: string[]): void {
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
    const lines = ruled(['#', 'grp', 'kind', 'table', 'id', 'local', 'moscow', 'note'], plain, '  ');
    const body = lines.slice(2);
    out.push(lines[0] as string, lines[1] as string);
    let k = 0;
    for (const r of rows) {
      if (r.length === 1) out.push(`  ${r[0] as string}`);
      else out.push(body[k++] as string);
    }
  }
  out.push('');
}

/** One group: its state, counts, wraps, receipts and analyzer issues. */
function renderGroup(e: Explanation, g: Explanation['groups'][number], out: string[]): void {
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
      ...ruled(
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
      ...ruled(
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
