// Issue 16: the pure parts of the metrics (report to text, the carried-over
// last success, the backlog's age). The passes, the textfile and a real
// Pushgateway are in tests/ops/monitoring.test.ts.
import { describe, expect, it } from 'vitest';
import { toBacklog } from '../../src/shell/backlog.js';
import { lastSuccessIn, metricsText } from '../../src/shell/metrics.js';
import { buildReport, newTally } from '../../src/shell/report.js';
import type { Mode } from '../../src/core/index.js';

/** An empty report of a pass that succeeded, as the command builds it. */
const newReport = (mode: Mode, version: string, dryRun: boolean, now: string, timezone: string) =>
  buildReport({ mode, version, dryRun, startedAt: new Date().toISOString(), now, timezone }, newTally(), { status: 'succeeded' },
    { finishedAt: new Date().toISOString(), totalMs: 0, statements: 0, maxRssKb: 0, backlog: null });

const report = (status: 'succeeded' | 'failed') => ({
  ...newReport('dwr', '0.1.0', false, '2026-01-02 00:00:00', 'Europe/Moscow'),
  status, finishedAt: '2026-01-02T00:00:10.000Z',
});

describe('metrics text', () => {
  it('a pass that succeeded sets last_success; one that failed carries the previous one over, or has none', async () => {
    const ok = await metricsText(report('succeeded'));
    expect(ok).toContain('polycomm_analyzer_last_success_timestamp_seconds{mode="dwr"} 1767312010');
    expect(ok).toContain('polycomm_analyzer_last_run_failed{mode="dwr"} 0');
    expect(lastSuccessIn(ok, 'dwr')).toBe(1767312010);
    expect(lastSuccessIn(ok, 'receipts'), 'another mode').toBeUndefined();

    const failed = await metricsText(report('failed'), { previousLastSuccess: 1767300000 });
    expect(failed).toContain('polycomm_analyzer_last_success_timestamp_seconds{mode="dwr"} 1767300000');
    expect(failed).toContain('polycomm_analyzer_last_run_failed{mode="dwr"} 1');
    expect(await metricsText(report('failed'))).not.toContain('last_success');
  });

  it('every label value is present, with 0 when the pass saw none; no backlog series without a backlog', async () => {
    const text = await metricsText(report('succeeded'));
    for (const type of [1, 2, 3, 4, 5]) expect(text).toContain(`polycomm_analyzer_tasks_written{type="${type}",mode="dwr"} 0`);
    for (const reason of ['null_local_time', 'finish_before_start', 'bad_quantity']) expect(text).toContain(`polycomm_analyzer_rows_rejected{reason="${reason}",mode="dwr"} 0`);
    expect(text).not.toContain('polycomm_analyzer_pending_rows');
    expect(text).not.toContain('polycomm_analyzer_oldest_pending_event_age_seconds');
  });
});

describe('backlog age', () => {
  it('is measured on the wall clock of the Moscow columns, 0 when nothing is pending', () => {
    const now = Date.UTC(2026, 0, 2, 0, 0, 0) * 1000; // wall-clock micros, as readNow gives them
    const row = { wraps: 3, alarms: 1, issues: 0, receipts: 2, oldest: '2026-01-01 21:59:59.5' };
    expect(toBacklog(row, now)).toEqual({
      pendingRows: { polycomm_suitcase: 3, polycommalarm: 1, polycommissue: 0, receipts: 2 },
      oldestPending: '2026-01-01 21:59:59.5',
      oldestPendingAgeSeconds: 7201, // 2 h 0 min 0.5 s, rounded
    });
    expect(toBacklog({ ...row, wraps: 0, alarms: 0, receipts: 0, oldest: null }, now).oldestPendingAgeSeconds).toBe(0);
  });
});
