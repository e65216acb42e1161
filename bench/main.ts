// The command line of `npm run bench` (options: bench/run.ts): parse, run the
// benchmark or the core micro-benchmark, print, and with --out record into
// bench/results.json and render bench/RESULTS.md.
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Mode } from '../src/core/index.js';
import { coreOnNodes, recordCore } from './core-run.js';
import { readResults, renderFile, tableRow, TABLE_HEADER, textTable, writeResults, type Entry } from './results.js';
import { Aborted, labelOfCli, runBench, type BenchOptions, type BenchOutcome } from './run.js';
import type { Waterfall } from './waterfall.js';

/** Set by the signal handler: the run ends with exit code 130. */
let interrupted = false;

const OPTIONS = {
  mode: { type: 'string', default: 'receipts' },
  devices: { type: 'string' },
  hours: { type: 'string' },
  'customer-every': { type: 'string' },
  repeat: { type: 'string' },
  concurrent: { type: 'string' },
  'chunk-size': { type: 'string' },
  'chunk-events': { type: 'string' },
  seed: { type: 'string' },
  'catch-up': { type: 'boolean', default: false },
  'catch-up-hours': { type: 'string' },
  history: { type: 'string' },
  pooled: { type: 'boolean', default: false },
  waterfall: { type: 'boolean', default: false },
  audit: { type: 'boolean', default: false },
  verify: { type: 'boolean', default: false },
  cli: { type: 'string', multiple: true },
  node: { type: 'string', multiple: true },
  'cpu-prof': { type: 'string' },
  'node-flags': { type: 'string' },
  label: { type: 'string', multiple: true },
  out: { type: 'string' },
  core: { type: 'boolean', default: false },
  render: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>['values'];

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

function customerEvery(value: string | undefined): [number, number] | null {
  if (value === undefined) return null;
  const parts = value.split(',').map(Number);
  if (parts.length !== 2 || !parts.every((x) => Number.isFinite(x) && x > 0) || parts[0]! > parts[1]!) {
    throw new Error(`--customer-every must be MIN,MAX minutes, got '${value}'`);
  }
  return [parts[0]!, parts[1]!];
}

/** The node binaries of --node (repeatable) or BENCH_NODE (comma-separated). */
function nodePaths(values: Values): string[] | undefined {
  const list = values.node ?? process.env.BENCH_NODE?.split(',').filter(Boolean);
  return list && list.length > 0 ? list.map((p) => (p.includes('/') ? resolve(p) : p)) : undefined;
}

/** The builds of --cli (repeatable), each with the --label of the same position. */
function builds(values: Values): Pick<BenchOptions, 'cli' | 'label' | 'clis'> {
  const clis = (values.cli ?? []).map((p) => resolve(p));
  const labels = values.label ?? [];
  if (clis.length <= 1) return { ...(clis[0] ? { cli: clis[0] } : {}), ...(labels[0] ? { label: labels[0] } : {}) };
  return { clis: clis.map((path, i) => ({ path, label: labels[i] ?? labelOfCli(path) })) };
}

function benchOptions(values: Values, command: string, signal: AbortSignal): BenchOptions {
  const modes: Mode[] = values.mode === 'both' ? ['receipts', 'dwr'] : values.mode === 'receipts' || values.mode === 'dwr' ? [values.mode] : [];
  if (modes.length === 0) throw new Error(`--mode must be receipts, dwr or both, got '${values.mode}'`);
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const nodes = nodePaths(values);
  const catchUpHours = values['catch-up'] || values['catch-up-hours'] ? positiveNumber('catch-up-hours', values['catch-up-hours'], 168) : 0;
  return {
    modes,
    devices: positiveInt('devices', values.devices, 1000),
    hours: positiveNumber('hours', values.hours, 24),
    customerEveryMinutes: customerEvery(values['customer-every']),
    repeat: positiveInt('repeat', values.repeat, 3),
    concurrent: positiveInt('concurrent', values.concurrent, 1),
    chunkSize: positiveInt('chunk-size', values['chunk-size'], 50),
    ...(values['chunk-events'] !== undefined ? { chunkEvents: positiveInt('chunk-events', values['chunk-events'], 0) } : {}),
    seed: positiveInt('seed', values.seed, 7),
    catchUpHours,
    historyDays: values.history !== undefined ? positiveInt('history', values.history, 0) : 0,
    pooled: values.pooled,
    waterfall: values.waterfall,
    audit: values.audit,
    ...(serverUrl ? { serverUrl } : {}),
    ...builds(values),
    ...(nodes ? { nodes } : {}),
    ...(values['cpu-prof'] ? { cpuProfDir: resolve(values['cpu-prof']) } : {}),
    ...(values['node-flags'] ? { nodeFlags: values['node-flags'].split(/\s+/).filter(Boolean) } : {}),
    verify: values.verify,
    keep: values.keep,
    command,
    signal,
  };
}

/**
 * Ctrl-C stops the passes and the server. One Ctrl-C can arrive twice (the
 * terminal's and the one tsx relays): only a signal well after the first
 * forces the exit (the embedded server's watchdog cleans up). A Ctrl-C reaches
 * the embedded PostgreSQL too (same process group): it shuts down under the
 * bench's clients, and postgres.js can then throw outside any promise.
 */
function handleSignals(): AbortController {
  const controller = new AbortController();
  let firstSignal = 0;
  const onSignal = () => {
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
  process.on('uncaughtException', (error) => {
    if (interrupted) {
      process.stderr.write('bench interrupted: the server was stopped by the signal; its files are removed by its watchdog\n');
      process.exit(130);
    }
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
  return controller;
}

function printOutcome(entries: Entry[], waterfalls: Waterfall[]): void {
  console.log('');
  console.log(textTable([TABLE_HEADER, ...entries.map(tableRow)]));
  for (const e of entries) {
    if (e.concurrent) {
      console.log(`${e.key}: ${e.config.concurrent} passes together: ${Math.round(e.concurrent.medianWallMs)} ms median wall = ` +
        `${e.concurrent.speedup.toFixed(2)} x one pass; processed ${e.concurrent.runs.map((r) => `${r.processedSum}/${r.ready}`).join(', ')}; ` +
        `same data: ${e.concurrent.runs.map((r) => String(r.sameDataAsOnePass)).join(', ')}`);
    }
    if (e.pooled) console.log(`${e.key}: through PgBouncer ${Math.round(e.pooled.medianWallMs)} ms median wall = ${e.pooled.ratio.toFixed(2)} x the direct pass`);
  }
  for (const w of waterfalls) {
    console.log(`\n${w.key}: ${Math.round(w.wallMs)} ms wall; PostgreSQL busy ${Math.round(w.serverMs)}, Node ${Math.round(w.nodeMs)}, both ${Math.round(w.bothMs)}, neither ${Math.round(w.idleMs)} ms`);
    for (const p of w.phases) console.log(`  ${p.where.padEnd(10)} ${String(Math.round(p.ms)).padStart(7)} ms  ${p.phase}`);
  }
}

function record(mdPath: string, jsonPath: string, outcome: BenchOutcome): void {
  const results = readResults(jsonPath);
  for (const e of outcome.entries) results.entries[e.key] = e;
  if (outcome.waterfalls.length > 0) results.waterfalls = { ...results.waterfalls, ...Object.fromEntries(outcome.waterfalls.map((w) => [w.key, w])) };
  writeResults(jsonPath, results);
  renderFile(mdPath, results);
  console.log(`recorded in ${jsonPath} and ${mdPath}`);
}

export async function main(): Promise<number> {
  const { values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false });
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const mdPath = values.out ? resolve(values.out) : undefined;
  const jsonPath = mdPath ? join(dirname(mdPath), 'results.json') : undefined;
  if (values.render) {
    if (!mdPath || !jsonPath) throw new Error('--render needs --out');
    renderFile(mdPath, readResults(jsonPath));
    console.log(`rendered ${mdPath} from ${jsonPath}`);
    return 0;
  }
  const nodes = nodePaths(values);
  if (values.core && nodes) {
    await coreOnNodes(nodes, positiveInt('repeat', values.repeat, 3), command, mdPath, jsonPath);
    return 0;
  }
  if (values.core) {
    await recordCore(mdPath, jsonPath);
    return 0;
  }
  const outcome = await runBench(benchOptions(values, command, handleSignals().signal));
  printOutcome(outcome.entries, outcome.waterfalls);
  if (mdPath && jsonPath) record(mdPath, jsonPath, outcome);
  if (outcome.kept) {
    console.log(`kept: ${outcome.kept.templateUrl} (press Ctrl-C to stop the server)`);
    const server = outcome.kept.server;
    if (server) {
      await new Promise<void>((resolvePromise) => process.once('SIGINT', () => resolvePromise()));
      await server.stop();
    }
  }
  return 0;
}

export function exitOnError(error: unknown): never {
  if (interrupted || error instanceof Aborted) {
    process.stderr.write('bench interrupted: the server and the databases it created are gone\n');
    process.exit(130);
  }
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
}
