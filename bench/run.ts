// `npm run bench -- --devices 1000 --hours 24 --mode receipts --repeat 3` (issues 7, 22):
// a fresh embedded PostgreSQL (or BENCH_DATABASE_URL), a template database per
// backlog holding the schema and a generated, seeded backlog (COPY, VACUUM
// ANALYZE); then per repeat one pass of the real CLI (a child process, as cron
// runs it) on a fresh copy of the template, and the SQL floor (bench/floor.ts)
// on another fresh copy. Backlogs, builds and node binaries measured in one run
// take turns within each repeat (repeat 1: A B, repeat 2: B A, ...), so their
// ratios share the machine's load. Prints a table; with --out, records the
// configurations in bench/results.json and renders bench/RESULTS.md from it.
//
// Options (all optional):
//   --mode receipts|dwr|both   (default receipts; both: one load, both modes measured)
//   --devices N --hours H      (default 1000 x 24; half the devices have a cash register)
//   --customer-every LO,HI     minutes between customers (default 2,15; denser = bigger backlog)
//   --repeat N                 passes (and floors) per mode and backlog, median reported (default 3)
//   --catch-up [--catch-up-hours H]  also the catch-up backlog: the same devices x 168 h (or H), beside the floor
//   --history DAYS             also the same backlog over DAYS of history already processed (by the CLI under test),
//                              beside the floor and beside the backlog without history
//   --pooled                   also each repeat's pass through PgBouncer (pool_mode = transaction) on another copy
//   --concurrent N             also start N passes together on fresh copies, --repeat times
//   --chunk-size N             the CLI's --chunk-size (default 50)
//   --chunk-events N           the CLI's --chunk-events (default: the CLI's own)
//   --seed N                   generator seed (default 7)
//   --cli PATH                 the built CLI to run (default $BENCH_CLI, else dist/cli.js); given twice or more,
//                              every build is measured in the same run, interleaved, one entry per build
//   --label NAME               tag the configuration (e.g. a build given with --cli): key receipts-1000x24h@NAME;
//                              with several --cli, the n-th --label names the n-th build
//   --verify                   digest every single pass's written data (determinism check)
//   --node PATH                the node binary that runs the CLI (default $BENCH_NODE, comma-separated,
//                              else this process's node); given twice or more, every node is measured in
//                              the same run, interleaved (repeat 1: A B, repeat 2: B A, ...) on the same
//                              copies of the backlog, one entry per node (key ...-node24.22.3), and the
//                              data each writes is checked to be the same. With --core: core-bench on each
//                              node, --repeat rounds interleaved, best per case
//   --audit                    after each single pass of the first backlog, `analyzer audit` of the generated period on
//                              the database it wrote (issue 23: audit / pass <= 2); its findings must be 0
//   --waterfall                after the measurements, where one pass's time goes, per build: the largest backlog,
//                              the first mode, the server's statement log and the CLI's CPU profile (bench/waterfall.ts;
//                              needs the embedded server)
//   --cpu-prof DIR             run the CLI with node --cpu-prof into DIR
//   --node-flags=FLAGS         extra node flags for the CLI (e.g. --node-flags=--max-old-space-size=96), space-separated
//   --out bench/RESULTS.md     record into bench/results.json (next to it) and render it
//   --core                     run bench/core-bench.ts instead and record its figures (with --out)
//   --render                   only render RESULTS.md from results.json (with --out)
//   --keep                     keep the server and databases (prints the URL; stop it yourself)
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { MICROS } from '../generator/generate.js';
import { formatMicros, type Mode } from '../src/core/index.js';
import type { EmbeddedServer } from '../tests/harness/embedded.js';
import { startPgBouncer, type PgBouncer } from '../tests/harness/pgbouncer-process.js';
import { buildInfo, DEFAULT_CLI, interleaved, killChild, nodeBinaries, runAuditCli, runClis, type CliRunOptions, type NodeBinary } from './cli-runner.js';
import {
  BENCH_END, buildTemplate, copyDatabase, dropDatabase, isoWall, NOW_AFTER_END, openServer, type BenchServer, type Template, type TemplateSpec,
} from './datasets.js';
import { runFloor, writtenDigest, type FloorResult } from './floor.js';
import { entryKey, machine, median, pairedRatio, type AuditRun, type ConcurrentRun, type Entry, type PassRun } from './results.js';
import { measureWaterfall, WATERFALL_SETTINGS } from './waterfall-run.js';
import type { Waterfall } from './waterfall.js';

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
  /** the CLI's --chunk-events; undefined: its default */
  chunkEvents?: number;
  seed?: number;
  /** also the catch-up backlog: the same devices over this many hours (0 or undefined: not measured) */
  catchUpHours?: number;
  /** also the backlog over this many days of processed history (0 or undefined: not measured) */
  historyDays?: number;
  /** also a pass through PgBouncer (transaction pooling) per repeat */
  pooled?: boolean;
  /** audit the generated period on each single pass's database of the first backlog (issue 23) */
  audit?: boolean;
  /** where a pass's time goes, per build (bench/waterfall.ts) */
  waterfall?: boolean;
  /** A superuser URL; without it an embedded PostgreSQL is started and stopped. */
  serverUrl?: string;
  /** Prefix of every database created (default 'bench_': bench_template, bench_receipts_r1_pass, ...). */
  databasePrefix?: string;
  cli?: string;
  /** several builds, measured interleaved (each with its label); overrides `cli` and `label` */
  clis?: { path: string; label?: string }[];
  /** node binaries that run the CLI (default: this process's node, and the entry's key names none) */
  nodes?: string[];
  cpuProfDir?: string;
  /** extra node flags for the CLI process */
  nodeFlags?: string[];
  /** tags the configuration's key (a build other than dist/, say) */
  label?: string;
  /** digest each single pass's data (determinism); always done for the first when builds, nodes, the pooler or concurrency are compared */
  verify?: boolean;
  /** Keep the server and the templates (for profiling by hand); the caller stops the server. */
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
  waterfalls: Waterfall[];
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

export const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

export class Aborted extends Error {}

/** A build of the CLI on a node binary: what one entry measures. */
export interface Runner {
  cli: string;
  label?: string;
  node: NodeBinary;
}

/** A backlog measured, and what sets its entries apart. */
export interface Case {
  kind: 'main' | 'catch-up' | 'history';
  template: Template;
}

/** What one (backlog, build) measures in one mode over the repeats. */
interface Series {
  passes: PassRun[];
  floors: FloorResult[];
  pooled: PassRun[];
  pooledSame: (boolean | null)[];
  concurrent: ConcurrentRun[];
  audits: AuditRun[];
}

/** The run's state, set up once. */
export interface Bench {
  options: BenchOptions;
  log: (line: string) => void;
  server: BenchServer;
  reportRoot: string;
  children: Set<ChildProcess>;
  runners: Runner[];
  cases: Case[];
  pooler?: PgBouncer;
  nowIso: string;
  prefix: string;
  checkAbort: () => void;
  asPassRole: (url: string) => string;
}

/** What must be undone at the end, whatever happened. */
interface Cleanup {
  children: Set<ChildProcess>;
  server?: BenchServer;
  pooler?: PgBouncer;
  reportRoot?: string;
  kept: boolean;
}

/** Runs the configured benchmark; the caller renders or records the entries. */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const cleanup: Cleanup = { children: new Set(), kept: false };
  // Interruption is cooperative: the passes in flight are killed at once, a
  // statement of the bench itself finishes, then everything is dropped and
  // stopped as usual. A forced exit still removes the report files; the
  // embedded server's watchdog stops the server.
  const onAbort = () => { for (const child of cleanup.children) killChild(child); };
  const onExit = () => { if (cleanup.reportRoot) rmSync(cleanup.reportRoot, { recursive: true, force: true }); };
  process.on('exit', onExit);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const bench = await setUp(options, cleanup);
    const entries: Entry[] = [];
    for (const mode of options.modes) entries.push(...await measureMode(bench, mode));
    const waterfalls = options.waterfall ? await measureWaterfalls(bench) : [];
    if (!options.keep) return { entries, waterfalls };
    cleanup.kept = true;
    return { entries, waterfalls, kept: { templateUrl: bench.cases[0]!.template.url, ...(bench.server.embedded ? { server: bench.server.embedded } : {}) } };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    process.removeListener('exit', onExit);
    await tearDown(cleanup);
    onExit();
  }
}

async function tearDown(cleanup: Cleanup): Promise<void> {
  for (const child of cleanup.children) killChild(child);
  await cleanup.pooler?.stop().catch(() => undefined);
  const server = cleanup.server;
  if (!server) return;
  if (!cleanup.kept) {
    for (const name of [...server.created]) await dropDatabase(server, name).catch(() => undefined);
  }
  await server.admin.end({ timeout: 2 }).catch(() => undefined);
  if (!cleanup.kept) await server.embedded?.stop();
}

/** The builds and node binaries to measure, every build on every node. */
function runnersOf(options: BenchOptions): Runner[] {
  const clis = options.clis ?? [{ path: options.cli ?? process.env.BENCH_CLI ?? DEFAULT_CLI, ...(options.label ? { label: options.label } : {}) }];
  for (const c of clis) if (!existsSync(c.path)) throw new Error(`${c.path} does not exist: run npm run build first`);
  const nodes = nodeBinaries(options.nodes ?? [process.execPath]);
  return clis.flatMap((c) => nodes.map((node) => ({ cli: c.path, ...(c.label ? { label: c.label } : {}), node })));
}

async function setUp(options: BenchOptions, cleanup: Cleanup): Promise<Bench> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const checkAbort = () => { if (options.signal?.aborted) throw new Aborted('interrupted'); };
  const runners = runnersOf(options);
  if (options.waterfall && options.serverUrl) throw new Error('--waterfall reads the statement log of the embedded server: unset BENCH_DATABASE_URL');
  if (options.serverUrl) log(`using the server at ${redactUrl(options.serverUrl)}`);
  const server = cleanup.server = await openServer(options.serverUrl, options.waterfall ? WATERFALL_SETTINGS : {}, log);
  checkAbort();
  // the pass reports: inside the embedded server's directory when there is one
  // (its watchdog removes it even if this process is killed), else in the temp dir
  const reportRoot = cleanup.reportRoot = mkdtempSync(server.embedded ? join(server.embedded.dir, 'reports-') : join(os.tmpdir(), 'polycomm-bench-reports-'));
  const bench: Bench = {
    options, log, server, reportRoot, children: cleanup.children, runners, cases: [], checkAbort,
    nowIso: isoWall(BENCH_END + NOW_AFTER_END), prefix: options.databasePrefix ?? 'bench_',
    asPassRole: (url) => options.passRole?.url(url) ?? url,
  };
  bench.cases = await buildCases(bench);
  if (options.pooled) bench.pooler = cleanup.pooler = await startPooler(bench);
  return bench;
}

/** The backlogs: the one asked for, and the catch-up and history ones if asked for. */
async function buildCases(bench: Bench): Promise<Case[]> {
  const o = bench.options;
  const base: Omit<TemplateSpec, 'name' | 'hours' | 'historyDays'> = { devices: o.devices, seed: o.seed ?? 7, customerEveryMinutes: o.customerEveryMinutes ?? null };
  const specs: [Case['kind'], TemplateSpec][] = [['main', { ...base, name: `${bench.prefix}template`, hours: o.hours, historyDays: 0 }]];
  if (o.catchUpHours) specs.push(['catch-up', { ...base, name: `${bench.prefix}template_catchup`, hours: o.catchUpHours, historyDays: 0 }]);
  if (o.historyDays) specs.push(['history', { ...base, name: `${bench.prefix}template_history`, hours: o.hours, historyDays: o.historyDays }]);
  const first = bench.runners[0]!;
  const cases: Case[] = [];
  for (const [kind, spec] of specs) {
    const template = await buildTemplate(bench.server, spec, o.modes, {
      node: first.node.path, cli: first.cli, children: bench.children, log: bench.log, checkAbort: bench.checkAbort,
      ...(o.passRole ? { prepareRole: (url: string) => o.passRole!.prepare(url) } : {}),
    });
    cases.push({ kind, template });
    bench.checkAbort();
  }
  return cases;
}

/** PgBouncer in transaction mode in front of the server, accepting the passes' login. */
async function startPooler(bench: Bench): Promise<PgBouncer> {
  const login = new URL(bench.asPassRole(bench.server.url));
  const superuser = new URL(bench.server.url);
  const users = { [decodeURIComponent(superuser.username)]: decodeURIComponent(superuser.password), [decodeURIComponent(login.username)]: decodeURIComponent(login.password) };
  const pooler = await startPgBouncer(bench.server.url, { mode: 'transaction', users, poolSize: 4 });
  bench.log(`PgBouncer (pool_mode = transaction, 4 server connections) on port ${pooler.port}`);
  return pooler;
}

const emptySeries = (): Series => ({ passes: [], floors: [], pooled: [], pooledSame: [], concurrent: [], audits: [] });

/** Every backlog and build in one mode: the repeats interleaved, then the concurrent runs; an entry per (backlog, build). */
async function measureMode(bench: Bench, mode: Mode): Promise<Entry[]> {
  const loadBefore = loadavg();
  const variants = bench.cases.flatMap((c) => bench.runners.map((runner) => ({ case: c, runner })));
  const series = new Map(variants.map((v) => [v, emptySeries()]));
  const digests = new Map<Case, string>();
  for (const c of bench.cases) {
    const p = c.template.pending.get(mode)!;
    bench.log(`${mode}, ${c.kind}: ${p.total.toLocaleString('en-US')} pending events (${p.wraps} wraps, ${p.alarms} alarms, ${p.issues} issues, ${p.receipts} receipts)`);
  }
  for (let r = 1; r <= bench.options.repeat; r++) {
    for (const v of interleaved(variants, r)) await measureRepeat(bench, v.case, v.runner, mode, r, series.get(v)!, digests);
  }
  const main = bench.cases[0]!;
  for (let r = 1; (bench.options.concurrent ?? 1) > 1 && r <= bench.options.repeat; r++) {
    for (const runner of interleaved(bench.runners, r)) {
      series.get(variants.find((v) => v.case === main && v.runner === runner)!)!.concurrent.push(await measureConcurrent(bench, main, runner, mode, r, digests.get(main)));
    }
  }
  const loadAfter = loadavg();
  return variants.map((v) => entryOf(bench, v.case, v.runner, mode, series.get(v)!, [loadBefore, loadAfter]));
}

const tagOf = (bench: Bench, runner: Runner) =>
  [bench.runners.some((x) => x.label !== runner.label) && runner.label ? `build ${runner.label}` : '', bench.options.nodes && bench.options.nodes.length > 1 ? `node ${runner.node.version}` : '']
    .filter(Boolean).join(', ');

function cliOptions(bench: Bench, runner: Runner, mode: Mode, url: string): CliRunOptions {
  const o = bench.options;
  return {
    cli: runner.cli, node: runner.node.path, mode, nowIso: bench.nowIso, chunkSize: o.chunkSize ?? 50, chunkEvents: o.chunkEvents,
    url: bench.asPassRole(url), reportRoot: bench.reportRoot, children: bench.children, cpuProfDir: o.cpuProfDir, nodeFlags: o.nodeFlags,
  };
}

/** Whether each pass's written data is digested: always with --verify, else the first repeat when something is compared. */
const digestWanted = (bench: Bench, r: number) => !!bench.options.verify ||
  (r === 1 && (bench.runners.length > 1 || !!bench.pooler || (bench.options.concurrent ?? 1) > 1));

/** One repeat of one backlog and build: a pass, its floor, and the pass through the pooler. */
async function measureRepeat(bench: Bench, c: Case, runner: Runner, mode: Mode, r: number, s: Series, digests: Map<Case, string>): Promise<void> {
  bench.checkAbort();
  const tag = tagOf(bench, runner);
  const db = `${bench.prefix}${mode}_${c.kind.replace('-', '')}_r${r}`;
  const url = await copyDatabase(bench.server, `${db}_pass`, c.template.spec.name);
  const pass = (await runClis(1, cliOptions(bench, runner, mode, url))).passes[0]!;
  if (digestWanted(bench, r)) pass.digest = await checkDigest(bench, url, c, digests, `${mode} ${c.kind} repeat ${r}${tag ? ` (${tag})` : ''}`);
  s.passes.push(pass);
  if (bench.options.audit && c.kind === 'main') s.audits.push(await measureAudit(bench, runner, mode, url, `${mode} repeat ${r}${tag ? ` (${tag})` : ''}`, pass));
  await dropDatabase(bench.server, `${db}_pass`);
  bench.log(`${mode} ${c.kind} repeat ${r}${tag ? ` (${tag})` : ''}: pass ${Math.round(pass.wallMs)} ms wall (report ${pass.totalMs} ms: load ${pass.loadMs}, analyze ${pass.analyzeMs}, write ${pass.writeMs}), ` +
    `${pass.statements} statements, peak RSS ${Math.round(pass.maxRssKb / 1024)} MB, devices ${pass.devices.processed}/${pass.devices.ready}`);
  bench.checkAbort();
  const floor = await measureFloor(bench, c, mode, pass, `${db}_floor`);
  s.floors.push(floor);
  bench.log(`${mode} ${c.kind} repeat ${r}: floor ${Math.round(floor.wallMs)} ms (read ${Math.round(floor.readMs)}, insert ${Math.round(floor.insertMs)}, update ${Math.round(floor.updateMs)}); ratio ${(pass.wallMs / floor.wallMs).toFixed(2)}`);
  if (bench.pooler && c.kind === 'main') {
    const pooledUrl = await copyDatabase(bench.server, `${db}_pooled`, c.template.spec.name);
    const pooled = (await runClis(1, cliOptions(bench, runner, mode, bench.pooler.url(pooledUrl)))).passes[0]!;
    s.pooled.push(pooled);
    s.pooledSame.push(pass.digest === undefined ? null : (await withClient(pooledUrl, writtenDigest)) === pass.digest);
    await dropDatabase(bench.server, `${db}_pooled`);
    bench.log(`${mode} repeat ${r}: through PgBouncer ${Math.round(pooled.wallMs)} ms wall = ${(pooled.wallMs / pass.wallMs).toFixed(2)} x the direct pass`);
  }
}

/**
 * The audit of the generated period (every local time of it: Moscow END-24h..END
 * on clocks 1 h behind to 7 h ahead) on the database the pass wrote.
 */
async function measureAudit(bench: Bench, runner: Runner, mode: Mode, url: string, what: string, pass: PassRun): Promise<AuditRun> {
  const hour = 3600 * MICROS;
  // as the server URL's own user: the pass role may not read what the audit reads (docs/audit.md: its own read-only role)
  const audit = await runAuditCli({ ...cliOptions(bench, runner, mode, url), url }, formatMicros(BENCH_END - 26 * hour), formatMicros(BENCH_END + 8 * hour));
  bench.log(`${what}: audit ${Math.round(audit.wallMs)} ms wall (${audit.tasks} tasks compared, ${audit.findings} findings, peak RSS ${Math.round(audit.maxRssKb / 1024)} MB); ` +
    `audit / pass ${(audit.wallMs / pass.wallMs).toFixed(2)}`);
  if (audit.findings !== 0) bench.log(`WARNING: the audit of ${what} found ${audit.findings} stored values that differ from the rules`);
  return audit;
}

/** The written data's digest, checked against the first pass of the backlog's. */
async function checkDigest(bench: Bench, url: string, c: Case, digests: Map<Case, string>, what: string): Promise<string> {
  const digest = await withClient(url, writtenDigest);
  if (!digests.has(c)) digests.set(c, digest);
  if (digests.get(c) !== digest) bench.log(`WARNING: ${what} wrote different data than the first pass (digest)`);
  return digest;
}

/** The floor on a fresh copy, writing as much as the pass wrote. */
async function measureFloor(bench: Bench, c: Case, mode: Mode, pass: PassRun, db: string): Promise<FloorResult> {
  const url = await copyDatabase(bench.server, db, c.template.spec.name);
  try {
    return await withClient(url, (sql) => runFloor(sql, mode, {
      tasks: pass.rowsInserted.task, links: pass.rowsInserted.task_to_event, analyzerIssues: pass.rowsInserted.polycommissue,
      wraps: pass.rowsUpdated.polycomm_suitcase, alarms: pass.rowsUpdated.polycommalarm, issues: pass.rowsUpdated.polycommissue, receipts: pass.rowsUpdated.receipts,
    }, bench.nowIso.replace('T', ' ')));
  } finally {
    await dropDatabase(bench.server, db);
  }
}

/** N passes started together on one fresh copy. */
async function measureConcurrent(bench: Bench, c: Case, runner: Runner, mode: Mode, r: number, reference: string | undefined): Promise<ConcurrentRun> {
  bench.checkAbort();
  const n = bench.options.concurrent!;
  const db = `${bench.prefix}${mode}_c${r}`;
  const url = await copyDatabase(bench.server, db, c.template.spec.name);
  const run = await runClis(n, cliOptions(bench, runner, mode, url));
  const digest = reference === undefined ? undefined : await withClient(url, writtenDigest);
  await dropDatabase(bench.server, db);
  const sum = (f: (p: PassRun) => number) => run.passes.reduce((s, p) => s + f(p), 0);
  const result: ConcurrentRun = {
    wallMs: run.wallMs, passes: run.passes, processedSum: sum((p) => p.devices.processed), ready: run.passes[0]!.devices.ready,
    skippedSum: sum((p) => p.devices.skippedOwnedElsewhere), idleSum: sum((p) => p.devices.idle),
    sameDataAsOnePass: digest === undefined ? null : digest === reference,
  };
  const tag = tagOf(bench, runner);
  bench.log(`${mode} concurrent ${r}${tag ? ` (${tag})` : ''}: ${n} passes in ${Math.round(result.wallMs)} ms wall; processed ${result.processedSum}/${result.ready} ` +
    `(${run.passes.map((p) => p.devices.processed).join(' + ')}), skipped ${result.skippedSum}, idle ${result.idleSum}, same data: ${String(result.sameDataAsOnePass)}`);
  return result;
}

/** What sets an entry apart (its key is made of it). */
function configOf(bench: Bench, c: Case, runner: Runner, mode: Mode): Entry['config'] {
  const o = bench.options;
  const spec = c.template.spec;
  return {
    mode, devices: spec.devices, hours: spec.hours, customerEveryMinutes: spec.customerEveryMinutes, chunkSize: o.chunkSize ?? 50, seed: spec.seed,
    repeat: o.repeat, concurrent: c.kind === 'main' ? o.concurrent ?? 1 : 1,
    ...(o.chunkEvents !== undefined ? { chunkEvents: o.chunkEvents } : {}),
    ...(spec.historyDays > 0 ? { historyDays: spec.historyDays } : {}),
    ...(o.nodeFlags && o.nodeFlags.length > 0 ? { nodeFlags: o.nodeFlags } : {}),
    ...(o.nodes ? { node: runner.node.version } : {}),
    ...(runner.label ? { label: runner.label } : {}),
  };
}

function entryOf(bench: Bench, c: Case, runner: Runner, mode: Mode, s: Series, [loadBefore, loadAfter]: number[][]): Entry {
  const o = bench.options;
  const config = configOf(bench, c, runner, mode);
  const passWallMs = median(s.passes.map((p) => p.wallMs));
  const concurrentMs = median(s.concurrent.map((x) => x.wallMs));
  return {
    key: entryKey(config), command: o.command ?? 'runBench()', date: new Date().toISOString(), machine: { ...machine(), node: runner.node.version },
    build: buildInfo(runner.cli), postgres: bench.server.pgVersion, loadBefore: loadBefore!, loadAfter: loadAfter!, config,
    dataset: c.template.dataset, pending: c.template.pending.get(mode)!, passes: s.passes, floors: s.floors,
    ...(s.audits.length > 0 ? { audits: s.audits } : {}),
    median: {
      passWallMs, passTotalMs: median(s.passes.map((p) => p.totalMs)), loadMs: median(s.passes.map((p) => p.loadMs)),
      analyzeMs: median(s.passes.map((p) => p.analyzeMs)), writeMs: median(s.passes.map((p) => p.writeMs)),
      floorMs: median(s.floors.map((f) => f.wallMs)), ratio: pairedRatio(s.passes, s.floors),
    },
    ...(s.concurrent.length > 0 ? { concurrent: { runs: s.concurrent, medianWallMs: concurrentMs, speedup: concurrentMs / passWallMs } } : {}),
    ...(s.pooled.length > 0 ? { pooled: { passes: s.pooled, medianWallMs: median(s.pooled.map((p) => p.wallMs)), ratio: pairedRatio(s.pooled, s.passes), sameData: s.pooledSame } } : {}),
  };
}

/** One waterfall per build: the largest backlog, the first mode. */
async function measureWaterfalls(bench: Bench): Promise<Waterfall[]> {
  const c = bench.cases.find((x) => x.kind === 'catch-up') ?? bench.cases[0]!;
  const mode = bench.options.modes[0]!;
  const out: Waterfall[] = [];
  for (const runner of bench.runners) {
    bench.checkAbort();
    const key = entryKey(configOf(bench, c, runner, mode));
    out.push(await measureWaterfall(bench, { key, template: c.template.spec.name, options: (url) => cliOptions(bench, runner, mode, url) }));
    bench.log(`${key}: waterfall measured`);
  }
  return out;
}

export async function withClient<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
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

/** A label for a build given with --cli and no --label: the folder above its dist/ (e.g. perf-base for /tmp/perf-base/dist/cli.js). */
export const labelOfCli = (path: string) => basename(dirname(dirname(resolve(path))));

const invoked = process.argv[1] ? resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  // the command line (bench/main.ts imports this module: loaded once this one has run)
  void import('./main.js').then(({ main, exitOnError }) => main().then((code) => process.exit(code), exitOnError));
}
