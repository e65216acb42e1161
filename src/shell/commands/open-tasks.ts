// `analyzer open-tasks`: the unresolved tasks (resolved = false), their number,
// a bounded list, and complete counts by type and by device; printed as a
// readable report and, with --out-dir, written as JSON to a uniquely named file
// (open-tasks-<UTC timestamp>-<short random id>.json). Writes nothing else.
import { DateTime } from 'luxon';
import { ANALYZER_ISSUE_NAMES, TASK_TYPE_NAMES } from '../../core/index.js';
import { ConfigError, type ConnectionConfig } from '../../infra/config.js';
import { asText, flag, idList, optional, required, valueOf, wholeNumber, type Setting } from '../../infra/settings.js';
import { EXIT } from '../../infra/exit-codes.js';
import { openTaskCounts } from '../../sql/open-tasks-counts.js';
import { openTasks, type OpenTaskFilter } from '../../sql/open-tasks.js';
import { writeJsonFile } from '../files.js';
import { runCommand, type Io } from '../session.js';
import { table } from '../table.js';

export interface OpenTasksOptions extends OpenTaskFilter {
  outDir: string | undefined;
  json: boolean;
  limit: number;
}

/** --since: a Moscow date or time, as the timestamp text the query compares with. */
export function parseSince(value: string): string {
  const text = value.trim();
  const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone: 'UTC' });
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text) || !parsed.isValid) {
    throw new ConfigError(`invalid --since: '${text}' (expected a Moscow date or time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS])`);
  }
  return parsed.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
}

export const OPEN_TASKS_OPTIONS = {
  device: { key: 'device', flag: '--device <id...>', description: 'only these device ids', read: idList(() => true, 'a device id') },
  type: { key: 'type', flag: '--type <n...>', description: 'only these task types (1-6, R11)', read: idList((n) => n >= 1 && n <= 6, 'a task type 1-6') },
  since: { key: 'since', flag: '--since <date>', description: 'only tasks dated (Moscow) at or after this: YYYY-MM-DD or YYYY-MM-DDTHH:MM', read: optional(parseSince) },
  limit: { key: 'limit', flag: '--limit <n>', description: 'tasks listed, newest first (the counts are always complete)', default: '200', read: required(wholeNumber(0)) },
  outDir: { key: 'outDir', flag: '--out-dir <dir>', description: 'also write the report as JSON there (open-tasks-<UTC timestamp>-<id>.json)', read: optional(asText) },
  json: { key: 'json', flag: '--json', description: 'print the report as one JSON document', read: flag },
} satisfies Record<string, Setting<unknown>>;

/** The options as commander gave them, checked (src/cli.ts). */
export function parseOpenTasksOptions(raw: Record<string, unknown>): OpenTasksOptions {
  return {
    devices: valueOf(raw, OPEN_TASKS_OPTIONS.device),
    types: valueOf(raw, OPEN_TASKS_OPTIONS.type),
    since: valueOf(raw, OPEN_TASKS_OPTIONS.since),
    outDir: valueOf(raw, OPEN_TASKS_OPTIONS.outDir),
    json: valueOf(raw, OPEN_TASKS_OPTIONS.json),
    limit: valueOf(raw, OPEN_TASKS_OPTIONS.limit),
  };
}

export interface OpenTasksDocument {
  generatedAt: string;
  filter: { devices: number[] | null; types: number[] | null; since: string | null };
  total: number;
  byType: { type: number | null; name: string; count: number }[];
  byDevice: { deviceId: number | null; title: string | null; count: number }[];
  /** The newest `listed` tasks; `truncated` when there are more. */
  listed: number;
  truncated: boolean;
  tasks: {
    id: number; deviceId: number | null; device: string | null; type: number | null; typeName: string;
    date: string | null; localDate: string | null; createdAt: string | null; events: number;
    analyzerIssues: { type: number; name: string }[];
  }[];
}

const typeName = (type: number | null) => (type === null ? 'untyped' : TASK_TYPE_NAMES[type] ?? `type ${type}`);
const issueName = (type: number) => ANALYZER_ISSUE_NAMES[type] ?? `issue type ${type}`;

export async function collectOpenTasks(sql: Parameters<typeof openTasks>[0], options: OpenTasksOptions): Promise<OpenTasksDocument> {
  const counts = await openTaskCounts(sql, options);
  const rows = options.limit > 0 ? await openTasks(sql, options, options.limit) : [];
  const byType = counts.filter((c) => c.by === 'type').map((c) => ({ type: c.type, name: typeName(c.type), count: c.count }));
  const total = byType.reduce((sum, c) => sum + c.count, 0);
  return {
    generatedAt: new Date().toISOString(),
    filter: { devices: options.devices ?? null, types: options.types ?? null, since: options.since ?? null },
    total,
    byType,
    byDevice: counts.filter((c) => c.by === 'device').map((c) => ({ deviceId: c.device_id, title: c.title, count: c.count })),
    listed: rows.length,
    truncated: rows.length < total,
    tasks: rows.map((r) => ({
      id: r.id, deviceId: r.device_id, device: r.title, type: r.type, typeName: typeName(r.type),
      date: r.date, localDate: r.local_date, createdAt: r.createtime, events: r.events,
      analyzerIssues: r.issue_types.map((t) => ({ type: t, name: issueName(t) })),
    })),
  };
}

export function renderOpenTasks(doc: OpenTasksDocument): string {
  const out: string[] = [];
  const filters = [
    doc.filter.devices ? `devices ${doc.filter.devices.join(', ')}` : '',
    doc.filter.types ? `types ${doc.filter.types.join(', ')}` : '',
    doc.filter.since ? `since ${doc.filter.since} (Moscow)` : '',
  ].filter(Boolean);
  out.push(`Open tasks (resolved = false)${filters.length ? `, ${filters.join(', ')}` : ''}: ${doc.total}   [${doc.generatedAt}]`);
  out.push('');
  out.push('By type');
  if (doc.byType.length === 0) out.push('  none');
  else out.push(...table(['type', 'name', 'open'], doc.byType.map((c) => [num(c.type), c.name, String(c.count)])).map((l) => `  ${l}`));
  out.push('');
  out.push('By device');
  if (doc.byDevice.length === 0) out.push('  none');
  else out.push(...table(['device', 'title', 'open'], doc.byDevice.map((c) => [num(c.deviceId), c.title ?? '-', String(c.count)])).map((l) => `  ${l}`));
  out.push('');
  out.push(doc.truncated ? `Tasks (newest ${doc.listed} of ${doc.total}; --limit shows more)` : 'Tasks');
  if (doc.tasks.length === 0) out.push('  none');
  else {
    out.push(...table(
      ['task', 'device', 'type', 'date (Moscow)', 'events', 'analyzer issues'],
      doc.tasks.map((t) => [
        String(t.id), `${num(t.deviceId)} ${t.device ?? ''}`.trim(), `${num(t.type)} ${t.typeName}`, t.date ?? '-', String(t.events),
        t.analyzerIssues.length ? t.analyzerIssues.map((i) => `${i.type} ${i.name}`).join(', ') : '-',
      ]),
    ).map((l) => `  ${l}`));
  }
  return out.join('\n') + '\n';
}

const num = (n: number | null) => (n === null ? '-' : String(n));

/** `open-tasks-<UTC timestamp>-<short random id>.json`, written atomically. */
export function writeOpenTasksFile(dir: string, doc: OpenTasksDocument): string {
  return writeJsonFile(dir, 'open-tasks', doc);
}

export function runOpenTasks(config: ConnectionConfig, options: OpenTasksOptions, io: Io): Promise<number> {
  return runCommand('open-tasks', config, io, async (sql) => {
    const doc = await collectOpenTasks(sql, options);
    const path = options.outDir ? writeOpenTasksFile(options.outDir, doc) : undefined;
    if (path) io.logger.info(`open-tasks report written to ${path}`, { report: path, total: doc.total });
    await io.output.print(options.json ? JSON.stringify(doc, null, 2) + '\n' : renderOpenTasks(doc) + (path ? `\nWritten to ${path}\n` : ''));
    return EXIT.OK;
  });
}
