// The benchmark (issue 7) runs end to end on a tiny backlog so it never rots:
// generate, COPY, VACUUM, template copies, the real CLI (single and two passes
// together), the SQL floor, the written-data digest, the audit of the period.
// No timing assertion.
import { randomBytes } from 'node:crypto';
import { expect, inject, it } from 'vitest';
import { runBench } from '../../bench/run.js';
import { applyGrants, asRole, rolesFor } from '../harness/roles.js';

it('bench: 20 devices x 6 h, both modes, one repeat and two passes together, completes with finite figures', async () => {
  const { entries } = await runBench({
    modes: ['receipts', 'dwr'],
    devices: 20,
    hours: 6,
    repeat: 1,
    concurrent: 2,
    audit: true,
    serverUrl: inject('serverUrl'),
    databasePrefix: `${inject('databasePrefix')}bench${randomBytes(3).toString('hex')}_`,
    command: 'tests/pass/bench-smoke.test.ts',
    // the passes as the least-privileged role, like every integration test's (tests/harness/roles.ts)
    passRole: {
      prepare: (templateUrl) => applyGrants(templateUrl, rolesFor(inject('databasePrefix'))),
      url: (url) => asRole(url, rolesFor(inject('databasePrefix')).pass),
    },
    log: () => undefined,
  });
  expect(entries.map((e) => e.key)).toEqual(['receipts-20x6h-x2', 'dwr-20x6h-x2']);
  for (const e of entries) {
    const [pass] = e.passes;
    expect(e.pending.total).toBeGreaterThan(0);
    expect(Number.isFinite(e.median.ratio) && e.median.ratio > 0).toBe(true);
    expect(pass!.devices.failed).toBe(0);
    expect(pass!.devices.processed + pass!.devices.idle).toBe(pass!.devices.ready);
    expect(pass!.devices.processed).toBeGreaterThan(0);
    expect(pass!.rowsInserted.task).toBeGreaterThan(0);
    expect(pass!.rowsInserted.task_to_event).toBeGreaterThan(0);
    expect(pass!.rowsUpdated.polycomm_suitcase).toBeGreaterThan(0);
    expect(pass!.maxRssKb).toBeGreaterThan(0);
    // the floor wrote exactly as much as the pass
    const [floor] = e.floors;
    expect(floor!.inserted).toEqual(pass!.rowsInserted);
    expect(floor!.updated).toEqual(pass!.rowsUpdated);
    // two passes together: every device taken by one of them, the data the same as one pass
    const [run] = e.concurrent!.runs;
    expect(run!.processedSum + run!.idleSum).toBeGreaterThanOrEqual(run!.ready);
    expect(run!.sameDataAsOnePass).toBe(true);
    // the audit of the period (issue 23) on the database the pass wrote: nothing differs from the rules
    const [audit] = e.audits!;
    expect(audit!.tasks).toBe(pass!.rowsInserted.task);
    expect(audit!.findings).toBe(0);
    expect(audit!.wallMs).toBeGreaterThan(0);
  }
}, 30_000);
