// The settings of every command and how their text becomes checked values.
// Parsing is pure: commander (src/cli.ts) hands over the options' text, the
// environment is passed in, and every file a setting names (the URL file,
// the TLS files) has been read before (config-files.ts). Every value is
// checked once, so the rest of the program can trust it.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IANAZone } from 'luxon';
import type { Mode } from '../core/index.js';
import { parseConnectionUrl, urlParams } from './connection-url.js';
import {
  asText, booleanText, ConfigError, flag, idList, matching, oneOf, optional, required, valueOf, wholeNumber, wholeNumberUpTo, type Setting,
} from './settings.js';

export { ConfigError } from './settings.js';

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

/** Where a pass's metrics go and how it shows progress (docs/operations.md "Monitoring"). */
export interface ObservabilityConfig {
  /** PUSHGATEWAY_URL: push the pass's metrics there (pushAdd, job polycomm_analyzer, grouped by mode). */
  pushgatewayUrl: string | undefined;
  /** METRICS_FILE: write them there atomically, for node_exporter's textfile collector (*.prom). */
  metricsFile: string | undefined;
  /** PROGRESS_INTERVAL: seconds between progress log lines (JSON logs), 0 = none. */
  progressInterval: number;
}

/** What the rules need to decide (R8, R9), whoever asks: a pass, explain, audit. */
export interface AnalysisConfig {
  lastEventTime: number;
  timedeltaCheck: number;
  timezone: string;
  /** ANALYZER_NOW: pretend the pass starts at this Moscow wall-clock time (replays, tests). */
  now: string | undefined;
}

export interface PassConfig extends ConnectionConfig, LogConfig, ObservabilityConfig, AnalysisConfig {
  mode: Mode;
  dryRun: boolean;
  devices: number[] | undefined;
  reportDir: string | undefined;
  chunkSize: number;
  chunkEvents: number;
  /** PASS_CONNECTIONS: 2 = the next chunk is loaded and analysed on a second connection while one writes; 1 = one after another. */
  connections: number;
  runHistoryDays: number;
  /** MAX_DURATION: seconds after which the pass stops as on SIGTERM, 0 = no limit. */
  maxDuration: number;
}

type Raw = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** One file a setting names, as read before parsing (config-files.ts): its text or why not, and what libpq's rules look at. */
export interface FileRead {
  text?: string;
  /** The error code (ENOENT, EACCES, ...) when it could not be read. */
  error?: string;
  isFile: boolean;
  mode?: number;
  uid?: number;
}

/** The files read before parsing, by path. */
export type ConfigFiles = ReadonlyMap<string, FileRead>;

export function validateZone(zone: string, what = 'ANALYZER_TIMEZONE / --timezone'): string {
  if (!IANAZone.isValidZone(zone)) throw new ConfigError(`invalid ${what}: '${zone}' is not an IANA time zone`);
  return zone;
}

const mode = oneOf(['receipts', 'dwr'] as const);
/** --mode / ANALYZER_MODE as the commands that take it read it. */
export const parseMode = (text: string): Mode => mode(text, 'ANALYZER_MODE / --mode');

export const CONNECTION = {
  // no reader: the URL and its file are exclusive per source (flag or variable), so urlSource reads the variables itself
  databaseUrl: { key: 'databaseUrl', flag: '--database-url <url>', env: 'DATABASE_URL', readsEnvItself: true, description: 'PostgreSQL connection URL (else the standard PG* variables); libpq parameters sslmode, sslrootcert, sslcert, sslkey, hostaddr apply', read: optional(asText) },
  databaseUrlFile: { key: 'databaseUrlFile', flag: '--database-url-file <path>', env: 'DATABASE_URL_FILE', readsEnvItself: true, description: 'read the connection URL from this file (a mounted secret); exclusive with DATABASE_URL', read: optional(asText) },
  connectTimeout: { key: 'connectTimeout', flag: '--connect-timeout <seconds>', env: 'CONNECT_TIMEOUT', description: 'how long to retry an unreachable database before giving up', default: '20', read: required(wholeNumber(1)) },
  statementTimeout: { key: 'statementTimeout', flag: '--statement-timeout <ms>', env: 'STATEMENT_TIMEOUT', description: "statement_timeout of the pass's transactions (SET LOCAL), 0 = none", default: '0', read: required(wholeNumber(0)) },
  lockTimeout: { key: 'lockTimeout', flag: '--lock-timeout <ms>', env: 'LOCK_TIMEOUT', description: "lock_timeout of the pass's transactions (SET LOCAL), 0 = none", default: '0', read: required(wholeNumber(0)) },
  queryTimeout: { key: 'queryTimeout', flag: '--query-timeout <seconds>', env: 'QUERY_TIMEOUT', description: 'longest wait for the answer to one statement: past it the statement is cancelled, 0 = no limit', default: '15', read: required(wholeNumber(0)) },
  cancelTimeout: { key: 'cancelTimeout', flag: '--cancel-timeout <seconds>', env: 'CANCEL_TIMEOUT', description: 'after a cancel, how long to wait for the statement to end before the connection is taken as lost', default: '5', read: required(wholeNumber(1)) },
  tcpKeepalive: { key: 'tcpKeepalive', flag: '--tcp-keepalive <seconds>', env: 'TCP_KEEPALIVE', description: 'idle seconds before TCP keepalive probes on the connection, 0 = off', default: '10', read: required(wholeNumber(0)) },
} satisfies Record<string, Setting<unknown>>;

export const LOG = {
  logDir: { key: 'logDir', flag: '--log-dir <dir>', env: 'LOG_DIR', description: 'write a daily-rotated log file there (unset: stdout only)', read: optional(asText) },
  logLevel: { key: 'logLevel', flag: '--log-level <level>', env: 'LOG_LEVEL', description: 'error, warn, info or debug', default: 'info', read: required(oneOf(['error', 'warn', 'info', 'debug'] as const)) },
  logFormat: { key: 'logFormat', flag: '--log-format <format>', env: 'LOG_FORMAT', description: 'json or text (default: json unless stdout is a TTY)', read: optional(oneOf(['json', 'text'] as const)) },
  logMaxSize: { key: 'logMaxSize', flag: '--log-max-size <size>', env: 'LOG_MAX_SIZE', description: 'rotate the log file at this size (bytes, or with k/m/g)', default: '20m',
    read: required(matching(/^(?!0+[kmg]?$)\d+[kmg]?$/, 'bytes, or a number with k, m or g')) },
  logMaxFiles: { key: 'logMaxFiles', flag: '--log-max-files <n>', env: 'LOG_MAX_FILES', description: 'rotated files to keep (a count, or days as 14d)', default: '10',
    read: required(matching(/^[1-9]\d*d?$/, 'a count, or days as 14d')) },
} satisfies Record<string, Setting<unknown>>;

/** What the rules need (pass, explain and audit take these). */
export const ANALYSIS = {
  lastEventTime: { key: 'lastEventTime', flag: '--last-event-time <seconds>', env: 'LAST_EVENT_TIME', description: 'a group younger than this is still in progress (R9)', default: '900', read: required(wholeNumber(0)) },
  timedeltaCheck: { key: 'timedeltaCheck', flag: '--timedelta-check <seconds>', env: 'TIMEDELTA_CHECK', description: 'a gap longer than this cuts a group (R8)', default: '420', read: required(wholeNumber(0)) },
  timezone: { key: 'timezone', flag: '--timezone <zone>', env: 'ANALYZER_TIMEZONE', description: 'IANA zone of the Moscow columns (R9)', default: 'Europe/Moscow', read: required((text, name) => validateZone(text, name)) },
  now: { key: 'now', flag: '--now <time>', env: 'ANALYZER_NOW', description: "pretend 'now' is this wall-clock time of --timezone (ISO, for replays and tests)", read: optional(asText) },
} satisfies Record<string, Setting<unknown>>;

export const MODE: Setting<Mode | undefined> = { key: 'mode', flag: '--mode <mode>', env: 'ANALYZER_MODE', description: 'receipts or dwr (required)', read: optional(mode) };

/** The pass's own settings. */
export const PASS = {
  // a boolean flag: commander would set it from DRY_RUN=false too, so parsePass reads the variable
  dryRun: { key: 'dryRun', flag: '--dry-run', env: 'DRY_RUN', readsEnvItself: true, description: 'analyse and report, write nothing (env: true/1)', read: flag },
  devices: { key: 'devices', flag: '--device <id...>', env: 'DEVICES', description: 'only these device ids (env: comma-separated)', read: idList(() => true, 'a whole number >= 0') },
  reportDir: { key: 'reportDir', flag: '--report-dir <dir>', env: 'REPORT_DIR', description: 'write the pass report as JSON there', read: optional(asText) },
  chunkSize: { key: 'chunkSize', flag: '--chunk-size <devices>', env: 'CHUNK_SIZE', description: 'most devices loaded per chunk', default: '50', read: required(wholeNumber(1)) },
  chunkEvents: { key: 'chunkEvents', flag: '--chunk-events <rows>', env: 'CHUNK_EVENTS', description: 'pending rows a chunk aims at (bounds memory), 0 = devices only', default: '10000', read: required(wholeNumber(0)) },
  connections: { key: 'connections', flag: '--connections <n>', env: 'PASS_CONNECTIONS', description: 'connections a pass uses: 2 loads and analyses the next chunk on the second while a chunk writes; 1 = one chunk after another', default: '2', read: required(wholeNumberUpTo(1, 2)) },
  runHistoryDays: { key: 'runHistoryDays', flag: '--run-history-days <days>', env: 'RUN_HISTORY_DAYS', description: 'keep analyzer_run rows this long', default: '90', read: required(wholeNumber(1)) },
  maxDuration: { key: 'maxDuration', flag: '--max-duration <seconds>', env: 'MAX_DURATION', description: 'stop the pass after this long as SIGTERM does (chunks written are kept, the run is interrupted), 0 = no limit', default: '1500', read: required(wholeNumber(0)) },
} satisfies Record<string, Setting<unknown>>;

const pushgatewayUrl = (text: string, name: string): string => {
  if (!/^https?:\/\/[^/\s]+/i.test(text)) throw new ConfigError(`invalid ${name}: '${text}' (expected http://host:9091)`);
  return text;
};

const metricsFile = (text: string, name: string): string => {
  if (!text.endsWith('.prom')) {
    throw new ConfigError(`invalid ${name}: '${text}' (expected a name ending in .prom: node_exporter's textfile collector reads only those)`);
  }
  return text;
};

export const OBSERVABILITY = {
  pushgatewayUrl: { key: 'pushgatewayUrl', flag: '--pushgateway-url <url>', env: 'PUSHGATEWAY_URL', description: "push the pass's metrics to this Prometheus Pushgateway (job polycomm_analyzer, grouped by mode)", read: optional(pushgatewayUrl) },
  metricsFile: { key: 'metricsFile', flag: '--metrics-file <path>', env: 'METRICS_FILE', description: "write the pass's metrics to this *.prom file (node_exporter textfile collector), atomically", read: optional(metricsFile) },
  progressInterval: { key: 'progressInterval', flag: '--progress-interval <seconds>', env: 'PROGRESS_INTERVAL', description: 'seconds between progress log lines of a long pass (JSON logs), 0 = none', default: '30', read: required(wholeNumber(0)) },
} satisfies Record<string, Setting<unknown>>;

export function parseLog(raw: Raw): LogConfig {
  return {
    logDir: valueOf(raw, LOG.logDir),
    logLevel: valueOf(raw, LOG.logLevel),
    logFormat: valueOf(raw, LOG.logFormat),
    logMaxSize: valueOf(raw, LOG.logMaxSize),
    logMaxFiles: valueOf(raw, LOG.logMaxFiles),
  };
}

export function parseObservability(raw: Raw): ObservabilityConfig {
  return {
    pushgatewayUrl: valueOf(raw, OBSERVABILITY.pushgatewayUrl),
    metricsFile: valueOf(raw, OBSERVABILITY.metricsFile),
    progressInterval: valueOf(raw, OBSERVABILITY.progressInterval),
  };
}

export function parseAnalysis(raw: Raw): AnalysisConfig {
  return {
    lastEventTime: valueOf(raw, ANALYSIS.lastEventTime),
    timedeltaCheck: valueOf(raw, ANALYSIS.timedeltaCheck),
    timezone: valueOf(raw, ANALYSIS.timezone),
    now: valueOf(raw, ANALYSIS.now),
  };
}

export function parsePass(raw: Raw, env: Env, files: ConfigFiles): PassConfig {
  const given = valueOf(raw, MODE);
  if (given === undefined) throw new ConfigError('missing --mode (or ANALYZER_MODE): receipts or dwr');
  return {
    ...parseConnection(raw, env, files),
    ...parseLog(raw),
    ...parseObservability(raw),
    ...parseAnalysis(raw),
    mode: given,
    dryRun: valueOf(raw, PASS.dryRun) || booleanText(env.DRY_RUN, 'DRY_RUN'),
    devices: valueOf(raw, PASS.devices),
    reportDir: valueOf(raw, PASS.reportDir),
    chunkSize: valueOf(raw, PASS.chunkSize),
    chunkEvents: valueOf(raw, PASS.chunkEvents),
    connections: valueOf(raw, PASS.connections),
    runHistoryDays: valueOf(raw, PASS.runHistoryDays),
    maxDuration: valueOf(raw, PASS.maxDuration),
  };
}

/** A libpq setting: the URL's parameter, else its PG* variable (trimmed; empty counts as unset). */
function libpqSetting(databaseUrl: string | undefined, env: Env): (name: string, envName: string) => string | undefined {
  const params = urlParams(databaseUrl);
  return (name, envName) => trimmed(params.get(name) ?? env[envName]);
}

export function parseConnection(raw: Raw, env: Env, files: ConfigFiles): ConnectionConfig {
  const databaseUrl = connectionUrl(urlSource(raw, env), files);
  if (databaseUrl !== undefined && parseConnectionUrl(databaseUrl) === undefined) {
    throw new ConfigError('invalid DATABASE_URL / --database-url: expected postgres://user:password@host:port/database');
  }
  const setting = libpqSetting(databaseUrl, env);
  return {
    databaseUrl,
    tls: parseTls(tlsChoice(databaseUrl, env), setting('sslpassword', 'PGSSLPASSWORD'), files),
    hostaddr: setting('hostaddr', 'PGHOSTADDR'),
    passfile: setting('passfile', 'PGPASSFILE') ?? join(env.HOME ?? homedir(), '.pgpass'),
    connectTimeout: valueOf(raw, CONNECTION.connectTimeout),
    statementTimeout: valueOf(raw, CONNECTION.statementTimeout),
    lockTimeout: valueOf(raw, CONNECTION.lockTimeout),
    queryTimeout: valueOf(raw, CONNECTION.queryTimeout),
    cancelTimeout: valueOf(raw, CONNECTION.cancelTimeout),
    tcpKeepalive: valueOf(raw, CONNECTION.tcpKeepalive),
  };
}

function trimmed(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** Where the URL comes from: a flag or variable (its text), or a file (its path); undefined: the PG* variables. */
export type UrlSource = { url: string } | { urlFile: string; what: string } | undefined;

/**
 * The URL: --database-url, else --database-url-file, else DATABASE_URL, else
 * DATABASE_URL_FILE (the official database images' convention for mounted
 * secrets: the file's content, trailing newline trimmed). Flag and file of
 * one source are exclusive.
 */
export function urlSource(raw: Raw, env: Env): UrlSource {
  const fromFlag = valueOf(raw, CONNECTION.databaseUrl);
  const fileFlag = valueOf(raw, CONNECTION.databaseUrlFile);
  if (fromFlag !== undefined && fileFlag !== undefined) throw new ConfigError('--database-url and --database-url-file are exclusive: give one');
  if (fromFlag !== undefined) return { url: fromFlag };
  if (fileFlag !== undefined) return { urlFile: fileFlag, what: '--database-url-file' };
  const fromEnv = trimmed(env.DATABASE_URL);
  const fileEnv = trimmed(env.DATABASE_URL_FILE);
  if (fromEnv !== undefined && fileEnv !== undefined) throw new ConfigError('DATABASE_URL and DATABASE_URL_FILE are both set: they are exclusive, unset one');
  if (fileEnv !== undefined) return { urlFile: fileEnv, what: 'DATABASE_URL_FILE' };
  return fromEnv === undefined ? undefined : { url: fromEnv };
}

/** The URL from its source; a file as read before (its content trimmed). */
export function connectionUrl(source: UrlSource, files: ConfigFiles): string | undefined {
  if (source === undefined) return undefined;
  if ('url' in source) return source.url;
  const url = readable(files, source.urlFile, source.what).trim();
  if (url === '') throw new ConfigError(`${source.what} ${source.urlFile} is empty: expected the connection URL`);
  return url;
}

/** A file's text, or the configuration error of a file that could not be read. */
function readable(files: ConfigFiles, path: string, what: string): string {
  const file = files.get(path);
  if (file?.text === undefined) throw new ConfigError(`cannot read ${what} ${path}: ${file?.error ?? 'not read'}`);
  return file.text;
}

/** The TLS files a connection may use: as given, or libpq's default locations (used when they exist). */
export interface TlsChoice {
  sslmode: SslMode;
  rootCert: { path: string; given: boolean } | 'system' | undefined;
  cert: { path: string; given: boolean } | undefined;
  key: { path: string; given: boolean } | undefined;
}

/** sslmode and the TLS files the URL and the PGSSL* variables name, or libpq's defaults (~/.postgresql/...). */
export function tlsChoice(databaseUrl: string | undefined, env: Env): TlsChoice {
  const setting = libpqSetting(databaseUrl, env);
  const modeText = setting('sslmode', 'PGSSLMODE') ?? 'prefer';
  const sslmode = SSL_MODES.find((m) => m === modeText);
  if (sslmode === undefined) throw new ConfigError(`invalid sslmode / PGSSLMODE: '${modeText}' (expected one of ${SSL_MODES.join(', ')})`);
  const home = join(env.HOME ?? homedir(), '.postgresql');
  const file = (name: string, envName: string, fallback: string) => {
    const given = setting(name, envName);
    return given !== undefined ? { path: given, given: true } : { path: join(home, fallback), given: false };
  };
  const root = file('sslrootcert', 'PGSSLROOTCERT', 'root.crt');
  return {
    sslmode,
    rootCert: root.given && root.path === 'system' ? 'system' : root,
    cert: file('sslcert', 'PGSSLCERT', 'postgresql.crt'),
    key: file('sslkey', 'PGSSLKEY', 'postgresql.key'),
  };
}

/** The TLS file paths of a choice: what config-files.ts reads before parsing. */
export function tlsPaths(choice: TlsChoice): string[] {
  return [choice.rootCert, choice.cert, choice.key].flatMap((f) => (f === undefined || f === 'system' ? [] : [f.path]));
}

/** A file that was given, or a default location holding a file. */
function present(files: ConfigFiles, f: { path: string; given: boolean } | undefined): string | undefined {
  if (f === undefined) return undefined;
  return f.given || files.get(f.path)?.isFile === true ? f.path : undefined;
}

function parseTls(choice: TlsChoice, keyPassword: string | undefined, files: ConfigFiles): TlsConfig {
  let sslmode = choice.sslmode;
  const verifies = sslmode === 'verify-ca' || sslmode === 'verify-full';
  const rootPath = choice.rootCert === 'system' ? 'system' : (choice.rootCert?.given || verifies || sslmode === 'require' ? present(files, choice.rootCert) : undefined);
  if (verifies && rootPath === undefined) {
    throw new ConfigError(`sslmode=${sslmode} needs the CA to verify the server: set sslrootcert / PGSSLROOTCERT (a PEM file, or 'system' for the system's trusted CAs) or put it in ~/.postgresql/root.crt`);
  }
  // libpq: require with a root certificate verifies the chain, as verify-ca does
  if (sslmode === 'require' && rootPath !== undefined) sslmode = 'verify-ca';
  const certPath = present(files, choice.cert);
  const keyPath = choice.key?.given || certPath !== undefined ? present(files, choice.key) : undefined;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError('sslcert and sslkey go together: a client certificate needs its private key (and the key its certificate)');
  }
  const off = sslmode === 'disable';
  return {
    sslmode,
    rootCert: rootPath === undefined || off ? undefined : rootPath === 'system' ? 'system' : pem(files, rootPath, 'sslrootcert'),
    cert: certPath === undefined || off ? undefined : pem(files, certPath, 'sslcert'),
    key: keyPath === undefined || off ? undefined : privateKey(files, keyPath),
    keyPassword,
  };
}

const pem = (files: ConfigFiles, path: string, what: string): PemFile => ({ path, pem: readable(files, path, what) });

/** libpq refuses a private key others can read (u=rw, or u=rw,g=r when owned by root). */
function privateKey(files: ConfigFiles, path: string): PemFile {
  const key = pem(files, path, 'sslkey');
  const file: FileRead | undefined = files.get(path);
  const limit = file?.uid === 0 ? 0o640 : 0o600;
  if (((file?.mode ?? 0) & 0o777 & ~limit) !== 0) {
    throw new ConfigError(`sslkey ${path} has group or world access; permissions should be u=rw (0600) or less (u=rw,g=r (0640) if owned by root)`);
  }
  return key;
}
