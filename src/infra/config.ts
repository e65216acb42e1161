// Settings: flag > environment variable > default. Every value is validated
// here, once, so the rest of the program can trust its config.
import { IANAZone } from 'luxon';
import type { Mode } from '../core/index.js';

export class ConfigError extends Error {}

export type LogFormat = 'json' | 'text';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface ConnectionConfig {
  /** DATABASE_URL; when undefined postgres.js reads the standard PG* variables. */
  databaseUrl: string | undefined;
  /** Total seconds to keep retrying the first connection (CONNECT_TIMEOUT). */
  connectTimeout: number;
  /** statement_timeout for the pass's statements, ms, 0 = none (STATEMENT_TIMEOUT). */
  statementTimeout: number;
  /** lock_timeout, ms, 0 = none (LOCK_TIMEOUT). */
  lockTimeout: number;
}

export interface LogConfig {
  logDir: string | undefined;
  logLevel: LogLevel;
  /** undefined: JSON when stdout is not a TTY, text otherwise. */
  logFormat: LogFormat | undefined;
  logMaxSize: string;
  logMaxFiles: string;
}

export interface PassConfig extends ConnectionConfig, LogConfig {
  mode: Mode;
  lastEventTime: number;
  timedeltaCheck: number;
  timezone: string;
  dryRun: boolean;
  devices: number[] | undefined;
  reportDir: string | undefined;
  chunkSize: number;
  chunkEvents: number;
  runHistoryDays: number;
  /** ANALYZER_NOW: pretend the pass starts at this Moscow wall-clock time (replays, tests). */
  now: string | undefined;
}

/** One setting: its flag, env variable, default and what it means (for --help and the README). */
export interface SettingSpec {
  key: string;
  flag: string;
  env: string;
  description: string;
  default?: string;
}

export const CONNECTION_SETTINGS: SettingSpec[] = [
  { key: 'databaseUrl', flag: '--database-url <url>', env: 'DATABASE_URL', description: 'PostgreSQL connection URL (else the standard PG* variables)' },
  { key: 'connectTimeout', flag: '--connect-timeout <seconds>', env: 'CONNECT_TIMEOUT', description: 'how long to retry an unreachable database before giving up', default: '20' },
  { key: 'statementTimeout', flag: '--statement-timeout <ms>', env: 'STATEMENT_TIMEOUT', description: 'statement_timeout of the pass, 0 = none', default: '0' },
  { key: 'lockTimeout', flag: '--lock-timeout <ms>', env: 'LOCK_TIMEOUT', description: 'lock_timeout of the pass, 0 = none', default: '0' },
];

export const LOG_SETTINGS: SettingSpec[] = [
  { key: 'logDir', flag: '--log-dir <dir>', env: 'LOG_DIR', description: 'write a daily-rotated log file there (unset: stdout only)' },
  { key: 'logLevel', flag: '--log-level <level>', env: 'LOG_LEVEL', description: 'error, warn, info or debug', default: 'info' },
  { key: 'logFormat', flag: '--log-format <format>', env: 'LOG_FORMAT', description: 'json or text (default: json unless stdout is a TTY)' },
  { key: 'logMaxSize', flag: '--log-max-size <size>', env: 'LOG_MAX_SIZE', description: 'rotate the log file at this size (bytes, or with k/m/g)', default: '20m' },
  { key: 'logMaxFiles', flag: '--log-max-files <n>', env: 'LOG_MAX_FILES', description: 'rotated files to keep (a count, or days as 14d)', default: '10' },
];

export const PASS_SETTINGS: SettingSpec[] = [
  { key: 'mode', flag: '--mode <mode>', env: 'ANALYZER_MODE', description: 'receipts or dwr (required)' },
  { key: 'lastEventTime', flag: '--last-event-time <seconds>', env: 'LAST_EVENT_TIME', description: 'a group younger than this is still in progress (R9)', default: '900' },
  { key: 'timedeltaCheck', flag: '--timedelta-check <seconds>', env: 'TIMEDELTA_CHECK', description: 'a gap longer than this cuts a group (R8)', default: '420' },
  { key: 'timezone', flag: '--timezone <zone>', env: 'ANALYZER_TIMEZONE', description: 'IANA zone of the Moscow columns (R9)', default: 'Europe/Moscow' },
  { key: 'dryRun', flag: '--dry-run', env: 'DRY_RUN', description: 'analyse and report, write nothing (env: true/1)' },
  { key: 'devices', flag: '--device <id...>', env: 'DEVICES', description: 'only these device ids (env: comma-separated)' },
  { key: 'reportDir', flag: '--report-dir <dir>', env: 'REPORT_DIR', description: 'write the pass report as JSON there' },
  { key: 'chunkSize', flag: '--chunk-size <devices>', env: 'CHUNK_SIZE', description: 'most devices loaded per chunk', default: '50' },
  { key: 'chunkEvents', flag: '--chunk-events <rows>', env: 'CHUNK_EVENTS', description: 'pending rows a chunk aims at (bounds memory), 0 = devices only', default: '20000' },
  { key: 'runHistoryDays', flag: '--run-history-days <days>', env: 'RUN_HISTORY_DAYS', description: 'keep analyzer_run rows this long', default: '90' },
  { key: 'now', flag: '--now <time>', env: 'ANALYZER_NOW', description: "pretend 'now' is this wall-clock time of --timezone (ISO, for replays and tests)" },
];

type Raw = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** flag > env > default, as a string (or the flag's own non-string value). */
function pick(raw: Raw, env: Env, spec: SettingSpec): unknown {
  const flag = raw[spec.key];
  if (flag !== undefined) return flag;
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return spec.default;
}

function find(specs: SettingSpec[], key: string): SettingSpec {
  const spec = specs.find((s) => s.key === key);
  if (!spec) throw new Error(`unknown setting ${key}`);
  return spec;
}

function integer(value: unknown, spec: SettingSpec, min: number): number {
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(`invalid ${spec.env} / ${spec.flag.split(' ')[0]}: '${String(value)}' (expected a whole number >= ${min})`);
  }
  return Number(text);
}

function oneOf<T extends string>(value: unknown, spec: SettingSpec, allowed: readonly T[]): T {
  const text = String(value).trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(`invalid ${spec.env} / ${spec.flag.split(' ')[0]}: '${String(value)}' (expected one of ${allowed.join(', ')})`);
  }
  return text as T;
}

function boolean(value: unknown, spec: SettingSpec): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw new ConfigError(`invalid ${spec.env}: '${String(value)}' (expected true or false)`);
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

export function parseConnection(raw: Raw, env: Env): ConnectionConfig {
  const s = (key: string) => find(CONNECTION_SETTINGS, key);
  const databaseUrl = text(pick(raw, env, s('databaseUrl')));
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError("invalid DATABASE_URL / --database-url: expected postgres://user:password@host:port/database");
  }
  return {
    databaseUrl,
    connectTimeout: integer(pick(raw, env, s('connectTimeout')), s('connectTimeout'), 1),
    statementTimeout: integer(pick(raw, env, s('statementTimeout')), s('statementTimeout'), 0),
    lockTimeout: integer(pick(raw, env, s('lockTimeout')), s('lockTimeout'), 0),
  };
}

export function parseLog(raw: Raw, env: Env): LogConfig {
  const s = (key: string) => find(LOG_SETTINGS, key);
  const format = pick(raw, env, s('logFormat'));
  const maxSize = String(pick(raw, env, s('logMaxSize'))).trim().toLowerCase();
  if (!/^\d+[kmg]?$/.test(maxSize) || /^0+[kmg]?$/.test(maxSize)) {
    throw new ConfigError(`invalid LOG_MAX_SIZE / --log-max-size: '${maxSize}' (expected bytes, or a number with k, m or g)`);
  }
  const maxFiles = String(pick(raw, env, s('logMaxFiles'))).trim().toLowerCase();
  if (!/^[1-9]\d*d?$/.test(maxFiles)) {
    throw new ConfigError(`invalid LOG_MAX_FILES / --log-max-files: '${maxFiles}' (expected a count, or days as 14d)`);
  }
  return {
    logDir: text(pick(raw, env, s('logDir'))),
    logLevel: oneOf(pick(raw, env, s('logLevel')), s('logLevel'), ['error', 'warn', 'info', 'debug'] as const),
    logFormat: format === undefined ? undefined : oneOf(format, s('logFormat'), ['json', 'text'] as const),
    logMaxSize: maxSize,
    logMaxFiles: maxFiles,
  };
}

export function validateZone(zone: string, what = 'ANALYZER_TIMEZONE / --timezone'): string {
  if (!IANAZone.isValidZone(zone)) throw new ConfigError(`invalid ${what}: '${zone}' is not an IANA time zone`);
  return zone;
}

function deviceList(value: unknown, spec: SettingSpec): number[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : String(value).split(',')).map((v) => String(v).trim()).filter((v) => v !== '');
  if (items.length === 0) return undefined;
  return items.map((item) => integer(item, spec, 0));
}

export function parseMode(value: unknown): Mode {
  const spec = find(PASS_SETTINGS, 'mode');
  if (value === undefined) throw new ConfigError('missing --mode (or ANALYZER_MODE): receipts or dwr');
  return oneOf(value, spec, ['receipts', 'dwr'] as const);
}

export function parsePass(raw: Raw, env: Env): PassConfig {
  const s = (key: string) => find(PASS_SETTINGS, key);
  const mode = parseMode(pick(raw, env, s('mode')));
  const chunkSize = integer(pick(raw, env, s('chunkSize')), s('chunkSize'), 1);
  return {
    ...parseConnection(raw, env),
    ...parseLog(raw, env),
    mode,
    lastEventTime: integer(pick(raw, env, s('lastEventTime')), s('lastEventTime'), 0),
    timedeltaCheck: integer(pick(raw, env, s('timedeltaCheck')), s('timedeltaCheck'), 0),
    timezone: validateZone(String(pick(raw, env, s('timezone'))).trim()),
    dryRun: boolean(pick(raw, env, s('dryRun')), s('dryRun')),
    devices: deviceList(pick(raw, env, s('devices')), s('devices')),
    reportDir: text(pick(raw, env, s('reportDir'))),
    chunkSize,
    chunkEvents: integer(pick(raw, env, s('chunkEvents')), s('chunkEvents'), 0),
    runHistoryDays: integer(pick(raw, env, s('runHistoryDays')), s('runHistoryDays'), 1),
    now: text(pick(raw, env, s('now'))),
  };
}
