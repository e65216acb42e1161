// Helpers of the reliability tests (issue 6): run a pass through the built CLI
// and read its report, dump one device's state, wait for a condition, hold a
// row lock, connect to a database on another server.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { expect } from 'vitest';
import { runCli, startCli, type CliResult, type CliRun } from '../harness/cli.js';
import { dumpWritten, type Sql } from '../harness/db.js';
import { holdInTransaction, sleep, waitFor as pollFor, type HeldLock } from '../harness/wait.js';
import type { PassReport } from '../../src/shell/report.js';

export { holdInTransaction, sleep, type HeldLock };

/** Polls `check` until it returns a value other than undefined; throws after `ms`. */
export const waitFor = <T>(what: string, check: () => Promise<T | undefined>, ms = 30_000, everyMs = 25): Promise<T> => pollFor(what, check, ms, everyMs);

export interface PassRun extends CliResult {
  report: PassReport;
  reportText: string;
}

/**
 * One pass through the built CLI with a report directory under `reportRoot`;
 * checks the exit code (with the output in the failure message) and returns
 * the parsed report.
 */
export async function runPass(
  reportRoot: string,
  url: string,
  args: string[],
  expectCode: number,
  env: Record<string, string> = {},
): Promise<PassRun> {
  const dir = mkdtempSync(join(reportRoot, 'r-'));
  const r = await runCli([...args, '--report-dir', dir], { DATABASE_URL: url, ...env });
  expect(r.code, `exit code; stdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr}`).toBe(expectCode);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files, 'one report file').toHaveLength(1);
  const reportText = readFileSync(join(dir, files[0]!), 'utf8');
  return { ...r, report: JSON.parse(reportText) as PassReport, reportText };
}

/** Starts a pass (for fault injection) with its report directory. */
export function startPass(reportRoot: string, url: string, args: string[], env: Record<string, string> = {}): CliRun & { reportDir: string } {
  const reportDir = mkdtempSync(join(reportRoot, 'r-'));
  return { ...startCli([...args, '--report-dir', reportDir], { DATABASE_URL: url, ...env }), reportDir };
}

export function readReport(reportDir: string): PassReport | undefined {
  const file = readdirSync(reportDir).find((f) => f.endsWith('.json'));
  return file === undefined ? undefined : (JSON.parse(readFileSync(join(reportDir, file), 'utf8')) as PassReport);
}

/** Everything the analyzer reads or writes for one device, ids of inserted rows aside. */
export const deviceDump = (sql: Sql, deviceId: number): Promise<string> => dumpWritten(sql, deviceId);

/** Per device: 'untouched' (as before the pass), 'done' (as after the reference pass), or 'HALF-WRITTEN'. */
export async function classifyDevices(
  sql: Sql,
  before: Map<number, string>,
  after: Map<number, string>,
): Promise<Map<number, 'untouched' | 'done' | 'HALF-WRITTEN'>> {
  const out = new Map<number, 'untouched' | 'done' | 'HALF-WRITTEN'>();
  for (const id of before.keys()) {
    const now = await deviceDump(sql, id);
    out.set(id, now === before.get(id) ? 'untouched' : now === after.get(id) ? 'done' : 'HALF-WRITTEN');
  }
  return out;
}

export async function deviceDumps(sql: Sql, ids: number[]): Promise<Map<number, string>> {
  const m = new Map<number, string>();
  for (const id of ids) m.set(id, await deviceDump(sql, id));
  return m;
}

/** Backends of the analyzer (the pass and its run-history connection) on a database. */
export async function analyzerBackends(sql: Sql, database: string): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${database} and application_name like 'polycomm-analyzer%'`;
  return rows.map((r) => r.pid);
}

/** Waits until PostgreSQL has ended every analyzer session on the database (rolled back, locks released). */
export async function waitNoAnalyzerBackends(sql: Sql, database: string, ms = 60_000): Promise<void> {
  await waitFor(`the analyzer's sessions on ${database} to end`, async () => ((await analyzerBackends(sql, database)).length === 0 ? true : undefined), ms);
}

/**
 * Waits until no session on the database (but the caller's) is inside a
 * transaction: a killed pass's transaction rolled back, its locks released.
 * Through a pooler the server connections stay, idle, so their number tells
 * nothing; an open transaction does.
 */
export async function waitNoOpenTransactions(sql: Sql, database: string, ms = 60_000): Promise<void> {
  await waitFor(`every transaction on ${database} to end`, async () => {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = ${database} and backend_type = 'client backend' and xact_start is not null and pid <> pg_backend_pid()`;
    return row!.n === 0 ? true : undefined;
  }, ms);
}

/**
 * A client with the test harness's types (bigint as number, timestamps as
 * text), for a database that is not a harness test database (another server).
 */
export function connectLike(url: string, max = 4): Sql {
  return postgres(url, {
    max,
    onnotice: () => undefined,
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
      timestamp: { to: 1114, from: [1114], serialize: (v: unknown) => String(v), parse: (v: string) => v },
    },
  }) as unknown as Sql;
}

/** Long fault tests run only when ANALYZER_FAULT_TESTS is set (CI sets it). */
export const FAULT_TESTS = !!process.env.ANALYZER_FAULT_TESTS && process.env.ANALYZER_FAULT_TESTS !== '0';
