// Settings: flag > environment variable > default (commander applies the
// order, these specs say what each setting is and how its text is checked).
// Every value is validated once, so the rest of the program can trust it.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import { IANAZone } from 'luxon';
import type { Mode } from '../core/index.js';
import { parseConnectionUrl, urlParams } from './connection-url.js';

export class ConfigError extends Error {}

export type LogFormat = 'json' | 'text';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** libpq's sslmode values ('allow' is treated as 'prefer'). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** A PEM file read at start-up (a missing or unreadable file is a configuration error, not a connection failure). */
export interface PemFile {
  path: string;
  pem: string;
}

/** TLS as libpq configures it: URL parameters first, then PGSSL* variables, then libpq's defaults. */
export interface TlsConfig {
  sslmode: SslMode;
  /** sslrootcert: the CA bundle to verify the server against; 'system' = Node's trusted CAs. */
  rootCert: PemFile | 'system' | undefined;
  /** sslcert + sslkey: client certificate authentication. */
  cert: PemFile | undefined;
  key: PemFile | undefined;
  /** sslpassword: the passphrase of an encrypted sslkey. */
  keyPassword: string | undefined;
}


export interface ConnectionConfig {
  /** DATABASE_URL (or the content of DATABASE_URL_FILE); when undefined postgres.js reads the standard PG* variables. */
  databaseUrl: string | undefined;
  /** TLS settings (libpq's meaning); undefined: libpq's default, sslmode=prefer. */
  tls?: TlsConfig;
  /** hostaddr / PGHOSTADDR: the address to connect to; the host name still names the server (certificate, .pgpass). */
  hostaddr?: string;
  /** The password file (PGPASSFILE, else ~/.pgpass) used when no password is given. */
  passfile?: string;
  /** Total seconds to keep retrying the first connection (CONNECT_TIMEOUT). */
  connectTimeout: number;
  /** statement_timeout for the pass's statements, ms, 0 = none (STATEMENT_TIMEOUT). */
  statementTimeout: number;
  /** lock_timeout, ms, 0 = none (LOCK_TIMEOUT). */
  lockTimeout: number;
  /** Seconds a statement may go without an answer before it is cancelled, 0 = no limit (QUERY_TIMEOUT). */
  queryTimeout: number;
  /** Seconds to wait for a cancelled statement to end before the connection is taken as lost (CANCEL_TIMEOUT). */
  cancelTimeout: number;
  /** Seconds of silence on the socket before TCP keepalive probes start, 0 = off (TCP_KEEPALIVE). */
  tcpKeepalive: number;
}

export interface LogConfig {
  logDir: string | undefined;
  logLevel: LogLevel;
  /** undefined: JSON when stdout is not a TTY, text otherwise. */
  logFormat: LogFormat | undefined;
  logMaxSize: string;
  logMaxFiles: string;
}

export interface PassConfig extends ConnectionConfig, LogConfig, ObservabilityConfig {
  mode: Mode;
  lastEventTime: number;
  timedeltaCheck: number;
  timezone: string;
  dryRun: boolean;
  devices: number[] | undefined;
  reportDir: string | undefined;
  chunkSize: number;
  chunkEvents: number;
  /** PASS_CONNECTIONS: 2 = the next chunk is loaded and analysed on a second connection while one writes; 1 = one after another. */
  connections: number;
  runHistoryDays: number;
  /** ANALYZER_NOW: pretend the pass starts at this Moscow wall-clock time (replays, tests). */
  now: string | undefined;
  /** MAX_DURATION: seconds after which the pass stops as on SIGTERM, 0 = no limit. */
  maxDuration: number;
}

/** Where a pass's metrics go and how it shows progress (README "Monitoring"). */
export interface ObservabilityConfig {
  /** PUSHGATEWAY_URL: push the pass's metrics there (pushAdd, job polycomm_analyzer, grouped by mode). */
  pushgatewayUrl: string | undefined;
  /** METRICS_FILE: write them there atomically, for node_exporter's textfile collector (*.prom). */
  metricsFile: string | undefined;
  /** PROGRESS_INTERVAL: seconds between progress log lines (JSON logs), 0 = none. */
  progressInterval: number;
}

/**
 * One setting: its flag, env variable, default and what it means (for --help
 * and the README), and how its text becomes a value. The command line reads
 * it with commander (`Option.env()`, `.default()`, `.argParser()`): a flag
 * beats the environment, which beats the default.
 */
export interface SettingSpec {
  key: string;
  flag: string;
  env: string;
  description: string;
  default?: string;
  /** the text of the flag or the variable to the setting's value; throws ConfigError */
  parse?: (text: string, previous: unknown) => unknown;
}

/** `invalid CHUNK_SIZE / --chunk-size` */
const label = (env: string, flag: string) => `${env} / ${flag}`;

/** A whole number >= min, written in decimal digits. */
export function wholeNumber(name: string, min: number): (text: string) => number {
  return (value) => {
    const text = String(value).trim();
    if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
      throw new ConfigError(`invalid ${name}: '${String(value)}' (expected a whole number >= ${min})`);
    }
    return Number(text);
  };
}

/** A whole number from min to max, written in decimal digits. */
function wholeNumberUpTo(name: string, min: number, max: number): (text: string) => number {
  const parse = wholeNumber(name, min);
  return (value) => {
    const n = parse(value);
    if (n > max) throw new ConfigError(`invalid ${name}: '${String(value)}' (expected a whole number from ${min} to ${max})`);
    return n;
  };
}

/** Ids, as repeated flags (`--device 1 2`) or comma-separated (`DEVICES=1,2`), each checked. */
export function idList(name: string, check: (n: number) => boolean, expected: string): (text: string, previous: unknown) => number[] {
  return (value, previous) => {
    const items = String(value).split(',').map((v) => v.trim()).filter((v) => v !== '');
    const ids = items.map((item) => {
      const n = Number(item);
      if (!/^\d+$/.test(item) || !Number.isSafeInteger(n) || !check(n)) throw new ConfigError(`invalid ${name}: '${item}' (expected ${expected})`);
      return n;
    });
    return [...(Array.isArray(previous) ? (previous as number[]) : []), ...ids];
  };
}

function oneOf<T extends string>(name: string, allowed: readonly T[]): (text: string) => T {
  return (value) => {
    const text = String(value).trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(text)) {
      throw new ConfigError(`invalid ${name}: '${String(value)}' (expected one of ${allowed.join(', ')})`);
    }
    return text as T;
  };
}

function matching(name: string, pattern: RegExp, expected: string): (text: string) => string {
  return (value) => {
    const text = String(value).trim().toLowerCase();
    if (!pattern.test(text)) throw new ConfigError(`invalid ${name}: '${text}' (expected ${expected})`);
    return text;
  };
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

export function validateZone(zone: string, what = 'ANALYZER_TIMEZONE / --timezone'): string {
  if (!IANAZone.isValidZone(zone)) throw new ConfigError(`invalid ${what}: '${zone}' is not an IANA time zone`);
  return zone;
}

export const parseMode = (value: unknown): Mode => oneOf(label('ANALYZER_MODE', '--mode'), ['receipts', 'dwr'] as const)(String(value));

export const CONNECTION_SETTINGS: SettingSpec[] = [
  // no parser: the URL and its file are exclusive per source (flag or variable), so parseConnection reads the variables itself
  { key: 'databaseUrl', flag: '--database-url <url>', env: 'DATABASE_URL', description: 'PostgreSQL connection URL (else the standard PG* variables); libpq parameters sslmode, sslrootcert, sslcert, sslkey, hostaddr apply' },
  { key: 'databaseUrlFile', flag: '--database-url-file <path>', env: 'DATABASE_URL_FILE', description: 'read the connection URL from this file (a mounted secret); exclusive with DATABASE_URL' },
  { key: 'connectTimeout', flag: '--connect-timeout <seconds>', env: 'CONNECT_TIMEOUT', description: 'how long to retry an unreachable database before giving up', default: '20', parse: wholeNumber(label('CONNECT_TIMEOUT', '--connect-timeout'), 1) },
  { key: 'statementTimeout', flag: '--statement-timeout <ms>', env: 'STATEMENT_TIMEOUT', description: "statement_timeout of the pass's transactions (SET LOCAL), 0 = none", default: '0', parse: wholeNumber(label('STATEMENT_TIMEOUT', '--statement-timeout'), 0) },
  { key: 'lockTimeout', flag: '--lock-timeout <ms>', env: 'LOCK_TIMEOUT', description: "lock_timeout of the pass's transactions (SET LOCAL), 0 = none", default: '0', parse: wholeNumber(label('LOCK_TIMEOUT', '--lock-timeout'), 0) },
  { key: 'queryTimeout', flag: '--query-timeout <seconds>', env: 'QUERY_TIMEOUT', description: 'longest wait for the answer to one statement: past it the statement is cancelled, 0 = no limit', default: '15', parse: wholeNumber(label('QUERY_TIMEOUT', '--query-timeout'), 0) },
  { key: 'cancelTimeout', flag: '--cancel-timeout <seconds>', env: 'CANCEL_TIMEOUT', description: 'after a cancel, how long to wait for the statement to end before the connection is taken as lost', default: '5', parse: wholeNumber(label('CANCEL_TIMEOUT', '--cancel-timeout'), 1) },
  { key: 'tcpKeepalive', flag: '--tcp-keepalive <seconds>', env: 'TCP_KEEPALIVE', description: 'idle seconds before TCP keepalive probes on the connection, 0 = off', default: '10', parse: wholeNumber(label('TCP_KEEPALIVE', '--tcp-keepalive'), 0) },
];

export const LOG_SETTINGS: SettingSpec[] = [
  { key: 'logDir', flag: '--log-dir <dir>', env: 'LOG_DIR', description: 'write a daily-rotated log file there (unset: stdout only)', parse: text },
  { key: 'logLevel', flag: '--log-level <level>', env: 'LOG_LEVEL', description: 'error, warn, info or debug', default: 'info', parse: oneOf(label('LOG_LEVEL', '--log-level'), ['error', 'warn', 'info', 'debug'] as const) },
  { key: 'logFormat', flag: '--log-format <format>', env: 'LOG_FORMAT', description: 'json or text (default: json unless stdout is a TTY)', parse: oneOf(label('LOG_FORMAT', '--log-format'), ['json', 'text'] as const) },
  { key: 'logMaxSize', flag: '--log-max-size <size>', env: 'LOG_MAX_SIZE', description: 'rotate the log file at this size (bytes, or with k/m/g)', default: '20m',
    parse: matching(label('LOG_MAX_SIZE', '--log-max-size'), /^(?!0+[kmg]?$)\d+[kmg]?$/, 'bytes, or a number with k, m or g') },
  { key: 'logMaxFiles', flag: '--log-max-files <n>', env: 'LOG_MAX_FILES', description: 'rotated files to keep (a count, or days as 14d)', default: '10',
    parse: matching(label('LOG_MAX_FILES', '--log-max-files'), /^[1-9]\d*d?$/, 'a count, or days as 14d') },
];

export const PASS_SETTINGS: SettingSpec[] = [
  { key: 'mode', flag: '--mode <mode>', env: 'ANALYZER_MODE', description: 'receipts or dwr (required)', parse: parseMode },
  { key: 'lastEventTime', flag: '--last-event-time <seconds>', env: 'LAST_EVENT_TIME', description: 'a group younger than this is still in progress (R9)', default: '900', parse: wholeNumber(label('LAST_EVENT_TIME', '--last-event-time'), 0) },
  { key: 'timedeltaCheck', flag: '--timedelta-check <seconds>', env: 'TIMEDELTA_CHECK', description: 'a gap longer than this cuts a group (R8)', default: '420', parse: wholeNumber(label('TIMEDELTA_CHECK', '--timedelta-check'), 0) },
  { key: 'timezone', flag: '--timezone <zone>', env: 'ANALYZER_TIMEZONE', description: 'IANA zone of the Moscow columns (R9)', default: 'Europe/Moscow', parse: (v) => validateZone(String(v).trim()) },
  // a boolean flag: commander would set it from DRY_RUN=false too, so parsePass reads the variable
  { key: 'dryRun', flag: '--dry-run', env: 'DRY_RUN', description: 'analyse and report, write nothing (env: true/1)' },
  { key: 'devices', flag: '--device <id...>', env: 'DEVICES', description: 'only these device ids (env: comma-separated)', parse: idList(label('DEVICES', '--device'), () => true, 'a whole number >= 0') },
  { key: 'reportDir', flag: '--report-dir <dir>', env: 'REPORT_DIR', description: 'write the pass report as JSON there', parse: text },
  { key: 'chunkSize', flag: '--chunk-size <devices>', env: 'CHUNK_SIZE', description: 'most devices loaded per chunk', default: '50', parse: wholeNumber(label('CHUNK_SIZE', '--chunk-size'), 1) },
  { key: 'chunkEvents', flag: '--chunk-events <rows>', env: 'CHUNK_EVENTS', description: 'pending rows a chunk aims at (bounds memory), 0 = devices only', default: '10000', parse: wholeNumber(label('CHUNK_EVENTS', '--chunk-events'), 0) },
  { key: 'connections', flag: '--connections <n>', env: 'PASS_CONNECTIONS', description: 'connections a pass uses: 2 loads and analyses the next chunk on the second while a chunk writes; 1 = one chunk after another', default: '2', parse: wholeNumberUpTo(label('PASS_CONNECTIONS', '--connections'), 1, 2) },
  { key: 'runHistoryDays', flag: '--run-history-days <days>', env: 'RUN_HISTORY_DAYS', description: 'keep analyzer_run rows this long', default: '90', parse: wholeNumber(label('RUN_HISTORY_DAYS', '--run-history-days'), 1) },
  { key: 'maxDuration', flag: '--max-duration <seconds>', env: 'MAX_DURATION', description: 'stop the pass after this long as SIGTERM does (chunks written are kept, the run is interrupted), 0 = no limit', default: '1500', parse: wholeNumber(label('MAX_DURATION', '--max-duration'), 0) },
  { key: 'now', flag: '--now <time>', env: 'ANALYZER_NOW', description: "pretend 'now' is this wall-clock time of --timezone (ISO, for replays and tests)", parse: text },
];

type Raw = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** The parsed default of a setting. */
export function defaultOf(spec: SettingSpec): unknown {
  if (spec.default === undefined) return undefined;
  return spec.parse ? spec.parse(spec.default, undefined) : spec.default;
}

/**
 * The values commander parsed; a setting a command does not offer (explain has
 * no --chunk-size) takes its default.
 */
function settings(raw: Raw, specs: SettingSpec[]): Raw {
  return Object.fromEntries(specs.map((spec) => [spec.key, raw[spec.key] !== undefined ? raw[spec.key] : defaultOf(spec)]));
}

function boolean(value: unknown, name: string): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw new ConfigError(`invalid ${name}: '${String(value)}' (expected true or false)`);
}

export function parseConnection(raw: Raw, env: Env = process.env): ConnectionConfig {
  const s = settings(raw, CONNECTION_SETTINGS);
  const databaseUrl = connectionUrl(raw, env);
  if (databaseUrl !== undefined && parseConnectionUrl(databaseUrl) === undefined) {
    throw new ConfigError('invalid DATABASE_URL / --database-url: expected postgres://user:password@host:port/database');
  }
  const params = urlParams(databaseUrl);
  const setting = (name: string, envName: string) => text(params.get(name) ?? env[envName]);
  return {
    databaseUrl,
    tls: parseTls(setting, env),
    hostaddr: setting('hostaddr', 'PGHOSTADDR'),
    passfile: setting('passfile', 'PGPASSFILE') ?? join(env.HOME ?? homedir(), '.pgpass'),
    connectTimeout: s.connectTimeout as number,
    statementTimeout: s.statementTimeout as number,
    lockTimeout: s.lockTimeout as number,
    queryTimeout: s.queryTimeout as number,
    cancelTimeout: s.cancelTimeout as number,
    tcpKeepalive: s.tcpKeepalive as number,
  };
}

export function parseLog(raw: Raw): LogConfig {
  const s = settings(raw, LOG_SETTINGS);
  return {
    logDir: s.logDir as string | undefined,
    logLevel: s.logLevel as LogLevel,
    logFormat: s.logFormat as LogFormat | undefined,
    logMaxSize: s.logMaxSize as string,
    logMaxFiles: s.logMaxFiles as string,
  };
}

const pushgatewayUrl = (value: string): string | undefined => {
  const url = text(value);
  if (url !== undefined && !/^https?:\/\/[^/\s]+/i.test(url)) {
    throw new ConfigError(`invalid PUSHGATEWAY_URL / --pushgateway-url: '${url}' (expected http://host:9091)`);
  }
  return url;
};

const metricsFile = (value: string): string | undefined => {
  const path = text(value);
  if (path !== undefined && !path.endsWith('.prom')) {
    throw new ConfigError(`invalid METRICS_FILE / --metrics-file: '${path}' (expected a name ending in .prom: node_exporter's textfile collector reads only those)`);
  }
  return path;
};

export const OBSERVABILITY_SETTINGS: SettingSpec[] = [
  { key: 'pushgatewayUrl', flag: '--pushgateway-url <url>', env: 'PUSHGATEWAY_URL', description: "push the pass's metrics to this Prometheus Pushgateway (job polycomm_analyzer, grouped by mode)", parse: pushgatewayUrl },
  { key: 'metricsFile', flag: '--metrics-file <path>', env: 'METRICS_FILE', description: "write the pass's metrics to this *.prom file (node_exporter textfile collector), atomically", parse: metricsFile },
  { key: 'progressInterval', flag: '--progress-interval <seconds>', env: 'PROGRESS_INTERVAL', description: 'seconds between progress log lines of a long pass (JSON logs), 0 = none', default: '30', parse: wholeNumber(label('PROGRESS_INTERVAL', '--progress-interval'), 0) },
];

export function parseObservability(raw: Raw): ObservabilityConfig {
  const s = settings(raw, OBSERVABILITY_SETTINGS);
  return {
    pushgatewayUrl: s.pushgatewayUrl as string | undefined,
    metricsFile: s.metricsFile as string | undefined,
    progressInterval: s.progressInterval as number,
  };
}

export function parsePass(raw: Raw, env: Env): PassConfig {
  const s = settings(raw, PASS_SETTINGS);
  if (s.mode === undefined) throw new ConfigError('missing --mode (or ANALYZER_MODE): receipts or dwr');
  const devices = s.devices as number[] | undefined;
  return {
    ...parseConnection(raw, env),
    ...parseLog(raw),
    ...parseObservability(raw),
    mode: s.mode as Mode,
    lastEventTime: s.lastEventTime as number,
    timedeltaCheck: s.timedeltaCheck as number,
    timezone: s.timezone as string,
    dryRun: raw.dryRun === true || boolean(env.DRY_RUN, 'DRY_RUN'),
    devices: devices && devices.length > 0 ? devices : undefined,
    reportDir: s.reportDir as string | undefined,
    chunkSize: s.chunkSize as number,
    chunkEvents: s.chunkEvents as number,
    connections: s.connections as number,
    runHistoryDays: s.runHistoryDays as number,
    now: s.now as string | undefined,
    maxDuration: s.maxDuration as number,
  };
}

/**
 * The URL: --database-url, else --database-url-file, else DATABASE_URL, else
 * DATABASE_URL_FILE (the official database images' convention for mounted
 * secrets: the file's content, trailing newline trimmed).
 */
function connectionUrl(raw: Raw, env: Env): string | undefined {
  const fromFlag = text(raw.databaseUrl);
  const fileFlag = text(raw.databaseUrlFile);
  if (fromFlag !== undefined && fileFlag !== undefined) throw new ConfigError('--database-url and --database-url-file are exclusive: give one');
  if (fromFlag !== undefined) return fromFlag;
  if (fileFlag !== undefined) return readUrlFile(fileFlag, '--database-url-file');
  const fromEnv = text(env.DATABASE_URL);
  const fileEnv = text(env.DATABASE_URL_FILE);
  if (fromEnv !== undefined && fileEnv !== undefined) throw new ConfigError('DATABASE_URL and DATABASE_URL_FILE are both set: they are exclusive, unset one');
  if (fileEnv !== undefined) return readUrlFile(fileEnv, 'DATABASE_URL_FILE');
  return fromEnv;
}

function readUrlFile(path: string, what: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const url = content.trim();
  if (url === '') throw new ConfigError(`${what} ${path} is empty: expected the connection URL`);
  return url;
}

/** ~/.postgresql/NAME when it exists: libpq's default certificate locations. */
function libpqDefault(env: Env, name: string): string | undefined {
  const path = join(env.HOME ?? homedir(), '.postgresql', name);
  try {
    return statSync(path).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

function pemFile(path: string, what: string): PemFile {
  try {
    return { path, pem: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** libpq refuses a private key others can read (u=rw, or u=rw,g=r when owned by root). */
function keyFile(path: string): PemFile {
  const file = pemFile(path, 'sslkey');
  const { mode, uid } = statSync(path);
  const limit = uid === 0 ? 0o640 : 0o600;
  if ((mode & 0o777 & ~limit) !== 0) {
    throw new ConfigError(`sslkey ${path} has group or world access; permissions should be u=rw (0600) or less (u=rw,g=r (0640) if owned by root)`);
  }
  return file;
}

function parseTls(setting: (name: string, envName: string) => string | undefined, env: Env): TlsConfig {
  const modeText = setting('sslmode', 'PGSSLMODE') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(modeText)) {
    throw new ConfigError(`invalid sslmode / PGSSLMODE: '${modeText}' (expected one of ${SSL_MODES.join(', ')})`);
  }
  let sslmode = modeText as SslMode;
  const verifies = sslmode === 'verify-ca' || sslmode === 'verify-full';
  const rootPath = setting('sslrootcert', 'PGSSLROOTCERT') ?? (verifies || sslmode === 'require' ? libpqDefault(env, 'root.crt') : undefined);
  if (verifies && rootPath === undefined) {
    throw new ConfigError(`sslmode=${sslmode} needs the CA to verify the server: set sslrootcert / PGSSLROOTCERT (a PEM file, or 'system' for the system's trusted CAs) or put it in ~/.postgresql/root.crt`);
  }
  // libpq: require with a root certificate verifies the chain, as verify-ca does
  if (sslmode === 'require' && rootPath !== undefined) sslmode = 'verify-ca';
  const certPath = setting('sslcert', 'PGSSLCERT') ?? libpqDefault(env, 'postgresql.crt');
  const keyPath = setting('sslkey', 'PGSSLKEY') ?? (certPath !== undefined ? libpqDefault(env, 'postgresql.key') : undefined);
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError('sslcert and sslkey go together: a client certificate needs its private key (and the key its certificate)');
  }
  const tls: TlsConfig = {
    sslmode,
    rootCert: rootPath === undefined || sslmode === 'disable' ? undefined : rootPath === 'system' ? 'system' : pemFile(rootPath, 'sslrootcert'),
    cert: certPath === undefined || sslmode === 'disable' ? undefined : pemFile(certPath, 'sslcert'),
    key: keyPath === undefined || sslmode === 'disable' ? undefined : keyFile(keyPath),
    keyPassword: setting('sslpassword', 'PGSSLPASSWORD'),
  };
  checkClientCertificate(tls);
  return tls;
}

/** A key that does not open or does not match its certificate fails here, in one line, not mid-handshake. */
function checkClientCertificate(tls: TlsConfig): void {
  if (!tls.cert || !tls.key) return;
  try {
    createSecureContext({ cert: tls.cert.pem, key: tls.key.pem, passphrase: tls.keyPassword });
  } catch (error) {
    const reason = (error as Error).message.replace(/^error:[0-9A-F]+:/i, '');
    throw new ConfigError(`cannot use the client certificate ${tls.cert.path} with the key ${tls.key.path}: ${reason}`);
  }
}
