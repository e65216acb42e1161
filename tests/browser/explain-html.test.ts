/// <reference lib="dom" />
// `explain --format html` in a real browser (issue 17): for every worked
// worked example of docs/rules.md (--task, after a pass), the demo scenario
// device (--task, the README picture) and a busy demo device (--device, a day
// of traffic): the page loads with no console error and no request leaving
// the file; the SVG holds exactly the explanation's wraps, receipts, payments,
// cuts and groups; every text label lies inside the SVG and no two overlap.
// Screenshots go to test-results/explain-html/ for a person to look at
// (EXPLAIN_PNG=path also writes the demo device's one there: docs/explain.png).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataset, DEMO_DEVICES } from '../../generator/demo.js';
import { loadDataset } from '../../generator/load.js';
import { runCli } from '../harness/cli.js';
import { loadWorkedExamples } from '../harness/worked-examples.js';
import { createTestDatabase, readTasks, type TestDb } from '../harness/db.js';
import type { ExplainDocument } from '../../src/shell/explain-document.js';
import { haveChromium, launch, openOffline } from './chromium.js';

const NOW = '2026-01-02T00:00:00';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'explain-html');

const browser = haveChromium();

interface PageFacts {
  wraps: number;
  receipts: number;
  payments: number;
  cuts: number;
  groupLabels: number;
  taskGroups: number;
  svg: { width: number; height: number };
  outside: string[];
  overlaps: string[];
  labels: number;
}

/** Counts and label geometry, measured by the browser (getBBox: SVG user units, unaffected by scrolling). */
function measure(): PageFacts {
  const svg = document.querySelector('#timeline') as SVGSVGElement;
  const width = svg.width.baseVal.value;
  const height = svg.height.baseVal.value;
  const boxes = Array.from(svg.querySelectorAll('text')).map((t) => ({ b: t.getBBox(), s: t.textContent ?? '' }));
  const outside = boxes.filter(({ b }) => b.x < 0 || b.y < 0 || b.x + b.width > width || b.y + b.height > height).map(({ s }) => s);
  const overlaps: string[] = [];
  const sorted = [...boxes].sort((p, q) => p.b.x - q.b.x);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.b.x < p.b.x + p.b.width; j++) {
      const q = sorted[j]!;
      if (q.b.y < p.b.y + p.b.height && p.b.y < q.b.y + q.b.height) overlaps.push(`${p.s} / ${q.s}`);
    }
  }
  const count = (selector: string) => svg.querySelectorAll(selector).length;
  return {
    wraps: count('g.wrap'), receipts: count('g.receipt'), payments: count('g.payment'), cuts: count('g.cut'),
    groupLabels: count('text.group-label'), taskGroups: count('g.task-group'), svg: { width, height }, outside, overlaps, labels: boxes.length,
  };
}

let context: BrowserContext | undefined;
const dir = mkdtempSync(join(tmpdir(), 'polycomm-explain-html-'));
const dbs: TestDb[] = [];

/** Renders `args` as JSON and as HTML through the CLI, opens the page, checks it against the JSON, screenshots it. */
async function check(db: TestDb, name: string, args: string[]): Promise<{ doc: ExplainDocument; facts: PageFacts; shot: string }> {
  const json = await runCli(['explain', ...args, '--now', NOW, '--format', 'json'], { DATABASE_URL: db.url });
  expect(json.code, json.stderr).toBe(0);
  const doc = JSON.parse(json.stdout) as ExplainDocument;
  const file = join(dir, `${name}.html`);
  const html = await runCli(['explain', ...args, '--now', NOW, '--format', 'html', '--out', file], { DATABASE_URL: db.url });
  expect(html.code, html.stderr).toBe(0);

  const { page, errors, requests } = await openOffline(context!, file);
  const facts = await page.evaluate(measure);
  const shot = join(SHOTS, `${name}.png`);
  const bottom = await page.evaluate(() => Math.ceil(document.querySelector('details')!.getBoundingClientRect().bottom) + 12);
  await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1400, height: Math.min(820, bottom) } });
  // the end of a long timeline too (the latest groups, deferred ones among them)
  await page.evaluate(() => document.querySelector('.scroll')!.scrollTo({ left: 1e9 }));
  await page.screenshot({ path: shot.replace(/\.png$/, '-end.png'), clip: { x: 0, y: 0, width: 1400, height: Math.min(820, bottom) } });
  await page.close();

  const e = doc.explanation;
  const wraps = e.groups.flatMap((g) => g.wraps);
  expect(errors, name).toEqual([]);
  expect(requests, name).toEqual([]);
  expect(facts.wraps, `${name}: wrap bars`).toBe(wraps.length);
  expect(facts.receipts, `${name}: receipt ticks`).toBe(e.entries.filter((x) => x.kind === 'receipt').length);
  expect(facts.payments, `${name}: payment lines`).toBe(wraps.filter((w) => w.paidBy !== null).length);
  expect(facts.cuts, `${name}: cut lines`).toBe(e.cuts.length);
  expect(facts.groupLabels, `${name}: group labels`).toBe(e.groups.length);
  expect(facts.taskGroups, `${name}: highlighted group`).toBe(doc.task?.group ? 1 : 0);
  expect(facts.outside, `${name}: labels outside the SVG`).toEqual([]);
  expect(facts.overlaps, `${name}: overlapping labels`).toEqual([]);
  return { doc, facts, shot };
}

describe.skipIf(!browser)('explain --format html in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    context = await launch();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    for (const db of dbs) await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every task of the worked examples (docs/rules.md)', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    await loadWorkedExamples(db.sql, 100);
    const pass = await runCli(['--mode', 'receipts', '--now', NOW], { DATABASE_URL: db.url });
    expect(pass.code, pass.stderr).toBe(0);
    const tasks = await readTasks(db.sql);
    expect(tasks).toHaveLength(9);
    for (const t of tasks) {
      const { doc, facts } = await check(db, `example-device-${t.device_id}-task-${t.id}`, ['--task', String(t.id)]);
      expect(doc.task!.differences).toEqual([]);
      expect(facts.labels).toBeGreaterThan(0);
    }
  }, 240_000);

  it('the demo devices: a task among its neighbours, and a busy device with hundreds of entries', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const end = Date.UTC(2026, 0, 2) * 1000;
    const dataset = demoDataset(end);
    await loadDataset(db.sql, dataset);
    // the busy device before the pass: a day of pending traffic
    const busy = await check(db, 'demo-busy-device', ['--mode', 'receipts', '--device', String(DEMO_DEVICES.receiptsRandomA)]);
    expect(busy.doc.explanation.entries.length).toBeGreaterThan(300);
    expect(busy.facts.labels).toBeGreaterThan(100);
    const pass = await runCli(['--mode', 'receipts', '--now', NOW], { DATABASE_URL: db.url });
    expect(pass.code, pass.stderr).toBe(0);
    // the README picture: example 2 on the scenario device, among its neighbours
    const scenario = dataset.scenarios.find((s) => s.name.startsWith('unpaid earlier wrap'))!;
    const [task] = await db.sql<{ id: number }[]>`
      select distinct t.id from task t join task_to_event e on e.task_id = t.id
      where t.device_id = ${scenario.device} and e.table_name = 'receipts' and e.event_id >= ${scenario.ids.from} and e.event_id < ${scenario.ids.to}`;
    const demo = await check(db, 'demo-device-3-task', ['--task', String(task!.id)]);
    expect(demo.doc.explanation.groups.length).toBeGreaterThan(3);
    if (process.env.EXPLAIN_PNG) copyFileSync(demo.shot, process.env.EXPLAIN_PNG);
    writeFileSync(join(SHOTS, 'README.txt'), 'Screenshots of explain --format html written by tests/browser/explain-html.test.ts\n');
  }, 240_000);
});
