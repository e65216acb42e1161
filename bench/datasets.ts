// The bench's server and its template databases. A template holds the
// schema, the CLI's migration and a generated, seeded backlog (COPY, VACUUM
// ANALYZE, CHECKPOINT); every pass and every floor runs on a fresh copy of it
// (CREATE DATABASE ... TEMPLATE). A history template also holds days of
// already processed history under the same pending backlog: the history is
// generated first, processed by real passes of the CLI under test, and the
// pending window is loaded on top with ids after the history's.
import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import type { Mode } from '../src/core/index.js';
import { startEmbedded, type EmbeddedServer } from '../tests/harness/embedded.js';
import { loadInitdb, withDatabase } from '../tests/harness/schema.js';
import { generate, MICROS, rowCount, TABLE_NAMES, type Dataset, type Table } from '../generator/generate.js';
import { copyTable, loadDataset, syncSequences, vacuumAnalyze } from '../generator/load.js';
import { runCliCommand } from './cli-runner.js';
import { modeDevices, pendingCounts, type PendingCounts } from './floor.js';
import type { Entry } from './results.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client's type parameter
export type Sql = postgres.Sql<any>;

const quiet = { onnotice: () => undefined };

/** The fixed end of the generated window, on the Moscow wall clock (zone-free micros). */
export const BENCH_END = Date.UTC(2026, 0, 15, 12, 0, 0) * 1000;
/** The pass's *now*: an hour after the last event, so (almost) nothing is deferred. */
export const NOW_AFTER_END = 3600 * MICROS;

/** 'YYYY-MM-DDTHH:MM:SS' of zone-free wall-clock micros. */
export const isoWall = (m: number) => new Date(Math.floor(m / 1000)).toISOString().slice(0, 19);

export interface BenchServer {
  url: string;
  /** set when the bench started an embedded server (its directory holds the server log with --waterfall) */
  embedded?: EmbeddedServer;
  admin: Sql;
  pgVersion: string;
  /** databases this run created (dropped at the end unless kept) */
  created: Set<string>;
  fileCopy: boolean;
}

/** The server (BENCH_DATABASE_URL's, or an embedded one started with `settings` and, with any, its log kept) and a superuser client. */
export async function openServer(serverUrl: string | undefined, settings: Record<string, string>, log: (line: string) => void): Promise<BenchServer> {
  let embedded: EmbeddedServer | undefined;
  if (!serverUrl) {
    log('starting an embedded PostgreSQL ...');
    const logged = Object.keys(settings).length > 0;
    embedded = await startEmbedded({ prefix: 'polycomm-bench-pg-', settings, ...(logged ? { keepLog: true } : {}) });
  }
  const url = serverUrl ?? embedded!.url;
  const admin = postgres(url, { max: 1, ...quiet });
  const [ver] = await admin<{ server_version: string; num: string }[]>`
    select current_setting('server_version') as server_version, current_setting('server_version_num') as num`;
  return { url, ...(embedded ? { embedded } : {}), admin, pgVersion: ver!.server_version, created: new Set(), fileCopy: Number(ver!.num) >= 150000 };
}

export async function dropDatabase(server: BenchServer, name: string): Promise<void> {
  await server.admin`drop database if exists ${server.admin(name)} with (force)`;
  server.created.delete(name);
}

/** A fresh copy of `template` named `name`; its URL. */
export async function copyDatabase(server: BenchServer, name: string, template: string): Promise<string> {
  const { admin } = server;
  await dropDatabase(server, name);
  server.created.add(name);
  await admin`create database ${admin(name)} template ${admin(template)} ${server.fileCopy ? admin`strategy file_copy` : admin``}`;
  return withDatabase(server.url, name);
}

/** What a template is made of. */
export interface TemplateSpec {
  name: string;
  devices: number;
  hours: number;
  seed: number;
  customerEveryMinutes: [number, number] | null;
  /** days of processed history under the pending window (0: none) */
  historyDays: number;
}

export interface Template {
  spec: TemplateSpec;
  url: string;
  dataset: Entry['dataset'];
  pending: Map<Mode, PendingCounts>;
}

/** How the template's migration and history passes run: the CLI under test. */
export interface TemplateTools {
  node: string;
  cli: string;
  children: Set<ChildProcess>;
  /** grants the pass role in the template after migrate (copies inherit them) */
  prepareRole?: (templateUrl: string) => Promise<void>;
  log: (line: string) => void;
  checkAbort: () => void;
}

const windowOf = (spec: TemplateSpec, hours: number, end: number, idBase?: number): Dataset => generate({
  seed: spec.seed, devices: spec.devices, hours, end,
  ...(spec.customerEveryMinutes ? { customerEveryMinutes: spec.customerEveryMinutes } : {}),
  ...(idBase !== undefined ? { idBase } : {}),
});

/** Creates the template: schema, migration, grants, history (if any), the pending backlog, statistics. */
export async function buildTemplate(server: BenchServer, spec: TemplateSpec, modes: Mode[], tools: TemplateTools): Promise<Template> {
  await dropDatabase(server, spec.name);
  server.created.add(spec.name);
  await server.admin`create database ${server.admin(spec.name)}`;
  const url = withDatabase(server.url, spec.name);
  await loadInitdb(url);
  // the migrations of the CLI under test (a patched or older build brings its own)
  await runCliCommand(tools.node, tools.cli, ['migrate'], url, tools.children);
  await tools.prepareRole?.(url);
  tools.checkAbort();
  const idBase = spec.historyDays > 0 ? await loadHistory(url, spec, tools) : undefined;
  const loader = postgres(url, { max: 6, ...quiet });
  try {
    let t = performance.now();
    let dataset: Dataset | undefined = windowOf(spec, spec.hours, BENCH_END, idBase);
    const generateMs = performance.now() - t;
    const rows = rowCount(dataset);
    tools.log(`${spec.name}: generated ${rows.toLocaleString('en-US')} rows (${spec.devices} devices x ${spec.hours} h) in ${Math.round(generateMs)} ms`);
    t = performance.now();
    // over a history the devices and their ready flags are there already: only the events
    if (idBase === undefined) await loadDataset(loader, dataset);
    else await loadEvents(loader, dataset);
    const loadMs = performance.now() - t;
    dataset = undefined; // let the rows go before the passes run
    tools.log(`${spec.name}: loaded with COPY in ${Math.round(loadMs)} ms`);
    tools.checkAbort();
    t = performance.now();
    await vacuumAnalyze(loader);
    await loader`checkpoint`;
    const vacuumMs = performance.now() - t;
    const pending = new Map<Mode, PendingCounts>();
    for (const mode of modes) pending.set(mode, await pendingCounts(loader, mode, await modeDevices(loader, mode)));
    return { spec, url, dataset: { rows, generateMs, loadMs, vacuumMs }, pending };
  } finally {
    // a template must have no connections when it is copied
    await loader.end({ timeout: 5 });
  }
}

/** The event tables of a dataset whose devices are loaded already. */
async function loadEvents(sql: Sql, dataset: Dataset): Promise<void> {
  const events = TABLE_NAMES.filter((name) => name !== 'polycomm_device' && name !== 'timestamps');
  await Promise.all(events.map((name) => copyTable(sql, dataset.tables[name] as Table<unknown>)));
  await syncSequences(sql);
}

/**
 * `historyDays` of backlog before the pending window, loaded and processed by
 * one pass of the CLI under test per mode; returns the first id free for the
 * pending window's rows.
 */
async function loadHistory(url: string, spec: TemplateSpec, tools: TemplateTools): Promise<number> {
  const hours = spec.historyDays * 24;
  const end = BENCH_END - spec.hours * 3600 * MICROS;
  const history = windowOf(spec, hours, end);
  const nextId = history.nextId;
  const loader = postgres(url, { max: 6, ...quiet });
  try {
    await loadDataset(loader, history);
    tools.log(`${spec.name}: ${rowCount(history).toLocaleString('en-US')} rows of history (${spec.devices} devices x ${hours} h) loaded; processing them ...`);
    await vacuumAnalyze(loader);
  } finally {
    await loader.end({ timeout: 5 });
  }
  const now = isoWall(end + NOW_AFTER_END);
  // both modes: every device's history is processed, whichever modes are measured
  for (const mode of ['receipts', 'dwr'] as const) {
    tools.checkAbort();
    await runCliCommand(tools.node, tools.cli, ['--mode', mode, '--now', now], url, tools.children);
  }
  // the passes inserted analyzer issues with ids of their own: the pending rows come after every id in use
  const sql = postgres(url, { max: 1, ...quiet });
  try {
    const [row] = await sql<{ next: string }[]>`
      select (greatest((select max(polycommissue_id) from polycommissue), (select max(id) from polycomm_suitcase),
                       (select max(polycommalarm_id) from polycommalarm), (select max(receipt_id) from receipts)) + 1)::text as next`;
    return Math.max(nextId, Number(row!.next));
  } finally {
    await sql.end({ timeout: 5 });
  }
}
