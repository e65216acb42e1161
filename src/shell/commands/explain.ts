// `analyzer explain --device ID | --task ID [--format text|json|html] [--out FILE]`:
// a device's pending timeline and what a pass would decide, or an existing
// task's group rebuilt from its (processed) events and their neighbours and
// set beside the stored rows. Writes nothing in the database.
import { readNow } from '../../infra/clock.js';
import { ConfigError, type PassConfig } from '../../infra/config.js';
import { explainDevice, explainTask, formatMicros } from '../../core/index.js';
import { selectReady } from '../../core/index.js';
import type { DeviceInput, Micros, Mode, ReadyDevice, Settings, StoredTask } from '../../core/index.js';
import type { Sql } from '../../infra/db.js';
import { runCommand, type Io } from '../session.js';
import { EXIT } from '../../infra/exit-codes.js';
import { loadDevices } from '../load.js';
import { deviceById } from '../../sql/device-by-id.js';
import { selectReadyCodes } from '../../sql/ready-devices.js';
import { taskById } from '../../sql/task-by-id.js';
import { taskLinks } from '../../sql/task-links.js';
import { taskSpan } from '../../sql/task-span.js';
import { taskAnalyzerIssues } from '../../sql/task-analyzer-issues.js';
import { windowWraps } from '../../sql/window-wraps.js';
import { windowAlarms } from '../../sql/window-alarms.js';
import { windowIssues } from '../../sql/window-issues.js';
import { windowReceipts } from '../../sql/window-receipts.js';
import type { ExplainDocument, ExplainFormat, Readiness } from '../explain-document.js';
import { renderDocument } from '../explain-views.js';
import { writeFileAtomically } from '../files.js';

export interface ExplainOptions {
  target: { device: number } | { task: number };
  format: ExplainFormat;
  /** Write there instead of stdout. */
  out: string | undefined;
  /** --task: seconds of the device's events loaded before and after the task's own. */
  aroundSeconds: number;
  /** --mode (or ANALYZER_MODE) was given; else --task takes the device's mode. */
  modeGiven: boolean;
}

class ExplainFailure extends Error {}

function id(value: unknown, flag: string, what: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new ConfigError(`invalid ${flag}: '${String(value)}' (expected ${what})`);
  }
  return n;
}

/** The explain command's own options (exactly one of --device, --task). */
export function parseExplainOptions(raw: Record<string, unknown>, modeGiven: boolean): ExplainOptions {
  if ((raw.device === undefined) === (raw.task === undefined)) throw new ConfigError('explain needs exactly one of --device <id> or --task <id>');
  const target = raw.task !== undefined ? { task: id(raw.task, '--task', 'a task id') } : { device: id(raw.device, '--device', 'a device id') };
  if ('device' in target && !modeGiven) throw new ConfigError('missing --mode (or ANALYZER_MODE): receipts or dwr');
  const around = id(raw.around ?? '3600', '--around', 'seconds');
  return { target, format: (raw.format ?? 'text') as ExplainFormat, out: raw.out === undefined ? undefined : String(raw.out), aroundSeconds: around, modeGiven };
}

async function readiness(sql: Sql, deviceId: number): Promise<Record<Mode, Readiness>> {
  const rows = await selectReadyCodes(sql);
  const of = (mode: Mode): Readiness => {
    const r = selectReady(rows, mode, [deviceId]);
    return r.devices.length === 1 ? 'ready' : r.conflicts.length === 1 ? 'conflict' : 'not_ready';
  };
  return { receipts: of('receipts'), dwr: of('dwr') };
}

async function explainDeviceDocument(sql: Sql, config: PassConfig, deviceId: number, now: Micros): Promise<ExplainDocument> {
  const device = await deviceById(sql, deviceId);
  if (!device) throw new ExplainFailure(`no polycomm_device with id ${deviceId}`);
  const ready = await readiness(sql, deviceId);
  const input = (await loadDevices(sql, config.mode, [device])).get(deviceId)!;
  return {
    ...base(config, device, config.mode, 'option', ready[config.mode]),
    kind: 'device',
    explanation: explainDevice(input, settingsOf(config, config.mode), now),
  };
}

function settingsOf(config: PassConfig, mode: Mode): Settings {
  return { mode, lastEventTime: config.lastEventTime, timedeltaCheck: config.timedeltaCheck };
}

function base(config: PassConfig, device: ReadyDevice, mode: Mode, modeSource: ExplainDocument['modeSource'], ready: Readiness) {
  return {
    format: 'polycomm-analyzer explain' as const,
    version: 1 as const,
    device: { id: device.id, title: device.title ?? null, code: device.code },
    mode,
    modeSource,
    readiness: ready,
    settings: { lastEventTime: config.lastEventTime, timedeltaCheck: config.timedeltaCheck, timezone: config.timezone },
  };
}

/** --task without --mode: the mode the device is ready for; else receipts when the task links receipts. */
function taskMode(config: PassConfig, options: ExplainOptions, ready: Record<Mode, Readiness>, linksReceipts: boolean): { mode: Mode; source: ExplainDocument['modeSource'] } {
  if (options.modeGiven) return { mode: config.mode, source: 'option' };
  if (ready.receipts === 'ready' && ready.dwr !== 'ready') return { mode: 'receipts', source: 'ready' };
  if (ready.dwr === 'ready' && ready.receipts !== 'ready') return { mode: 'dwr', source: 'ready' };
  return linksReceipts ? { mode: 'receipts', source: 'links' } : { mode: 'receipts', source: 'assumed' };
}

async function loadTaskDevice(sql: Sql, task: StoredTask): Promise<ReadyDevice> {
  if (task.deviceId === null) throw new ExplainFailure(`task ${task.id} has no device_id: nothing to rebuild`);
  const device = await deviceById(sql, task.deviceId);
  if (!device) throw new ExplainFailure(`task ${task.id}: its device ${task.deviceId} is not in polycomm_device`);
  return device;
}

async function explainTaskDocument(sql: Sql, config: PassConfig, options: ExplainOptions, taskId: number, now: Micros): Promise<ExplainDocument> {
  const task = await taskById(sql, taskId);
  if (!task) throw new ExplainFailure(`no task with id ${taskId}`);
  const device = await loadTaskDevice(sql, task);
  const [links, ready, span] = await Promise.all([taskLinks(sql, taskId), readiness(sql, device.id), taskSpan(sql, taskId, device.id, device.code)]);
  const { mode, source } = taskMode(config, options, ready, links.some((l) => l.table === 'receipts'));
  const first = span.from ?? task.localDate;
  const last = span.to ?? task.localDate;
  if (first === null || last === null || !Number.isFinite(first) || !Number.isFinite(last)) {
    throw new ExplainFailure(`task ${taskId}: none of its events has a local time and its local_date is NULL: nothing to rebuild`);
  }
  const around = options.aroundSeconds * 1_000_000;
  const window = { from: first - around, to: last + around, aroundSeconds: options.aroundSeconds };
  const [from, to] = [formatMicros(window.from), formatMicros(window.to)];
  const [wraps, alarms, issues, receipts, analyzerIssues] = await Promise.all([
    windowWraps(sql, device.id, from, to),
    windowAlarms(sql, device.id, from, to),
    windowIssues(sql, device.id, from, to),
    mode === 'receipts' ? windowReceipts(sql, device.code, from, to) : [],
    taskAnalyzerIssues(sql, taskId),
  ]);
  const input: DeviceInput = { deviceId: device.id, wraps, alarms, issues, receipts };
  const rows = { task, links, wraps, alarms, issues, receipts, analyzerIssues };
  const explained = explainTask(rows, input, settingsOf(config, mode), now, window);
  return { ...base(config, device, mode, source, ready[mode]), kind: 'task', explanation: explained.explanation, task: explained };
}

export function runExplain(config: PassConfig, options: ExplainOptions, io: Io): Promise<number> {
  const now = readNow(config.timezone, config.now);
  return runCommand('explain', config, io, async (sql) => {
    try {
      const doc = 'task' in options.target
        ? await explainTaskDocument(sql, config, options, options.target.task, now)
        : await explainDeviceDocument(sql, config, options.target.device, now);
      const text = renderDocument(doc, options.format);
      if (options.out !== undefined) writeFileAtomically(options.out, text);
      else await io.output.print(text.endsWith('\n') ? text : text + '\n');
      return EXIT.OK;
    } catch (error) {
      // what the user asked for does not exist: one line, no error log
      if (!(error instanceof ExplainFailure)) throw error;
      io.output.error(error.message);
      return EXIT.FAILURE;
    }
  });
}
