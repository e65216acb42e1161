// `npm run bench -- --devices 1000 --hours 24 --mode receipts --repeat 3` (issue 7):
// a fresh embedded PostgreSQL (or BENCH_DATABASE_URL), a template database
// holding the schema and a generated, seeded backlog (COPY, VACUUM ANALYZE);
// then per repeat one pass of the real CLI (a child process, as cron runs it)
// on a fresh copy of the template, and the SQL floor (bench/floor.ts) on
// another fresh copy. Prints a table; with --out, records the configuration
// in bench/results.json and renders bench/RESULTS.md from it.
//
// Options (all optional):
//   --mode receipts|dwr|both   (default receipts; both: one load, both modes measured)
//   --devices N --hours H      (default 1000 x 24; half the devices have a cash register)
//   --customer-every LO,HI     minutes between customers (default 2,15; denser = bigger backlog)
//   --repeat N                 passes (and floors) per mode, median reported (default 3)
//   --concurrent N             also start N passes together on fresh copies, --repeat times
//   --chunk-size N             the CLI's --chunk-size (default 50)
//   --seed N                   generator seed (default 7)
//   --label NAME               tag the configuration (e.g. a patched build given with --cli): key receipts-1000x24h@NAME
//   --verify                   digest every single pass's written data (determinism check)
//   --audit                    after each single pass, `analyzer audit` of the generated period on the database it
//                              wrote (issue 23: audit / pass <= 2); its findings must be 0
//   --cli PATH                 the built CLI to run (default $BENCH_CLI, else dist/cli.js)
//   --node PATH                the node binary that runs the CLI (default $BENCH_NODE, comma-separated,
//                              else this process's node); given twice or more, every node is measured in
//                              the same run, interleaved (repeat 1: A B, repeat 2: B A, ...) on the same
//                              copies of the backlog, one entry per node (key ...-node24.22.3), and the
//                              data each writes is checked to be the same. With --core: core-bench on each
//                              node, --repeat rounds interleaved, best per case
//   --cpu-prof DIR             run the CLI with node --cpu-prof into DIR
//   --node-flags=FLAGS         extra node flags for the CLI (e.g. --node-flags=--max-old-space-size=96), space-separated
//   --out bench/RESULTS.md     record into bench/results.json (next to it) and render it
//   --core                     run bench/core-bench.ts instead and record its figures (with --out)
//   --render                   only render RESULTS.md from results.json (with --out)
//   --keep                     keep the server and databases (prints the URL; stop it yourself)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import type { Mode } from '../src/core/index.js';
import type { PassReport } from '../src/shell/report.js';
import { startEmbedded, type EmbeddedServer } from '../tests/harness/embedded.js';
import { loadSchema, withDatabase } from '../tests/harness/schema.js';
import { runFloor, modeDevices, pendingCounts, writtenDigest, type FloorResult, type PendingCounts } from './floor.js';
import { generate, MICROS, rowCount } from '../generator/generate.js';
import { loadDataset, vacuumAnalyze } from '../generator/load.js';
import {
  bestFigures, coreSideBySide, entryKey, median, pairedRatio, readResults, renderFile, tableRow, TABLE_HEADER, textTable, writeResults,
  type AuditRun, type ConcurrentRun, type CoreFigure, type CoreResult, type Entry, type Machine, type PassRun,
} from './results.js';
import type { AuditDocument } from '../src/shell/audit-report.js';
import { formatMicros } from '../src/core/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CLI = resolve(HERE, '../dist/cli.js');

/** The fixed end of the generated window, on the Moscow wall clock (zone-free micros). */
export const BENCH_END = Date.UTC(2026, 0, 15, 12, 0, 0) * 1000;
/** The pass's *now*: an hour after the last event, so (almost) nothing is deferred. */
const NOW_AFTER_END = 3600 * MICROS;

export interface BenchOptions {
  modes: Mode[];
  devices: number;
  hours: number;
  /** minutes between customers, [min, max]; null: the generator's default (2-15) */
  customerEveryMinutes?: [number, number] | null;
  repeat: number;
  /** 1: no concurrent measurement; N > 1: N passes started together, `repeat` times */
  concurrent?: number;
  chunkSize?: number;
  seed?: number;
  /** A superuser URL; without it an embedded PostgreSQL is started and stopped. */
  serverUrl?: string;
  /** Prefix of every database created (default 'bench_': bench_template, bench_receipts_r1_pass, ...). */
  databasePrefix?: string;
  cli?: string;
  /** node binaries that run the CLI (default: this process's node, and the entry's key names none) */
  nodes?: string[];
  cpuProfDir?: string;
  /** extra node flags for the CLI process */
  nodeFlags?: string[];
  /** tags the configuration's key (a build other than dist/, say) */
  label?: string;
  /** digest each single pass's data (determinism); always done for the first when concurrent > 1 */
  verify?: boolean;
  /** audit the generated period on each single pass's database (issue 23) */
  audit?: boolean;
  /** Keep the server and the template (for profiling by hand); the caller stops the server. */
  keep?: boolean;
  command?: string;
  /**
   * Run the passes as a least-privileged role (issue 15): `prepare` grants it
   * in the template after migrate (copies inherit the grants), `url` turns a
   * database URL into the role's. Default: the server URL's own user.
   */
  passRole?: { prepare(templateUrl: string): Promise<void>; url(databaseUrl: string): string };
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BenchOutcome {
  entries: Entry[];
  /** set when `keep`: the template's URL and the embedded server to stop */
  kept?: { templateUrl: string; server?: EmbeddedServer };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client's type parameter
type Sql = postgres.Sql<any>;

const quiet = { onnotice: () => undefined };
/** The CLI's own type parsers (src/infra/db.ts): bigint as number, timestamp as zone-free text. */
const TYPES = {
  bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
  timestamp: { to: 1114, from: [1114], serialize: (v: unknown) => String(v), parse: (v: string) => v },
};

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: (cpus[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(),
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** 'YYYY-MM-DDTHH:MM:SS' of zone-free wall-clock micros. */
const isoWall = (m: number) => new Date(Math.floor(m / 1000)).toISOString().slice(0, 19);

class Aborted extends Error {}
/** Set by the CLI's signal handler: the run ends with exit code 130. */
let interrupted = false;

/** Runs the configured benchmark; the caller renders or records the entries. */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const concurrent = options.concurrent ?? 1;
  const chunkSize = options.chunkSize ?? 50;
  const seed = options.seed ?? 7;
  const cli = options.cli ?? process.env.BENCH_CLI ?? DEFAULT_CLI;
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: run npm run build first`);
  const nodes = nodeBinaries(options.nodes ?? [process.execPath]);
  const prefix = options.databasePrefix ?? 'bench_';
  const template = `${prefix}template`;
  const children = new Set<ChildProcess>();
  // the pass reports: inside the embedded server's directory when there is one
  // (its watchdog removes it even if this process is killed), else in the temp dir
  let reportRoot: string | undefined;
  let server: EmbeddedServer | undefined;
  let admin: Sql | undefined;
  let kept = false;
  const created = new Set<string>();

  // Interruption is cooperative: the passes in flight are killed at once, a
  // statement of the bench itself finishes, then everything is dropped and
  // stopped as usual (stopping the server under a busy postgres.js client can
  // crash the process before its clean-up). A forced exit still removes the
  // report files; the embedded server's watchdog stops the server.
  const onAbort = () => {
    for (const child of children) killChild(child);
  };
  const onExit = () => {
    if (reportRoot) rmSync(reportRoot, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const checkAbort = () => {
    if (options.signal?.aborted) throw new Aborted('interrupted');
  };

  try {
    if (options.serverUrl) {
      log(`using the server at ${redactUrl(options.serverUrl)}`);
    } else {
      log('starting an embedded PostgreSQL ...');
      server = await startEmbedded({ prefix: 'polycomm-bench-pg-' });
    }
    checkAbort();
    reportRoot = mkdtempSync(server ? join(server.dir, 'reports-') : join(os.tmpdir(), 'polycomm-bench-reports-'));
    const serverUrl = options.serverUrl ?? server!.url;
    admin = postgres(serverUrl, { max: 1, ...quiet });
    const [ver] = await admin<{ server_version: string; num: string }[]>`
      select current_setting('server_version') as server_version, current_setting('server_version_num') as num`;
    const pgVersion = ver!.server_version;
    const fileCopy = Number(ver!.num) >= 150000;

    const dropDatabase = async (name: string) => {
      await admin!`drop database if exists ${admin!(name)} with (force)`;
      created.delete(name);
    };
    const copyDatabase = async (name: string) => {
      await dropDatabase(name);
      created.add(name);
      await admin!`create database ${admin!(name)} template ${admin!(template)} ${fileCopy ? admin!`strategy file_copy` : admin!``}`;
      return withDatabase(serverUrl, name);
    };

    // the template: schema, generated backlog, statistics
    await dropDatabase(template);
    created.add(template);
    await admin`create database ${admin(template)}`;
    const templateUrl = withDatabase(serverUrl, template);
    await loadSchema(templateUrl);
    // the schema changes of the CLI under test (idempotent; a patched build may bring its own)
    await runCliCommand(nodes[0]!.path, cli, ['migrate'], templateUrl, children);
    await options.passRole?.prepare(templateUrl);
    const asPassRole = (url: string) => options.passRole?.url(url) ?? url;
    checkAbort();
    const customerEveryMinutes = options.customerEveryMinutes ?? null;
    let t = performance.now();
    let dataset: ReturnType<typeof generate> | undefined = generate({
      seed, devices: options.devices, hours: options.hours, end: BENCH_END,
      ...(customerEveryMinutes ? { customerEveryMinutes } : {}),
    });
    const generateMs = performance.now() - t;
    const rows = rowCount(dataset);
    log(`generated ${rows.toLocaleString('en-US')} rows (${options.devices} devices x ${options.hours} h) in ${Math.round(generateMs)} ms`);
    checkAbort();
    const loader = postgres(templateUrl, { max: 6, ...quiet });
    let loadMs: number;
    let vacuumMs: number;
    const pendingByMode = new Map<Mode, PendingCounts>();
    try {
      t = performance.now();
      await loadDataset(loader, dataset);
      loadMs = performance.now() - t;
      dataset = undefined; // let the rows go before the passes run
      log(`loaded with COPY in ${Math.round(loadMs)} ms`);
      checkAbort();
      t = performance.now();
      await vacuumAnalyze(loader);
      await loader`checkpoint`;
      vacuumMs = performance.now() - t;
      for (const mode of options.modes) pendingByMode.set(mode, await pendingCounts(loader, mode, await modeDevices(loader, mode)));
    } finally {
      // a template must have no connections when it is copied
      await loader.end({ timeout: 5 });
    }
    checkAbort();

    const nowIso = isoWall(BENCH_END + NOW_AFTER_END);
    const nowText = nowIso.replace('T', ' ');
    const entries: Entry[] = [];

    for (const mode of options.modes) {
      const pending = pendingByMode.get(mode)!;
      log(`${mode}: ${pending.total.toLocaleString('en-US')} pending events (${pending.wraps} wraps, ${pending.alarms} alarms, ${pending.issues} issues, ${pending.receipts} receipts)`);
      const loadBefore = loadavg();
      const runs = new Map(nodes.map((n) => [n, { passes: [] as PassRun[], floors: [] as FloorResult[], concurrent: [] as ConcurrentRun[], audits: [] as AuditRun[] }]));
      // the data every pass writes, whichever node ran it, must be the same
      let referenceDigest: string | undefined;
      for (let r = 1; r <= options.repeat; r++) {
        for (const node of interleaved(nodes, r)) {
          checkAbort();
          const tag = nodes.length > 1 ? ` (node ${node.version})` : '';
          // one pass of the real CLI on a fresh copy
          const passDb = `${prefix}${mode}_r${r}_pass`;
          const passUrl = await copyDatabase(passDb);
          const run = await runClis(1, { cli, node: node.path, mode, nowIso, chunkSize, url: asPassRole(passUrl), reportRoot, children, cpuProfDir: options.cpuProfDir, nodeFlags: options.nodeFlags });
          const pass = run.passes[0]!;
          if (options.verify || ((concurrent > 1 || nodes.length > 1) && r === 1)) {
            pass.digest = await withClient(passUrl, writtenDigest);
            referenceDigest ??= pass.digest;
            if (pass.digest !== referenceDigest) log(`WARNING: repeat ${r}${tag} wrote different data than the first pass (digest)`);
          }
          runs.get(node)!.passes.push(pass);
          if (options.audit) {
            const audit = await runAuditCli(node.path, cli, mode, passUrl, nowIso, reportRoot, children);
            runs.get(node)!.audits.push(audit);
            log(`${mode} repeat ${r}${tag}: audit ${Math.round(audit.wallMs)} ms wall (${audit.tasks} tasks compared, ${audit.findings} findings, peak RSS ${Math.round(audit.maxRssKb / 1024)} MB); ` +
              `audit / pass ${(audit.wallMs / pass.wallMs).toFixed(2)}`);
            if (audit.findings !== 0) log(`WARNING: the audit of repeat ${r}${tag} found ${audit.findings} stored values that differ from the rules`);
          }
          await dropDatabase(passDb);
          log(`${mode} repeat ${r}${tag}: pass ${Math.round(pass.wallMs)} ms wall (report ${pass.totalMs} ms: load ${pass.loadMs}, analyze ${pass.analyzeMs}, write ${pass.writeMs}), ` +
            `${pass.statements} statements, peak RSS ${Math.round(pass.maxRssKb / 1024)} MB, devices ${pass.devices.processed}/${pass.devices.ready}`);
          checkAbort();

          // the floor on another fresh copy, writing as much as this pass wrote
          const floorDb = `${prefix}${mode}_r${r}_floor`;
          const floorUrl = await copyDatabase(floorDb);
          const floor = await withClient(floorUrl, (sql) => runFloor(sql, mode, {
            tasks: pass.rowsInserted.task, links: pass.rowsInserted.task_to_event, analyzerIssues: pass.rowsInserted.polycommissue,
            wraps: pass.rowsUpdated.polycomm_suitcase, alarms: pass.rowsUpdated.polycommalarm,
            issues: pass.rowsUpdated.polycommissue, receipts: pass.rowsUpdated.receipts,
          }, nowText));
          runs.get(node)!.floors.push(floor);
          await dropDatabase(floorDb);
          log(`${mode} repeat ${r}${tag}: floor ${Math.round(floor.wallMs)} ms (read ${Math.round(floor.readMs)}, insert ${Math.round(floor.insertMs)}, update ${Math.round(floor.updateMs)}); ` +
            `ratio ${(pass.wallMs / floor.wallMs).toFixed(2)}`);
        }
      }

      if (concurrent > 1) {
        for (let r = 1; r <= options.repeat; r++) {
          for (const node of interleaved(nodes, r)) {
            checkAbort();
            const db = `${prefix}${mode}_c${r}`;
            const url = await copyDatabase(db);
            const run = await runClis(concurrent, { cli, node: node.path, mode, nowIso, chunkSize, url: asPassRole(url), reportRoot, children, cpuProfDir: options.cpuProfDir, nodeFlags: options.nodeFlags });
            const digest = referenceDigest === undefined ? undefined : await withClient(url, writtenDigest);
            const result: ConcurrentRun = {
              wallMs: run.wallMs,
              passes: run.passes,
              processedSum: run.passes.reduce((s, p) => s + p.devices.processed, 0),
              ready: run.passes[0]!.devices.ready,
              skippedSum: run.passes.reduce((s, p) => s + p.devices.skippedOwnedElsewhere, 0),
              idleSum: run.passes.reduce((s, p) => s + p.devices.idle, 0),
              sameDataAsOnePass: digest === undefined ? null : digest === referenceDigest,
            };
            runs.get(node)!.concurrent.push(result);
            await dropDatabase(db);
            log(`${mode} concurrent ${r}${nodes.length > 1 ? ` (node ${node.version})` : ''}: ${concurrent} passes in ${Math.round(result.wallMs)} ms wall; processed ${result.processedSum}/${result.ready} ` +
              `(${run.passes.map((p) => p.devices.processed).join(' + ')}), skipped ${result.skippedSum}, idle ${result.idleSum}, same data: ${String(result.sameDataAsOnePass)}`);
          }
        }
      }

      const loadAfter = loadavg();
      for (const node of nodes) {
        const { passes, floors, concurrent: concurrentRuns, audits } = runs.get(node)!;
        const passWallMs = median(passes.map((p) => p.wallMs));
        const medianConcurrentMs = median(concurrentRuns.map((x) => x.wallMs));
        const config: Entry['config'] = {
          mode, devices: options.devices, hours: options.hours, customerEveryMinutes, chunkSize, seed, repeat: options.repeat, concurrent,
          ...(options.nodeFlags && options.nodeFlags.length > 0 ? { nodeFlags: options.nodeFlags } : {}),
          ...(options.nodes ? { node: node.version } : {}),
          ...(options.label ? { label: options.label } : {}),
        };
        entries.push({
          key: entryKey(config),
          command: options.command ?? 'runBench()',
          date: new Date().toISOString(),
          machine: { ...machine(), node: node.version },
          build: buildInfo(cli),
          postgres: pgVersion,
          loadBefore,
          loadAfter,
          config,
          dataset: { rows, generateMs, loadMs, vacuumMs },
          pending,
          passes,
          floors,
          median: {
            passWallMs,
            passTotalMs: median(passes.map((p) => p.totalMs)),
            loadMs: median(passes.map((p) => p.loadMs)),
            analyzeMs: median(passes.map((p) => p.analyzeMs)),
            writeMs: median(passes.map((p) => p.writeMs)),
            floorMs: median(floors.map((f) => f.wallMs)),
            ratio: pairedRatio(passes, floors),
          },
          ...(concurrent > 1 ? { concurrent: { runs: concurrentRuns, medianWallMs: medianConcurrentMs, speedup: medianConcurrentMs / passWallMs } } : {}),
          ...(audits.length > 0 ? { audits } : {}),
        });
      }
    }
    if (options.keep) {
      kept = true;
      return { entries, kept: { templateUrl, ...(server ? { server } : {}) } };
    }
    return { entries };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    process.removeListener('exit', onExit);
    for (const child of children) killChild(child);
    if (admin && !kept) {
      for (const name of [...created]) {
        await admin`drop database if exists ${admin(name)} with (force)`.catch(() => undefined);
      }
    }
    await admin?.end({ timeout: 2 }).catch(() => undefined);
    if (!kept) await server?.stop();
    onExit();
  }
}

/** Which build ran: the git commit, whether src/ had uncommitted changes, a digest of the CLI's JS files. */
export function buildInfo(cli: string): Entry['build'] {
  const root = resolve(HERE, '..');
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const hash = createHash('sha1');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else if (name.name.endsWith('.js')) hash.update(name.name).update(readFileSync(path));
    }
  };
  walk(dirname(cli));
  return {
    cli: relative(root, cli) || cli,
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    srcModified: git(['status', '--porcelain', '--', 'src']) !== '',
    distDigest: hash.digest('hex').slice(0, 12),
  };
}

async function withClient<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, ...quiet, types: TYPES });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** The CLI's environment: the caller's, without any analyzer setting that could change the pass. */
function cliEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(ANALYZER_|DATABASE_URL$|CHUNK_SIZE$|DEVICES$|DRY_RUN$|REPORT_DIR$|LOG_|LAST_EVENT_TIME$|TIMEDELTA_CHECK$|PG)/.test(k)) env[k] = v;
  }
  return { ...env, DATABASE_URL: url, LOG_FORMAT: 'json' };
}

/**
 * Starts `node ARGS` in a process group of its own, so killChild() stops it
 * whatever it started. (Its peak RSS is its own: the pass report reads VmHWM,
 * not getrusage, which would also count the image of this 400 MB process.)
 */
function spawnCli(node: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

export interface NodeBinary {
  path: string;
  /** its `--version`, e.g. v24.22.3 */
  version: string;
}

/** Each node binary with its version; a path that does not run is an error naming it. */
export function nodeBinaries(paths: string[]): NodeBinary[] {
  return paths.map((path) => {
    try {
      return { path, version: execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
    } catch (error) {
      throw new Error(`--node ${path} does not run: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

/** The order of repeat `r` (from 1): as given on odd repeats, reversed on even ones, so no node always goes first. */
export const interleaved = <T>(items: readonly T[], r: number): T[] => (r % 2 === 1 ? [...items] : [...items].reverse());

/** Kills a child started by spawnCli (its whole process group). */
function killChild(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Resolves when a child started by spawnCli exits 0 (with performance.now() at
 * that moment); rejects with the tail of its output otherwise.
 */
function completion(child: ChildProcess, children: Set<ChildProcess>, what: string): Promise<number> {
  children.add(child);
  return new Promise((resolvePromise, reject) => {
    let tail = '';
    const keep = (d: Buffer) => { tail = (tail + d.toString()).slice(-8192); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0) resolvePromise(performance.now());
      else reject(new Error(`${what} exited with ${code ?? signal}:\n${tail}`));
    });
  });
}

/** Runs a CLI command to completion (e.g. migrate); throws with its output on failure. */
async function runCliCommand(node: string, cli: string, args: string[], url: string, children: Set<ChildProcess>): Promise<void> {
  await completion(spawnCli(node, [cli, ...args], cliEnv(url)), children, args.join(' '));
}

interface CliRunOptions {
  cli: string;
  /** the node binary */
  node: string;
  mode: Mode;
  nowIso: string;
  chunkSize: number;
  url: string;
  reportRoot: string;
  children: Set<ChildProcess>;
  cpuProfDir?: string | undefined;
  nodeFlags?: string[] | undefined;
}

/** Starts `n` passes of the CLI together and waits for all; one wall time for the lot. */
async function runClis(n: number, o: CliRunOptions): Promise<{ wallMs: number; passes: PassRun[] }> {
  const dirs = Array.from({ length: n }, () => mkdtempSync(join(o.reportRoot, `${o.mode}-`)));
  const env = cliEnv(o.url);
  const started = performance.now();
  const nodeFlags = [...(o.nodeFlags ?? []), ...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [])];
  const ends = await Promise.all(dirs.map(async (dir) => {
    const child = spawnCli(o.node, [
      ...nodeFlags, o.cli, '--mode', o.mode, '--now', o.nowIso, '--report-dir', dir, '--chunk-size', String(o.chunkSize),
    ], env);
    return { wallMs: (await completion(child, o.children, 'the pass')) - started, dir };
  }));
  const passes = ends.map(({ wallMs, dir }) => {
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (!file) throw new Error(`the pass wrote no report in ${dir}`);
    const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PassReport;
    return passRun(wallMs, report);
  });
  return { wallMs: Math.max(...ends.map((e) => e.wallMs)), passes };
}

function passRun(wallMs: number, r: PassReport): PassRun {
  return {
    wallMs,
    totalMs: r.durationsMs.total,
    loadMs: r.durationsMs.load,
    analyzeMs: r.durationsMs.analyze,
    writeMs: r.durationsMs.write,
    statements: r.statements,
    maxRssKb: r.maxRssKb,
    devices: r.devices,
    rowsInserted: r.rowsInserted,
    rowsUpdated: r.rowsUpdated,
    tasks: r.groups.tasks,
    deferredGroups: r.groups.deferred,
  };
}

/**
 * `analyzer audit` of the generated period (every local time of it: Moscow
 * END-24h..END on clocks 1 h behind to 7 h ahead) in `mode`, with the pass's
 * *now*, on the database the pass wrote; its wall time as the pass's is taken.
 */
async function runAuditCli(node: string, cli: string, mode: Mode, url: string, nowIso: string, reportRoot: string, children: Set<ChildProcess>): Promise<AuditRun> {
  const out = join(mkdtempSync(join(reportRoot, `audit-${mode}-`)), 'audit.json');
  const hour = 3600 * MICROS;
  const started = performance.now();
  const child = spawnCli(node, [cli, 'audit', '--mode', mode, '--from', formatMicros(BENCH_END - 26 * hour), '--to', formatMicros(BENCH_END + 8 * hour),
    '--now', nowIso, '--format', 'json', '--out', out], cliEnv(url));
  const wallMs = (await completion(child, children, 'the audit')) - started;
  const doc = JSON.parse(readFileSync(out, 'utf8')) as AuditDocument;
  return { wallMs, totalMs: doc.durationMs, tasks: doc.tasks, findings: doc.findings.length, maxRssKb: doc.maxRssKb, devices: doc.devices.audited, widened: doc.devices.widened };
}

// ---------------------------------------------------------------------------
// The core micro-benchmark (bench/core-bench.ts, another engineer's file): run and parse.

export async function runCoreBench(node: string = process.execPath): Promise<CoreFigure[]> {
  const script = resolve(HERE, 'core-bench.ts');
  const out = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(node, ['--expose-gc', '--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); process.stdout.write(d); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`core-bench exited with ${code}`))));
  });
  const lines: CoreFigure[] = [];
  for (const line of out.split('\n')) {
    // 'LABEL  N events  [wall]  X ms [=] Y M[ events]/s  [cpu  Z ms = W M/s]' (both formats of core-bench.ts)
    const m = /^(.+?)\s+(\d+) events\s+(?:wall\s+)?(\d+) ms\s+(?:=\s+)?([\d.]+) M(?: events)?\/s(?:\s+cpu\s+(\d+) ms\s+=\s+([\d.]+) M\/s)?/.exec(line);
    if (m) {
      lines.push({
        label: m[1]!.trim(), events: Number(m[2]), ms: Number(m[3]), mEventsPerSecond: Number(m[4]),
        ...(m[6] !== undefined ? { cpuMs: Number(m[5]), cpuMEventsPerSecond: Number(m[6]) } : {}),
      });
    }
  }
  if (lines.length === 0) throw new Error(`could not read core-bench's output:\n${out}`);
  return lines;
}

/**
 * core-bench on each node, `rounds` rounds interleaved (A B, B A, ...), the best
 * figure per case and node; printed side by side and, with --out, recorded as
 * results.coreByNode (results.core, the target's figure, is left as it is).
 */
async function coreOnNodes(paths: string[], rounds: number, command: string, mdPath: string | undefined, jsonPath: string | undefined): Promise<void> {
  const nodes = nodeBinaries(paths);
  const loadBefore = loadavg();
  const best = new Map<NodeBinary, CoreFigure[]>();
  for (let r = 1; r <= rounds; r++) {
    for (const node of interleaved(nodes, r)) {
      process.stderr.write(`core-bench round ${r}/${rounds} on node ${node.version} (${node.path})\n`);
      best.set(node, bestFigures(best.get(node) ?? [], await runCoreBench(node.path)));
    }
  }
  const results: CoreResult[] = nodes.map((node) => ({
    command, rounds, date: new Date().toISOString(), machine: { ...machine(), node: node.version }, loadBefore, loadAfter: loadavg(), lines: best.get(node)!,
  }));
  console.log('');
  console.log(textTable(coreSideBySide(results)));
  if (mdPath && jsonPath) {
    const file = readResults(jsonPath);
    file.coreByNode = results;
    writeResults(jsonPath, file);
    renderFile(mdPath, file);
    console.log(`recorded in ${jsonPath} and ${mdPath}`);
  }
}

// ---------------------------------------------------------------------------
// CLI

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name} must be a positive number, got '${value}'`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'receipts' },
      devices: { type: 'string' },
      hours: { type: 'string' },
      'customer-every': { type: 'string' },
      repeat: { type: 'string' },
      concurrent: { type: 'string' },
      'chunk-size': { type: 'string' },
      seed: { type: 'string' },
      verify: { type: 'boolean', default: false },
      audit: { type: 'boolean', default: false },
      cli: { type: 'string' },
      node: { type: 'string', multiple: true },
      'cpu-prof': { type: 'string' },
      'node-flags': { type: 'string' },
      label: { type: 'string' },
      out: { type: 'string' },
      core: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const mdPath = values.out ? resolve(values.out) : undefined;
  const jsonPath = mdPath ? join(dirname(mdPath), 'results.json') : undefined;

  if (values.render) {
    if (!mdPath || !jsonPath) throw new Error('--render needs --out');
    renderFile(mdPath, readResults(jsonPath));
    console.log(`rendered ${mdPath} from ${jsonPath}`);
    return 0;
  }
  const nodeList = values.node ?? process.env.BENCH_NODE?.split(',').filter(Boolean);
  const nodePaths = nodeList && nodeList.length > 0 ? nodeList.map((p) => (p.includes('/') ? resolve(p) : p)) : undefined;
  if (values.core && nodePaths) {
    await coreOnNodes(nodePaths, positiveInt('repeat', values.repeat, 3), command, mdPath, jsonPath);
    return 0;
  }
  if (values.core) {
    const loadBefore = loadavg();
    const lines = await runCoreBench();
    if (mdPath && jsonPath) {
      const results = readResults(jsonPath);
      results.core = { command: 'node --expose-gc --import tsx bench/core-bench.ts', date: new Date().toISOString(), machine: machine(), loadBefore, lines };
      writeResults(jsonPath, results);
      renderFile(mdPath, results);
      console.log(`recorded in ${jsonPath} and ${mdPath}`);
    }
    return 0;
  }

  const modes: Mode[] = values.mode === 'both' ? ['receipts', 'dwr'] : values.mode === 'receipts' || values.mode === 'dwr' ? [values.mode] : [];
  if (modes.length === 0) throw new Error(`--mode must be receipts, dwr or both, got '${values.mode}'`);
  let customerEveryMinutes: [number, number] | null = null;
  if (values['customer-every'] !== undefined) {
    const parts = values['customer-every'].split(',').map(Number);
    if (parts.length !== 2 || !parts.every((x) => Number.isFinite(x) && x > 0) || parts[0]! > parts[1]!) {
      throw new Error(`--customer-every must be MIN,MAX minutes, got '${values['customer-every']}'`);
    }
    customerEveryMinutes = [parts[0]!, parts[1]!];
  }

  const controller = new AbortController();
  let firstSignal = 0;
  const onSignal = () => {
    // one Ctrl-C can arrive twice (the terminal's and the one tsx relays): only a
    // signal well after the first forces the exit (the embedded server's watchdog cleans up)
    if (firstSignal > 0) {
      if (Date.now() - firstSignal > 2000) process.exit(130);
      return;
    }
    firstSignal = Date.now();
    interrupted = true;
    process.stderr.write('interrupted: stopping the passes and the server ...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A Ctrl-C reaches the embedded PostgreSQL too (same process group): it shuts
  // down under the bench's clients, and postgres.js can then throw outside any
  // promise. After an interruption that is expected: the server is gone (its
  // watchdog removes its directory, the pass reports with it).
  process.on('uncaughtException', (error) => {
    if (interrupted) {
      process.stderr.write('bench interrupted: the server was stopped by the signal; its files are removed by its watchdog\n');
      process.exit(130);
    }
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });

  const serverUrl = process.env.BENCH_DATABASE_URL;
  const outcome = await runBench({
    modes,
    devices: positiveInt('devices', values.devices, 1000),
    hours: positiveNumber('hours', values.hours, 24),
    customerEveryMinutes,
    repeat: positiveInt('repeat', values.repeat, 3),
    concurrent: positiveInt('concurrent', values.concurrent, 1),
    chunkSize: positiveInt('chunk-size', values['chunk-size'], 50),
    seed: positiveInt('seed', values.seed, 7),
    ...(serverUrl ? { serverUrl } : {}),
    ...(values.cli ? { cli: resolve(values.cli) } : {}),
    ...(nodePaths ? { nodes: nodePaths } : {}),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
    ...(values['node-flags'] ? { nodeFlags: values['node-flags'].split(/\s+/).filter(Boolean) } : {}),
    verify: values.verify,
    audit: values.audit,
    ...(values.label ? { label: values.label } : {}),
    keep: values.keep,
    command,
    signal: controller.signal,
  });
  const { entries } = outcome;
  console.log('');
  console.log(textTable([TABLE_HEADER, ...entries.map(tableRow)]));
  for (const e of entries) {
    if (e.concurrent) {
      console.log(`${e.key}: ${e.config.concurrent} passes together: ${Math.round(e.concurrent.medianWallMs)} ms median wall = ` +
        `${e.concurrent.speedup.toFixed(2)} x one pass; processed ${e.concurrent.runs.map((r) => `${r.processedSum}/${r.ready}`).join(', ')}; ` +
        `same data: ${e.concurrent.runs.map((r) => String(r.sameDataAsOnePass)).join(', ')}`);
    }
  }
  if (mdPath && jsonPath) {
    const results = readResults(jsonPath);
    for (const e of entries) results.entries[e.key] = e;
    writeResults(jsonPath, results);
    renderFile(mdPath, results);
    console.log(`recorded in ${jsonPath} and ${mdPath}`);
  }
  if (outcome.kept) {
    console.log(`kept: ${outcome.kept.templateUrl} (press Ctrl-C to stop the server)`);
    if (outcome.kept.server) {
      const server = outcome.kept.server;
      await new Promise<void>((resolvePromise) => process.once('SIGINT', () => resolvePromise()));
      await server.stop();
    }
  }
  return 0;
}

const invoked = process.argv[1] ? resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (interrupted || error instanceof Aborted) {
        process.stderr.write('bench interrupted: the server and the databases it created are gone\n');
        process.exit(130);
      }
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
