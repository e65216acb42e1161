// Issue 16, progress on long passes: on a terminal (a pseudo-terminal from
// util-linux `script`) one line updated in place that never mixes into the log
// lines or a dry run's summary; without a terminal, JSON progress log lines
// every PROGRESS_INTERVAL seconds and nothing else on stdout.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, startCli } from '../harness/cli.js';
import { createTestDatabase, device, receipt, wrap, type TestDb } from '../harness/db.js';
import { holdInTransaction } from '../harness/wait.js';
import { requireComponent } from '../harness/component.js';
import { waitFor } from './helpers.js';
import { progressFigures, progressText } from '../../src/shell/progress.js';
import { buildReport, newTally } from '../../src/shell/report.js';
import type { Mode } from '../../src/core/index.js';

/** An empty report of a pass that succeeded, as the command builds it. */
const newReport = (mode: Mode, version: string, dryRun: boolean, now: string, timezone: string) =>
  buildReport({ mode, version, dryRun, startedAt: new Date().toISOString(), now, timezone }, newTally(), { status: 'succeeded' },
    { finishedAt: new Date().toISOString(), totalMs: 0, statements: 0, maxRssKb: 0, backlog: null });

const NOW = '2026-01-02T00:00:00';
const CLEAR = '\r\x1b[2K';

let db: TestDb;
const dbs: TestDb[] = [];
beforeEach(async () => {
  db = await createTestDatabase();
  dbs.push(db);
});
afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => undefined);
});

/** `count` receipts devices, each with one paid wrap; returns the wrap ids. */
async function devices(count: number): Promise<number[]> {
  const wraps: number[] = [];
  for (let id = 1; id <= count; id++) {
    const d = await device(db.sql, { id, mode: 'receipts' });
    wraps.push(await wrap(db.sql, { id: id * 100, device: id, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 }));
    await receipt(db.sql, { id: id * 100 + 1, code: d.code, at: '2026-01-01 10:02:00', single: 1, double: 0 });
  }
  return wraps;
}

describe('progress figures and text', () => {
  it('devices done of ready, events per second, time left from the devices done so far', () => {
    const report = newReport('dwr', 'x', false, NOW, 'Europe/Moscow');
    expect(progressText(progressFigures(report, 0, 0))).toBe('dwr: devices 0/0, 0 events, 0 events/s, elapsed 0:00');
    Object.assign(report.devices, { ready: 1000, processed: 200, idle: 40, failed: 5, skippedOwnedElsewhere: 5 });
    const f = progressFigures(report, 500_000, 50_000);
    expect(f).toEqual({ mode: 'dwr', devicesDone: 250, devicesReady: 1000, events: 500_000, eventsPerSecond: 10_000, elapsedSeconds: 50, etaSeconds: 150 });
    expect(progressText(f)).toBe('dwr: devices 250/1000 (25%), 500000 events, 10000 events/s, elapsed 0:50, about 2:30 left');
    Object.assign(report.devices, { processed: 950 });
    expect(progressFigures(report, 1, 3_700_000).etaSeconds, 'all done: nothing left to estimate').toBeNull();
    expect(progressText({ ...f, elapsedSeconds: 3725, etaSeconds: 7265 })).toContain('elapsed 1:02:05, about 2:01:05 left');
  });
});

const haveScript = requireComponent('script (util-linux)', spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0,
  'util-linux `script` is not installed: it gives the progress test a pseudo-terminal');

describe('on a terminal', () => {
  it.skipIf(!haveScript)('a dry run shows one line updated in place, cleared before its summary, never glued to a log line', async () => {
    await devices(4);
    const command = [process.execPath, CLI, '--mode', 'receipts', '--now', NOW, '--dry-run', '--chunk-size', '1', '--chunk-events', '0']
      .map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    // a whole drawing: the progress text alone, at most a terminal line (80 columns here)
    const isProgress = (s: string) => /^receipts: devices \d+\/4 /.test(s) && s.length < 80 && !/\d{4}-\d\d-\d\dT/.test(s);
    // drawn in place: each drawing starts by clearing the line
    // (redrawn at most 5 times a second: a quick pass may show only its first chunk)
    const drawings = out.split(CLEAR).slice(1);
    expect(drawings.some((d) => /^receipts: devices [1-4]\/4 \(\d+%\), \d+ events, \d+ events\/s, elapsed \d+:\d\d/.test(d)), out).toBe(true);
    const lines = out.split('\n').map((l) => l.replace(/\r$/, ''));
    for (const line of lines) {
      // a piece of a line is either a whole progress drawing or other output, never both
      for (const piece of line.split(CLEAR)) {
        if (isProgress(piece)) continue;
        expect(piece, JSON.stringify(line)).not.toMatch(/receipts: devices \d/);
      }
    }
    // the dry run's summary: whole lines, after the progress line was cleared for good
    const summaryAt = lines.findIndex((l) => l.endsWith('Dry run (nothing written) receipts: succeeded'));
    expect(summaryAt, out).toBeGreaterThan(-1);
    expect(lines[summaryAt]!.split(CLEAR).pop()).toBe('Dry run (nothing written) receipts: succeeded');
    expect(lines[summaryAt + 1]).toMatch(/^ {2}devices {4}ready 4, processed 4/);
    expect(lines.slice(summaryAt + 1).join('\n')).not.toContain('receipts: devices');
    // the log lines (text on a terminal) are whole lines too
    const logged = lines.map((l) => l.split(CLEAR).pop()!).filter((l) => /^\d{4}-\d\d-\d\dT/.test(l));
    expect(logged.some((l) => l.includes('ready devices: 4'))).toBe(true);
  });
});

describe('without a terminal', () => {
  it('JSON progress log lines every --progress-interval seconds while a pass is held up, nothing but JSON on stdout', async () => {
    const wraps = await devices(2);
    // the second device's wrap is locked: the pass writes the first device and waits on the second
    const held = await holdInTransaction(db.sql, (tx) => tx`select 1 from polycomm_suitcase where id = ${wraps[1]!} for update`);
    const run = startCli(['--mode', 'receipts', '--now', NOW, '--chunk-size', '1', '--chunk-events', '0', '--progress-interval', '1'], { DATABASE_URL: db.url });
    let out = '';
    run.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const progressLines = () => out.split('\n').filter((l) => l.includes('"progress"')).map((l) => JSON.parse(l) as { message: string; progress: Record<string, unknown> });
    try {
      await waitFor('two progress log lines', () => Promise.resolve(progressLines().length >= 2 ? true : undefined), 40_000);
    } finally {
      await held.release();
    }
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const line of r.stdout.split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const [first] = progressLines();
    expect(first!.progress).toMatchObject({ mode: 'receipts', devicesDone: 1, devicesReady: 2, events: 2 });
    expect(first!.message).toMatch(/^progress receipts: devices 1\/2 \(50%\), 2 events, \d+ events\/s, elapsed \d+:\d\d, about \d+:\d\d left$/);
  }, 60_000);
});
