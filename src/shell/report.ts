// The pass report: the counts the pass's steps return, added up in a tally;
// the report built from the tally and the pass's outcome; one summary log
// line, an optional JSON file with a unique name, and a short summary on a TTY.
import type { DevicePlan, Mode } from '../core/index.js';
import { writeJsonFile } from './files.js';
import { fatalMessage, type PassOutcome } from './outcome.js';

export interface PassReport {
  mode: Mode;
  version: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  /** *now* of R9: the wall clock of the Moscow zone, zone-free. */
  now: string;
  timezone: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  devices: {
    ready: number;
    processed: number;
    skippedOwnedElsewhere: number;
    failed: number;
    /** ready in both modes: skipped by both (R1) */
    conflicts: number;
    /** owned and analysed, but nothing to write (nothing pending, or only groups in progress) */
    idle: number;
  };
  groups: {
    written: number;
    tasks: number;
    byTaskType: Record<string, number>;
    resolved: number;
    /** dwr clean groups: wraps marked processed, no task */
    clean: number;
    deferred: number;
  };
  rejected: { total: number; byReason: Record<string, number>; byTable: Record<string, number> };
  /** R3: rows whose Moscow time was NULL (local time used) */
  moscowFallbacks: number;
  rowsUpdated: Record<EventTableName, number>;
  rowsInserted: Record<'task' | 'task_to_event' | 'polycommissue', number>;
  analyzerIssues: Record<'7' | '8' | '9', number>;
  durationsMs: { load: number; analyze: number; write: number; total: number };
  /** Chunks the ready devices were taken in (each: lock, load, analyse, write). */
  chunks: number;
  /** SQL statements the pass sent (all of them, BEGIN/COMMIT included). */
  statements: number;
  failures: DeviceFailure[];
  skipped: number[];
  warnings: { junkDeviceCodes: (string | null)[]; unknownDeviceCodes: number[]; conflictDevices: number[] };
  error: string | null;
  maxRssKb: number;
  /** The mode's pending rows after the pass (the metrics' backlog); null when it could not be read. */
  backlog: PassBacklog | null;
}

export type EventTableName = 'polycomm_suitcase' | 'polycommalarm' | 'polycommissue' | 'receipts';

export interface PassBacklog {
  /** status = 0 rows of the mode's ready devices, per table (receipts only in receipts mode, R2). */
  pendingRows: Record<EventTableName, number>;
  /** Moscow time (zone-free) of the oldest pending row, null when nothing is pending. */
  oldestPending: string | null;
  /** Seconds from oldestPending to *now* (R9) when the backlog was read; 0 when nothing is pending. */
  oldestPendingAgeSeconds: number;
}

/** A device that failed and rolled back; the pass went on with the others. */
export interface DeviceFailure {
  deviceId: number;
  error: string;
}

/** The report's counts: what the pass's steps found and did, added up as each returns. */
export type PassTally = Pick<PassReport,
  'devices' | 'groups' | 'rejected' | 'moscowFallbacks' | 'rowsUpdated' | 'rowsInserted' | 'analyzerIssues' | 'chunks' | 'failures' | 'skipped' | 'warnings'> & {
  durationsMs: { load: number; analyze: number; write: number };
};

export function newTally(): PassTally {
  return {
    devices: { ready: 0, processed: 0, skippedOwnedElsewhere: 0, failed: 0, conflicts: 0, idle: 0 },
    groups: { written: 0, tasks: 0, byTaskType: {}, resolved: 0, clean: 0, deferred: 0 },
    rejected: { total: 0, byReason: {}, byTable: {} },
    moscowFallbacks: 0,
    rowsUpdated: { polycomm_suitcase: 0, polycommalarm: 0, polycommissue: 0, receipts: 0 },
    rowsInserted: { task: 0, task_to_event: 0, polycommissue: 0 },
    analyzerIssues: { '7': 0, '8': 0, '9': 0 },
    durationsMs: { load: 0, analyze: 0, write: 0 },
    chunks: 0,
    failures: [],
    skipped: [],
    warnings: { junkDeviceCodes: [], unknownDeviceCodes: [], conflictDevices: [] },
  };
}

/** What the pass found ready (R1). */
export interface ReadyResult {
  ready: number;
  conflicts: number;
  warnings: PassReport['warnings'];
}

export function recordReady(tally: PassTally, result: ReadyResult): void {
  tally.devices.ready = result.ready;
  tally.devices.conflicts = result.conflicts;
  tally.warnings = result.warnings;
}

/** What one chunk did: claimed, skipped, and per device done or failed. */
export interface ChunkResult {
  /** devices this pass owned for the chunk (0: the ready list ran out) */
  claimed: number;
  /** owned by another pass (R19) */
  skipped: number[];
  /** analysed and written (or, in a dry run, would have been) */
  done: DevicePlan[];
  /** rolled back; `plan` when the device got as far as a plan (its rejected rows and deferred groups still count) */
  failed: { failure: DeviceFailure; plan?: DevicePlan }[];
  durationsMs: { load: number; analyze: number; write: number };
}

export const hasWrites = (p: DevicePlan): boolean =>
  p.tasks.length + p.wrapUpdates.length + p.alarmIds.length + p.issueIds.length + p.receiptUpdates.length > 0;

/**
 * processed: something was (or in a dry run would be) written; idle: nothing
 * to write (nothing pending, or only groups still in progress). Two passes
 * that meet on a device count it once as processed between them.
 */
export function recordChunk(tally: PassTally, chunk: ChunkResult): void {
  if (chunk.claimed > 0) tally.chunks++;
  tally.devices.skippedOwnedElsewhere += chunk.skipped.length;
  tally.skipped.push(...chunk.skipped);
  for (const plan of chunk.done) {
    countPlan(tally, plan);
    if (hasWrites(plan)) tally.devices.processed++;
    else tally.devices.idle++;
  }
  for (const { failure, plan } of chunk.failed) {
    tally.devices.failed++;
    tally.failures.push(failure);
    // a failed device still reports what it found invalid or in progress
    if (plan) countPlan(tally, { ...plan, tasks: [], wrapUpdates: [], alarmIds: [], issueIds: [], receiptUpdates: [], cleanGroups: 0 });
  }
  tally.durationsMs.load += chunk.durationsMs.load;
  tally.durationsMs.analyze += chunk.durationsMs.analyze;
  tally.durationsMs.write += chunk.durationsMs.write;
}

const bump = (record: Record<string, number>, key: string | number, by = 1) => {
  record[String(key)] = (record[String(key)] ?? 0) + by;
};

/** Counts what a device's plan writes (or would write, in a dry run). */
function countPlan(report: PassTally, plan: DevicePlan): void {
  for (const task of plan.tasks) {
    report.groups.tasks++;
    bump(report.groups.byTaskType, task.type);
    if (task.resolved) report.groups.resolved++;
    report.rowsInserted.task++;
    report.rowsInserted.task_to_event += task.events.length;
    for (const event of task.events) {
      if ('analyzerIssue' in event) {
        report.rowsInserted.polycommissue++;
        bump(report.analyzerIssues, event.analyzerIssue.type);
      }
    }
  }
  report.groups.clean += plan.cleanGroups ?? 0;
  report.groups.written = report.groups.tasks + report.groups.clean;
  report.groups.deferred += plan.deferred.length;
  for (const r of plan.rejected) {
    report.rejected.total++;
    bump(report.rejected.byReason, r.reason);
    bump(report.rejected.byTable, r.table);
  }
  report.moscowFallbacks += plan.moscowFallbacks;
  report.rowsUpdated.polycomm_suitcase += plan.wrapUpdates.length;
  report.rowsUpdated.polycommalarm += plan.alarmIds.length;
  report.rowsUpdated.polycommissue += plan.issueIds.length;
  report.rowsUpdated.receipts += plan.receiptUpdates.length;
}

/** The pass as configured. */
export type ReportStart = Pick<PassReport, 'mode' | 'version' | 'dryRun' | 'startedAt' | 'now' | 'timezone'>;

/** Measured as the pass ends. */
export interface ReportEnd {
  finishedAt: string;
  /** the backlog after the pass, when it could be read */
  backlog: PassBacklog | null;
  totalMs: number;
  statements: number;
  maxRssKb: number;
}

/** The report: the pass, its counts and its outcome, in one document. */
export function buildReport(start: ReportStart, counts: PassTally, outcome: PassOutcome, end: ReportEnd): PassReport {
  // a copy: a pass ended from outside (an uncaught exception) may still finish its chunk
  const tally = structuredClone(counts);
  return {
    mode: start.mode, version: start.version, dryRun: start.dryRun,
    startedAt: start.startedAt,
    finishedAt: end.finishedAt,
    now: start.now, timezone: start.timezone,
    status: outcome.status,
    devices: tally.devices,
    groups: tally.groups,
    rejected: tally.rejected,
    moscowFallbacks: tally.moscowFallbacks,
    rowsUpdated: tally.rowsUpdated,
    rowsInserted: tally.rowsInserted,
    analyzerIssues: tally.analyzerIssues,
    durationsMs: { ...tally.durationsMs, total: end.totalMs },
    chunks: tally.chunks,
    statements: end.statements,
    failures: tally.failures,
    skipped: tally.skipped,
    warnings: tally.warnings,
    error: fatalMessage(outcome),
    maxRssKb: end.maxRssKb,
    backlog: end.backlog,
  };
}

/** `<mode>-<UTC timestamp>-<short random id>.json`, written atomically. */
export function writeReportFile(dir: string, report: PassReport, prefix: string = report.mode): string {
  return writeJsonFile(dir, prefix, report);
}

/** The one-line summary (log message). */
export function summaryLine(r: PassReport): string {
  const types = Object.entries(r.groups.byTaskType).map(([t, n]) => `${t}:${n}`).join(' ') || 'none';
  return `${r.dryRun ? 'dry run' : 'pass'} ${r.mode} ${r.status}: devices ${r.devices.processed}/${r.devices.ready} processed, ${r.devices.idle} idle, ` +
    `${r.devices.skippedOwnedElsewhere} skipped (owned elsewhere), ${r.devices.failed} failed, ${r.devices.conflicts} in conflict; ` +
    `tasks ${r.groups.tasks} (types ${types}), resolved ${r.groups.resolved}, clean ${r.groups.clean}, deferred ${r.groups.deferred}; ` +
    `rejected ${r.rejected.total}; analyzer issues 7:${r.analyzerIssues['7']} 8:${r.analyzerIssues['8']} 9:${r.analyzerIssues['9']}; ` +
    `${r.durationsMs.total} ms`;
}

const counted = (record: Record<string, number>, what: string) =>
  Object.entries(record).map(([key, n]) => `${what}${key}: ${n}`).join(', ');

/** A short readable summary for a person at a terminal (and the demo). */
export function ttySummary(r: PassReport): string {
  const byType = counted(r.groups.byTaskType, 'type ');
  const byReason = counted(r.rejected.byReason, '');
  const lines = [
    `${r.dryRun ? 'Dry run (nothing written)' : 'Pass'} ${r.mode}: ${r.status}${r.error ? ` (${r.error})` : ''}`,
    `  devices    ready ${r.devices.ready}, processed ${r.devices.processed}, idle ${r.devices.idle}, skipped ${r.devices.skippedOwnedElsewhere}, failed ${r.devices.failed}, conflicts ${r.devices.conflicts}`,
    `  tasks      ${r.groups.tasks}${byType ? ` (${byType})` : ''}, resolved ${r.groups.resolved}, clean groups ${r.groups.clean}, deferred ${r.groups.deferred}`,
    `  rejected   ${r.rejected.total}${byReason ? ` (${byReason})` : ''}`,
    `  issues     7: ${r.analyzerIssues['7']}, 8: ${r.analyzerIssues['8']}, 9: ${r.analyzerIssues['9']}`,
    `  time       load ${r.durationsMs.load} ms, analyze ${r.durationsMs.analyze} ms, write ${r.durationsMs.write} ms, total ${r.durationsMs.total} ms`,
  ];
  for (const f of r.failures) lines.push(`  FAILED     device ${f.deviceId}: ${f.error}`);
  return lines.join('\n') + '\n';
}
