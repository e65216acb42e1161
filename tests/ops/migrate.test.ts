// `analyzer migrate` (docs/migrations.md), through the built CLI against the
// real server: numbered migrations applied in order, each once, recorded in
// analyzer_migration; --status; a database migrated by the old single file
// recognised as the baseline with nothing re-run; a changed applied migration
// refused; indexes built CONCURRENTLY, an invalid one rebuilt, one still being
// built (a killed migrate's backend) waited for, never dropped under it;
// table locks requested under a short lock_timeout and retried; two migrates
// at once both exit 0, serialised by a lock that holds no snapshot.
// The several-million-row run with the device feed inserting is
// tests/ops/migrate-live.test.ts.
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { logLines, runCli } from '../harness/cli.js';
import { connect, type Sql } from '../harness/db.js';
import { holdInTransaction, type HeldLock } from '../harness/wait.js';
import { loadMigrations, parseMigration, MIGRATIONS_DIR, MigrationFileError } from '../../src/sql/migration-files.js';
import { migrate, MigrationRefused } from '../../src/shell/migrate.js';
import type { MigrationStatus } from '../../src/shell/migration-status.js';
import { sleep, waitFor } from './helpers.js';
import {
  backends, catalog, indexes, invalidIndexes, legacyDatabase, migrationRows, watchCli, type ScratchDb,
} from './migrate-helpers.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const SHIPPED = loadMigrations();
const LABELS = SHIPPED.map((m) => m.label);

const dbs: ScratchDb[] = [];
const held: HeldLock[] = [];
afterAll(async () => {
  for (const h of held) await h.release().catch(() => undefined);
  for (const db of dbs) await db.drop();
});

async function fresh(options: { legacyMigrated?: boolean } = {}): Promise<ScratchDb> {
  const db = await legacyDatabase(options);
  dbs.push(db);
  return db;
}

async function migrated(): Promise<ScratchDb> {
  const db = await fresh();
  const r = await runCli(['migrate'], { DATABASE_URL: db.url });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return db;
}

const messages = (stdout: string) => logLines(stdout).map((l) => `${l.message as string} ${(l.migration ?? l.index ?? '') as string}`.trim());

async function status(db: ScratchDb): Promise<MigrationStatus> {
  const r = await runCli(['migrate', '--status', '--json'], { DATABASE_URL: db.url });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as MigrationStatus;
}

/** A transaction that wrote a row of `table` and stays open: a concurrent index build on it waits for its end. */
async function writerOn(db: ScratchDb, table: 'polycommalarm' | 'polycommissue' | 'receipts'): Promise<HeldLock> {
  const h = await holdInTransaction(db.sql, (tx) =>
    table === 'polycommalarm' ? tx`insert into polycommalarm (polycommalarm_id, device, status) values (999999, 1, 0)`
      : table === 'polycommissue' ? tx`insert into polycommissue (device, status) values (1, 0)`
        : tx`insert into receipts (receipt_id, devicecode, status) values (999999, '1', 0)`);
  held.push(h);
  return h;
}

/** The backend building `index` (pg_stat_progress_create_index), once it is there. */
const builder = (sql: Sql, index: string) => waitFor(`a build of ${index}`, async () => {
  const [row] = await sql<{ pid: number; phase: string }[]>`
    select pid, phase from pg_stat_progress_create_index where index_relid = to_regclass(${index})`;
  return row;
});

describe('the migration files (src/sql/migrations)', () => {
  it('are numbered 0001.. without gaps; an index is alone in its file and built CONCURRENTLY; every other step is transactional', () => {
    expect(SHIPPED.map((m) => m.version)).toEqual(SHIPPED.map((_, i) => i + 1));
    expect(LABELS[0]).toBe('0001_receipt_id');
    for (const m of SHIPPED) {
      if (m.index) expect(m.text).toMatch(/create index concurrently if not exists/i);
      else expect(m.text).not.toMatch(/concurrently/i);
      expect(m.baseline.length, `${m.label}: the objects the old 03-analyzer.sql created`).toBeGreaterThan(0);
    }
    expect(SHIPPED.filter((m) => m.index).map((m) => m.index!.name)).toEqual([
      'polycommalarm_pending_device_idx', 'polycommissue_pending_device_idx', 'polycomm_suitcase_pending_device_idx',
      'receipts_pending_code_idx', 'task_to_event_task_idx', 'task_open_idx', 'analyzer_run_mode_started_idx',
    ]);
    expect(MIGRATIONS_DIR).toMatch(/src\/sql\/migrations\/$/);
  });

  it('a CONCURRENTLY statement beside another, a misnamed file or an unknown baseline kind is an error, not skipped', () => {
    expect(() => parseMigration('0001_x.sql', 'create index concurrently if not exists a on b (c);\nselect 1;')).toThrow(MigrationFileError);
    expect(() => parseMigration('0001_x.sql', 'create index concurrently a on b (c);')).toThrow(/if not exists/);
    expect(() => parseMigration('1_x.sql', 'select 1;')).toThrow(/NNNN_name\.sql/);
    expect(() => parseMigration('0001_x.sql', '-- baseline: view v\nselect 1;')).toThrow(/baseline object kind/);
    expect(parseMigration('0002_y.sql', 'select 1;\r\n').checksum).toBe(parseMigration('0002_y.sql', 'select 1;\n').checksum);
  });
});

describe('analyzer migrate on a legacy database', () => {
  it('--status before: every migration pending, and nothing created (not even analyzer_migration)', async () => {
    const db = await fresh();
    const s = await status(db);
    expect(s).toMatchObject({ tableExists: false, applied: 0, pending: SHIPPED.length, changed: 0, unknown: [] });
    expect(s.migrations.map((m) => [m.migration, m.state, m.presentAsBaseline])).toEqual(LABELS.map((l) => [l, 'pending', false]));
    const text = await runCli(['migrate', '--status'], { DATABASE_URL: db.url });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`0 applied, ${SHIPPED.length} pending (no analyzer_migration table yet)`);
    const [t] = await db.sql<{ present: boolean }[]>`select to_regclass('analyzer_migration') is not null as present`;
    expect(t!.present).toBe(false);
  });

  it('applies the migrations in version order, each once, recording version, name, checksum, time and analyzer version', async () => {
    const db = await fresh();
    const r = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const done = messages(r.stdout).filter((m) => /^(migration applied|index built) /.test(m)).map((m) => m.replace(/^(migration applied|index built) /, ''));
    expect(done).toEqual(LABELS);
    const rows = await migrationRows(db.sql);
    expect(rows.map((row) => [row.version, row.name, row.checksum, row.analyzer_version, row.baseline]))
      .toEqual(SHIPPED.map((m) => [m.version, m.name, m.checksum, VERSION, false]));
    // applied one after the other: the recorded times follow the versions
    expect([...rows].sort((a, b) => a.applied_at.localeCompare(b.applied_at)).map((row) => row.version)).toEqual(rows.map((row) => row.version));
    expect(await invalidIndexes(db.sql)).toEqual([]);
  });

  it('a second run applies nothing and changes nothing', async () => {
    const db = await migrated();
    const before = { rows: await migrationRows(db.sql), catalog: await catalog(db.sql), indexes: await indexes(db.sql) };
    const r = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(logLines(r.stdout).at(-1)).toMatchObject({ message: 'migrations up to date', applied: [], baseline: [], rebuilt: [], alreadyApplied: SHIPPED.length });
    expect({ rows: await migrationRows(db.sql), catalog: await catalog(db.sql), indexes: await indexes(db.sql) }).toEqual(before);
  });

  it('--status after: every migration applied, with its time and analyzer version; every index valid', async () => {
    const db = await migrated();
    const s = await status(db);
    expect(s).toMatchObject({ tableExists: true, applied: SHIPPED.length, pending: 0, changed: 0, invalidIndexes: [] });
    for (const m of s.migrations) {
      expect(m).toMatchObject({ state: 'applied', analyzerVersion: VERSION, baseline: false });
      expect(m.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      if (m.index) expect(m.index.state).toBe('valid');
    }
    const text = await runCli(['migrate', '--status'], { DATABASE_URL: db.url });
    expect(text.stdout).toContain(`${SHIPPED.length} applied, 0 pending`);
    expect(text.stdout).toMatch(/0007_receipts_pending_code_idx\s+applied\s+\d{4}-/);
  });
});

describe('a database migrated by the old single file (docker/initdb/03-analyzer.sql, no analyzer_migration)', () => {
  it('is recognised as the baseline: every migration recorded, nothing run, every object kept as it was', async () => {
    const db = await fresh({ legacyMigrated: true });
    const ours = async () => (await indexes(db.sql)).filter((i) => !i.name.startsWith('analyzer_migration'));
    const before = { catalog: await catalog(db.sql), indexes: await ours() };
    const [fn] = await db.sql<{ oid: number }[]>`select 'analyzer_code_to_int(text)'::regprocedure::oid::int as oid`;
    const s = await status(db);
    expect(s.migrations.every((m) => m.state === 'pending' && m.presentAsBaseline)).toBe(true);
    expect((await runCli(['migrate', '--status'], { DATABASE_URL: db.url })).stdout).toContain('objects already there: migrate records it as baseline');

    const r = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const said = messages(r.stdout);
    expect(said.filter((m) => m.startsWith('migration recorded as applied'))).toHaveLength(SHIPPED.length);
    expect(said.filter((m) => /^(migration applied|building index|index built)/.test(m))).toEqual([]);
    expect((await migrationRows(db.sql)).map((row) => [row.version, row.checksum, row.baseline])).toEqual(SHIPPED.map((m) => [m.version, m.checksum, true]));
    // the very same objects (same oids: nothing dropped and made again)
    expect({ catalog: await catalog(db.sql), indexes: await ours() }).toEqual(before);
    const [fnAfter] = await db.sql<{ oid: number }[]>`select 'analyzer_code_to_int(text)'::regprocedure::oid::int as oid`;
    expect(fnAfter).toEqual(fn);

    // and the numbered migrations build exactly what the old file built
    const fromScratch = await migrated();
    expect(await catalog(fromScratch.sql)).toBe(before.catalog);
  });

  it('with an object missing: that migration is applied, the others recorded as the baseline', async () => {
    const db = await fresh({ legacyMigrated: true });
    await db.sql`drop index task_open_idx`;
    const r = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await migrationRows(db.sql)).filter((row) => !row.baseline).map((row) => row.name)).toEqual(['task_open_idx']);
    expect(messages(r.stdout)).toContain('index built 0009_task_open_idx');
    expect(await invalidIndexes(db.sql)).toEqual([]);
  });
});

describe('a changed applied migration', () => {
  it('is refused in one line (exit 1) before anything is applied; --status shows it', async () => {
    const db = await migrated();
    // the database says 0002 was applied with other content than this analyzer's file
    await db.sql`update analyzer_migration set checksum = ${'0'.repeat(64)} where version = 2`;
    await db.sql`drop index task_open_idx`;
    const r = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^analyzer: migration failed: applied migration changed: 0002_analyzer_code_to_int was applied with checksum 000000000000 \(analyzer \S+, \S+Z\) but this analyzer's file has [0-9a-f]{12}\. Nothing was applied/);
    // nothing was applied: the missing index of 0009 was not built again
    expect((await indexes(db.sql)).map((i) => i.name)).not.toContain('task_open_idx');
    const s = await status(db);
    expect(s.changed).toBe(1);
    expect(s.migrations[1]).toMatchObject({ state: 'changed', appliedChecksum: '0'.repeat(64) });
    expect((await runCli(['migrate', '--status'], { DATABASE_URL: db.url })).stdout).toMatch(/0002_analyzer_code_to_int\s+CHANGED/);
  });

  it('a file changed after it was applied (in process, the same code): refused', async () => {
    const db = await migrated();
    const changed = SHIPPED.map((m) => (m.version === 3 ? parseMigration(`${m.label}.sql`, `${m.text}\n-- an edit\n`) : m));
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    const lock = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      await expect(migrate(sql, lock, { lockTimeoutMs: 100, lockRetries: 0, migrations: changed }, { info: () => undefined, warn: () => undefined }))
        .rejects.toThrow(MigrationRefused);
      // the lock was released: a run with the shipped files goes through
      await migrate(sql, lock, { lockTimeoutMs: 100, lockRetries: 0 }, { info: () => undefined, warn: () => undefined });
    } finally {
      await Promise.all([sql.end(), lock.end()]);
    }
  });
});

describe('indexes: built concurrently, invalid ones rebuilt, a build in progress waited for', () => {
  it('an index left invalid by an interrupted build is found (--status) and rebuilt by the next run', async () => {
    const db = await migrated();
    await db.sql`drop index receipts_pending_code_idx`;
    // a concurrent build interrupted for real: it waits for an open writer, and is cancelled there
    const writer = await writerOn(db, 'receipts');
    const other = connect(db.url);
    const build = other`create index concurrently if not exists receipts_pending_code_idx
      on receipts (analyzer_code_to_int(devicecode)) where status = 0`.catch((e: unknown) => e);
    const { pid } = await builder(db.sql, 'receipts_pending_code_idx');
    await db.sql`select pg_cancel_backend(${pid})`;
    expect(await build).toMatchObject({ code: '57014' });
    await other.end();
    await writer.release();
    const { oid } = (await indexes(db.sql)).find((i) => i.name === 'receipts_pending_code_idx' && !i.valid)!;
    expect((await status(db)).invalidIndexes).toEqual(['receipts_pending_code_idx']);
    expect((await runCli(['migrate', '--status'], { DATABASE_URL: db.url })).stdout).toContain('index receipts_pending_code_idx INVALID: migrate builds it again');

    const r = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(messages(r.stdout)).toContain('index is invalid (an interrupted build): dropping it concurrently and building it again 0007_receipts_pending_code_idx');
    expect(logLines(r.stdout).at(-1)).toMatchObject({ rebuilt: ['0007_receipts_pending_code_idx'], applied: [] });
    const after = (await indexes(db.sql)).find((i) => i.name === 'receipts_pending_code_idx')!;
    expect(after.valid).toBe(true);
    expect(after.oid).not.toBe(oid);
    expect(await invalidIndexes(db.sql)).toEqual([]);
  });

  it('SIGKILL during an index build: the next run waits for the build its backend still runs (not dropping it), then exits 0, every index valid', async () => {
    const db = await fresh();
    const writer = await writerOn(db, 'polycommissue'); // holds 0005's build in its first wait
    const first = watchCli(['migrate'], { DATABASE_URL: db.url });
    const orphan = await builder(db.sql, 'polycommissue_pending_device_idx');
    first.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // the killed migrate's lock connection ends with it; its building backend does not (the server notices only when it writes)
    await waitFor('the killed lock connection to end', async () => ((await backends(db.sql, 'polycomm-analyzer migrate lock')).length === 0 ? true : undefined));
    expect((await backends(db.sql, 'polycomm-analyzer migrate')).map((b) => b.pid)).toEqual([orphan.pid]);
    const [building] = (await indexes(db.sql)).filter((i) => i.name === 'polycommissue_pending_device_idx');
    expect(building!.valid).toBe(false);

    const second = watchCli(['migrate'], { DATABASE_URL: db.url });
    const line = await second.waitForLine('the wait for the build in progress', (l) => String(l.message).startsWith('index is being built by another backend'));
    expect(line).toMatchObject({ index: 'polycommissue_pending_device_idx', pid: orphan.pid });
    await sleep(1500);
    expect((await indexes(db.sql)).find((i) => i.name === 'polycommissue_pending_device_idx')?.oid, 'not dropped under the build').toBe(building!.oid);
    await writer.release();
    const r = await second.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await invalidIndexes(db.sql)).toEqual([]);
    // the index the killed run's backend finished is the one kept, and recorded once
    expect((await indexes(db.sql)).find((i) => i.name === 'polycommissue_pending_device_idx')?.oid).toBe(building!.oid);
    expect((await migrationRows(db.sql)).map((row) => row.version)).toEqual(SHIPPED.map((m) => m.version));
  });
  it('a lock_timeout set on the database stops a concurrent build in its wait: retried (the invalid index dropped first) until it succeeds', async () => {
    const db = await fresh();
    // new sessions of this database (migrate's) get it; the writer's, already open, does not
    await db.sql`alter database ${db.sql(db.name)} set lock_timeout = '100ms'`;
    const writer = await writerOn(db, 'polycommalarm');
    const run = watchCli(['migrate'], { DATABASE_URL: db.url });
    await run.waitForLine('a retry of the build', (l) => l.message === 'index build stopped by a lock timeout: retrying' && l.attempt === 2);
    await writer.release();
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(messages(r.stdout)).toContain('index is invalid (an interrupted build): dropping it concurrently and building it again 0004_polycommalarm_pending_device_idx');
    expect(await invalidIndexes(db.sql)).toEqual([]);
    expect((await migrationRows(db.sql)).length).toBe(SHIPPED.length);
  });
});

describe('table locks: a short lock_timeout, retried with backoff', () => {
  it('ALTER TABLE behind a long reader: each attempt gives up after lock_timeout and is retried (logged), inserts are never queued for long; then applied', async () => {
    const db = await fresh();
    // a long report query on polycomm_suitcase: ACCESS SHARE, which the ALTER's ACCESS EXCLUSIVE waits for
    const reader = await holdInTransaction(db.sql, (tx) => tx`lock table polycomm_suitcase in access share mode`);
    held.push(reader);
    const run = watchCli(['migrate', '--migrate-lock-timeout', '50'], { DATABASE_URL: db.url });
    await run.waitForLine('a second retry', (l) => l.message === 'lock not available within lock_timeout: retrying' && l.attempt === 2);
    // the device feed meanwhile: an insert is queued behind the ALTER's request for at most its 50 ms, never until the reader ends
    const feed = postgres(db.url, { max: 1, onnotice: () => undefined, connection: { lock_timeout: 1000 } });
    for (let i = 0; i < 20; i++) await feed`insert into polycomm_suitcase (device_id, status) values (1, 0)`;
    await feed.end();
    await reader.release();
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const retries = logLines(r.stdout).filter((l) => l.message === 'lock not available within lock_timeout: retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatchObject({ migration: '0001_receipt_id', attempt: 1, lockTimeoutMs: 50, error: expect.stringMatching(/lock timeout/) as unknown });
    expect((retries[1]!.retryInMs as number)).toBeGreaterThan(retries[0]!.retryInMs as number);
    expect((await migrationRows(db.sql)).length).toBe(SHIPPED.length);
  });

  it('retries exhausted: one line naming the step, exit 1, that step not applied', async () => {
    const db = await fresh();
    held.push(await holdInTransaction(db.sql, (tx) => tx`lock table polycomm_suitcase in access share mode`));
    const r = await runCli(['migrate', '--migrate-lock-timeout', '20', '--migrate-lock-retries', '2'], { DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^analyzer: migration failed: 0001_receipt_id: a lock it needs was not available within 20 ms in 3 attempts .*This step was not applied/);
    expect(logLines(r.stdout).filter((l) => l.message === 'lock not available within lock_timeout: retrying').map((l) => l.attempt)).toEqual([1, 2]);
    const [col] = await db.sql<{ n: number }[]>`select count(*)::int as n from information_schema.columns where table_name = 'polycomm_suitcase' and column_name = 'receipt_id'`;
    expect(col!.n).toBe(0);
    expect(await migrationRows(db.sql)).toEqual([]);
  });

  it('invalid settings are usage errors (exit 2)', async () => {
    for (const args of [['--migrate-lock-timeout', '0'], ['--migrate-lock-retries', 'x'], ['--json']]) {
      const r = await runCli(['migrate', ...args], { DATABASE_URL: 'postgres://u@127.0.0.1:1/x' });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/MIGRATE_LOCK_(TIMEOUT|RETRIES)|--json goes with --status/);
    }
  });
});

describe('two migrates at once', () => {
  it('serialise on a lock held without a snapshot: the second waits (logged), both exit 0, each migration applied once, no lock left', async () => {
    const db = await fresh();
    const writer = await writerOn(db, 'polycommalarm'); // keeps the first one busy in 0004's build
    const a = watchCli(['migrate'], { DATABASE_URL: db.url });
    await builder(db.sql, 'polycommalarm_pending_device_idx');
    const b = watchCli(['migrate'], { DATABASE_URL: db.url });
    const waiting = await b.waitForLine('the second to wait', (l) => l.message === 'another migrate is running: waiting for it to finish');
    const holders = await backends(db.sql, 'polycomm-analyzer migrate lock');
    const holder = holders.find((h) => h.pid === waiting.holderPid);
    expect(holder, JSON.stringify(holders)).toBeDefined();
    expect(holder!.state).toBe('idle in transaction');
    // the holder never has a snapshot or an xid: a concurrent index build does not wait for it
    for (let i = 0; i < 20; i++) {
      const now = (await backends(db.sql, 'polycomm-analyzer migrate lock')).find((h) => h.pid === holder!.pid)!;
      expect({ xmin: now.xmin, xid: now.xid }).toEqual({ xmin: null, xid: null });
      await sleep(25);
    }
    await writer.release();
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stdout + ra.stderr).toBe(0);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(logLines(ra.stdout).at(-1)).toMatchObject({ applied: LABELS });
    expect(logLines(rb.stdout).at(-1)).toMatchObject({ applied: [], alreadyApplied: SHIPPED.length });
    expect((await migrationRows(db.sql)).map((row) => row.version)).toEqual(SHIPPED.map((m) => m.version));
    const [locks] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_locks where locktype = 'advisory'`;
    expect(locks!.n).toBe(0);
    expect(await invalidIndexes(db.sql)).toEqual([]);
  });

  it('five at once on a legacy database: all exit 0', async () => {
    const db = await fresh();
    const runs = await Promise.all([1, 2, 3, 4, 5].map(() => runCli(['migrate'], { DATABASE_URL: db.url })));
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(runs.map((r) => (logLines(r.stdout).at(-1)!.applied as string[]).length).sort()).toEqual([0, 0, 0, 0, SHIPPED.length]);
    expect(await invalidIndexes(db.sql)).toEqual([]);
  });
});
