// What `analyzer audit` reports, as one document (docs/audit.md "JSON"):
// built device by device from the core's DeviceAudit; the text, JSON and
// HTML outputs are three views of it.
import { FINDING_KINDS, formatMicros, type DeviceAudit, type Finding, type FindingKind, type Micros, type Mode, type NotCompared, type Span } from '../core/index.js';

/** A finding as documented: the core's, with its mode and day. */
export interface AuditFinding extends Omit<Finding, 'local'> {
  mode: Mode;
  /** The device-local day (YYYY-MM-DD) of the finding's group (the task's local_date, R16), else of its row or task; null when none is known. */
  day: string | null;
}

export interface AuditDocument {
  format: 'polycomm-analyzer audit';
  version: 1;
  /** Device-local wall-clock times, [from, to). */
  period: { from: string; to: string; clock: 'device-local' };
  modes: Mode[];
  settings: { lastEventTime: number; timedeltaCheck: number; timezone: string; now: string; aroundSeconds: number };
  devices: { audited: number; byMode: Partial<Record<Mode, number>>; skipped: { deviceId: number; reason: string }[]; widened: number; unsettled: number[] };
  /** Stored tasks compared, and of those the ones with no finding. */
  tasks: number;
  agree: number;
  findings: AuditFinding[];
  /** Every kind of the vocabulary, 0 when none. */
  byKind: Record<FindingKind, number>;
  /** Day -> kind -> count (kinds with a finding only), days in order. */
  byDay: Record<string, Partial<Record<FindingKind, number>>>;
  /** resolved = true where the rules give false: the staff's normal work, reported apart. */
  resolvedByStaff: { tasks: number; byDay: Record<string, number>; taskIds: number[] };
  notCompared: NotCompared;
  durationMs: number;
  /** Peak resident memory of the process (bounded by a chunk of devices, not by the period). */
  maxRssKb: number;
}

export interface AuditHeader {
  period: Span;
  modes: Mode[];
  settings: Omit<AuditDocument['settings'], 'now'> & { now: Micros };
  skipped: AuditDocument['devices']['skipped'];
}

const dayOf = (m: Micros | null): string | null => (m === null || !Number.isFinite(m) ? null : formatMicros(m).slice(0, 10));

/** Adds devices' audits up into the document. */
export class AuditAccumulator {
  private readonly doc: AuditDocument;
  private readonly started: number;

  constructor(header: AuditHeader, started: number) {
    this.started = started;
    this.doc = {
      format: 'polycomm-analyzer audit',
      version: 1,
      period: { from: formatMicros(header.period.from), to: formatMicros(header.period.to), clock: 'device-local' },
      modes: header.modes,
      settings: { ...header.settings, now: formatMicros(header.settings.now) },
      devices: { audited: 0, byMode: {}, skipped: header.skipped, widened: 0, unsettled: [] },
      tasks: 0,
      agree: 0,
      findings: [],
      byKind: Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>,
      byDay: {},
      resolvedByStaff: { tasks: 0, byDay: {}, taskIds: [] },
      notCompared: { tasks: 0, inProgressEvents: 0, invalidEvents: 0, pendingEvents: 0 },
      durationMs: 0,
      maxRssKb: 0,
    };
  }

  add(mode: Mode, audit: DeviceAudit, window: { rounds: number; unsettled: boolean }): void {
    const d = this.doc;
    d.devices.audited++;
    d.devices.byMode[mode] = (d.devices.byMode[mode] ?? 0) + 1;
    if (window.rounds > 1) d.devices.widened++;
    if (window.unsettled) d.devices.unsettled.push(audit.deviceId);
    d.tasks += audit.tasks;
    d.agree += audit.agree;
    for (const f of audit.findings) {
      const day = dayOf(f.local);
      // the documented order of the keys
      d.findings.push({
        kind: f.kind, taskId: f.taskId, table: f.table, id: f.id, field: f.field, stored: f.stored, rules: f.rules,
        mode, deviceId: f.deviceId, day, event: f.event, rule: f.rule, note: f.note,
      });
      d.byKind[f.kind]++;
      const key = day ?? 'unknown';
      const counts = (d.byDay[key] ??= {});
      counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    }
    for (const r of audit.resolvedByStaff) {
      d.resolvedByStaff.tasks++;
      d.resolvedByStaff.taskIds.push(r.taskId);
      const key = dayOf(r.local) ?? 'unknown';
      d.resolvedByStaff.byDay[key] = (d.resolvedByStaff.byDay[key] ?? 0) + 1;
    }
    for (const k of Object.keys(d.notCompared) as (keyof NotCompared)[]) d.notCompared[k] += audit.notCompared[k];
  }

  /** The finished document: findings by day, device, task; days in order. */
  finish(now: number, maxRssKb: number): AuditDocument {
    const d = this.doc;
    d.findings.sort((a, b) => (a.day ?? '').localeCompare(b.day ?? '') || a.deviceId - b.deviceId || (a.taskId ?? -1) - (b.taskId ?? -1) ||
      FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) || (a.id ?? -1) - (b.id ?? -1));
    d.byDay = Object.fromEntries(Object.entries(d.byDay).sort(([a], [b]) => a.localeCompare(b)));
    d.resolvedByStaff.byDay = Object.fromEntries(Object.entries(d.resolvedByStaff.byDay).sort(([a], [b]) => a.localeCompare(b)));
    d.resolvedByStaff.taskIds.sort((a, b) => a - b);
    d.devices.unsettled.sort((a, b) => a - b);
    d.durationMs = Math.round(now - this.started);
    d.maxRssKb = maxRssKb;
    return d;
  }
}

/** Total findings of a day. */
export const dayTotal = (counts: Partial<Record<FindingKind, number>>): number => Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);

const value = (x: AuditFinding['stored']) => (x === null ? 'NULL' : Array.isArray(x) ? x.join(', ') : String(x));

/** One line per finding, for the text and the HTML table: what differs, in words. */
export function findingText(f: AuditFinding): string {
  const note = f.note ? ` - ${f.note}` : '';
  const event = f.event === null ? '' : `${f.event.table} ${f.event.id}`;
  switch (f.kind) {
    case 'event_in_no_task':
    case 'event_in_two_tasks':
      return `${f.table} ${f.id ?? ''}: ${f.note} (${f.rule})`;
    case 'link_missing':
      return `${event} is not linked; the rules link it at ord ${value(f.rules)} (${f.rule})${note}`;
    case 'analyzer_issue_missing':
      return `no analyzer issue ${value(f.rules)} on ${event}; the rules give one (${f.rule})${note}`;
    default: {
      const what = f.table === 'task_to_event' && event !== '' ? `${f.table} ${f.id ?? '(none)'} (${event})` : `${f.table} ${f.id ?? '(none)'}`;
      return `${what} ${f.field}: stored ${value(f.stored)}, rules give ${value(f.rules)} (${f.rule})${note}`;
    }
  }
}

/** The command that explains a finding's task, or null when it has none. */
export const explainCommand = (f: AuditFinding): string | null => (f.taskId === null ? null : `analyzer explain --task ${f.taskId}`);
