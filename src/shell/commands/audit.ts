// `analyzer audit --from TIME --to TIME [--mode M] [--device ID...]
// [--format text|json|html] [--out FILE] [--fail-on-findings]` (issue 23):
// do the stored tasks of a period agree with the rules? Read-only (runs as
// the read-only role of `analyzer grants --read-only`); exit 0 whatever it
// finds, 3 with --fail-on-findings when it finds something, 2 for a bad
// period or an unknown device.
import { DateTime } from 'luxon';
import { Scratch, selectReady, type Micros, type Mode, type ReadyDevice, type Span } from '../../core/index.js';
import { readNow, wallMicros } from '../../infra/clock.js';
import { ANALYSIS, ConfigError, OBSERVABILITY, parseAnalysis, parseMode, type ConnectionConfig, type LogConfig } from '../../infra/config.js';
import { asText, flag, idList, oneOf, optional, required, valueOf, wholeNumber, type Setting } from '../../infra/settings.js';
import { EXIT } from '../../infra/exit-codes.js';
import { peakRssKb } from '../../infra/peak-rss.js';
import type { Sql } from '../../infra/db.js';
import { devicesById } from '../../sql/devices-by-id.js';
import { selectReadyCodes } from '../../sql/ready-devices.js';
import { auditDevices } from '../audit.js';
import { AuditAccumulator, type AuditDocument, type AuditHeader } from '../audit-report.js';
import { renderAuditText } from '../audit-text.js';
import { renderAuditHtml } from '../audit-html.js';
import { startProgress } from '../progress.js';
import type { PassReport } from '../report.js';
import { runCommand, type Io } from '../session.js';
import { writeFileAtomically } from '../files.js';

export type AuditFormat = 'text' | 'json' | 'html';
export const AUDIT_FORMATS: readonly AuditFormat[] = ['text', 'json', 'html'];

/**
 * An audit's chunks: larger than a pass's (50 devices, 10,000 rows), because
 * without an index by device and local time every chunk reads the event tables
 * through (docs/audit.md "Indexes"); 100,000 rows keep the peak near a pass's.
 */
const CHUNKS = {
  chunkSize: { key: 'chunkSize', flag: '--chunk-size <devices>', env: 'AUDIT_CHUNK_SIZE', description: 'most devices audited per chunk', default: '200', read: required(wholeNumber(1)) },
  chunkEvents: { key: 'chunkEvents', flag: '--chunk-events <rows>', env: 'AUDIT_CHUNK_EVENTS', description: 'rows a chunk aims at (bounds memory), 0 = devices only', default: '100000', read: required(wholeNumber(0)) },
} satisfies Record<string, Setting<unknown>>;

/** The audit's own options; besides them it takes the rules' settings (ANALYSIS: the values the passes ran with give the same rules) and PROGRESS_INTERVAL. */
export const AUDIT_OPTIONS = {
  from: { key: 'from', flag: '--from <time>', description: 'start of the period, device-local (included)', read: required((text, name) => parseLocalTime(text, name)) },
  to: { key: 'to', flag: '--to <time>', description: 'end of the period, device-local (excluded)', read: required((text, name) => parseLocalTime(text, name)) },
  mode: { key: 'mode', flag: '--mode <mode>', description: 'only this mode (receipts or dwr); default both', read: optional(parseMode) },
  device: { key: 'device', flag: '--device <id...>', description: 'only these device ids (polycomm_device.id)', read: idList(() => true, 'a device id') },
  format: { key: 'format', flag: '--format <format>', description: 'text, json or html', default: 'text', read: required(oneOf(AUDIT_FORMATS)) },
  out: { key: 'out', flag: '--out <file>', description: 'write there instead of stdout', read: optional(asText) },
  failOnFindings: { key: 'failOnFindings', flag: '--fail-on-findings', description: 'exit 3 when there is a finding (CI-style checks)', read: flag },
  around: { key: 'around', flag: '--around <seconds>', description: "seconds of each device's events loaded before and after the period at first (widened until the groups at its edges are whole)", default: '3600', read: required(wholeNumber(0)) },
} satisfies Record<string, Setting<unknown>>;

/** Every setting and option the audit command takes (src/cli.ts adds them to commander). */
export const AUDIT_SETTINGS: Setting<unknown>[] = [...Object.values(AUDIT_OPTIONS), ...Object.values(ANALYSIS), ...Object.values(CHUNKS), OBSERVABILITY.progressInterval];

export interface AuditOptions {
  period: Span;
  modes: Mode[];
  /** --mode was given (it then applies to named devices whatever they are ready for). */
  modeGiven: boolean;
  devices: number[] | undefined;
  format: AuditFormat;
  out: string | undefined;
  failOnFindings: boolean;
  aroundSeconds: number;
  lastEventTime: number;
  timedeltaCheck: number;
  timezone: string;
  now: string | undefined;
  chunkSize: number;
  chunkEvents: number;
  progressInterval: number;
}

export type AuditConfig = ConnectionConfig & LogConfig;

/** A device-local wall-clock time in the forms --now accepts ('2025-05-31 00:00:00', '2025-05-31T00:00', '2025-05-31'). */
export function parseLocalTime(text: string, flag: string): Micros {
  const value = text.trim();
  const dt = DateTime.fromISO(value.replace(' ', 'T'), { zone: 'UTC' });
  if (value === '' || !dt.isValid) throw new ConfigError(`invalid ${flag}: '${value}' (expected a device-local time such as 2025-05-31 00:00:00)`);
  return wallMicros(dt);
}

/** The options as commander gave them, checked; a bad period is a ConfigError (exit 2). */
export function parseAuditOptions(raw: Record<string, unknown>): AuditOptions {
  const from = valueOf(raw, AUDIT_OPTIONS.from);
  const to = valueOf(raw, AUDIT_OPTIONS.to);
  if (from >= to) throw new ConfigError(`invalid period: --from ${String(raw.from)} is not before --to ${String(raw.to)}`);
  const mode = valueOf(raw, AUDIT_OPTIONS.mode);
  const devices = valueOf(raw, AUDIT_OPTIONS.device);
  return {
    period: { from, to },
    modes: mode === undefined ? ['receipts', 'dwr'] : [mode],
    modeGiven: mode !== undefined,
    devices: devices === undefined ? undefined : [...new Set(devices)],
    format: valueOf(raw, AUDIT_OPTIONS.format),
    out: valueOf(raw, AUDIT_OPTIONS.out),
    failOnFindings: valueOf(raw, AUDIT_OPTIONS.failOnFindings),
    aroundSeconds: valueOf(raw, AUDIT_OPTIONS.around),
    ...parseAnalysis(raw),
    chunkSize: valueOf(raw, CHUNKS.chunkSize),
    chunkEvents: valueOf(raw, CHUNKS.chunkEvents),
    progressInterval: valueOf(raw, OBSERVABILITY.progressInterval),
  };
}

class UnknownDevice extends Error {}

/**
 * The devices of each mode: without --device, those ready for it (R1; a
 * device ready in both modes is skipped, as every pass skips it). Named
 * devices: with --mode, in that mode whatever they are ready for; without,
 * in the mode they are ready for, and skipped (said why) when that is none or both.
 */
async function devicesOf(sql: Sql, o: AuditOptions): Promise<{ byMode: Map<Mode, ReadyDevice[]>; skipped: AuditHeader['skipped'] }> {
  const codes = await selectReadyCodes(sql);
  const byMode = new Map<Mode, ReadyDevice[]>();
  const skipped: AuditHeader['skipped'] = [];
  if (o.devices !== undefined) {
    const found = await devicesById(sql, o.devices);
    const missing = o.devices.filter((id) => !found.some((d) => d.id === id));
    if (missing.length > 0) throw new UnknownDevice(`unknown device${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: no polycomm_device with that id`);
    if (o.modeGiven) return { byMode: new Map([[o.modes[0]!, found]]), skipped };
    const ready = { receipts: selectReady(codes, 'receipts', o.devices), dwr: selectReady(codes, 'dwr', o.devices) };
    for (const d of found) {
      const modes = (['receipts', 'dwr'] as const).filter((m) => ready[m].devices.some((x) => x.id === d.id));
      if (modes.length === 1) byMode.set(modes[0]!, [...(byMode.get(modes[0]!) ?? []), d]);
      else skipped.push({ deviceId: d.id, reason: ready.receipts.conflicts.some((x) => x.id === d.id) ? 'ready in both modes (R1): give --mode' : 'ready in neither mode (R1): give --mode' });
    }
    return { byMode, skipped };
  }
  for (const mode of o.modes) {
    const ready = selectReady(codes, mode, undefined);
    byMode.set(mode, ready.devices);
    for (const d of ready.conflicts) if (!skipped.some((s) => s.deviceId === d.id)) skipped.push({ deviceId: d.id, reason: 'ready in both modes (R1): every pass skips it' });
  }
  return { byMode, skipped };
}

/** The exit code: 0 whatever was found; 3 with --fail-on-findings when something was. */
export const auditExitCode = (doc: AuditDocument, failOnFindings: boolean): number => (failOnFindings && doc.findings.length > 0 ? EXIT.FINDINGS : EXIT.OK);

export function renderAudit(doc: AuditDocument, format: AuditFormat): string {
  return format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : format === 'html' ? renderAuditHtml(doc) : renderAuditText(doc);
}

export function runAudit(config: AuditConfig, o: AuditOptions, io: Io): Promise<number> {
  const { logger } = io;
  const now = readNow(o.timezone, o.now);
  const started = performance.now();
  return runCommand('audit', config, io, async (sql) => {
    let devices: Awaited<ReturnType<typeof devicesOf>>;
    try {
      devices = await devicesOf(sql, o);
    } catch (error) {
      if (!(error instanceof UnknownDevice)) throw error;
      io.output.error(error.message);
      return EXIT.USAGE;
    }
    const acc = new AuditAccumulator({
      period: o.period, modes: o.modes, skipped: devices.skipped,
      settings: { lastEventTime: o.lastEventTime, timedeltaCheck: o.timedeltaCheck, timezone: o.timezone, now, aroundSeconds: o.aroundSeconds },
    }, started);
    const tally: PassReport['devices'] = { ready: [...devices.byMode.values()].reduce((n, d) => n + d.length, 0), processed: 0, idle: 0, skippedOwnedElsewhere: 0, failed: 0, conflicts: 0 };
    const progress = startProgress({ mode: 'audit', devices: tally }, { ...o, pushgatewayUrl: undefined, metricsFile: undefined, logFormat: config.logFormat }, io);
    const scratch = new Scratch();
    try {
      for (const [mode, list] of devices.byMode) {
        await auditDevices({
          sql, logger, now, period: o.period, aroundSeconds: o.aroundSeconds,
          settings: { mode, lastEventTime: o.lastEventTime, timedeltaCheck: o.timedeltaCheck },
          bounds: { maxDevices: o.chunkSize, targetEvents: o.chunkEvents },
          chunkDone: (n, rows) => { tally.processed += n; progress.chunkDone(rows); },
          scratch,
        }, list, (r) => acc.add(mode, r.audit, r));
      }
    } finally {
      progress.stop();
    }
    const doc = acc.finish(performance.now(), peakRssKb());
    logger.info(`audit done: ${doc.devices.audited} devices, ${doc.tasks} tasks compared, ${doc.findings.length} findings`,
      { audit: { tasks: doc.tasks, agree: doc.agree, findings: doc.findings.length, byKind: doc.byKind, resolvedByStaff: doc.resolvedByStaff.tasks, durationMs: doc.durationMs } });
    const text = renderAudit(doc, o.format);
    if (o.out !== undefined) writeFileAtomically(o.out, text);
    else await io.output.print(text.endsWith('\n') ? text : text + '\n');
    return auditExitCode(doc, o.failOnFindings);
  }, { transactions: true }); // each chunk is read in one read-only transaction: statement pooling is refused at once
}
