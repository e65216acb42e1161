// `npm run demo`: one receipts pass and one dwr pass through the real CLI on
// an embedded PostgreSQL holding a generated day of demo data; prints what was
// loaded, each pass's summary, the tasks created, and where the JSON reports
// are. Stops the server and removes its files; the reports stay.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import postgres from 'postgres';
import { demoDataset } from '../generator/demo.js';
import { loadDataset } from '../generator/load.js';
import { wallMicros } from '../src/infra/clock.js';
import { ttySummary, type PassReport } from '../src/shell/report.js';
import { startEmbedded, type EmbeddedServer } from '../tests/harness/embedded.js';
import { loadSchema, withDatabase } from '../tests/harness/schema.js';
import { renderTaskTable, taskTable } from './demo-table.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** One pass through the built CLI; its log (errors only) is shown only when it fails. */
function runPass(mode: string, url: string, reportDir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--mode', mode, '--report-dir', reportDir, '--log-level', 'error'], {
      env: { ...process.env, DATABASE_URL: url, LOG_FORMAT: 'text' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function createDemoDatabase(server: EmbeddedServer): Promise<string> {
  const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
  await admin`create database demo`;
  await admin.end();
  const url = withDatabase(server.url, 'demo');
  await loadSchema(url);
  return url;
}

async function demo(server: EmbeddedServer, reports: string): Promise<number> {
  const url = await createDemoDatabase(server);
  // one day of data ending now on the Moscow wall clock: the last groups of the busy devices are still in progress
  const dataset = demoDataset(wallMicros(DateTime.now().setZone('Europe/Moscow')));
  const sql = postgres(url, { max: 4, onnotice: () => undefined });
  try {
    const load = await loadDataset(sql, dataset);
    const r = load.rows;
    console.log(`Loaded ${load.total} rows of demo data (one day, ${dataset.devices.length} devices): ` +
      `${r.polycomm_suitcase} wraps, ${r.polycommalarm} alarms, ${r.polycommissue} issues, ${r.receipts} receipts\n`);
    let exit = 0;
    const issues = { '7': 0, '8': 0, '9': 0 };
    for (const mode of ['receipts', 'dwr']) {
      const dir = join(reports, mode);
      const pass = await runPass(mode, url, dir);
      if (pass.code !== 0) {
        exit = 1;
        process.stdout.write(pass.output);
      }
      const [file] = readdirSync(dir);
      const report = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as PassReport;
      for (const t of ['7', '8', '9'] as const) issues[t] += report.analyzerIssues[t];
      console.log(`${ttySummary(report)}${pass.code !== 0 ? `  (exit ${pass.code})\n` : ''}`);
    }
    console.log('Tasks created, by mode and type');
    console.log(renderTaskTable(await taskTable(sql)).join('\n'));
    console.log(`\nAnalyzer issues created: 7 unpaid wrap ${issues['7']}, 8 double paid as single ${issues['8']}, 9 single paid as double ${issues['9']}`);
    console.log(`The full JSON reports (one per pass): ${reports}`);
    return exit;
  } finally {
    await sql.end();
  }
}

async function main(): Promise<number> {
  const reports = mkdtempSync(join(tmpdir(), 'polycomm-demo-reports-'));
  console.log('Starting an embedded PostgreSQL ...');
  const server = await startEmbedded({ prefix: 'polycomm-demo-pg-' });
  process.once('SIGINT', () => void server.stop().then(() => process.exit(130)));
  try {
    return await demo(server, reports);
  } catch (error) {
    rmSync(reports, { recursive: true, force: true });
    throw error;
  } finally {
    await server.stop();
    console.log('(embedded PostgreSQL stopped and its files removed)');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(1);
  },
);
