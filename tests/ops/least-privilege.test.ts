// Issue 15, least privilege: `analyzer grants` gives a role exactly what a
// pass needs (R17's columns, the sequences, the run history) and nothing
// more; the read-only role runs status, open-tasks and explain and cannot
// write; a role without a grant fails in one line and writes nothing; migrate
// needs the owner. Every other integration test's pass already runs as the
// pass role (tests/harness/roles.ts); the first test proves the harness does.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, device, dumpWritten, receipt, wrap, type TestDb } from '../harness/db.js';
import { asRole, grantsSql, leastPrivilegeUrl, rolesFor } from '../harness/roles.js';
import { requireComponent } from '../harness/component.js';

const NOW = '2026-01-02T00:00:00';
const roles = rolesFor(inject('databasePrefix'));
let db: TestDb;

async function seed(sql: TestDb['sql']): Promise<void> {
  const d = await device(sql, { id: 1 });
  await wrap(sql, { device: 1, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  await wrap(sql, { device: 1, start: '2026-01-01 10:03:00', finish: '2026-01-01 10:04:00', type: 1 });
  await receipt(sql, { code: d.code, at: '2026-01-01 10:05:00', single: 1, double: 0 });
  await device(sql, { id: 2, mode: 'dwr' });
  await wrap(sql, { device: 2, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
}

/** A statement to try as a role (a tagged template on that role's connection). */
type Statement = (sql: postgres.Sql) => PromiseLike<unknown>;

/** Runs `statement` as `role` on the test database; resolves to the error's SQLSTATE and message (or 'ok'). */
async function asRoleTry(role: string, statement: Statement): Promise<string> {
  const sql = postgres(asRole(db.url, role), { max: 1, onnotice: () => undefined });
  try {
    await statement(sql);
    return 'ok';
  } catch (error) {
    const e = error as { code?: string; message: string };
    return `${e.code}: ${e.message}`;
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seed(db.sql);
});
afterAll(async () => {
  await db?.drop();
});

describe('analyzer grants', () => {
  it('prints reviewable SQL: exactly the R17 columns, the three inserted tables, the sequences, the run history and the function', () => {
    const text = grantsSql('analyzer_pass', false);
    expect(text).toContain('GRANT UPDATE ("status", "csp", "unpaid", "to_account", "in_task", "receipt_id") ON TABLE "polycomm_suitcase" TO "analyzer_pass";');
    expect(text).toContain('GRANT UPDATE ("status") ON TABLE "polycommalarm" TO "analyzer_pass";');
    expect(text).toContain('GRANT UPDATE ("status") ON TABLE "polycommissue" TO "analyzer_pass";');
    expect(text).toContain('GRANT UPDATE ("status") ON TABLE "receipts" TO "analyzer_pass";');
    expect(text).toContain('GRANT INSERT ON TABLE "task", "task_to_event", "polycommissue", "analyzer_run" TO "analyzer_pass";');
    expect(text).toContain('GRANT DELETE ON TABLE "analyzer_run" TO "analyzer_pass";');
    expect(text).toContain('GRANT EXECUTE ON FUNCTION "analyzer_code_to_int"(text) TO "analyzer_pass";');
    expect(text).toMatch(/GRANT USAGE ON SEQUENCE %s TO %I/);
    // nothing table-wide that writes the legacy tables, no DELETE outside the run history
    expect(text).not.toMatch(/GRANT UPDATE ON TABLE/);
    expect(text).not.toMatch(/GRANT (ALL|TRUNCATE|REFERENCES|TRIGGER|CREATE)/);
    expect(text.match(/DELETE/g)).toHaveLength(1);
    const readOnly = grantsSql('analyzer_read', true);
    expect(readOnly).not.toMatch(/INSERT|UPDATE|DELETE|SEQUENCE/);
    expect(readOnly).toContain('GRANT SELECT ON TABLE');
  });

  it('refuses a role name that is not a plain identifier (exit 2, one line); never builds SQL from it', async () => {
    for (const bad of ['x"; drop table task; --', "a'b", '', '1abc', 'a'.repeat(64)]) {
      const r = await runCli(['grants', '--role', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/invalid --role/);
    }
  });

  it('applied twice (psql -f, and as one simple query) is harmless: the same privileges', async () => {
    const fresh = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'polycomm-grants-'));
    try {
      const role = `${inject('databasePrefix')}twice`;
      // eslint-disable-next-line no-restricted-properties, no-restricted-syntax -- CREATE ROLE takes its password only as a literal; the name is the test's own constant
      await fresh.sql.unsafe(`create role "${role}" login password 'x'`);
      try {
        const privileges = () => fresh.sql<{ p: string }[]>`
          select c.relname || ':' || coalesce(a.attname, '*') || ':' || x.privilege_type as p
          from pg_class c
          cross join lateral aclexplode(c.relacl) x
          left join pg_attribute a on false
          where x.grantee = (select oid from pg_roles where rolname = ${role})
          union all
          select c.relname || ':' || a.attname || ':' || x.privilege_type
          from pg_attribute a join pg_class c on c.oid = a.attrelid
          cross join lateral aclexplode(a.attacl) x
          where x.grantee = (select oid from pg_roles where rolname = ${role})
          order by 1`.then((rows) => rows.map((r) => r.p));
        const file = join(dir, 'grants.sql');
        writeFileSync(file, grantsSql(role, false));
        // without psql (outside CI) the script is applied with postgres.js instead, as one simple query
        const psql = requireComponent('psql', spawnSync('psql', ['--version']).status === 0, 'psql is not installed (apt-get install postgresql-client); the grants are applied with postgres.js instead');
        const apply = async () => {
          if (psql) execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, fresh.url], { stdio: 'pipe' });
          // eslint-disable-next-line no-restricted-properties -- applies the script `analyzer grants` printed, as one simple query (what this test checks)
          else await fresh.sql.unsafe(grantsSql(role, false));
        };
        await apply();
        const once = await privileges();
        expect(once).toContain('polycomm_suitcase:receipt_id:UPDATE');
        expect(once).toContain('task:*:INSERT');
        expect(once).not.toContain('polycomm_suitcase:package_type:UPDATE');
        await apply();
        expect(await privileges()).toEqual(once);
      } finally {
        await fresh.sql`drop owned by ${fresh.sql(role)}`;
        await fresh.sql`drop role ${fresh.sql(role)}`;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await fresh.drop();
    }
  });
});

describe('the pass role', () => {
  it('is what the harness runs every pass as (not a superuser), and the pass succeeds with exactly its grants', async () => {
    expect(new URL(leastPrivilegeUrl(db.url, ['--mode', 'receipts'])).username).toBe(roles.pass);
    expect(new URL(leastPrivilegeUrl(db.url, ['status'])).username).toBe(roles.read);
    expect(new URL(leastPrivilegeUrl(db.url, ['migrate'])).username).toBe(new URL(db.url).username);
    const [role] = await db.sql<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean }[]>`
      select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles where rolname = ${roles.pass}`;
    expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
    // the passes write: a database of this test's own, so the other tests see the seed as it was
    const fresh = await createTestDatabase();
    try {
      await seed(fresh.sql);
      for (const mode of ['receipts', 'dwr']) {
        const r = await runCli(['--mode', mode, '--now', NOW], { DATABASE_URL: fresh.url });
        expect(r.code, r.stdout + r.stderr).toBe(0);
      }
      const [tasks] = await fresh.sql<{ n: number }[]>`select count(*)::int as n from task`;
      expect(tasks!.n).toBeGreaterThan(0);
      // the run history was written by the pass role (insert, finish)
      const runs = await fresh.sql<{ status: string }[]>`select status from analyzer_run`;
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    } finally {
      await fresh.drop();
    }
  });

  it.each([
    ['DELETE FROM task', (sql) => sql`delete from task`],
    ['UPDATE polycomm_suitcase SET package_type', (sql) => sql`update polycomm_suitcase set package_type = 2`],
    ['TRUNCATE', (sql) => sql`truncate task_to_event`],
    ['CREATE TABLE', (sql) => sql`create table analyzer_intruder (id int)`],
    ['UPDATE task (a column outside R17)', (sql) => sql`update task set resolved = true`],
  ] satisfies [string, Statement][])('cannot %s: permission denied', async (_what, statement) => {
    const result = await asRoleTry(roles.pass, statement);
    expect(result).toMatch(/^42501: permission denied/);
  });

  it('a pass lacking one grant fails at once in one line naming the privilege, exit 1, and writes nothing', async () => {
    const fresh = await createTestDatabase();
    try {
      await seed(fresh.sql);
      await fresh.sql`revoke update (receipt_id) on polycomm_suitcase from ${fresh.sql(roles.pass)}`;
      await fresh.sql`revoke usage on sequence task_id_seq from ${fresh.sql(roles.pass)}`;
      const before = await dumpWritten(fresh.sql);
      const r = await runCli(['--mode', 'receipts', '--now', NOW], { DATABASE_URL: fresh.url });
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain('UPDATE (receipt_id) ON TABLE polycomm_suitcase');
      expect(lines[0]).toContain('USAGE ON SEQUENCE of task.id');
      expect(lines[0]).toContain(`analyzer grants --role ${roles.pass}`);
      expect(await dumpWritten(fresh.sql)).toBe(before);
      const [runs] = await fresh.sql<{ n: number }[]>`select count(*)::int as n from analyzer_run`;
      expect(runs!.n).toBe(0);
      // a dry run needs only the reading privileges
      const dry = await runCli(['--mode', 'receipts', '--now', NOW, '--dry-run'], { DATABASE_URL: fresh.url });
      expect(dry.code, dry.stderr).toBe(0);
    } finally {
      await fresh.drop();
    }
  });

  it('migrate as the pass role: one line naming the privilege and the object, exit 1', async () => {
    const r = await runCli(['migrate'], { DATABASE_URL: asRole(db.url, roles.pass) });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/migration failed: (must be owner of table \w+|permission denied for (schema|table) \w+)/);
    expect(lines[0]).toContain('42501');
    expect(lines[0]).not.toContain('least-privilege-test');
  });
});

describe('the read-only role', () => {
  it('runs status, open-tasks and explain', async () => {
    const url = asRole(db.url, roles.read);
    for (const args of [['status'], ['status', '--json'], ['open-tasks'], ['open-tasks', '--json'], ['explain', '--mode', 'receipts', '--device', '1', '--now', NOW]]) {
      const r = await runCli(args, { DATABASE_URL: url });
      expect(r.code, `${args.join(' ')}: ${r.stdout.slice(-1000)}${r.stderr}`).toBe(0);
    }
  });

  it.each([
    ['INSERT INTO task', (sql) => sql`insert into task (device_id, type) values (1, 1)`],
    ['UPDATE polycomm_suitcase SET status', (sql) => sql`update polycomm_suitcase set status = 1`],
    ['DELETE FROM analyzer_run', (sql) => sql`delete from analyzer_run`],
    ['TRUNCATE', (sql) => sql`truncate task`],
    ['CREATE TABLE', (sql) => sql`create table analyzer_intruder (id int)`],
  ] satisfies [string, Statement][])('cannot write: %s is denied', async (_what, statement) => {
    expect(await asRoleTry(roles.read, statement)).toMatch(/^42501: permission denied/);
  });

  it('a pass as the read-only role fails in one line naming what is missing, and writes nothing', async () => {
    const before = await dumpWritten(db.sql);
    const [runsBefore] = await db.sql<{ n: number }[]>`select count(*)::int as n from analyzer_run`;
    const r = await runCli(['--mode', 'dwr', '--now', NOW], { DATABASE_URL: asRole(db.url, roles.read) });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/lacks .*INSERT ON TABLE task/);
    expect(await dumpWritten(db.sql)).toBe(before);
    const [runsAfter] = await db.sql<{ n: number }[]>`select count(*)::int as n from analyzer_run`;
    expect(runsAfter!.n).toBe(runsBefore!.n);
  });
});
