// `analyzer audit --format text`: a short summary for a person at a terminal
// (totals by kind, the worst days, how to explain a task), then the first
// findings. The JSON and HTML outputs hold every finding.
import { FINDING_KINDS } from '../core/index.js';
import { dayTotal, findingText, type AuditDocument } from './audit-report.js';
import { table } from './table.js';

const WORST_DAYS = 5;
const FIRST_FINDINGS = 20;
const n = (x: number) => x.toLocaleString('en-US');

export function renderAuditText(doc: AuditDocument): string {
  const s = doc.settings;
  const byMode = Object.entries(doc.devices.byMode).map(([m, c]) => `${m} ${n(c)}`).join(', ');
  const out = [
    `audit of ${doc.period.from} to ${doc.period.to} (device-local, the end excluded), ${doc.modes.join(' and ')} mode${doc.modes.length > 1 ? 's' : ''}`,
    `now ${s.now} (${s.timezone}); LAST_EVENT_TIME ${s.lastEventTime} s, TIMEDELTA_CHECK ${s.timedeltaCheck} s; devices ${n(doc.devices.audited)}${byMode ? ` (${byMode})` : ''}`,
    `tasks compared ${n(doc.tasks)}: ${n(doc.agree)} agree with the rules, ${n(doc.tasks - doc.agree)} do not`,
    `findings ${n(doc.findings.length)}`,
  ];
  const kinds = FINDING_KINDS.filter((k) => doc.byKind[k] > 0).sort((a, b) => doc.byKind[b] - doc.byKind[a]);
  if (kinds.length > 0) out.push(...table(['kind', 'findings'], kinds.map((k) => [k, n(doc.byKind[k])]), { indent: '  ' }));
  const days = Object.entries(doc.byDay).sort(([da, a], [db, b]) => dayTotal(b) - dayTotal(a) || da.localeCompare(db)).slice(0, WORST_DAYS);
  if (days.length > 0) {
    out.push(`worst days`);
    out.push(...table(['day', 'findings', 'by kind'], days.map(([day, counts]) => [
      day, n(dayTotal(counts)),
      Object.entries(counts).sort(([, a], [, b]) => (b ?? 0) - (a ?? 0)).map(([k, c]) => `${k} ${c ?? 0}`).join(', '),
    ]), { indent: '  ' }));
  }
  out.push(`resolved by staff (resolved = true where the rules give false; not a disagreement): ${n(doc.resolvedByStaff.tasks)} tasks`);
  const nc = doc.notCompared;
  out.push(`not compared: ${n(nc.tasks)} tasks and ${n(nc.inProgressEvents)} events in groups still in progress (R9), ${n(nc.invalidEvents)} invalid rows (R4), ${n(nc.pendingEvents)} pending events (the next pass takes them)`);
  if (doc.devices.skipped.length > 0) {
    out.push(`skipped devices: ${doc.devices.skipped.map((d) => `${d.deviceId} (${d.reason})`).join('; ')}`);
  }
  if (doc.devices.unsettled.length > 0) {
    out.push(`WARNING: no quiet gap found around the period for devices ${doc.devices.unsettled.join(', ')}: groups at their windows' edges may be cut short`);
  }
  if (doc.findings.length > 0) {
    out.push('', `first findings (${Math.min(FIRST_FINDINGS, doc.findings.length)} of ${n(doc.findings.length)}; all of them: --format json or --format html)`);
    for (const f of doc.findings.slice(0, FIRST_FINDINGS)) {
      out.push(`  ${f.day ?? '----------'} ${f.mode} device ${f.deviceId} ${f.taskId === null ? 'no task' : `task ${f.taskId}`} ${f.kind}: ${findingText(f)}`);
    }
    const task = doc.findings.find((f) => f.taskId !== null)?.taskId;
    out.push('', `why a task is what it is: analyzer explain --task ${task ?? 'ID'} (any task id above; --format html draws it)`);
  }
  return out.join('\n') + '\n';
}
