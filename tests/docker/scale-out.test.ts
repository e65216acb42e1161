// Scaling out (docs/deployment.md "Scaling out", docker/k8s/scale-out.yaml): N = 4
// containers of the image, with the manifest's security settings, started
// together over one backlog process every device exactly once (R19) and leave
// the database exactly as one pass does. The manifest's Job runs N pods with
// the same args and settings as the CronJob of cronjob.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { generate } from '../../generator/generate.js';
import { loadDataset } from '../../generator/load.js';
import { logLines, runCli } from '../harness/cli.js';
import { connect, dumpWritten, type Sql } from '../harness/db.js';
import type { PassReport } from '../../src/shell/report.js';
import { ROOT } from './global-setup.js';
import { createLegacyDatabase, dockerSkip, grantRoles, runImage } from './helpers.js';

const N = 4;
const END = Date.UTC(2026, 0, 10, 12, 0, 0) * 1000;
const NOW = '2026-01-10T13:00:00';
const DEVICES = 200; // half receipts, half dwr

type Doc = { kind: string; spec: Record<string, unknown> };
const docs = (file: string) => parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((d) => d.toJSON() as Doc).filter(Boolean);
const jobSpec = (d: Doc) => (d.spec.jobTemplate as { spec: Record<string, unknown> }).spec;
const podSpec = (d: Doc) => (jobSpec(d).template as { spec: { containers: Record<string, unknown>[]; securityContext: unknown } }).spec;

describe('docker/k8s/scale-out.yaml', () => {
  it(`runs N = ${N} pods per tick (parallelism = completions), each one pass with the CronJob's args and security settings`, () => {
    const [scaled] = docs('docker/k8s/scale-out.yaml');
    const receipts = docs('docker/k8s/cronjob.yaml').find((d) => (podSpec(d).containers[0]!.args as string[]).includes('receipts'))!;
    expect(scaled!.kind).toBe('CronJob');
    expect(scaled!.spec.concurrencyPolicy).toBe('Forbid');
    expect(jobSpec(scaled!)).toMatchObject({ parallelism: N, completions: N });
    const [mine, theirs] = [podSpec(scaled!), podSpec(receipts)];
    expect(mine.securityContext).toEqual(theirs.securityContext);
    expect(mine.containers[0]!.securityContext).toEqual(theirs.containers[0]!.securityContext);
    expect(mine.containers[0]!.args).toEqual(theirs.containers[0]!.args);
    expect(mine.containers[0]!.env).toEqual(theirs.containers[0]!.env);
  });
});

describe.skipIf(!!dockerSkip())(`${N} containers started together over one backlog`, () => {
  const dbs: { sql: Sql; drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const db of dbs) { await db.sql.end({ timeout: 2 }); await db.drop(); }
  });

  async function backlog() {
    const legacy = await createLegacyDatabase();
    const sql = connect(legacy.url);
    await loadDataset(sql, generate({ seed: 19, devices: DEVICES, hours: 24, end: END }));
    dbs.push({ sql, drop: () => legacy.drop() });
    expect((await runCli(['migrate'], { DATABASE_URL: legacy.url })).code).toBe(0);
    await grantRoles(legacy.url);
    return { url: legacy.url, sql };
  }

  it('process every device exactly once and leave the database as one pass does, both modes', async () => {
    const [one, many] = [await backlog(), await backlog()];
    const timings: string[] = [];
    for (const mode of ['receipts', 'dwr'] as const) {
      const args = ['--mode', mode, '--now', NOW, '--chunk-size', '5'];
      const single = await runImage(args, { DATABASE_URL: one.url });
      expect(single.code, single.stdout.slice(-1500) + single.stderr).toBe(0);
      const started = Date.now();
      const runs = await Promise.all(Array.from({ length: N }, () => runImage(args, { DATABASE_URL: many.url })));
      timings.push(`${mode}: one container ${single.ms} ms, ${N} together ${Date.now() - started} ms`);
      for (const r of runs) expect(r.code, r.stdout.slice(-1500) + r.stderr).toBe(0);
      const reports = runs.map((r) => logLines(r.stdout).find((l) => typeof l.report === 'object')!.report as PassReport);
      for (const rep of reports) {
        expect(rep.devices.failed).toBe(0);
        // each saw every device: processed by it, owned by another at the time, or already done
        expect(rep.devices.processed + rep.devices.idle + rep.devices.skippedOwnedElsewhere).toBe(DEVICES / 2);
      }
      expect(reports.reduce((n, rep) => n + rep.devices.processed, 0), `${mode}: each device processed exactly once`).toBe(DEVICES / 2);
      // no event linked into two tasks
      const [dupes] = await many.sql<{ n: number }[]>`
        select count(*)::int as n from (select t.device_id, e.table_name, e.event_id from task_to_event e join task t on t.id = e.task_id
        where e.table_name <> 'polycommissue' group by 1, 2, 3 having count(*) > 1) x`;
      expect(dupes!.n).toBe(0);
    }
    expect(await dumpWritten(many.sql)).toBe(await dumpWritten(one.sql));
    console.log(`scale-out (${DEVICES} devices x 24 h, containers on 2 cores): ${timings.join('; ')}`);
  }, 300_000);
});
