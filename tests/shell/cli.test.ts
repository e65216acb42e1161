import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI, runCli } from '../harness/cli.js';
import { createTestDatabase, device, type TestDb } from '../harness/db.js';
import { applyGrants, rolesFor } from '../harness/roles.js';

describe('CLI shell: usage, configuration and exit codes', () => {
  let db: TestDb;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('an invalid --mode exits 2 with one line on stderr', async () => {
    const r = await runCli(['--mode', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/mode/);
  });

  it.each([
    [['--mode', 'dwr', '--timezone', 'Mars/Olympus'], /time zone/],
    [['--mode', 'dwr', '--last-event-time', '-5'], /LAST_EVENT_TIME/],
    [['--mode', 'dwr', '--timedelta-check', 'soon'], /TIMEDELTA_CHECK/],
    [['--mode', 'dwr', '--log-format', 'xml'], /LOG_FORMAT/],
    [['--mode', 'dwr', '--log-level', 'loud'], /LOG_LEVEL/],
    [['--mode', 'dwr', '--chunk-size', '0'], /CHUNK_SIZE/],
    [['--mode', 'dwr', '--no-such-flag'], /unknown option/],
    [[], /mode/],
  ])('invalid configuration %j exits 2 with one clear line', async (args, pattern) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  });

  it('environment variables are validated too, and a flag beats the environment', async () => {
    const bad = await runCli(['--mode', 'dwr'], { LAST_EVENT_TIME: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/LAST_EVENT_TIME/);
    const good = await runCli(['--mode', 'dwr', '--last-event-time', '60', '--database-url', db.url], { LAST_EVENT_TIME: 'x' });
    expect(good.code, good.stdout + good.stderr).toBe(0);
  });

  it('--help documents every setting with its environment variable', async () => {
    const r = await runCli(['--help']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const env of ['DATABASE_URL', 'LAST_EVENT_TIME', 'TIMEDELTA_CHECK', 'ANALYZER_TIMEZONE', 'LOG_DIR', 'LOG_LEVEL', 'LOG_FORMAT', 'LOG_MAX_SIZE', 'LOG_MAX_FILES', 'CHUNK_SIZE']) {
      expect(r.stdout).toContain(env);
    }
    for (const flag of ['--dry-run', '--device', '--report-dir', '--mode']) expect(r.stdout).toContain(flag);
  });

  it('an unreachable database exits 1 within 30 s with a clear message that hides the password', async () => {
    const r = await runCli(['--mode', 'dwr'], { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db' });
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(30_000);
    expect(r.stderr).toMatch(/database unreachable/);
    expect(r.stdout + r.stderr).not.toContain('secret');
  }, 40_000);

  it('a wrong password is reported at once (no pointless retries) without the password', async () => {
    const url = new URL(db.url);
    url.password = 'Sw0rdfish-wrong';
    const r = await runCli(['--mode', 'dwr', '--database-url', url.toString()]);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.stdout + r.stderr).not.toContain('Sw0rdfish-wrong');
  });

  it('LOG_DIR: a daily-rotated log file holds every line, the last included, without the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polycomm-logs-'));
    try {
      const r = await runCli(['--mode', 'dwr', '--connect-timeout', '1'], { DATABASE_URL: 'postgres://u:Pa55-in-log@127.0.0.1:1/db', LOG_DIR: dir });
      expect(r.code).toBe(1);
      const [file] = readdirSync(dir).filter((f) => f.endsWith('.log'));
      const lines = readFileSync(join(dir, file!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string });
      expect(lines.at(-1)!.message).toMatch(/^pass dwr failed/);
      expect(readFileSync(join(dir, file!), 'utf8')).not.toContain('Pa55-in-log');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrate runs twice on the same database', async () => {
    const first = await runCli(['migrate', '--database-url', db.url]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const second = await runCli(['migrate', '--database-url', db.url]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const [col] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from information_schema.columns where table_name = 'polycomm_suitcase' and column_name = 'receipt_id'`;
    expect(col!.n).toBe(1);
  });

  it('migrate brings a legacy database (without the analyzer additions) up to date', async () => {
    const legacy = await createTestDatabase();
    try {
      await legacy.sql`drop index if exists receipts_pending_code_idx`;
      await legacy.sql`drop function if exists analyzer_code_to_int(text)`;
      await legacy.sql`alter table polycomm_suitcase drop column receipt_id`;
      await legacy.sql`drop table analyzer_run`;
      // and no record of migrations: a database from before numbered migrations lacking the analyzer's objects
      await legacy.sql`drop table analyzer_migration`;
      const r = await runCli(['migrate', '--database-url', legacy.url]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const [state] = await legacy.sql<{ col: number; fn: number; tbl: number }[]>`
        select (select count(*)::int from information_schema.columns where table_name = 'polycomm_suitcase' and column_name = 'receipt_id') as col,
               (select count(*)::int from pg_proc where proname = 'analyzer_code_to_int') as fn,
               (select count(*)::int from pg_tables where tablename = 'analyzer_run') as tbl`;
      expect(state).toEqual({ col: 1, fn: 1, tbl: 1 });
      // the objects migrate created are new: the pass role gets its grants on them again (docs/configuration.md "Database roles"),
      // and a pass runs
      await applyGrants(legacy.url, rolesFor(inject('databasePrefix')));
      const pass = await runCli(['--mode', 'dwr', '--database-url', legacy.url]);
      expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    } finally {
      await legacy.drop();
    }
  });

  it('a pass finds the ready devices of its mode and exits 0', async () => {
    await device(db.sql, { id: 7, mode: 'dwr' });
    const r = await runCli(['--mode', 'dwr', '--database-url', db.url]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

/**
 * A probe preloaded into the built CLI (NODE_OPTIONS=--import): it records,
 * in evaluation order, every module of dist/ as it starts to run (a module
 * hook puts one line at the top of each) and every V8 flag the process sets,
 * and writes the record to `out` when the process exits.
 */
function writeProbe(dir: string, out: string): string {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `
let dist;
export function initialize(data) { dist = data.dist; }
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.startsWith(dist) || result.format !== 'module') return result;
  const text = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
  const record = 'globalThis.__evaluated.push(' + JSON.stringify(url) + ');';
  const source = text.startsWith('#!') ? text.replace(/\\n/, '\\n' + record) : record + text;
  return { ...result, source };
}
`);
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, `
import { writeFileSync } from 'node:fs';
import { register, syncBuiltinESMExports } from 'node:module';
import v8 from 'node:v8';
const evaluated = (globalThis.__evaluated = []);
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { evaluated.push('v8 flags ' + flags); return setFlags(flags); };
syncBuiltinESMExports();
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { dist: ${JSON.stringify(pathToFileURL(join(CLI, '..')).href + '/')} } });
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify(evaluated)));
`);
  return probe;
}

describe('CLI shell: V8 settings (src/infra/runtime-flags.ts)', () => {
  it('are set before any other module of the CLI runs: allocation-site pretenuring is off for the whole pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polycomm-v8-probe-'));
    try {
      const out = join(dir, 'evaluated.json');
      const r = await runCli(['--version'], { NODE_OPTIONS: `--import ${pathToFileURL(writeProbe(dir, out)).href}` });
      expect(r.code, r.stderr).toBe(0);
      const evaluated = (JSON.parse(readFileSync(out, 'utf8')) as string[]).map((e) => e.replace(pathToFileURL(join(CLI, '..')).href, 'dist'));
      // the probe saw the whole CLI: the modules it imports, then cli.js itself
      expect(evaluated.length).toBeGreaterThan(10);
      expect(evaluated.at(-1)).toBe('dist/cli.js');
      expect(evaluated.slice(0, 2)).toEqual(['dist/infra/runtime-flags.js', 'v8 flags --no-allocation-site-pretenuring']);
      expect(evaluated.filter((e) => e.startsWith('v8 flags'))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
