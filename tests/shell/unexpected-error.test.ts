// An unexpected error inside a pass (a bug, not a database fault) is reported
// as what it is, through the built CLI: exit 1, one stderr line naming it, its
// message and stack in the log, the report and the run-history row failed
// with that message; never "connection lost". The error is planted from
// outside the product: a module preloaded with NODE_OPTIONS=--import throws
// an uncaught TypeError right after the pass logs its ready devices, while
// the pass is waiting for the database.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logLines, runCli } from '../harness/cli.js';
import { createTestDatabase, device, wrap, type TestDb } from '../harness/db.js';
import type { PassReport } from '../../src/shell/report.js';

const PLANT = `
const write = process.stdout.write.bind(process.stdout);
let planted = false;
process.stdout.write = (chunk, ...rest) => {
  if (!planted && String(chunk).includes('ready devices')) {
    planted = true;
    setImmediate(() => { throw new TypeError('planted: not a database fault'); });
  }
  return write(chunk, ...rest);
};
`;

describe('an unexpected error inside a pass', () => {
  let db: TestDb;
  const dbs: TestDb[] = [];
  let dir: string;
  let plant: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polycomm-unexpected-'));
    plant = join(dir, 'plant.mjs');
    writeFileSync(plant, PLANT);
  });
  // each test passes over a database of its own: one dwr device with a wrap
  beforeEach(async () => {
    db = await createTestDatabase();
    dbs.push(db);
    const d = await device(db.sql, { id: 1, mode: 'dwr' });
    await wrap(db.sql, { device: d.id, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  });
  afterAll(async () => {
    for (const d of dbs) await d.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reported as such, not as a lost connection: exit 1, one stderr line, stack in the log, report and run row failed', async () => {
    const reports = mkdtempSync(join(dir, 'r-'));
    const r = await runCli(['--mode', 'dwr', '--now', '2026-01-02T00:00:00', '--report-dir', reports],
      { DATABASE_URL: db.url, NODE_OPTIONS: `--import ${pathToFileURL(plant).href}` });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^analyzer: unexpected error: TypeError: planted: not a database fault \(a bug, not a lost connection[^\n]*\)\n$/);
    expect(r.stdout + r.stderr).not.toMatch(/connection lost/);

    const failed = logLines(r.stdout).find((l) => String(l.message).startsWith('pass failed'));
    expect(failed?.message).toBe('pass failed: unexpected error: TypeError: planted: not a database fault');
    expect(failed?.stack).toMatch(/TypeError: planted: not a database fault\n\s+at .*plant\.mjs/);

    const [file] = readdirSync(reports);
    const report = JSON.parse(readFileSync(join(reports, file!), 'utf8')) as PassReport;
    expect(report.status).toBe('failed');
    expect(report.error).toBe('unexpected error: TypeError: planted: not a database fault');
    const runs = await db.sql<{ status: string; error: string }[]>`select status, error from analyzer_run`;
    expect(runs).toEqual([{ status: 'failed', error: 'unexpected error: TypeError: planted: not a database fault' }]);
  });

  it('without the planted error the same pass succeeds (the plant alone makes the difference)', async () => {
    const r = await runCli(['--mode', 'dwr', '--now', '2026-01-02T00:00:00'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});
