// The pass's Prometheus metrics: one registry per pass, filled from the pass
// report alone (the one source of every figure), so the metrics, the log
// summary and the report file never disagree. Pure: report in, registry or
// text out; pushing and writing are in push-metrics.ts. docs/operations.md "Monitoring".
import { Gauge, Registry } from 'prom-client';
import type { AnalyzerIssueType, RejectReason, TaskType } from '../core/index.js';
import type { PassReport } from './report.js';

export const METRIC_PREFIX = 'polycomm_analyzer_';
export const LAST_SUCCESS = `${METRIC_PREFIX}last_success_timestamp_seconds`;

// Every label value a figure can take is always present (0 when none), so a
// rule or a rate never sees a series vanish. Records keyed by the core's types:
// a new task type or reject reason fails the typecheck until listed here.
const TASK_TYPES: Record<TaskType, true> = { 1: true, 2: true, 3: true, 4: true, 5: true };
const ISSUE_TYPES: Record<AnalyzerIssueType, true> = { 7: true, 8: true, 9: true };
const REJECT_REASONS: Record<RejectReason, true> = { null_local_time: true, finish_before_start: true, bad_quantity: true };

export interface MetricsOptions {
  /**
   * The last success recorded before (a textfile's previous content), kept when
   * this pass did not succeed: a failed pass never overwrites the last success.
   */
  previousLastSuccess?: number;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** One registry holding the pass's metrics, every series labelled with the mode. */
export function buildRegistry(report: PassReport, options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ mode: report.mode });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });

  const succeeded = report.status === 'succeeded';
  const lastSuccess = succeeded ? seconds(report.finishedAt ?? report.startedAt) : options.previousLastSuccess;
  if (lastSuccess !== undefined) {
    gauge('last_success_timestamp_seconds', 'When the latest pass of the mode that succeeded finished (Unix time).').set(lastSuccess);
  }
  gauge('last_run_timestamp_seconds', 'When the latest pass of the mode finished, succeeded or not (Unix time).').set(seconds(report.finishedAt ?? report.startedAt));
  gauge('last_run_failed', '1 when the latest pass failed or was interrupted (exit code 1), else 0.').set(succeeded ? 0 : 1);
  gauge('build_info', 'The analyzer version that ran the latest pass (always 1).', ['version']).set({ version: report.version }, 1);

  gauge('run_duration_seconds', 'Wall time of the latest pass.').set(report.durationsMs.total / 1000);
  const phase = gauge('run_phase_duration_seconds', 'Time the latest pass spent loading, analyzing and writing (summed over its chunks).', ['phase']);
  for (const key of ['load', 'analyze', 'write'] as const) phase.set({ phase: key }, report.durationsMs[key] / 1000);

  fillDevices(gauge, report);
  fillGroups(gauge, report);
  fillRows(gauge, report);
  fillBacklog(gauge, report);
  return registry;
}

type GaugeFactory = (name: string, help: string, labelNames?: string[]) => Gauge;

function fillDevices(gauge: GaugeFactory, r: PassReport): void {
  gauge('devices_ready', 'Devices ready for the mode when the latest pass started (R1).').set(r.devices.ready);
  const devices = gauge('devices', 'Devices of the latest pass by outcome: processed (written), idle (nothing to write), skipped (owned by another pass, R19), failed (rolled back, R18), conflicts (ready in both modes, R1).', ['outcome']);
  devices.set({ outcome: 'processed' }, r.devices.processed);
  devices.set({ outcome: 'idle' }, r.devices.idle);
  devices.set({ outcome: 'skipped' }, r.devices.skippedOwnedElsewhere);
  devices.set({ outcome: 'failed' }, r.devices.failed);
  devices.set({ outcome: 'conflicts' }, r.devices.conflicts);
}

function fillGroups(gauge: GaugeFactory, r: PassReport): void {
  const tasks = gauge('tasks_written', 'Tasks the latest pass wrote, by task type (R11).', ['type']);
  for (const type of Object.keys(TASK_TYPES)) tasks.set({ type }, r.groups.byTaskType[type] ?? 0);
  for (const [type, n] of Object.entries(r.groups.byTaskType)) if (!(type in TASK_TYPES)) tasks.set({ type }, n);
  const issues = gauge('analyzer_issues_written', 'Analyzer issues (polycommissue rows) the latest pass wrote, by issue type (R14).', ['type']);
  for (const type of Object.keys(ISSUE_TYPES) as (keyof typeof r.analyzerIssues)[]) issues.set({ type }, r.analyzerIssues[type]);
  gauge('groups_deferred', 'Groups the latest pass left for later: still in progress (R9).').set(r.groups.deferred);
  gauge('groups_clean', 'dwr groups without a fault: wraps marked processed, no task.').set(r.groups.clean);
}

function fillRows(gauge: GaugeFactory, r: PassReport): void {
  const rejected = gauge('rows_rejected', 'Invalid rows the latest pass left pending, by reason (R4): they stay pending until someone fixes them.', ['reason']);
  for (const reason of Object.keys(REJECT_REASONS)) rejected.set({ reason }, r.rejected.byReason[reason] ?? 0);
  for (const [reason, n] of Object.entries(r.rejected.byReason)) if (!(reason in REJECT_REASONS)) rejected.set({ reason }, n);
  const written = gauge('rows_written', 'Rows the latest pass wrote, by table and action (updated: marked processed; inserted: new rows).', ['table', 'action']);
  for (const [table, n] of Object.entries(r.rowsUpdated)) written.set({ table, action: 'updated' }, n);
  for (const [table, n] of Object.entries(r.rowsInserted)) written.set({ table, action: 'inserted' }, n);
}

function fillBacklog(gauge: GaugeFactory, r: PassReport): void {
  if (r.backlog === null) return; // not read: the previous values stay on the gateway
  const pending = gauge('pending_rows', "Pending rows (status 0) of the mode's ready devices after the latest pass, by table.", ['table']);
  for (const [table, n] of Object.entries(r.backlog.pendingRows)) pending.set({ table }, n);
  gauge('oldest_pending_event_age_seconds', 'Age of the oldest pending row of the mode after the latest pass (Moscow time vs now, R9); 0 when nothing is pending.')
    .set(r.backlog.oldestPendingAgeSeconds);
}

/** The metrics in Prometheus's text format (what node_exporter's textfile collector reads). */
export function metricsText(report: PassReport, options: MetricsOptions = {}): Promise<string> {
  return buildRegistry(report, options).metrics();
}

/** The mode's last success in a previous metrics text, if it holds one. */
export function lastSuccessIn(text: string, mode: string): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${LAST_SUCCESS}{`) || !line.includes(`mode="${mode}"`)) continue;
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim().split(' ')[0]);
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}
