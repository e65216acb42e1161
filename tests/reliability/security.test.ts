// Issue 6, security: the database password never appears in logs (stdout and
// the --log-dir file), reports, error output or the run history, on success
// and on every error path, for every command. The role has a recognisable
// password; a second role has one that needs URL-encoding, so both its raw and
// its encoded forms are looked for. (All SQL parameterised: lint rules in
// eslint.config.js, tests/ship/lint.test.ts. Non-root image and manifest:
// tests/ship/static.test.ts.)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliResult } from '../harness/cli.js';
import { alarm, createTestDatabase, device, receipt, wrap, type TestDb } from '../harness/db.js';
import { freePort } from '../harness/embedded.js';
import { rolesFor } from '../harness/roles.js';

const PASSWORD = 'Tr0ub4dor-Xyzzy';
/** Needs URL-encoding (':', '@', '/', '%', space, '&'). */
const ODD_PASSWORD = 'Xyzzy:Tr0ub@dor/Plugh% 42&';
const suffix = randomBytes(3).toString('hex');
const ROLE = `analyzer_pw_${suffix}`;
const ODD_ROLE = `analyzer_pw2_${suffix}`;
const NOW = '2026-01-02T00:00:00';

/** Every form in which a password could leak. */
const forms = (password: string) => [...new Set([password, encodeURIComponent(password), encodeURI(password)])];
const SECRETS = [...forms(PASSWORD), ...forms(ODD_PASSWORD)];

let db: TestDb;
let admin: postgres.Sql;
const work = mkdtempSync(join(tmpdir(), 'polycomm-security-'));
let closedPort: number;

/** One CLI run: what it printed and the files it wrote (reports, logs). */
interface Run { what: string; result: CliResult; files: string[] }

function urlFor(role: string, password: string, options: { port?: number; database?: string } = {}): string {
  const u = new URL(db.url);
  u.username = role;
  u.password = encodeURIComponent(password);
  if (options.port !== undefined) u.port = String(options.port);
  if (options.database !== undefined) u.pathname = `/${options.database}`;
  return u.toString();
}

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function expectNoSecret(what: string, text: string): void {
  for (const secret of SECRETS) expect(text.includes(secret), `${what} contains the password (${JSON.stringify(secret)})`).toBe(false);
}

/**
 * Runs the CLI with a report and a log directory of its own, and checks at
 * once that nothing it printed or wrote holds the password.
 */
async function run(what: string, args: string[], env: Record<string, string>, expectCode: number, withReport = true): Promise<Run> {
  const dir = mkdtempSync(join(work, 'run-'));
  const extra = withReport ? ['--report-dir', join(dir, 'reports')] : [];
  const result = await runCli([...args, ...extra, '--log-dir', join(dir, 'logs'), '--log-level', 'debug'], env);
  expect(result.code, `${what}: ${result.stdout.slice(-1500)}${result.stderr}`).toBe(expectCode);
  expect(result.stdout.length + result.stderr.length, `${what} wrote something`).toBeGreaterThan(0);
  expectNoSecret(`${what}: stdout`, result.stdout);
  expectNoSecret(`${what}: stderr`, result.stderr);
  const files = filesUnder(dir);
  for (const path of files) expectNoSecret(`${what}: ${path}`, readFileSync(path, 'utf8'));
  return { what, result, files };
}

/** How many of `runs` wrote a report file and a log file: the checks above really read something. */
function written(runs: Run[]): { reports: number; logs: number } {
  return {
    reports: runs.filter((r) => r.files.some((f) => f.includes(`${sep}reports${sep}`) && f.endsWith('.json'))).length,
    logs: runs.filter((r) => r.files.some((f) => f.endsWith('.log'))).length,
  };
}

/** The run history rows the runs of one test added: none holds the password either. */
async function expectHistoryClean(sinceId: number): Promise<number> {
  const history = await db.sql<{ r: string }[]>`select to_jsonb(x)::text as r from analyzer_run x where id > ${sinceId}`;
  for (const { r } of history) expectNoSecret('analyzer_run', r);
  return history.length;
}

const lastRunId = async () => (await db.sql<{ id: number }[]>`select coalesce(max(id), 0)::int as id from analyzer_run`)[0]!.id;

beforeAll(async () => {
  admin = postgres(inject('serverUrl'), { max: 1, onnotice: () => undefined });
  // least privilege (issue 15): members of the harness's pass and read-only roles, not superusers
  const { pass, read } = rolesFor(inject('databasePrefix'));
  // eslint-disable-next-line no-restricted-properties, no-restricted-syntax -- CREATE ROLE takes its password only as a literal; the values are constants of this file
  await admin.unsafe(`create role ${ROLE} login password '${PASSWORD}' in role "${pass}", "${read}"`);
  // eslint-disable-next-line no-restricted-properties, no-restricted-syntax -- as above
  await admin.unsafe(`create role ${ODD_ROLE} login password '${ODD_PASSWORD}' in role "${pass}", "${read}"`);
  db = await createTestDatabase();
  // receipts: device 1 balanced, device 2 an unpaid wrap (fails while issue type 7 is missing); dwr: device 3
  const d1 = await device(db.sql, { id: 1 });
  await wrap(db.sql, { device: 1, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  await receipt(db.sql, { code: d1.code, at: '2026-01-01 10:02:00', single: 1, double: 0 });
  await device(db.sql, { id: 2 });
  await wrap(db.sql, { device: 2, start: '2026-01-01 10:00:00', finish: '2026-01-01 10:01:00', type: 1 });
  await device(db.sql, { id: 3, mode: 'dwr' });
  await alarm(db.sql, { device: 3, at: '2026-01-01 10:00:00' });
  closedPort = await freePort();
});

afterAll(async () => {
  await db?.drop().catch(() => undefined);
  for (const role of [ROLE, ODD_ROLE]) {
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`.catch(() => undefined);
    await admin`drop role if exists ${admin(role)}`.catch(() => undefined);
  }
  await admin?.end();
  rmSync(work, { recursive: true, force: true });
});

describe('the database password never appears in logs, reports or error output', () => {
  it('the role logs in with the recognisable password (the runs below really use it)', async () => {
    for (const [role, password] of [[ROLE, PASSWORD], [ODD_ROLE, ODD_PASSWORD]] as const) {
      const c = postgres(urlFor(role, password), { max: 1, onnotice: () => undefined });
      const [row] = await c<{ u: string }[]>`select current_user as u`;
      await c.end();
      expect(row!.u).toBe(role);
    }
  });

  it('a pass that succeeds, with debug logging, a log file and a report (URL in DATABASE_URL, then in --database-url, then in PG* variables)', async () => {
    const since = await lastRunId();
    const u = new URL(db.url);
    const runs = [
      await run('pass dwr (DATABASE_URL)', ['--mode', 'dwr', '--now', NOW], { DATABASE_URL: urlFor(ROLE, PASSWORD) }, 0),
      await run('pass dwr (URL-encoded password)', ['--mode', 'dwr', '--now', NOW, '--dry-run'], { DATABASE_URL: urlFor(ODD_ROLE, ODD_PASSWORD) }, 0),
      await run('pass dwr (--database-url, text logs)', ['--mode', 'dwr', '--now', NOW, '--log-format', 'text', '--database-url', urlFor(ROLE, PASSWORD)], {}, 0),
      await run('pass dwr (PG* variables)', ['--mode', 'dwr', '--now', NOW], {
        PGHOST: u.hostname, PGPORT: u.port, PGDATABASE: u.pathname.slice(1), PGUSER: ODD_ROLE, PGPASSWORD: ODD_PASSWORD,
      }, 0),
    ];
    expect(written(runs)).toEqual({ reports: 4, logs: 4 });
    // three real passes recorded in the run history (the dry run records nothing)
    expect(await expectHistoryClean(since)).toBe(3);
  });

  it('a pass in which a device fails (issue type 7 missing from the dictionary), exit 1', async () => {
    const since = await lastRunId();
    await db.sql`delete from polycomm_issue_type where id = 7`;
    try {
      const runs = [
        await run('pass receipts, device 2 fails', ['--mode', 'receipts', '--now', NOW], { DATABASE_URL: urlFor(ROLE, PASSWORD) }, 1),
        await run('pass receipts, device 2 fails (URL-encoded password, text logs)', ['--mode', 'receipts', '--now', NOW, '--log-format', 'text'],
          { DATABASE_URL: urlFor(ODD_ROLE, ODD_PASSWORD) }, 1),
      ];
      expect(runs[0]!.result.stdout).toMatch(/device 2 failed/);
      expect(written(runs)).toEqual({ reports: 2, logs: 2 });
      expect(await expectHistoryClean(since)).toBe(2);
    } finally {
      await db.sql`insert into polycomm_issue_type (id, code, title) values (7, 'UNPAID', 'Unpaid wrap') on conflict do nothing`;
    }
  });

  it('a pass whose database is unreachable, unknown, or refuses the password, exit 1', async () => {
    const runs: Run[] = [];
    for (const [role, password] of [[ROLE, PASSWORD], [ODD_ROLE, ODD_PASSWORD]] as const) {
      const unreachable = await run(`pass, unreachable (${role})`, ['--mode', 'dwr', '--connect-timeout', '1'], { DATABASE_URL: urlFor(role, password, { port: closedPort }) }, 1);
      expect(unreachable.result.stderr).toMatch(/database unreachable/);
      runs.push(unreachable);
      runs.push(await run(`pass, unknown database (${role})`, ['--mode', 'dwr', '--connect-timeout', '1'], { DATABASE_URL: urlFor(role, password, { database: 'no_such_database' }) }, 1));
      runs.push(await run(`pass, wrong password (${role})`, ['--mode', 'dwr', '--connect-timeout', '1'], { DATABASE_URL: urlFor(role, `${password}-wrong`) }, 1));
    }
    const u = new URL(db.url);
    runs.push(await run('pass, unreachable (PG* variables)', ['--mode', 'dwr', '--connect-timeout', '1'], {
      PGHOST: u.hostname, PGPORT: String(closedPort), PGDATABASE: 'x', PGUSER: ROLE, PGPASSWORD: PASSWORD,
    }, 1));
    expect(written(runs)).toEqual({ reports: 7, logs: 7 });
  });

  it('explain, migrate, status and open-tasks, each succeeding and with the database unreachable', async () => {
    const commands: [string, string[]][] = [
      ['explain', ['explain', '--mode', 'receipts', '--device', '1', '--now', NOW]],
      ['migrate', ['migrate']],
      ['status', ['status']],
      ['open-tasks', ['open-tasks']],
    ];
    const runs: Run[] = [];
    for (const [name, args] of commands) {
      for (const [role, password] of [[ROLE, PASSWORD], [ODD_ROLE, ODD_PASSWORD]] as const) {
        // migrate needs the tables' owner: the role is made superuser for it alone
        if (name === 'migrate') await admin`alter role ${admin(role)} superuser`;
        try {
          runs.push(await run(`${name} (${role})`, args, { DATABASE_URL: urlFor(role, password) }, 0, false));
        } finally {
          if (name === 'migrate') await admin`alter role ${admin(role)} nosuperuser`;
        }
        runs.push(await run(`${name}, unreachable (${role})`, [...args, '--connect-timeout', '1'], { DATABASE_URL: urlFor(role, password, { port: closedPort }) }, 1, false));
      }
    }
    expect(written(runs)).toEqual({ reports: 0, logs: 16 });
  });
});
