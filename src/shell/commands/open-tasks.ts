// `analyzer open-tasks`: the unresolved tasks (resolved = false), their number,
// a bounded list, and complete counts by type and by device; printed as a
// readable report and, with --out-dir, written as JSON to a uniquely named file
// (open-tasks-<UTC timestamp>-<short random id>.json). Writes nothing else.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { ANALYZER_ISSUE_NAMES, TASK_TYPE_NAMES } from '../../core/index.js';
import { ConfigError, type ConnectionConfig } from '../../infra/config.js';
import { describeError, open, waitForDatabase } from '../../infra/db.js';
import { EXIT } from '../../infra/exit-codes.js';
import type { Logger } from '../../infra/log.js';
import { openTaskCounts } from '../../sql/open-tasks-counts.js';
import { openTasks, type OpenTaskFilter } from '../../sql/open-tasks.js';
import { table } from './status.js';

export interface OpenTasksOptions extends OpenTaskFilter {
  outDir: string | undefined;
  json: boolean;
  limit: number;
}

function ids(value: unknown, flag: string, check: (n: number) => boolean, expected: string): number[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (items.length === 0) return undefined;
  return items.map((item) => {
    const n = Number(item);
    if (!/^\d+$/.test(item) || !Number.isSafeInteger(n) || !check(n)) throw new ConfigError(`invalid ${flag}: '${item}' (expected ${expected})`);
    return n;
  });
}

export function parseOpenTasksOptions(raw: Record<string, unknown>): OpenTasksOptions {
  let since: string | undefined;
  if (raw.since !== undefined) {
    const text = String(raw.since).trim();
    const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone: 'UTC' });
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text) || !parsed.isValid) {
      throw new ConfigError(`invalid --since: '${text}' (expected a Moscow date or time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS])`);
    }
    since = parsed.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
  }
  const limit = raw.limit === undefined ? 200 : Number(String(raw.limit).trim());
  if (!/^\d+$/.test(String(raw.limit ?? '200').trim()) || !Number.isSafeInteger(limit)) {
    throw new ConfigError(`invalid --limit: '${String(raw.limit)}' (expected a whole number >= 0)`);
  }
  const outDir = raw.outDir === undefined ? undefined : String(raw.outDir).trim() || undefined;
  return {
    devices: ids(raw.device, '--device', () => true, 'a device id'),
    types: ids(raw.type, '--type', (n) => n >= 1 && n <= 6, 'a task type 1-6'),
    since,
    outDir,
    json: raw.json === true,
    limit,
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

/** `open-tasks-<UTC timestamp>-<short random id>.json`, written atomically (as report.ts does). */
export function writeOpenTasksFile(dir: string, doc: OpenTasksDocument): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `open-tasks-${stamp}-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(`${path}.tmp`, JSON.stringify(doc, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  return path;
}

export async function runOpenTasks(config: ConnectionConfig, options: OpenTasksOptions, logger: Logger, out: (text: string) => void): Promise<number> {
  const sql = open(config, { applicationName: 'polycomm-analyzer open-tasks' });
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    const doc = await collectOpenTasks(sql, options);
    const path = options.outDir ? writeOpenTasksFile(options.outDir, doc) : undefined;
    if (path) logger.info(`open-tasks report written to ${path}`, { report: path, total: doc.total });
    out(options.json ? JSON.stringify(doc, null, 2) + '\n' : renderOpenTasks(doc) + (path ? `\nWritten to ${path}\n` : ''));
    return EXIT.OK;
  } catch (error) {
    const message = describeError(error);
    logger.error(`open-tasks failed: ${message}`);
    process.stderr.write(`analyzer: ${message}\n`);
    return EXIT.FAILURE;
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
}
