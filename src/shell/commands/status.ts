// `analyzer status`: the run history (latest runs per mode), hung runs (a
// 'running' row older than --stale-after: the pass was killed without
// finishing its row) and the pending backlog of each mode's ready devices.
// With --fail-on-stale exits 3 when a hung run exists or the latest finished
// run of a mode failed, so cron or a probe can alert on it.
import { parseMode, type ConnectionConfig } from '../../infra/config.js';
import { flag, optional, required, valueOf, wholeNumber, type Setting } from '../../infra/settings.js';
import { selectReady, type Mode } from '../../core/index.js';
import { EXIT } from '../../infra/exit-codes.js';
import { pendingBacklog, type BacklogRow } from '../../sql/backlog.js';
import { selectReadyCodes } from '../../sql/ready-devices.js';
import { lastFinishedRuns, type FinishedRunRow } from '../../sql/run-last-finished.js';
import { latestRuns, type RunRow } from '../../sql/run-latest.js';
import { staleRuns, type StaleRunRow } from '../../sql/run-stale.js';
import { runCommand, type Io } from '../session.js';
import { table } from '../table.js';
import { shortDuration } from '../duration.js';

export interface StatusOptions {
  mode: Mode | undefined;
  limit: number;
  staleAfter: number;
  failOnStale: boolean;
  json: boolean;
}

const MODES: Mode[] = ['receipts', 'dwr'];

export const STATUS_OPTIONS = {
  mode: { key: 'mode', flag: '--mode <mode>', description: 'only this mode (receipts or dwr)', read: optional(parseMode) },
  limit: { key: 'limit', flag: '--limit <n>', description: 'runs shown per mode', default: '10', read: required(wholeNumber(1)) },
  staleAfter: { key: 'staleAfter', flag: '--stale-after <seconds>', description: "a 'running' row older than this is hung", default: '3600', read: required(wholeNumber(0)) },
  failOnStale: { key: 'failOnStale', flag: '--fail-on-stale', description: 'exit 3 when a run is hung or the latest finished run of a mode failed', read: flag },
  json: { key: 'json', flag: '--json', description: 'print one JSON document', read: flag },
} satisfies Record<string, Setting<unknown>>;

/** The options as commander gave them, checked (src/cli.ts). */
export function parseStatusOptions(raw: Record<string, unknown>): StatusOptions {
  return {
    mode: valueOf(raw, STATUS_OPTIONS.mode),
    limit: valueOf(raw, STATUS_OPTIONS.limit),
    staleAfter: valueOf(raw, STATUS_OPTIONS.staleAfter),
    failOnStale: valueOf(raw, STATUS_OPTIONS.failOnStale),
    json: valueOf(raw, STATUS_OPTIONS.json),
  };
}

export interface ModeBacklog extends BacklogRow {
  mode: Mode;
  devices: number;
  conflicts: number;
}

export interface StatusDocument {
  checkedAt: string;
  staleAfterSeconds: number;
  runs: RunRow[];
  hung: StaleRunRow[];
  lastFinished: FinishedRunRow[];
  backlog: ModeBacklog[];
  /** A hung run, or a mode whose latest finished run failed: what --fail-on-stale exits 3 on. */
  alert: boolean;
  alerts: string[];
}

export async function collectStatus(sql: Parameters<typeof latestRuns>[0], options: StatusOptions): Promise<StatusDocument> {
  const runs = await latestRuns(sql, options.mode, options.limit);
  const hung = await staleRuns(sql, options.mode, options.staleAfter);
  const lastFinished = await lastFinishedRuns(sql, options.mode);
  const readyRows = await selectReadyCodes(sql);
  const backlog: ModeBacklog[] = [];
  for (const mode of options.mode ? [options.mode] : MODES) {
    const ready = selectReady(readyRows, mode);
    const ids = ready.devices.map((d) => d.id);
    const codes = mode === 'receipts' ? ready.devices.map((d) => d.code) : [];
    backlog.push({ mode, devices: ids.length, conflicts: ready.conflicts.length, ...(await pendingBacklog(sql, ids, codes)) });
  }
  const alerts = [
    ...hung.map((r) => `run ${r.id} (${r.mode}, ${r.host ?? '?'} pid ${r.pid ?? '?'}) has been running for ${shortDuration(r.age_s)}: hung (killed without finishing?)`),
    ...lastFinished.filter((r) => r.status === 'failed').map((r) => `the latest finished ${r.mode} run (${r.id}) failed: ${r.error ?? 'no message'}`),
  ];
  return {
    checkedAt: new Date().toISOString(),
    staleAfterSeconds: options.staleAfter,
    runs, hung, lastFinished, backlog,
    alert: alerts.length > 0,
    alerts,
  };
}

const utc = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
const num = (n: number | null) => (n === null ? '-' : String(n));

export function renderStatus(doc: StatusDocument, options: StatusOptions): string {
  const out: string[] = [];
  const hungIds = new Set(doc.hung.map((r) => r.id));
  out.push(`Runs (latest ${options.limit} per mode, times UTC)`);
  if (doc.runs.length === 0) {
    out.push('  no runs recorded yet');
  } else {
    out.push(...table(
      ['id', 'mode', 'started', 'duration', 'status', 'processed/ready', 'failed', 'tasks', 'deferred', 'rejected', 'host/pid'],
      doc.runs.map((r) => [
        String(r.id), r.mode, utc(r.started_at), shortDuration(r.duration_s),
        hungIds.has(r.id) ? 'HUNG' : r.status,
        r.devices_processed === null ? '-' : `${r.devices_processed}/${num(r.devices_ready)}`,
        num(r.devices_failed), num(r.tasks), num(r.deferred), num(r.rejected),
        `${r.host ?? '?'}/${r.pid ?? '?'}`,
      ]),
    ).map((l) => `  ${l}`));
    for (const r of doc.runs) {
      if (r.error && r.status !== 'succeeded') out.push(`  run ${r.id} ${r.status}: ${r.error}`);
    }
  }
  out.push('');
  out.push(`Hung runs (status running for more than ${options.staleAfter}s): ${doc.hung.length === 0 ? 'none' : doc.hung.length}`);
  for (const r of doc.hung) {
    out.push(`  run ${r.id} ${r.mode} started ${utc(r.started_at)} on ${r.host ?? '?'} pid ${r.pid ?? '?'} (version ${r.version ?? '?'}), running for ${shortDuration(r.age_s)}: ` +
      'the process was probably killed (SIGKILL, OOM); check it is gone');
  }
  out.push('');
  out.push('Latest finished run per mode');
  if (doc.lastFinished.length === 0) out.push('  none');
  for (const r of doc.lastFinished) {
    out.push(`  ${r.mode.padEnd(8)}  run ${r.id} ${r.status} at ${utc(r.finished_at)}${r.status === 'failed' && r.error ? `: ${r.error}` : ''}`);
  }
  out.push('');
  out.push('Pending backlog (status = 0) of the ready devices');
  out.push(...table(
    ['mode', 'devices', 'wraps', 'alarms', 'issues', 'receipts', 'oldest pending (Moscow)'],
    doc.backlog.map((b) => [
      b.mode, `${b.devices}${b.conflicts > 0 ? ` (+${b.conflicts} in conflict)` : ''}`,
      String(b.wraps), String(b.alarms), String(b.issues), b.mode === 'receipts' ? String(b.receipts) : '-', b.oldest ?? '-',
    ]),
  ).map((l) => `  ${l}`));
  out.push('');
  out.push(doc.alert ? `ALERT: ${doc.alerts.join('; ')}` : 'OK: no hung run, no failed last run');
  return out.join('\n') + '\n';
}

export function runStatus(config: ConnectionConfig, options: StatusOptions, io: Io): Promise<number> {
  return runCommand('status', config, io, async (sql) => {
    const doc = await collectStatus(sql, options);
    await io.output.print(options.json ? JSON.stringify(doc, null, 2) + '\n' : renderStatus(doc, options));
    return options.failOnStale && doc.alert ? EXIT.STALE : EXIT.OK;
  });
}
