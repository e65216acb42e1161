// `analyzer explain --device ID | --task ID [--format text|json|html] [--out FILE]`:
// a device's pending timeline and what a pass would decide, or an existing
// task's group rebuilt from its (processed) events and their neighbours and
// set beside the stored rows. Writes nothing in the database.
import { readNow } from '../../infra/clock.js';
import { ConfigError, MODE, type AnalysisConfig, type ConnectionConfig, type LogConfig } from '../../infra/config.js';
import { asText, oneOf, optional, required, valueOf, type Setting } from '../../infra/settings.js';
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
import { EXPLAIN_FORMATS, type ExplainDocument, type ExplainFormat, type Readiness } from '../explain-document.js';
import { renderDocument } from '../explain-views.js';
import { writeFileAtomically } from '../files.js';

/** What explain runs on: the connection, the log and the rules' settings (no pass-only setting). */
export type ExplainConfig = ConnectionConfig & LogConfig & AnalysisConfig;

export interface ExplainOptions {
  /** --device needs --mode; --task takes the device's mode when none is given. */
  target: { device: number; mode: Mode } | { task: number; mode: Mode | undefined };
  format: ExplainFormat;
  /** Write there instead of stdout. */
  out: string | undefined;
  /** --task: seconds of the device's events loaded before and after the task's own. */
  aroundSeconds: number;
}

class ExplainFailure extends Error {}

/** A row id, in decimal digits. */
const id = (what: string) => (text: string, name: string): number => {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new ConfigError(`invalid ${name}: '${text}' (expected ${what})`);
  return Number(text);
};

export const EXPLAIN_OPTIONS = {
  device: { key: 'device', flag: '--device <id>', description: 'the device id (polycomm_device.id): its pending events', read: optional(id('a device id')) },
  task: { key: 'task', flag: '--task <id>', description: 'the task id (task.id): its group rebuilt and checked; --mode defaults to the mode the device is ready for', read: optional(id('a task id')) },
  format: { key: 'format', flag: '--format <format>', description: 'text, json or html', default: 'text', read: required(oneOf(EXPLAIN_FORMATS)) },
  out: { key: 'out', flag: '--out <file>', description: 'write there instead of stdout', read: optional(asText) },
  around: { key: 'around', flag: '--around <seconds>', description: "--task: seconds of the device's events loaded before and after the task's own", default: '3600', read: required(id('seconds')) },
} satisfies Record<string, Setting<unknown>>;

/** The explain command's own options (exactly one of --device, --task) and its --mode. */
export function parseExplainOptions(raw: Record<string, unknown>): ExplainOptions {
  const device = valueOf(raw, EXPLAIN_OPTIONS.device);
  const task = valueOf(raw, EXPLAIN_OPTIONS.task);
  const mode = valueOf(raw, MODE);
  if ((device === undefined) === (task === undefined)) throw new ConfigError('explain needs exactly one of --device <id> or --task <id>');
  let target: ExplainOptions['target'];
  if (task !== undefined) target = { task, mode };
  else if (mode === undefined) throw new ConfigError('missing --mode (or ANALYZER_MODE): receipts or dwr');
  else target = { device: device!, mode };
  return { target, format: valueOf(raw, EXPLAIN_OPTIONS.format), out: valueOf(raw, EXPLAIN_OPTIONS.out), aroundSeconds: valueOf(raw, EXPLAIN_OPTIONS.around) };
}

async function readiness(sql: Sql, deviceId: number): Promise<Record<Mode, Readiness>> {
  const rows = await selectReadyCodes(sql);
  const of = (mode: Mode): Readiness => {
    const r = selectReady(rows, mode, [deviceId]);
    return r.devices.length === 1 ? 'ready' : r.conflicts.length === 1 ? 'conflict' : 'not_ready';
  };
  return { receipts: of('receipts'), dwr: of('dwr') };
}

async function explainDeviceDocument(sql: Sql, config: ExplainConfig, target: { device: number; mode: Mode }, now: Micros): Promise<ExplainDocument> {
  const { device: deviceId, mode } = target;
  const device = await deviceById(sql, deviceId);
  if (!device) throw new ExplainFailure(`no polycomm_device with id ${deviceId}`);
  const ready = await readiness(sql, deviceId);
  const input = (await loadDevices(sql, mode, [device])).get(deviceId)!;
  return {
    ...base(config, device, mode, 'option', ready[mode]),
    kind: 'device',
    explanation: explainDevice(input, settingsOf(config, mode), now),
  };
}

function settingsOf(config: ExplainConfig, mode: Mode): Settings {
  return { mode, lastEventTime: config.lastEventTime, timedeltaCheck: config.timedeltaCheck };
}

function base(config: ExplainConfig, device: ReadyDevice, mode: Mode, modeSource: ExplainDocument['modeSource'], ready: Readiness) {
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
function taskMode(given: Mode | undefined, ready: Record<Mode, Readiness>, linksReceipts: boolean): { mode: Mode; source: ExplainDocument['modeSource'] } {
  if (given !== undefined) return { mode: given, source: 'option' };
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

async function explainTaskDocument(sql: Sql, config: ExplainConfig, options: ExplainOptions, target: { task: number; mode: Mode | undefined }, now: Micros): Promise<ExplainDocument> {
  const taskId = target.task;
  const task = await taskById(sql, taskId);
  if (!task) throw new ExplainFailure(`no task with id ${taskId}`);
  const device = await loadTaskDevice(sql, task);
  const [links, ready, span] = await Promise.all([taskLinks(sql, taskId), readiness(sql, device.id), taskSpan(sql, taskId, device.id, device.code)]);
  const { mode, source } = taskMode(target.mode, ready, links.some((l) => l.table === 'receipts'));
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

export function runExplain(config: ExplainConfig, options: ExplainOptions, io: Io): Promise<number> {
  const now = readNow(config.timezone, config.now);
  return runCommand('explain', config, io, async (sql) => {
    try {
      const doc = 'task' in options.target
        ? await explainTaskDocument(sql, config, options, options.target, now)
        : await explainDeviceDocument(sql, config, options.target, now);
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
