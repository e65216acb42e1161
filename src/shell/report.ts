// The pass report: counts gathered while the pass runs, one summary log line,
// an optional JSON file with a unique name, and a short summary on a TTY.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevicePlan, Mode } from '../core/index.js';

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
  rowsUpdated: Record<'polycomm_suitcase' | 'polycommalarm' | 'polycommissue' | 'receipts', number>;
  rowsInserted: Record<'task' | 'task_to_event' | 'polycommissue', number>;
  analyzerIssues: Record<'7' | '8' | '9', number>;
  durationsMs: { load: number; analyze: number; write: number; total: number };
  /** Chunks the ready devices were taken in (each: lock, load, analyse, write). */
  chunks: number;
  /** SQL statements the pass sent (all of them, BEGIN/COMMIT included). */
  statements: number;
  failures: { deviceId: number; error: string }[];
  skipped: number[];
  warnings: { junkDeviceCodes: (string | null)[]; unknownDeviceCodes: number[]; conflictDevices: number[] };
  error: string | null;
  maxRssKb: number;
}

export function newReport(mode: Mode, version: string, dryRun: boolean, now: string, timezone: string): PassReport {
  return {
    mode, version, dryRun,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    now, timezone,
    status: 'succeeded',
    devices: { ready: 0, processed: 0, skippedOwnedElsewhere: 0, failed: 0, conflicts: 0, idle: 0 },
    groups: { written: 0, tasks: 0, byTaskType: {}, resolved: 0, clean: 0, deferred: 0 },
    rejected: { total: 0, byReason: {}, byTable: {} },
    moscowFallbacks: 0,
    rowsUpdated: { polycomm_suitcase: 0, polycommalarm: 0, polycommissue: 0, receipts: 0 },
    rowsInserted: { task: 0, task_to_event: 0, polycommissue: 0 },
    analyzerIssues: { '7': 0, '8': 0, '9': 0 },
    durationsMs: { load: 0, analyze: 0, write: 0, total: 0 },
    chunks: 0,
    statements: 0,
    failures: [],
    skipped: [],
    warnings: { junkDeviceCodes: [], unknownDeviceCodes: [], conflictDevices: [] },
    error: null,
    maxRssKb: 0,
  };
}

const bump = (record: Record<string, number>, key: string | number, by = 1) => {
  record[String(key)] = (record[String(key)] ?? 0) + by;
};

/** Counts what a device's plan writes (or would write, in a dry run). */
export function countPlan(report: PassReport, plan: DevicePlan): void {
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

/** `<mode>-<UTC timestamp>-<short random id>.json`, written atomically. */
export function writeReportFile(dir: string, report: PassReport, prefix: string = report.mode): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const name = `${prefix}-${stamp}-${randomBytes(3).toString('hex')}.json`;
  const path = join(dir, name);
  writeFileSync(`${path}.tmp`, JSON.stringify(report, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  return path;
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

/** A short readable summary for a person at a terminal. */
export function ttySummary(r: PassReport): string {
  const lines = [
    `${r.dryRun ? 'Dry run (nothing written)' : 'Pass'} ${r.mode}: ${r.status}`,
    `  devices    ready ${r.devices.ready}, processed ${r.devices.processed}, idle ${r.devices.idle}, skipped ${r.devices.skippedOwnedElsewhere}, failed ${r.devices.failed}, conflicts ${r.devices.conflicts}`,
    `  tasks      ${r.groups.tasks} ${JSON.stringify(r.groups.byTaskType)}, resolved ${r.groups.resolved}, clean groups ${r.groups.clean}, deferred ${r.groups.deferred}`,
    `  rejected   ${r.rejected.total} ${JSON.stringify(r.rejected.byReason)}`,
    `  issues     7: ${r.analyzerIssues['7']}, 8: ${r.analyzerIssues['8']}, 9: ${r.analyzerIssues['9']}`,
    `  time       load ${r.durationsMs.load} ms, analyze ${r.durationsMs.analyze} ms, write ${r.durationsMs.write} ms, total ${r.durationsMs.total} ms`,
  ];
  for (const f of r.failures) lines.push(`  FAILED     device ${f.deviceId}: ${f.error}`);
  return lines.join('\n') + '\n';
}
