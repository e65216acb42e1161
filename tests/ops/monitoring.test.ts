// Issue 16, monitoring: the alert rules (promtool test rules), the textfile
// output (promtool check metrics) and a real Pushgateway (Debian's
// prometheus-pushgateway) fed by passes of the built CLI. Every metric equals
// its figure in the pass report; a failed pass never overwrites the last
// success; a gateway that is down or never answers costs the pass at most the
// push timeout, never its exit code.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logLines, runCli } from '../harness/cli.js';
import { freePort } from '../harness/embedded.js';
import { createTestDatabase, device, receipt, wrap, type TestDb } from '../harness/db.js';
import { havePrometheusTools, parseMetrics, promtool, startPushgateway, type Gateway } from '../harness/prometheus.js';
import { runPass, type PassRun } from '../reliability/helpers.js';
import type { PassReport } from '../../src/shell/report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NOW = '2026-01-02T00:00:00';
const PUSH_TIMEOUT_MS = 3000; // src/shell/push-metrics.ts
const missing = !havePrometheusTools();

let db: TestDb;
const dbs: TestDb[] = [];
const reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-monitoring-'));
beforeEach(async () => {
  db = await createTestDatabase();
  dbs.push(db);
});
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => undefined);
  rmSync(reportRoot, { recursive: true, force: true });
});

const pass = (mode: 'receipts' | 'dwr', expectCode: number, extra: string[] = []): Promise<PassRun> =>
  runPass(reportRoot, db.url, ['--mode', mode, '--now', NOW, ...extra], expectCode);

let nextDevice = 10;
/** A receipts device with a paid wrap (task type 4, resolved), an invalid wrap (R4) and a group in progress (R9). */
async function receiptsDevice(): Promise<number> {
  const id = nextDevice++;
  const d = await device(db.sql, { id, mode: 'receipts' });
  await wrap(db.sql, { id: id * 100 + 1, device: id, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  await receipt(db.sql, { id: id * 100 + 2, code: d.code, at: '2026-01-01 10:02:00', single: 1, double: 0 });
  await wrap(db.sql, { id: id * 100 + 3, device: id, start: '2026-01-01 09:05:00', finish: '2026-01-01 09:00:00', type: 1 });
  await wrap(db.sql, { id: id * 100 + 4, device: id, start: '2026-01-01 23:55:00', finish: '2026-01-01 23:56:00', type: 2 });
  return id;
}

/** A device whose load fails (an id beyond 2^53): the pass exits 1 (docs/operations.md "Bad input"). */
async function failingDevice(mode: 'receipts' | 'dwr'): Promise<void> {
  const id = nextDevice++;
  await device(db.sql, { id, mode });
  await wrap(db.sql, { id: id * 100 + 1, device: id, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  await db.sql`update polycomm_suitcase set polycom_id = ${'9007199254740993'}::int8 where id = ${id * 100 + 1}`;
}

const key = (name: string, labels: Record<string, string>) =>
  `polycomm_analyzer_${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`;

/** Every series a pass publishes, written out from its report field by field (docs/operations.md "Monitoring"). */
function expectedSeries(r: PassReport): Map<string, number> {
  const m = new Map<string, number>();
  const set = (name: string, value: number, labels: Record<string, string> = {}) => m.set(key(name, { mode: r.mode, ...labels }), value);
  const finished = Date.parse(r.finishedAt!) / 1000;
  if (r.status === 'succeeded') set('last_success_timestamp_seconds', finished);
  set('last_run_timestamp_seconds', finished);
  set('last_run_failed', r.status === 'succeeded' ? 0 : 1);
  set('build_info', 1, { version: r.version });
  set('run_duration_seconds', r.durationsMs.total / 1000);
  set('run_phase_duration_seconds', r.durationsMs.load / 1000, { phase: 'load' });
  set('run_phase_duration_seconds', r.durationsMs.analyze / 1000, { phase: 'analyze' });
  set('run_phase_duration_seconds', r.durationsMs.write / 1000, { phase: 'write' });
  set('devices_ready', r.devices.ready);
  set('devices', r.devices.processed, { outcome: 'processed' });
  set('devices', r.devices.idle, { outcome: 'idle' });
  set('devices', r.devices.skippedOwnedElsewhere, { outcome: 'skipped' });
  set('devices', r.devices.failed, { outcome: 'failed' });
  set('devices', r.devices.conflicts, { outcome: 'conflicts' });
  for (const type of ['1', '2', '3', '4', '5']) set('tasks_written', r.groups.byTaskType[type] ?? 0, { type });
  for (const type of ['7', '8', '9'] as const) set('analyzer_issues_written', r.analyzerIssues[type], { type });
  set('groups_deferred', r.groups.deferred);
  set('groups_clean', r.groups.clean);
  for (const reason of ['null_local_time', 'finish_before_start', 'bad_quantity']) set('rows_rejected', r.rejected.byReason[reason] ?? 0, { reason });
  for (const [table, n] of Object.entries(r.rowsUpdated)) set('rows_written', n, { table, action: 'updated' });
  for (const [table, n] of Object.entries(r.rowsInserted)) set('rows_written', n, { table, action: 'inserted' });
  if (r.backlog) {
    for (const [table, n] of Object.entries(r.backlog.pendingRows)) set('pending_rows', n, { table });
    set('oldest_pending_event_age_seconds', r.backlog.oldestPendingAgeSeconds);
  }
  return m;
}

const ofMode = (series: Map<string, number>, mode: string) =>
  new Map([...series].filter(([k]) => k.includes(`mode="${mode}"`)));

describe('alert rules (docker/prometheus/alerts.yml)', () => {
  it.skipIf(missing)('pass promtool check rules and their unit tests (promtool test rules)', () => {
    const check = promtool(['check', 'rules', join(ROOT, 'docker/prometheus/alerts.yml')]);
    expect(check.code, check.output).toBe(0);
    const tests = promtool(['test', 'rules', join(ROOT, 'docker/prometheus/alerts.test.yml')]);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toContain('SUCCESS');
  });

  it('every rule has a summary and names the command to run next', () => {
    const text = readFileSync(join(ROOT, 'docker/prometheus/alerts.yml'), 'utf8');
    const rules = text.split(/\n\s+- alert: /).slice(1);
    expect(rules.map((r) => r.split('\n')[0])).toEqual([
      'PolycommAnalyzerNotSucceeding', 'PolycommAnalyzerNeverSucceeded', 'PolycommAnalyzerLastRunFailed',
      'PolycommAnalyzerBacklogOld', 'PolycommAnalyzerRowsRejected',
    ]);
    for (const rule of rules) {
      expect(rule).toMatch(/summary: /);
      expect(rule).toMatch(/`analyzer (status|explain)[^`]*`/);
    }
  });
});

describe('textfile output (--metrics-file)', () => {
  it.skipIf(missing)('is written atomically, passes promtool check metrics, equals the report; a failed pass keeps the last success', async () => {
    const dir = mkdtempSync(join(reportRoot, 'textfile-'));
    const file = join(dir, 'polycomm-analyzer-receipts.prom');
    await receiptsDevice();
    const ok = await pass('receipts', 0, ['--metrics-file', file]);
    const text = readFileSync(file, 'utf8');
    expect(readdirSync(dir), 'no temporary file left behind').toEqual(['polycomm-analyzer-receipts.prom']);
    const lint = promtool(['check', 'metrics'], text);
    expect(lint.code, lint.output).toBe(0);
    expect(lint.output.trim(), 'no lint findings').toBe('');
    expect(parseMetrics(text)).toEqual(expectedSeries(ok.report));
    const readme = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    for (const name of new Set([...parseMetrics(text).keys()].map((k) => k.split('{')[0]!))) {
      expect(readme, `docs/operations.md "Monitoring" lists ${name}`).toContain(`| \`${name}\` |`);
    }
    // figures of this scenario, so the equality above is not between empty sets
    expect(parseMetrics(text).get(key('tasks_written', { mode: 'receipts', type: '4' }))).toBe(1);
    expect(parseMetrics(text).get(key('rows_rejected', { mode: 'receipts', reason: 'finish_before_start' }))).toBe(1);
    expect(parseMetrics(text).get(key('groups_deferred', { mode: 'receipts' }))).toBe(1);
    expect(parseMetrics(text).get(key('pending_rows', { mode: 'receipts', table: 'polycomm_suitcase' }))).toBe(2);
    // the oldest pending row is the invalid wrap of 09:00, 15 h before NOW
    expect(ok.report.backlog).toEqual({
      pendingRows: { polycomm_suitcase: 2, polycommalarm: 0, polycommissue: 0, receipts: 0 },
      oldestPending: '2026-01-01 09:00:00',
      oldestPendingAgeSeconds: 15 * 3600,
    });

    await failingDevice('receipts');
    const failed = await pass('receipts', 1, ['--metrics-file', file]);
    const after = parseMetrics(readFileSync(file, 'utf8'));
    const lastSuccess = key('last_success_timestamp_seconds', { mode: 'receipts' });
    expect(after.get(lastSuccess)).toBe(Date.parse(ok.report.finishedAt!) / 1000);
    expect(after.get(key('last_run_failed', { mode: 'receipts' }))).toBe(1);
    expect(after).toEqual(new Map([...expectedSeries(failed.report), [lastSuccess, Date.parse(ok.report.finishedAt!) / 1000]]));
    expect(promtool(['check', 'metrics'], readFileSync(file, 'utf8')).code).toBe(0);
  });

  it('a dry run writes no metrics file', async () => {
    const file = join(mkdtempSync(join(reportRoot, 'dry-')), 'm.prom');
    await receiptsDevice();
    await pass('receipts', 0, ['--dry-run', '--metrics-file', file]);
    expect(existsSync(file)).toBe(false);
  });

  it('a metrics file that cannot be written is a warning, and the pass exits 0', async () => {
    await receiptsDevice();
    const r = await pass('receipts', 0, ['--metrics-file', join(reportRoot, 'no-such-dir', 'm.prom')]);
    expect(logLines(r.stdout).some((l) => l.level === 'warn' && String(l.message).includes('could not write the metrics file'))).toBe(true);
  });
});

describe('settings', () => {
  it.each([
    [['--pushgateway-url', 'pushgateway:9091'], /PUSHGATEWAY_URL/],
    [['--metrics-file', '/tmp/analyzer.txt'], /METRICS_FILE.*\.prom/],
    [['--progress-interval', 'soon'], /PROGRESS_INTERVAL/],
  ])('%j is refused with exit 2 and one line', async (args, pattern) => {
    const r = await runCli(['--mode', 'dwr', ...args], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  });

  it('--help documents them with their environment variables', async () => {
    const r = await runCli(['--help']);
    for (const text of ['--pushgateway-url', 'PUSHGATEWAY_URL', '--metrics-file', 'METRICS_FILE', '--progress-interval', 'PROGRESS_INTERVAL']) expect(r.stdout).toContain(text);
  });
});

describe.skipIf(missing)('a real Pushgateway (--pushgateway-url)', () => {
  /** A gateway of the test's own, stopped at its end: no test sees another's pushes. */
  async function withGateway(test: (gateway: Gateway) => Promise<void>): Promise<void> {
    const gateway = await startPushgateway();
    try {
      await test(gateway);
    } finally {
      await gateway.stop();
    }
  }

  it('holds exactly the figures of the pass reports, per mode; a failed pass leaves last_success as it was and sets last_run_failed 1', () => withGateway(async (gateway) => {
    await receiptsDevice();
    const receipts = await pass('receipts', 0, ['--pushgateway-url', gateway.url]);
    const dwr = await pass('dwr', 0, ['--pushgateway-url', gateway.url]);
    const scraped = await gateway.scrape();
    expect(ofMode(scraped, 'receipts')).toEqual(expectedSeries(receipts.report));
    expect(ofMode(scraped, 'dwr')).toEqual(expectedSeries(dwr.report));
    expect(scraped.get(key('tasks_written', { mode: 'receipts', type: '4' }))).toBe(1);
    expect(logLines(receipts.stdout).some((l) => String(l.message).startsWith('metrics pushed to'))).toBe(true);

    await failingDevice('receipts');
    const failed = await pass('receipts', 1, ['--pushgateway-url', gateway.url]);
    const after = await gateway.scrape();
    const lastSuccess = key('last_success_timestamp_seconds', { mode: 'receipts' });
    expect(after.get(lastSuccess)).toBe(Date.parse(receipts.report.finishedAt!) / 1000);
    expect(after.get(key('last_run_failed', { mode: 'receipts' }))).toBe(1);
    expect(after.get(key('devices', { mode: 'receipts', outcome: 'failed' }))).toBe(1);
    expect(ofMode(after, 'receipts')).toEqual(new Map([...expectedSeries(failed.report), [lastSuccess, Date.parse(receipts.report.finishedAt!) / 1000]]));
    expect(ofMode(after, 'dwr'), 'the other mode is untouched').toEqual(expectedSeries(dwr.report));
  }));

  it('a dry run pushes nothing', () => withGateway(async (gateway) => {
    await receiptsDevice();
    await pass('receipts', 0, ['--dry-run', '--pushgateway-url', gateway.url]);
    expect(await gateway.scrape()).toEqual(new Map());
  }));
});

describe('a Pushgateway that is down or never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let hangingUrl = '';
  beforeAll(async () => {
    server = createServer((socket) => { sockets.push(socket); }); // accepts, never replies
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const warned = (r: PassRun) => logLines(r.stdout).find((l) => l.level === 'warn' && String(l.message).includes('could not push the metrics'));

  it('down (connection refused): a warning, exit code 0', async () => {
    await receiptsDevice();
    const r = await pass('receipts', 0, ['--pushgateway-url', `http://127.0.0.1:${await freePort()}`]);
    expect(warned(r)).toBeDefined();
    expect(r.report.status).toBe('succeeded');
  });

  it('never answering: costs at most the push timeout, a warning, exit code 0', async () => {
    await receiptsDevice();
    const before = sockets.length;
    const r = await pass('receipts', 0, ['--pushgateway-url', hangingUrl]);
    expect(sockets.length, 'the pass did connect').toBeGreaterThan(before);
    expect(String(warned(r)?.message)).toMatch(/timed out|no answer within/);
    // the process's own start and exit come on top of the pass; generous for a busy machine
    expect(r.ms - r.report.durationsMs.total).toBeLessThan(PUSH_TIMEOUT_MS + 8000);
  }, 60_000);
});
