// docker-compose.yml for real, with Debian's docker-compose 1.29: the file is
// valid there (no top-level `name:`), `up -d postgres` initialises the
// database from docker/initdb (legacy schema and seed) and turns healthy, the
// one-shot migrate service applies the migrations (and 1.29 honours the
// analyzer's depends_on: service_completed_successfully on it), both passes
// run with `docker-compose run --rm analyzer ...` and give the seed's
// documented results (tests/ship/seed.test.ts, docker/initdb/03-seed.sql),
// the test suite runs against the compose database (TEST_DATABASE_URL), and
// `down -v` removes it all.
import { loadMigrations } from '../../src/sql/migration-files.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, type CliResult } from '../harness/cli.js';
import { grantsSql } from '../harness/roles.js';
import { freePort } from '../harness/embedded.js';
import { pathWithTestNode } from '../harness/node-path.js';
import { waitFor } from '../harness/wait.js';
import type { PassReport } from '../../src/shell/report.js';
import { ROOT } from './global-setup.js';
import { docker, dockerImage, dockerSkip } from './helpers.js';

const skip = dockerSkip();
const project = `polycomm-test-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'polycomm-compose-'));
let port = 0;

/** docker-compose (1.29) on the project's file, plus an override naming the analyzer image this run built (no second build). */
function compose(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('docker-compose', ['-p', project, '-f', join(ROOT, 'docker-compose.yml'), '-f', join(work, 'override.yml'), ...args], {
      cwd: ROOT, env: { ...process.env, POSTGRES_PORT: String(port), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

const report = (r: CliResult) => logLines(r.stdout).find((l) => typeof l.report === 'object')!.report as PassReport;
const databaseUrl = () => `postgres://polycomm:polycomm@127.0.0.1:${port}/polycomm`;
// least privilege (issue 15): the passes run as a role given what `analyzer grants` prints, not as the owner
const PASS_ROLE = 'analyzer_pass';
const PASS_URL = `postgres://${PASS_ROLE}:${PASS_ROLE}@postgres:5432/polycomm`;
const asPassRole = ['-e', `DATABASE_URL=${PASS_URL}`];

describe.skipIf(!!skip)('docker-compose.yml with docker-compose 1.29', () => {
  beforeAll(async () => {
    port = await freePort();
    writeFileSync(join(work, 'override.yml'), `services:\n  analyzer:\n    image: ${dockerImage()}\n  migrate:\n    image: ${dockerImage()}\n`);
  });
  afterAll(async () => {
    if (!skip) await compose(['down', '-v', '--remove-orphans']);
    rmSync(work, { recursive: true, force: true });
  });

  it('docker-compose config accepts the file as it is', async () => {
    const r = await compose(['config']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('postgres:15');
    const plain = await new Promise<number | null>((resolve) =>
      spawn('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], { cwd: ROOT, stdio: 'ignore' }).on('close', resolve));
    expect(plain).toBe(0);
  });

  it('up -d postgres: initialised from docker/initdb once, then healthy (pg_isready); run --rm migrate applies the migrations', async () => {
    const up = await compose(['up', '-d', 'postgres']);
    expect(up.code, up.stderr).toBe(0);
    const id = (await compose(['ps', '-q', 'postgres'])).stdout.trim();
    expect(id).not.toBe('');
    await waitFor('postgres to be healthy', async () => {
      const h = await docker(['inspect', '--format', '{{.State.Health.Status}}', id]);
      if (h.stdout.trim() === 'unhealthy') throw new Error(`postgres unhealthy: ${(await docker(['logs', id])).stderr.slice(-2000)}`);
      return h.stdout.trim() === 'healthy' ? true : undefined;
    }, 180_000, 500);
    const logs = await docker(['logs', id]);
    for (const file of ['01-schema.sql', '02-dictionaries.sql', '03-seed.sql']) expect(logs.stdout + logs.stderr).toContain(file);
    // the owner's step: `analyzer migrate` (the grants below name what it creates)
    const migrate = await compose(['run', '--rm', 'migrate']);
    expect(migrate.code, migrate.stdout.slice(-2000) + migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('0010_analyzer_run_mode_started_idx');
    const status = await compose(['run', '--rm', 'migrate', '--status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout.slice(status.stdout.indexOf('{')))).toMatchObject({ applied: loadMigrations().length, pending: 0, invalidIndexes: [] });
    // the DBA's step: a login role with exactly the grants a pass needs
    const sql = postgres(databaseUrl(), { max: 1, onnotice: () => undefined });
    try {
      // eslint-disable-next-line no-restricted-properties, no-restricted-syntax -- CREATE ROLE takes its password only as a literal; a constant of this test
      await sql.unsafe(`create role ${PASS_ROLE} login password '${PASS_ROLE}'`);
      // eslint-disable-next-line no-restricted-properties -- applies the script `analyzer grants` prints, as a DBA would
      await sql.unsafe(grantsSql(PASS_ROLE, false));
    } finally {
      await sql.end();
    }
  }, 240_000);

  it('docker-compose run --rm analyzer: migrate first (depends_on: service_completed_successfully), then the receipts pass gives the seed\'s documented results', async () => {
    const r = await compose(['run', '--rm', ...asPassRole, 'analyzer', '--mode', 'receipts']);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    // the migrate service ran to completion (exit 0) before the pass, changing nothing
    const id = (await compose(['ps', '-a', '-q', 'migrate'])).stdout.trim();
    expect(id).not.toBe('');
    const state = await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id]);
    expect(state.stdout.trim()).toBe('exited 0');
    expect((await docker(['logs', id])).stdout).toMatch(new RegExp(`"alreadyApplied":${loadMigrations().length}`));
    const rep = report(r);
    expect(rep.status).toBe('succeeded');
    expect(rep.devices).toMatchObject({ ready: 2, processed: 2, conflicts: 0 });
    expect(rep.groups.byTaskType).toEqual({ '1': 2, '2': 2, '3': 1, '4': 7, '5': 3 });
    expect(rep.groups.resolved).toBe(7);
    expect(rep.analyzerIssues).toEqual({ '7': 2, '8': 1, '9': 1 });
    expect(rep.warnings.junkDeviceCodes).toEqual(['SVO-TEST']);
  });

  it('docker-compose run --rm analyzer: the dwr pass too; nothing is left pending', async () => {
    const r = await compose(['run', '--rm', ...asPassRole, 'analyzer', '--mode', 'dwr']);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const rep = report(r);
    expect(rep.status).toBe('succeeded');
    expect(rep.groups.byTaskType).toEqual({ '1': 1, '4': 1, '5': 2 });
    expect(rep.groups.clean).toBe(2);
    const sql = postgres(databaseUrl(), { max: 1, onnotice: () => undefined });
    try {
      const [row] = await sql<{ tasks: number; pending: number }[]>`
        select (select count(*)::int from task) as tasks,
               (select count(*)::int from polycomm_suitcase where status = 0) + (select count(*)::int from receipts where status = 0)
             + (select count(*)::int from polycommalarm where status = 0) + (select count(*)::int from polycommissue where status = 0) as pending`;
      expect(row).toEqual({ tasks: 15 + 4, pending: 0 });
    } finally {
      await sql.end();
    }
  });

  it('a restart keeps the data: docker/initdb runs once, on the empty volume only', async () => {
    const id = (await compose(['ps', '-q', 'postgres'])).stdout.trim();
    expect((await compose(['restart', 'postgres'])).code).toBe(0);
    await waitFor('postgres to be healthy again', async () =>
      ((await docker(['inspect', '--format', '{{.State.Health.Status}}', id])).stdout.trim() === 'healthy' ? true : undefined), 120_000, 500);
    const logs = await docker(['logs', id]);
    expect((logs.stdout + logs.stderr).match(/running \/docker-entrypoint-initdb\.d\/03-seed\.sql/g)).toHaveLength(1);
    const sql = postgres(databaseUrl(), { max: 1, onnotice: () => undefined, connect_timeout: 30 });
    try {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from task`;
      expect(row!.n).toBe(15 + 4);
    } finally {
      await sql.end();
    }
  }, 180_000);

  it('the test suite runs against the compose database: TEST_DATABASE_URL=... vitest (one file)', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
    const r = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('npx', ['vitest', 'run', '--project', 'db', 'tests/harness/harness.test.ts', 'tests/ship/seed.test.ts'], {
        cwd: ROOT, env: { ...env, PATH: pathWithTestNode(), TEST_DATABASE_URL: databaseUrl(), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(r.code, r.output.slice(-3000)).toBe(0);
    expect(r.output).toMatch(/Test Files\s+2 passed/);
    // it ran on the compose server, not an embedded one: its databases were made and dropped there
    const sql = postgres(databaseUrl(), { max: 1, onnotice: () => undefined });
    try {
      const [v] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
      expect(v!.v).toMatch(/^15\./);
      const left = await sql`select datname from pg_database where datname like 'polycomm_t%'`;
      expect(left).toEqual([]);
    } finally {
      await sql.end();
    }
  }, 240_000);

  it('down -v removes the containers and the volume', async () => {
    const down = await compose(['down', '-v']);
    expect(down.code, down.stderr).toBe(0);
    const left = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
    expect(left.stdout.trim()).toBe('');
    const volumes = await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]);
    expect(volumes.stdout.trim()).toBe('');
  });
});
