// The explanation as one self-contained HTML page: an SVG timeline (no
// script, no external font, image or style; a Content-Security-Policy that
// forbids every request) drawn from the same ExplainDocument as the text.
//
// Layout: time runs left to right on the device's local clock, but not
// linearly: every entry gets at least MIN_GAP px after the previous one, long
// gaps are compressed to at most GAP_CAP px (marked on the axis), and each
// group starts far enough after the previous one for that group's labels.
// The scale stays monotone, so axis ticks interpolate between entries; labels
// can never pile up, whatever the number of entries.
import { formatMicros } from '../core/index.js';
import type { ExplainedEntry, ExplainedGroup, ExplainedWrap, Explanation, TaskExplanation } from '../core/index.js';
import { ANALYZER_ISSUE_NAMES, TASK_TYPE_NAMES } from '../core/index.js';
import type { ExplainDocument } from './explain-document.js';
import { renderHeader } from './explain-document.js';
import { renderExplanation } from './explanation-text.js';
import { renderTaskExplanation } from './task-text.js';
import { escapeHtml, htmlPage } from './html-page.js';
import { shortDuration } from './duration.js';

const PX_PER_SECOND = 0.5;
const MIN_GAP = 16;
/** Room under the narrowest bar for its 'single'/'double' label. */
const MIN_BAR = Math.ceil('double'.length * 10 * 0.64) + 6;
const GAP_CAP = 120;
const PAD = 10;
const LEFT = 24;
const CUT_OFFSET = MIN_GAP / 2;
const FONT = 12;
const SMALL = 10;
/** An upper bound of a character's advance in the monospace fonts used (0.6 em) with room to spare. */
const textWidth = (s: string, size = FONT): number => Math.ceil(s.length * size * 0.64);

const COLORS = { paid: '#2e7d32', unpaid: '#ef6c00', unfit: '#757575', mismatch: '#c62828', receipt: '#1565c0', alarm: '#d32f2f', issue: '#6a1b9a' };

const esc = escapeHtml;
const n1 = (x: number): string => (Math.round(x * 10) / 10).toString();
const title = (lines: string[]): string => `<title>${esc(lines.join('\n'))}</title>`;
const times = (local: number, moscow: number): string => `${formatMicros(local)} local, ${formatMicros(moscow)} Moscow`;


function groupLabel(g: ExplainedGroup, taskId: number | null): string {
  const type = g.taskType === null ? 'no task (clean)' : `${TASK_TYPE_NAMES[g.taskType] ?? '?'} (${g.taskType})`;
  return `${taskId === null ? `G${g.group}` : `task ${taskId}`}: ${type}${g.state === 'deferred' ? ' · deferred' : ''}`;
}

function cutLabel(e: Explanation, group: number): string {
  const cut = e.cuts.find((c) => c.group === group);
  if (cut === undefined) return '';
  return cut.reason === 'receipt' ? 'R8.1 after receipt' : `R8.2 gap ${shortDuration(cut.gapSeconds)}`;
}

interface Anchor {
  key: string;
  /** A wrap_finish: the key of its wrap_start (the bar gets at least MIN_BAR). */
  startKey: string | null;
  t: number;
  order: number;
  /** The group this anchor opens (its first entry), or 0. */
  opens: number;
  x: number;
}

interface Layout {
  x: Map<string, number>;
  /** Sorted anchors: the monotone time -> x mapping. */
  anchors: Anchor[];
  breaks: { x0: number; x1: number; seconds: number }[];
  groupX: number[];
  right: number;
}

const entryKey = (en: ExplainedEntry): string => `e${en.position}`;
const nestedKey = (table: string, id: number): string => `n${table}:${id}`;

function anchorList(e: Explanation): Anchor[] {
  const list: Anchor[] = [];
  const firstOf = new Map(e.groups.map((g) => [g.firstPosition, g.group]));
  const startOf = new Map(e.entries.filter((en) => en.kind === 'wrap_start').map((en) => [en.rowId, entryKey(en)]));
  for (const en of e.entries) {
    const startKey = en.kind === 'wrap_finish' ? (startOf.get(en.rowId) ?? null) : null;
    list.push({ key: entryKey(en), startKey, t: en.local, order: list.length, opens: firstOf.get(en.position) ?? 0, x: 0 });
    for (const p of en.nested) list.push({ key: nestedKey(p.table, p.rowId), startKey: null, t: p.local, order: list.length, opens: 0, x: 0 });
  }
  return list.sort((a, b) => a.t - b.t || a.order - b.order);
}

function layout(e: Explanation, labels: Map<number, number>): Layout {
  const anchors = anchorList(e);
  const x = new Map<string, number>();
  const breaks: Layout['breaks'] = [];
  const groupX: number[] = [];
  let prev: Anchor | undefined;
  let lastGroup = 0;
  for (const a of anchors) {
    let at = LEFT + CUT_OFFSET;
    if (prev !== undefined) {
      const natural = ((a.t - prev.t) / 1e6) * PX_PER_SECOND;
      at = prev.x + Math.min(GAP_CAP, Math.max(MIN_GAP, natural));
      if (natural > GAP_CAP) breaks.push({ x0: prev.x, x1: at, seconds: (a.t - prev.t) / 1e6 });
    }
    if (a.startKey !== null) at = Math.max(at, (x.get(a.startKey) ?? at) + MIN_BAR);
    if (a.opens > 1 && lastGroup > 0) at = Math.max(at, (groupX[lastGroup] as number) + (labels.get(lastGroup) ?? 0) + PAD);
    if (a.opens > 0) {
      groupX[a.opens] = at;
      lastGroup = a.opens;
    }
    a.x = at;
    x.set(a.key, at);
    prev = a;
  }
  const last = prev?.x ?? LEFT;
  const labelEnd = lastGroup > 0 ? (groupX[lastGroup] as number) + (labels.get(lastGroup) ?? 0) : 0;
  return { x, anchors, breaks, groupX, right: Math.max(last + 40, labelEnd + PAD, 360) };
}

/** x of a local time: linear between the anchors around it (the first anchor on equal times). */
function timeX(l: Layout, t: number): number {
  const a = l.anchors;
  if (a.length === 0) return LEFT;
  if (t <= (a[0] as Anchor).t) return (a[0] as Anchor).x;
  let lo = 0;
  let hi = a.length - 1;
  if (t >= (a[hi] as Anchor).t) return (a[hi] as Anchor).x;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as Anchor).t < t) lo = mid;
    else hi = mid;
  }
  const p = a[lo] as Anchor;
  const q = a[hi] as Anchor;
  return p.x + ((q.x - p.x) * (t - p.t)) / (q.t - p.t);
}

interface Bar {
  wrap: ExplainedWrap;
  start: ExplainedEntry;
  finish: ExplainedEntry;
  x0: number;
  x1: number;
  lane: number;
  group: ExplainedGroup;
}

function bars(e: Explanation, l: Layout): Bar[] {
  const finishOf = new Map(e.entries.filter((en) => en.kind === 'wrap_finish').map((en) => [en.rowId, en]));
  const wrapOf = new Map(e.groups.flatMap((g) => g.wraps.map((w) => [w.wrapId, { w, g }] as const)));
  const out: Bar[] = [];
  const laneEnd: number[] = [];
  for (const start of e.entries) {
    const finish = finishOf.get(start.rowId);
    const owned = wrapOf.get(start.rowId);
    if (start.kind !== 'wrap_start' || finish === undefined || owned === undefined) continue;
    const x0 = l.x.get(entryKey(start)) as number;
    const x1 = Math.max(x0 + 4, l.x.get(entryKey(finish)) as number);
    let lane = laneEnd.findIndex((end) => end < x0 - 1);
    if (lane < 0) lane = laneEnd.length;
    laneEnd[lane] = x1;
    out.push({ wrap: owned.w, start, finish, x0, x1, lane, group: owned.g });
  }
  return out;
}

const verdictColor = (w: ExplainedWrap): string => (!w.csp ? COLORS.unfit : w.unpaid ? COLORS.unpaid : COLORS.paid);
const typeName = (t: number | null): string => (t === 1 ? 'single' : t === 2 ? 'double' : 'untyped');
const mismatch = (w: ExplainedWrap): boolean => w.paidAs !== null && w.paidAs !== w.wrapType;

function marker(kind: 'alarm' | 'issue', x: number, y: number, size: number): string {
  return kind === 'alarm'
    ? `<path d="M${n1(x)} ${n1(y - size)} L${n1(x + size)} ${n1(y + size)} L${n1(x - size)} ${n1(y + size)} Z" fill="${COLORS.alarm}"/>`
    : `<path d="M${n1(x)} ${n1(y - size)} L${n1(x + size)} ${n1(y)} L${n1(x)} ${n1(y + size)} L${n1(x - size)} ${n1(y)} Z" fill="${COLORS.issue}"/>`;
}

const ROW = { group: 17, cut: 34, wraps: 50, lane: 32 };

function wrapSvg(b: Bar, l: Layout): string {
  const w = b.wrap;
  const y = ROW.wraps + b.lane * ROW.lane;
  const color = verdictColor(w);
  const width = b.x1 - b.x0;
  const shape = w.wrapType === 2
    ? `<rect x="${n1(b.x0)}" y="${y}" width="${n1(width)}" height="6" fill="${color}"/><rect x="${n1(b.x0)}" y="${y + 8}" width="${n1(width)}" height="6" fill="${color}"/>`
    : w.wrapType === 1
      ? `<rect x="${n1(b.x0)}" y="${y}" width="${n1(width)}" height="14" fill="${color}"/>`
      : `<rect x="${n1(b.x0)}" y="${y}" width="${n1(width)}" height="14" fill="url(#untyped)" stroke="${color}"/>`;
  const outline = w.analyzerIssue !== null ? `<rect x="${n1(b.x0 - 2)}" y="${y - 2}" width="${n1(width + 4)}" height="18" fill="none" stroke="${COLORS.mismatch}" stroke-width="2"/>` : '';
  const nested = b.start.nested.map((p) => {
    const px = l.x.get(nestedKey(p.table, p.rowId)) as number;
    return `<g class="nested ${p.kind}">${marker(p.kind, px, y + 7, 5)}${title([`nested ${p.kind} ${p.rowId} (R5)`, times(p.local, p.moscow)])}</g>`;
  }).join('');
  const lines = [
    `wrap ${w.wrapId} (polycom_id ${w.polycomId ?? 'NULL'}), ${typeName(w.wrapType)}, group ${b.group.group}`,
    `start ${times(b.start.local, b.start.moscow)}`,
    `finish ${times(b.finish.local, b.finish.moscow)}`,
    w.paidBy === null ? 'unpaid (R12)' : `paid by receipt ${w.paidBy} as ${typeName(w.paidAs)} (R12)`,
    `csp ${w.csp}, unpaid ${w.unpaid}, to_account ${w.toAccount}${w.analyzerIssue === null ? '' : `; analyzer issue ${w.analyzerIssue} (${ANALYZER_ISSUE_NAMES[w.analyzerIssue] ?? ''})`}`,
  ];
  return `<g class="wrap" data-wrap="${w.wrapId}">${shape}${outline}${title(lines)}</g>${nested}`;
}

function paymentSvg(b: Bar, receiptX: Map<number, number>, receiptY: number): string {
  const w = b.wrap;
  if (w.paidBy === null) return '';
  const rx = receiptX.get(w.paidBy);
  if (rx === undefined) return '';
  const y = ROW.wraps + b.lane * ROW.lane + 14;
  const bad = mismatch(w);
  const color = bad ? COLORS.mismatch : COLORS.receipt;
  const label = typeName(w.paidAs);
  return `<g class="payment${bad ? ' mismatch' : ''}"><line x1="${n1(rx)}" y1="${receiptY}" x2="${n1(b.x1)}" y2="${y}" stroke="${color}" stroke-width="${bad ? 2.5 : 1}"${w.paidAs === 2 ? ' stroke-dasharray="4 2"' : ''}/>` +
    `${title([`receipt ${w.paidBy} pays wrap ${w.wrapId} as ${typeName(w.paidAs)}${bad ? ` although the wrap is ${typeName(w.wrapType)}` : ''} (R12)`])}</g>` +
    `<text class="paid-as" x="${n1(b.x0 + 1)}" y="${y + 11}" font-size="${SMALL}" fill="${color}"${bad ? ' font-weight="bold"' : ''}>${esc(label)}</text>`;
}

function groupsSvg(e: Explanation, l: Layout, labels: Map<number, string>, taskGroup: number | null, height: number): string {
  const out: string[] = [];
  e.groups.forEach((g, i) => {
    const x0 = (l.groupX[g.group] ?? LEFT + CUT_OFFSET) - CUT_OFFSET;
    const next = e.groups[i + 1];
    const x1 = next === undefined ? l.right : (l.groupX[next.group] ?? l.right) - CUT_OFFSET;
    const fill = g.group === taskGroup ? '#fff4c2' : i % 2 === 0 ? '#f4f7fb' : '#ffffff';
    const stroke = g.group === taskGroup ? ' stroke="#e0a800" stroke-width="2"' : '';
    const lines = [`group ${g.group}: entries ${g.firstPosition}-${g.lastPosition}, ${g.state}`, g.taskType === null ? 'no task (R15 clean)' : `task type ${g.taskType} (${TASK_TYPE_NAMES[g.taskType] ?? ''}), ${g.balanced ? 'balanced' : 'broken'}`,
      `latest ${times(g.latestLocal, g.latestMoscow)}`];
    out.push(`<g class="group${g.group === taskGroup ? ' task-group' : ''}${g.state === 'deferred' ? ' deferred' : ''}"><rect x="${n1(x0)}" y="2" width="${n1(x1 - x0)}" height="${height - 4}" fill="${fill}"${stroke}/>` +
      (g.state === 'deferred' ? `<rect x="${n1(x0)}" y="2" width="${n1(x1 - x0)}" height="${height - 4}" fill="url(#deferred)"/>` : '') + `${title(lines)}</g>`);
    out.push(`<text class="group-label" x="${n1(x0 + 3)}" y="${ROW.group}" font-size="${FONT}" font-weight="bold">${esc(labels.get(g.group) ?? '')}</text>`);
  });
  return out.join('');
}

function cutsSvg(e: Explanation, l: Layout, bottom: number): string {
  return e.cuts.map((c) => {
    const x = (l.groupX[c.group] as number) - CUT_OFFSET;
    const why = c.reason === 'receipt' ? 'R8.1: a receipt followed by a wrap start, alarm or issue' : `R8.2: gap ${c.gapSeconds} s > TIMEDELTA_CHECK ${e.timedeltaCheck} s`;
    return `<g class="cut"><line x1="${n1(x)}" y1="20" x2="${n1(x)}" y2="${bottom}" stroke="#37474f" stroke-width="1.5" stroke-dasharray="5 3"/>${title([`cut before entry ${c.position} (group ${c.group}): ${why}`])}</g>` +
      `<text class="cut-label" x="${n1(x + 3)}" y="${ROW.cut}" font-size="${SMALL + 1}" fill="#37474f">${esc(cutLabel(e, c.group))}</text>`;
  }).join('');
}

function receiptsSvg(e: Explanation, l: Layout, y: number): { svg: string; x: Map<number, number> } {
  const x = new Map<number, number>();
  const out: string[] = [];
  for (const en of e.entries) {
    if (en.kind !== 'receipt') continue;
    const rx = l.x.get(entryKey(en)) as number;
    x.set(en.rowId, rx);
    const r = e.groups[en.group - 1]?.receipts.find((q) => q.receiptId === en.rowId);
    const lines = [`receipt ${en.rowId}, group ${en.group}${en.movedByR7 ? ' (moved after the wrap finish by R7)' : ''}`, times(en.local, en.moscow),
      r === undefined ? '' : `${r.single} single, ${r.double} double; left ${r.singleLeft} single, ${r.doubleLeft} double; status ${r.status} (R12)`];
    out.push(`<g class="receipt"><line x1="${n1(rx)}" y1="${y}" x2="${n1(rx)}" y2="${y + 16}" stroke="${COLORS.receipt}" stroke-width="3"/>${title(lines)}</g>`);
  }
  return { svg: out.join(''), x };
}

function topLevelSvg(e: Explanation, l: Layout, y: number): string {
  return e.entries.filter((en) => en.kind === 'alarm' || en.kind === 'issue').map((en) => {
    const kind = en.kind as 'alarm' | 'issue';
    return `<g class="top-level ${kind}">${marker(kind, l.x.get(entryKey(en)) as number, y, 5)}${title([`top-level ${kind} ${en.rowId}, group ${en.group} (R5: inside no wrap)`, times(en.local, en.moscow)])}</g>`;
  }).join('');
}

const TICK_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/** Axis ticks every nice step, a label only where it clears the previous one; the date where it changes. */
function axisSvg(e: Explanation, l: Layout, y: number): string {
  const out = [`<line x1="${LEFT}" y1="${y}" x2="${n1(l.right - 4)}" y2="${y}" stroke="#263238"/>`];
  for (const b of l.breaks) {
    const m = (b.x0 + b.x1) / 2;
    out.push(`<g class="axis-break"><path d="M${n1(m - 6)} ${y + 5} L${n1(m - 2)} ${y - 5} M${n1(m + 2)} ${y + 5} L${n1(m + 6)} ${y - 5}" stroke="#263238" stroke-width="1.5"/>${title([`${shortDuration(b.seconds)} without events, drawn shorter`])}</g>`);
  }
  if (l.anchors.length === 0) return out.join('');
  const first = (l.anchors[0] as Anchor).t;
  const last = (l.anchors[l.anchors.length - 1] as Anchor).t;
  const step = (TICK_STEPS_MIN.find((m) => m * 60 * PX_PER_SECOND >= 60) ?? 1440) * 60e6;
  // the first and last entries' exact times, and nice ticks between them where they fit
  const ticks = [{ t: first, seconds: true }];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) ticks.push({ t, seconds: false });
  if (last > first) ticks.push({ t: last, seconds: true });
  let tickRight = -Infinity;
  let dateRight = -Infinity;
  let lastDay = '';
  ticks.forEach(({ t, seconds }, i) => {
    const x = timeX(l, t);
    const text = formatMicros(t);
    const hm = text.slice(11, seconds ? 19 : 16);
    const w = textWidth(hm, SMALL + 1);
    const left = Math.max(2, x - w / 2);
    const nextX = i + 1 < ticks.length && ticks[i + 1]!.seconds ? timeX(l, ticks[i + 1]!.t) - textWidth('00:00:00', SMALL + 1) / 2 : Infinity;
    if (left < tickRight + 8 || (!seconds && left + w + 8 > nextX) || left + w > l.right - 2) return;
    tickRight = left + w;
    out.push(`<line x1="${n1(x)}" y1="${y}" x2="${n1(x)}" y2="${y + 5}" stroke="#263238"/><text class="tick" x="${n1(left)}" y="${y + 16}" font-size="${SMALL + 1}">${hm}</text>`);
    const day = text.slice(0, 10);
    if (day !== lastDay && left >= dateRight + 8) {
      lastDay = day;
      dateRight = left + textWidth(day, SMALL);
      out.push(`<text class="date" x="${n1(left)}" y="${y + 28}" font-size="${SMALL}" fill="#546e7a">${day}</text>`);
    }
  });
  return out.join('');
}

const DEFS = `<defs><pattern id="deferred" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#eceff1" fill-opacity="0.5"/><line x1="0" y1="0" x2="0" y2="8" stroke="#b0bec5" stroke-width="3"/></pattern>` +
  `<pattern id="untyped" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>`;

/** The timeline SVG of an explanation; `task` highlights its group. */
export function timelineSvg(e: Explanation, task?: TaskExplanation): string {
  const texts = new Map(e.groups.map((g) => [g.group, groupLabel(g, task !== undefined && task.group === g.group ? task.taskId : null)]));
  const widths = new Map(e.groups.map((g) => [g.group, Math.max(textWidth(texts.get(g.group) ?? ''), textWidth(cutLabel(e, g.group), SMALL + 1)) + 3]));
  const l = layout(e, widths);
  const wrapBars = bars(e, l);
  const lanes = Math.max(1, ...wrapBars.map((b) => b.lane + 1));
  const receiptY = ROW.wraps + lanes * ROW.lane + 4;
  const topY = receiptY + 32;
  const axisY = topY + 14;
  const height = axisY + 36;
  const receipts = receiptsSvg(e, l, receiptY);
  const body = [
    DEFS,
    groupsSvg(e, l, texts, task?.group ?? null, axisY + 2),
    cutsSvg(e, l, axisY),
    wrapBars.map((b) => wrapSvg(b, l)).join(''),
    receipts.svg,
    wrapBars.map((b) => paymentSvg(b, receipts.x, receiptY)).join(''),
    topLevelSvg(e, l, topY),
    axisSvg(e, l, axisY),
  ].join('\n');
  const width = Math.ceil(l.right);
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'DejaVu Sans Mono', 'Liberation Mono', monospace" role="img" aria-label="timeline of device ${e.deviceId}">\n${body}\n</svg>`;
}

function swatch(inner: string): string {
  return `<svg width="34" height="16" viewBox="0 0 34 16" aria-hidden="true">${inner}</svg>`;
}

const LEGEND: [string, string][] = [
  [swatch(`<rect x="1" y="2" width="32" height="12" fill="${COLORS.paid}"/>`), 'wrap, paid and fit (csp, not unpaid)'],
  [swatch(`<rect x="1" y="2" width="32" height="12" fill="${COLORS.unpaid}"/>`), 'wrap, unpaid'],
  [swatch(`<rect x="1" y="2" width="32" height="12" fill="${COLORS.unfit}"/>`), 'wrap, unfit (nested alarm or issue: not billed)'],
  [swatch(`<rect x="1" y="2" width="32" height="5" fill="${COLORS.paid}"/><rect x="1" y="9" width="32" height="5" fill="${COLORS.paid}"/>`), 'double wrap (two bars); single = one bar'],
  [swatch(`<rect x="1" y="2" width="32" height="12" fill="url(#untyped)" stroke="${COLORS.paid}"/>`), 'untyped wrap (package_type not 1 or 2)'],
  [swatch(`<rect x="2" y="2" width="30" height="12" fill="none" stroke="${COLORS.mismatch}" stroke-width="1.5"/>`), 'wrap with an analyzer issue (7 unpaid, 8/9 paid as the other type)'],
  [swatch(`<line x1="17" y1="1" x2="17" y2="15" stroke="${COLORS.receipt}" stroke-width="3"/>`), 'receipt'],
  [swatch(`<line x1="2" y1="14" x2="32" y2="2" stroke="${COLORS.receipt}"/>`), 'payment: receipt to the wrap it paid (solid single, dashed double; label under the wrap)'],
  [swatch(`<line x1="2" y1="14" x2="32" y2="2" stroke="${COLORS.mismatch}" stroke-width="2.5"/>`), 'paid as the other type'],
  [swatch(marker('alarm', 17, 8, 5)), 'alarm (on a wrap: nested; on the axis: top-level)'],
  [swatch(marker('issue', 17, 8, 5)), 'device issue (likewise)'],
  [swatch(`<line x1="17" y1="0" x2="17" y2="16" stroke="#37474f" stroke-width="1.5" stroke-dasharray="5 3"/>`), 'cut between groups (R8.1 after a receipt, R8.2 gap)'],
  [swatch(`<rect x="1" y="1" width="32" height="14" fill="#eceff1"/><rect x="1" y="1" width="32" height="14" fill="url(#deferred)"/>`), 'deferred group (still in progress, R9)'],
  [swatch(`<rect x="1" y="1" width="32" height="14" fill="#fff4c2" stroke="#e0a800" stroke-width="2"/>`), "the task's group"],
];

const STYLE = `body{font:14px/1.4 'DejaVu Sans',sans-serif;margin:16px;color:#212121}
h1{font-size:18px;margin:0 0 4px}.meta{color:#455a64;margin:0 0 10px}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:8px 0 12px;font-size:12px;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:6px}
.scroll{overflow-x:auto;border:1px solid #cfd8dc;background:#fff}
.diff{color:#b71c1c}.ok{color:#2e7d32}pre{font-size:12px;background:#f5f5f5;padding:8px;overflow-x:auto}
svg text{user-select:none}`;

function differencesHtml(task: TaskExplanation): string {
  if (task.differences.length === 0) return '<p class="ok">Stored values: all agree with the rules.</p>';
  const fmt = (d: TaskExplanation['differences'][number], v: string | number | boolean | null) =>
    v === null ? 'NULL' : d.unit === 'time' && typeof v === 'number' ? formatMicros(v) : String(v);
  const rows = task.differences.map((d) =>
    `<li>${esc(`${d.rowId === null ? d.table : `${d.table} ${d.rowId}`} ${d.field}: stored ${fmt(d, d.stored)}, rules give ${fmt(d, d.rules)} (${d.rule})${d.note ? ` - ${d.note}` : ''}`)}</li>`);
  return `<p class="diff"><strong>Stored values that differ from the rules (${task.differences.length}):</strong></p><ul class="diff">${rows.join('')}</ul>`;
}

/** One self-contained HTML page: header, legend, timeline, differences, and the text explanation. */
export function renderHtml(doc: ExplainDocument): string {
  const e = doc.explanation;
  const heading = doc.task === undefined
    ? `Device ${doc.device.id} (${doc.device.title ?? 'untitled'}): pending events, ${doc.mode} mode`
    : `Task ${doc.task.taskId} on device ${doc.device.id} (${doc.device.title ?? 'untitled'}), ${doc.mode} mode`;
  const text = renderHeader(doc) + (doc.task === undefined ? renderExplanation(e) : renderTaskExplanation(doc.task));
  const span = e.entries.length === 0 ? 'no events' : `${e.entries.length} entries, ${e.groups.length} groups, ${e.cuts.length} cuts`;
  return htmlPage(heading, STYLE, `<p class="meta">${esc(`${span}; times on the device's local clock (hover an element for ids, exact local and Moscow times); now ${formatMicros(e.now)} Moscow; LAST_EVENT_TIME ${e.lastEventTime} s, TIMEDELTA_CHECK ${e.timedeltaCheck} s`)}</p>
<ul class="legend">${LEGEND.map(([icon, label]) => `<li>${icon}<span>${esc(label)}</span></li>`).join('')}</ul>
<div class="scroll">${timelineSvg(e, doc.task)}</div>
${doc.task === undefined ? '' : differencesHtml(doc.task)}
<details><summary>The explanation as text</summary><pre>${esc(text)}</pre></details>`);
}
