/// <reference lib="dom" />
// `analyzer audit --format html` in a real browser (issue 23): four days of
// generated traffic written the way the old job wrote it (generator/legacy.ts)
// plus hand edits: the page loads with no console error and no request
// leaving the file; the chart's bars count exactly what the JSON's byDay
// counts, day by day and kind by kind; the table lists the findings, each with
// the explain command of its task. A clean period's page says so. Screenshots
// go to test-results/audit-html/ (AUDIT_PNG=path also writes the first one
// there: docs/audit.png).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMicros } from '../../src/core/index.js';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { legacyHistory, writeLegacyHistory } from '../../generator/legacy.js';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, type TestDb } from '../harness/db.js';
import type { AuditDocument } from '../../src/shell/audit-report.js';
import { haveChromium, launch, openOffline } from './chromium.js';

const H = 3600 * 1_000_000;
const END = Date.UTC(2026, 0, 12) * 1000;
const NOW = '2026-01-12T01:00:00';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'audit-html');

const browser = haveChromium();

interface PageFacts {
  bars: { day: string; kind: string; count: number }[];
  rows: number;
  commands: string[];
  noFinding: boolean;
}

function measure(): PageFacts {
  const bars = Array.from(document.querySelectorAll('#chart rect.bar')).map((r) => ({
    day: r.getAttribute('data-day') ?? '', kind: r.getAttribute('data-kind') ?? '', count: Number(r.getAttribute('data-count')),
  }));
  const rows = document.querySelectorAll('#findings tr.finding');
  return {
    bars,
    rows: rows.length,
    commands: Array.from(rows).map((tr) => tr.querySelector('code')?.textContent ?? ''),
    noFinding: (document.querySelector('#chart')?.textContent ?? '').includes('no finding'),
  };
}

let context: BrowserContext | undefined;
let db: TestDb | undefined;
const dir = mkdtempSync(join(tmpdir(), 'polycomm-audit-html-'));

const PERIOD = [formatMicros(END - 100 * H), formatMicros(END + 8 * H)] as const;

async function open(name: string, [from, to]: readonly [string, string]): Promise<{ doc: AuditDocument; facts: PageFacts; errors: string[]; requests: string[]; shot: string }> {
  const base = ['audit', '--from', from, '--to', to, '--now', NOW];
  const json = await runCli([...base, '--format', 'json'], { DATABASE_URL: db!.url });
  expect(json.code, json.stderr).toBe(0);
  const doc = JSON.parse(json.stdout) as AuditDocument;
  const file = join(dir, `${name}.html`);
  const html = await runCli([...base, '--format', 'html', '--out', file], { DATABASE_URL: db!.url });
  expect(html.code, html.stderr).toBe(0);
  const { page, errors, requests } = await openOffline(context!, file);
  const facts = await page.evaluate(measure);
  const shot = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1400, height: 820 } });
  await page.close();
  return { doc, facts, errors, requests, shot };
}

describe.runIf(browser)('audit --format html in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    context = await launch();
    db = await createTestDatabase();
    const dataset = generate({ seed: 5, devices: 8, hours: 96, end: END });
    await loadDataset(db.sql, dataset);
    const history = legacyHistory(dataset, { now: END + H, ids: { task: 1, link: 1, issue: dataset.nextId }, rate: 0.1 });
    await writeLegacyHistory(db.sql, history, formatMicros(END + H));
    // hand edits spread over the days: verdicts, receipt statuses, types, the staff resolving tasks
    await db.sql`update polycomm_suitcase set unpaid = not unpaid where in_task and id % 97 = 0`;
    await db.sql`update receipts set status = 3 - status where status in (1, 2) and receipt_id % 151 = 0`;
    await db.sql`update task set type = 5 where type = 4 and id % 211 = 0`;
    await db.sql`update task set resolved = true where not resolved and id % 5 = 0`;
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('findings over four days: no console error, no request; the chart counts what the JSON counts; every finding with its explain command', async () => {
    const { doc, facts, errors, requests, shot } = await open('audit-four-days', PERIOD);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(Object.keys(doc.byDay).length).toBeGreaterThanOrEqual(4);
    expect(new Set(doc.findings.map((f) => f.kind)).size).toBeGreaterThanOrEqual(5);
    const chart: Record<string, Record<string, number>> = {};
    for (const b of facts.bars) {
      chart[b.day] ??= {};
      expect(chart[b.day]![b.kind], `${b.day} ${b.kind} drawn twice`).toBeUndefined();
      chart[b.day]![b.kind] = b.count;
    }
    expect(chart).toEqual(doc.byDay);
    expect(facts.rows).toBe(doc.findings.length);
    expect(facts.commands).toEqual(doc.findings.map((f) => (f.taskId === null ? '' : `analyzer explain --task ${f.taskId}`)));
    expect(doc.resolvedByStaff.tasks).toBeGreaterThan(0);
    if (process.env.AUDIT_PNG) copyFileSync(shot, process.env.AUDIT_PNG);
  }, 120_000);

  it('a period without findings: the page says so, with an empty chart', async () => {
    const { doc, facts, errors, requests } = await open('audit-clean', ['2020-01-01', '2020-01-02']);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(doc.findings).toEqual([]);
    expect(facts.bars).toEqual([]);
    expect(facts.noFinding).toBe(true);
  }, 60_000);
});
