// Issue 6, database faults: the PostgreSQL server stopped (fast shutdown) in
// the middle of a pass and started again, and a server that comes up while the
// pass is still retrying its first connection. These tests stop and start a
// server, so they get an embedded PostgreSQL of their own; the reference
// ("one uninterrupted pass on the same data") runs on the shared test server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type Dataset } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { logLines } from '../harness/cli.js';
import { createTestDatabase, dumpWritten, type Sql, type TestDb } from '../harness/db.js';
import { startEmbedded, type EmbeddedServer } from '../harness/embedded.js';
import { loadSchema, withDatabase } from '../harness/schema.js';
import { leastPrivilegeOn, rolesFor } from '../harness/roles.js';
import { classifyDevices, connectLike, deviceDumps, readReport, runPass, startPass, waitFor } from './helpers.js';

const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const DEVICES = 160; // 1-80 receipts, 81-160 dwr
const DWR = Array.from({ length: DEVICES / 2 }, (_, i) => i + 1 + DEVICES / 2);

let server: EmbeddedServer;
let dataset: Dataset;
let reference: TestDb;
let referenceDump: string;
let referenceDevices: Map<number, string>;
let before: Map<number, string>;
const reportRoot = mkdtempSync(join(tmpdir(), 'polycomm-restart-'));

async function createOnServer(name: string, load: Dataset | null): Promise<string> {
  const admin = postgres(server.url, { max: 1, onnotice: () => undefined });
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(server.url, name);
  await loadSchema(url);
  // the passes on this server run as the least-privileged role too (tests/harness/roles.ts)
  await leastPrivilegeOn(server.url, url, rolesFor('polycomm_fault_'));
  if (load) {
    const sql = connectLike(url);
    try {
      await loadDataset(sql, load);
      await sql`vacuum analyze`;
    } finally {
      await sql.end();
    }
  }
  return url;
}

beforeAll(async () => {
  server = await startEmbedded({ prefix: 'polycomm-fault-pg-' });
  dataset = generate({ seed: 11, devices: DEVICES, hours: 24, end: END });
  reference = await createTestDatabase();
  await loadDataset(reference.sql, dataset);
  before = await deviceDumps(reference.sql, DWR);
  await runPass(reportRoot, reference.url, ['--mode', 'dwr', '--now', NOW], 0);
  referenceDump = await dumpWritten(reference.sql);
  referenceDevices = await deviceDumps(reference.sql, DWR);
}, 180_000);

afterAll(async () => {
  await reference?.drop().catch(() => undefined);
  await server?.stop();
  rmSync(reportRoot, { recursive: true, force: true });
});

describe('the server stopped and started mid-pass', () => {
  it('exit 1, no device half-written, the next pass completes and equals an uninterrupted pass', async () => {
    const url = await createOnServer('victim', dataset);
    let sql: Sql = connectLike(url, 1);
    const run = startPass(reportRoot, url, ['--mode', 'dwr', '--now', NOW, '--chunk-size', '2']);
    try {
      // mid-pass: a few chunks committed, most still to come
      await waitFor('the pass to write 6 devices', async () => {
        const [row] = await sql<{ n: number }[]>`select count(distinct device_id)::int as n from polycomm_suitcase where status = 1`;
        return row!.n >= 6 ? true : undefined;
      }, 60_000, 10);
    } finally {
      await sql.end({ timeout: 1 });
    }
    await server.pause();
    let result;
    try {
      result = await run.done;
    } finally {
      await server.resume();
    }
    expect(result.code, result.stdout.slice(-2000) + result.stderr).toBe(1);
    // one line that says the connection was lost, whatever the socket said
    expect(result.stderr).toMatch(/^analyzer: [^\n]*(terminating connection|connection lost)[^\n]*\n$/i);

    sql = connectLike(url);
    try {
      const states = await classifyDevices(sql, before, referenceDevices);
      const count = (s: string) => [...states.values()].filter((v) => v === s).length;
      expect([...states].filter(([, s]) => s === 'HALF-WRITTEN').map(([id]) => id), 'devices half-written').toEqual([]);
      expect(count('done')).toBeGreaterThanOrEqual(6);
      expect(count('untouched')).toBeGreaterThan(0);

      const next = await runPass(reportRoot, url, ['--mode', 'dwr', '--now', NOW, '--chunk-size', '2'], 0);
      // the devices done before the stop have nothing left (idle); the others are processed now
      expect(next.report.devices).toMatchObject({ processed: count('untouched'), idle: count('done'), failed: 0 });
      expect(await dumpWritten(sql)).toBe(referenceDump);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 180_000);

  it('a server that comes up while the pass retries its first connection: the pass connects and completes (exit 0)', async () => {
    const url = await createOnServer('late', null);
    const setup = connectLike(url, 1);
    try {
      await setup`insert into polycomm_device (id, title, code) values (1, 'late', 5001)`;
      await setup`insert into timestamps (devicecode, ready, status_type_device) values ('5001', true, 2)`;
      await setup`insert into polycommalarm (polycommalarm_id, device, alarmtype, localdate, date) values (1, 1, 1, '2026-01-10 10:00:00', '2026-01-10 10:00:00')`;
    } finally {
      await setup.end();
    }
    await server.pause();
    let resumed = false;
    try {
      const run = startPass(reportRoot, url, ['--mode', 'dwr', '--now', NOW, '--connect-timeout', '60']);
      let out = '';
      run.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('a retry warning', () => Promise.resolve(out.includes('database not reachable yet, retrying') ? true : undefined), 30_000);
      await server.resume();
      resumed = true;
      const result = await run.done;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const retries = logLines(result.stdout).filter((l) => l.message === 'database not reachable yet, retrying');
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(readReport(run.reportDir)?.groups.tasks).toBe(1);
    } finally {
      if (!resumed) await server.resume();
    }
  }, 120_000);
});
