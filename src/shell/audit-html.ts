// `analyzer audit --format html`: one self-contained page (html-page.ts: no
// script, no external font, image or style; a Content-Security-Policy that
// forbids every request, as the explain page): the summary, an SVG chart of findings per
// day stacked by kind, and the table of findings, each with the command that
// explains its task. Drawn from the same AuditDocument as the text and JSON.
import { FINDING_KINDS, type FindingKind } from '../core/index.js';
import { dayTotal, explainCommand, findingText, type AuditDocument } from './audit-report.js';
import { escapeHtml, htmlPage } from './html-page.js';

/** Rows of the findings table (the JSON holds every finding). */
export const HTML_TABLE_ROWS = 2000;

/** One colour per kind, the place findings darker than the column ones. */
export const KIND_COLORS: Record<FindingKind, string> = {
  task_type: '#1565c0', task_resolved: '#64b5f6', link_missing: '#6a1b9a', link_extra: '#ab47bc', link_order: '#ce93d8',
  wrap_verdict: '#ef6c00', receipt_status: '#2e7d32', analyzer_issue_missing: '#c62828', analyzer_issue_extra: '#ef9a9a',
  event_in_no_task: '#37474f', event_in_two_tasks: '#8d6e63', task_without_type: '#00838f',
};

const esc = escapeHtml;

const CHART = { left: 56, top: 22, height: 240, right: 16, minBar: 10, maxBar: 96, gap: 6 };
/** Room under the axis for a day label written across (a bar this wide) or turned (narrower). */
const LABEL_ACROSS = 76;
const BOTTOM = { across: 28, turned: 84 };

/** A round step for the count axis: 1, 2, 5 x 10^n, about five ticks. */
function tickStep(max: number): number {
  const raw = Math.max(1, max / 5);
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

function dayLabel(day: string, x: number, y: number, across: boolean): string {
  return across
    ? `<text class="day" x="${x}" y="${y + 14}" font-size="11" text-anchor="middle">${esc(day)}</text>`
    : `<text class="day" x="${x}" y="${y + 8}" font-size="11" text-anchor="end" transform="rotate(-60 ${x} ${y + 8})">${esc(day)}</text>`;
}

/** Findings per day, stacked by kind; every segment carries its day, kind and count (data-*), and a hover title. */
export function chartSvg(doc: AuditDocument): string {
  const days = Object.keys(doc.byDay);
  const max = Math.max(1, ...days.map((d) => dayTotal(doc.byDay[d]!)));
  const step = tickStep(max);
  const top = Math.ceil(max / step) * step;
  const bar = Math.max(CHART.minBar, Math.min(CHART.maxBar, Math.floor(1000 / Math.max(1, days.length)) - CHART.gap));
  const across = bar + CHART.gap >= LABEL_ACROSS;
  const width = CHART.left + Math.max(4, days.length) * (bar + CHART.gap) + CHART.right;
  const axis = CHART.top + CHART.height;
  const height = axis + (across ? BOTTOM.across : BOTTOM.turned);
  const y = (v: number) => axis - (v / top) * CHART.height;
  const parts: string[] = [];
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line class="grid" x1="${CHART.left}" x2="${width - CHART.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eceff1"/>`,
      `<text class="tick" x="${CHART.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v}</text>`);
  }
  const labelEvery = across ? 1 : Math.ceil(14 / (bar + CHART.gap));
  days.forEach((day, i) => {
    const x = CHART.left + i * (bar + CHART.gap) + CHART.gap / 2;
    let base = 0;
    for (const kind of FINDING_KINDS) {
      const count = doc.byDay[day]![kind] ?? 0;
      if (count === 0) continue;
      parts.push(`<rect class="bar" data-day="${esc(day)}" data-kind="${kind}" data-count="${count}" x="${x}" y="${y(base + count)}" width="${bar}" height="${y(base) - y(base + count)}" fill="${KIND_COLORS[kind]}"><title>${esc(`${day}: ${kind} ${count}`)}</title></rect>`);
      base += count;
    }
    if (bar >= 18) parts.push(`<text class="total" x="${x + bar / 2}" y="${y(base) - 4}" font-size="11" text-anchor="middle">${base}</text>`);
    if (i % labelEvery === 0) parts.push(dayLabel(day, x + bar / 2, axis, across));
  });
  parts.push(`<line x1="${CHART.left}" x2="${width - CHART.right}" y1="${axis}" y2="${axis}" stroke="#455a64"/>`);
  if (days.length === 0) parts.push(`<text x="${CHART.left + 10}" y="${y(top / 2)}" font-size="13" fill="#2e7d32">no finding: every stored task of the period agrees with the rules</text>`);
  return `<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'DejaVu Sans', sans-serif" role="img" aria-label="findings per day by kind">\n${parts.join('\n')}\n</svg>`;
}

const STYLE = `body{font:14px/1.4 'DejaVu Sans',sans-serif;margin:16px;color:#212121}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px}.meta{color:#455a64;margin:0 0 10px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0;font-size:12px;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:6px}.legend i,.swatch{display:inline-block;width:12px;height:12px}
.row{display:flex;gap:16px;align-items:flex-start}.scroll{overflow-x:auto;border:1px solid #cfd8dc;background:#fff;max-width:calc(100% - 260px)}
td.n{text-align:right}#findings td:first-child{white-space:nowrap}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #cfd8dc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eceff1}code{font-size:12px;white-space:nowrap}.ok{color:#2e7d32}.warn{color:#b71c1c}`;

function summaryHtml(doc: AuditDocument): string {
  const nc = doc.notCompared;
  return `<p>${esc(`Tasks compared: ${doc.tasks}; ${doc.agree} agree with the rules, ${doc.tasks - doc.agree} do not. Findings: ${doc.findings.length}.`)}
${esc(`Resolved by staff (resolved = true where the rules give false; the staff's normal work, not a disagreement): ${doc.resolvedByStaff.tasks} tasks.`)}</p>
<p class="meta">${esc(`Not compared: ${nc.tasks} tasks and ${nc.inProgressEvents} events in groups still in progress (R9), ${nc.invalidEvents} invalid rows (R4), ${nc.pendingEvents} pending events (the next pass takes them).`)}</p>
${doc.devices.unsettled.length > 0 ? `<p class="warn">${esc(`No quiet gap found around the period for devices ${doc.devices.unsettled.join(', ')}: groups at their windows' edges may be cut short.`)}</p>` : ''}`;
}

function kindsHtml(doc: AuditDocument): string {
  const rows = FINDING_KINDS.map((k) => `<tr><td><i class="swatch" style="background:${KIND_COLORS[k]}"></i> ${k}</td><td class="n">${doc.byKind[k]}</td></tr>`).join('');
  return `<table id="by-kind"><tr><th>kind</th><th>findings</th></tr>${rows}</table>`;
}

function findingsHtml(doc: AuditDocument): string {
  if (doc.findings.length === 0) return '<p class="ok">No finding.</p>';
  const rows = doc.findings.slice(0, HTML_TABLE_ROWS).map((f) => {
    const cmd = explainCommand(f);
    return `<tr class="finding" data-kind="${f.kind}"><td>${esc(f.day ?? '')}</td><td>${f.mode}</td><td>${f.deviceId}</td><td>${f.taskId ?? ''}</td><td>${f.kind}</td><td>${esc(findingText(f))}</td><td>${cmd === null ? '(no task)' : `<code>${esc(cmd)}</code>`}</td></tr>`;
  });
  const more = doc.findings.length > HTML_TABLE_ROWS ? `<p class="meta">${esc(`The first ${HTML_TABLE_ROWS} of ${doc.findings.length} findings; --format json has them all.`)}</p>` : '';
  return `${more}<table id="findings"><tr><th>day</th><th>mode</th><th>device</th><th>task</th><th>kind</th><th>what differs</th><th>why: explain the task</th></tr>${rows.join('')}</table>`;
}

export function renderAuditHtml(doc: AuditDocument): string {
  const heading = `Audit of ${doc.period.from} to ${doc.period.to} (device-local), ${doc.modes.join(' and ')}`;
  const s = doc.settings;
  const legend = FINDING_KINDS.filter((k) => doc.byKind[k] > 0).map((k) => `<li><i style="background:${KIND_COLORS[k]}"></i>${k}</li>`).join('');
  return htmlPage(heading, STYLE, `<p class="meta">${esc(`now ${s.now} (${s.timezone}); LAST_EVENT_TIME ${s.lastEventTime} s, TIMEDELTA_CHECK ${s.timedeltaCheck} s; devices ${doc.devices.audited}; the end of the period excluded`)}</p>
${summaryHtml(doc)}
<h2>Findings per day, by kind</h2>
<ul class="legend">${legend}</ul>
<div class="row"><div class="scroll">${chartSvg(doc)}</div>${kindsHtml(doc)}</div>
<h2>Findings</h2>
${findingsHtml(doc)}`);
}
