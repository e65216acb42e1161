// `npm run demo`: one receipts pass and one dwr pass through the real CLI on
// an embedded PostgreSQL holding a generated day of demo data, then a table
// of the tasks created. Leaves no server and no files behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import postgres from 'postgres';
import { demoDataset } from '../generator/generate.js';
import { loadDataset } from '../generator/load.js';
import { wallMicros } from '../src/infra/clock.js';
import type { PassReport } from '../src/shell/report.js';
import { startEmbedded, type EmbeddedServer } from '../tests/harness/embedded.js';
import { loadSchema, withDatabase } from '../tests/harness/schema.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const TASK_TYPES: Record<number, string> = {
  1: 'notification',
  2: 'receipt without wrap',
  3: 'receipts without wraps and notification',
  4: 'KPU/KnPU (fit or unfit wrap)',
  5: 'mixed',
};

function runPass(mode: string, url: string, reportDir: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--mode', mode, '--report-dir', reportDir, '--log-level', 'error'], {
      env: { ...process.env, DATABASE_URL: url, LOG_FORMAT: 'text' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  let server: EmbeddedServer | undefined;
  const reports = mkdtempSync(join(tmpdir(), 'polycomm-demo-reports-'));
  const stop = async () => {
    await server?.stop();
    rmSync(reports, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log('starting an embedded PostgreSQL ...');
    server = await startEmbedded({ prefix: 'polycomm-demo-pg-' });
    const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
    await admin`create database demo`;
    await admin.end();
    const url = withDatabase(server.url, 'demo');
    await loadSchema(url);
    // one day of data ending now on the Moscow wall clock: the last groups of the busy devices are still in progress
    const end = wallMicros(DateTime.now().setZone('Europe/Moscow'));
    const dataset = demoDataset(end);
    const sql = postgres(url, { max: 4, onnotice: () => undefined });
    const load = await loadDataset(sql, dataset);
    console.log(`loaded ${load.total} demo rows (${dataset.devices.length} devices, one day) in ${Math.round(load.ms)} ms\n`);

    let exit = 0;
    for (const mode of ['receipts', 'dwr']) {
      const dir = join(reports, mode);
      const code = await runPass(mode, url, dir);
      const [file] = readdirSync(dir);
      const report = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as PassReport;
      console.log(`=== ${mode} pass: exit ${code}; report ${file}`);
      console.log(JSON.stringify(report, null, 2));
      console.log();
      if (code !== 0) exit = 1;
    }

    const rows = await sql<{ mode: string; type: number; tasks: number; resolved: number; events: number }[]>`
      select case when t.status_type_device = 1 then 'receipts' else 'dwr' end as mode, k.type,
             count(*)::int as tasks, count(*) filter (where k.resolved)::int as resolved,
             sum((select count(*) from task_to_event e where e.task_id = k.id))::int as events
      from task k
      join polycomm_device d on d.id = k.device_id
      join timestamps t on analyzer_code_to_int(t.devicecode) = d.code and t.ready
      group by 1, 2 order by 1 desc, 2`;
    const issues = await sql<{ type: number; n: number }[]>`
      select type, count(*)::int as n from polycommissue where id = 22222222 group by 1 order by 1`;
    await sql.end();
    console.log('Tasks created, by mode and type');
    console.log('mode      type  name                                        tasks  resolved  events');
    for (const r of rows) {
      console.log(`${r.mode.padEnd(9)} ${String(r.type).padEnd(5)} ${(TASK_TYPES[r.type] ?? '?').padEnd(43)} ${String(r.tasks).padStart(5)}  ${String(r.resolved).padStart(8)}  ${String(r.events).padStart(6)}`);
    }
    console.log(`\nAnalyzer issues: ${issues.map((i) => `type ${i.type}: ${i.n}`).join(', ') || 'none'}`);
    return exit;
  } finally {
    await stop();
    console.log('\nembedded PostgreSQL stopped and its files removed');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(1);
  },
);
