// Running the built CLI from the bench: a child process in a process group of
// its own (killChild stops all of it), its environment without any analyzer
// setting of the caller's, its report read back, and which build and node
// binary ran it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Mode } from '../src/core/index.js';
import type { AuditDocument } from '../src/shell/audit-report.js';
import type { PassReport } from '../src/shell/report.js';
import type { AuditRun, Entry, PassRun } from './results.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CLI = resolve(HERE, '../dist/cli.js');

/** The CLI's environment: the caller's, without any analyzer setting that could change the pass. */
export function cliEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(ANALYZER_|DATABASE_URL$|CHUNK_SIZE$|CHUNK_EVENTS$|PASS_CONNECTIONS$|DEVICES$|DRY_RUN$|REPORT_DIR$|LOG_|LAST_EVENT_TIME$|TIMEDELTA_CHECK$|PG)/.test(k)) env[k] = v;
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

/** Kills a child started by spawnCli (its whole process group). */
export function killChild(child: ChildProcess): void {
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
export async function runCliCommand(node: string, cli: string, args: string[], url: string, children: Set<ChildProcess>): Promise<void> {
  await completion(spawnCli(node, [cli, ...args], cliEnv(url)), children, args.join(' '));
}

/** `analyzer audit --from FROM --to TO` in `mode`, with the pass's *now*, on the database the pass wrote (issue 23). */
export async function runAuditCli(o: Pick<CliRunOptions, 'cli' | 'node' | 'mode' | 'nowIso' | 'url' | 'reportRoot' | 'children'>, from: string, to: string): Promise<AuditRun> {
  const out = join(mkdtempSync(join(o.reportRoot, `audit-${o.mode}-`)), 'audit.json');
  const started = performance.now();
  const child = spawnCli(o.node, [o.cli, 'audit', '--mode', o.mode, '--from', from, '--to', to, '--now', o.nowIso, '--format', 'json', '--out', out], cliEnv(o.url));
  const wallMs = (await completion(child, o.children, 'the audit')) - started;
  const doc = JSON.parse(readFileSync(out, 'utf8')) as AuditDocument;
  return { wallMs, totalMs: doc.durationMs, tasks: doc.tasks, findings: doc.findings.length, maxRssKb: doc.maxRssKb, devices: doc.devices.audited, widened: doc.devices.widened };
}

/** Which CLI runs a pass, on which node, with which extra flags and settings. */
export interface CliRunOptions {
  cli: string;
  /** the node binary */
  node: string;
  mode: Mode;
  nowIso: string;
  chunkSize: number;
  /** --chunk-events, when the bench sets it (else the CLI's default) */
  chunkEvents?: number | undefined;
  url: string;
  reportRoot: string;
  children: Set<ChildProcess>;
  cpuProfDir?: string | undefined;
  nodeFlags?: string[] | undefined;
}

/** Starts `n` passes of the CLI together and waits for all; one wall time for the lot. */
export async function runClis(n: number, o: CliRunOptions): Promise<{ wallMs: number; passes: PassRun[] }> {
  const dirs = Array.from({ length: n }, () => mkdtempSync(join(o.reportRoot, `${o.mode}-`)));
  const env = cliEnv(o.url);
  const started = performance.now();
  const nodeFlags = [...(o.nodeFlags ?? []), ...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [])];
  const settings = ['--chunk-size', String(o.chunkSize), ...(o.chunkEvents !== undefined ? ['--chunk-events', String(o.chunkEvents)] : [])];
  const ends = await Promise.all(dirs.map(async (dir) => {
    const child = spawnCli(o.node, [...nodeFlags, o.cli, '--mode', o.mode, '--now', o.nowIso, '--report-dir', dir, ...settings], env);
    return { wallMs: (await completion(child, o.children, 'the pass')) - started, dir };
  }));
  const passes = ends.map(({ wallMs, dir }) => {
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (!file) throw new Error(`the pass wrote no report in ${dir}`);
    return passRun(wallMs, JSON.parse(readFileSync(join(dir, file), 'utf8')) as PassReport);
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

/** The order of repeat `r` (from 1): as given on odd repeats, reversed on even ones, so nothing always goes first. */
export const interleaved = <T>(items: readonly T[], r: number): T[] => (r % 2 === 1 ? [...items] : [...items].reverse());

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
