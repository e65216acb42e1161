// `--waterfall`: one extra pass with the server logging every statement of its
// database and the CLI under a CPU profile, and one more on another copy with
// auto_explain (for the write statement's inserts and updates); then
// bench/waterfall.ts puts the three together.
import { closeSync, mkdtempSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runClis, type CliRunOptions } from './cli-runner.js';
import { copyDatabase, dropDatabase } from './datasets.js';
import { loadavg, type Bench } from './run.js';
import { buildWaterfall, readProfile, type Waterfall } from './waterfall.js';

/** The embedded server's settings for --waterfall (its log kept in a file: keepLog): each line with its time, pid and application. */
export const WATERFALL_SETTINGS: Record<string, string> = { log_line_prefix: '%m [%p] %a ' };

/** The server log from byte `from` on. */
function readLog(path: string, from: number): string {
  const size = statSync(path).size;
  const buffer = Buffer.alloc(Math.max(0, size - from));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

const logSize = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** Waits until the server log stops growing (it arrives through a pipe, behind the backends). */
async function settledLog(path: string): Promise<void> {
  let size = -1;
  for (let i = 0; i < 50 && size !== logSize(path); i++) {
    size = logSize(path);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Configure = (admin: Bench['server']['admin'], database: string) => Promise<unknown>;

/** Every statement of the database's sessions logged with its duration. */
const logStatements: Configure = (admin, db) => admin`alter database ${admin(db)} set log_min_duration_statement = 0`;

/** Every statement's plan logged with what each node took (auto_explain, EXPLAIN ANALYZE). */
const explainStatements: Configure = async (admin, db) => {
  await admin`alter database ${admin(db)} set session_preload_libraries = 'auto_explain'`;
  await admin`alter database ${admin(db)} set auto_explain.log_min_duration = 0`;
  await admin`alter database ${admin(db)} set auto_explain.log_analyze = on`;
};

/** A pass on a fresh copy with the database's settings set first; its wall clock span and the log it left. */
async function loggedPass(bench: Bench, template: string, name: string, configure: Configure, options: (url: string) => CliRunOptions, cpuProfDir?: string) {
  const url = await copyDatabase(bench.server, name, template);
  await configure(bench.server.admin, name);
  const log = bench.server.embedded!.logFile!;
  await settledLog(log);
  const from = logSize(log);
  const startedAt = Date.now();
  const run = await runClis(1, { ...options(url), ...(cpuProfDir ? { cpuProfDir } : {}) });
  const endedAt = Date.now();
  await settledLog(log);
  await dropDatabase(bench.server, name);
  return { startedAt, endedAt, statements: run.passes[0]!.statements, text: readLog(log, from) };
}

/** Where the time of one pass goes (the catch-up backlog if measured, else the main one). */
export async function measureWaterfall(bench: Bench, what: { key: string; template: string; options: (url: string) => CliRunOptions }): Promise<Waterfall> {
  const loadBefore = loadavg();
  const profileDir = mkdtempSync(join(bench.reportRoot, 'profile-'));
  const timed = await loggedPass(bench, what.template, `${bench.prefix}waterfall`, logStatements, what.options, profileDir);
  const explained = await loggedPass(bench, what.template, `${bench.prefix}waterfall_explain`, explainStatements, what.options);
  return buildWaterfall({
    key: what.key, startedAt: timed.startedAt, endedAt: timed.endedAt, loadBefore, log: timed.text, explainLog: explained.text,
    profile: readProfile(profileDir), statements: timed.statements,
  });
}
