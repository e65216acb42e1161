// The demo's handcrafted scenarios (demo.ts): a few events each, on one
// device, whose outcome the rules fix: the tasks and analyzer issues each must
// give are part of the scenario (tests/generator/generate.test.ts checks them).
// Each plays from its own slot's Moscow second `s` (slots are 30 min apart, so
// no two scenarios fall into one group).

import type { DeviceWriter } from './device-writer.js';

export interface ScenarioScript {
  name: string;
  /** The expected task types (R11/R15), in order; [] = no task (clean dwr group or nothing analysed). */
  tasks: number[];
  /** The expected analyzer issue types (R14). */
  analyzerIssues: number[];
  /** Writes the scenario's events from Moscow second `s`. */
  play: (w: DeviceWriter, s: number) => void;
}

const script = (name: string, tasks: number[], analyzerIssues: number[], play: ScenarioScript['play']): ScenarioScript => ({
  name, tasks, analyzerIssues, play,
});

/** On the receipts device (local = Moscow + 2 h): every receipts task type (1-5) and analyzer issues 7, 8, 9. */
export const RECEIPTS_SCENARIOS: readonly ScenarioScript[] = [
  script('balanced: wrap and its receipt (example 1)', [4], [], (w, s) => {
    w.wrap(s, 90, 1);
    // devicecode with white space still matches (R2)
    w.receipt(s + 120, 1, 0, { devicecode: ` ${w.device.code} ` });
  }),
  script('unpaid earlier wrap (example 2)', [4], [7], (w, s) => {
    w.wrap(s, 60, 1);
    w.wrap(s + 180, 60, 1);
    w.receipt(s + 300, 1, 0);
  }),
  script('double wrap paid as single (example 3)', [5], [8], (w, s) => {
    w.wrap(s, 60, 2);
    w.receipt(s + 120, 1, 0);
  }),
  script('single wrap paid as double', [5], [9], (w, s) => {
    w.wrap(s, 60, 1);
    w.receipt(s + 120, 0, 1);
  }),
  script('receipt printed mid-wrap (example 4, R7)', [4], [], (w, s) => {
    w.wrap(s, 120, 1);
    w.receipt(s + 60, 1, 0);
  }),
  script('two receipts printed inside one wrap (R7 decision)', [4], [], (w, s) => {
    w.wrap(s, 90, 1);
    w.wrap(s + 120, 150, 1);
    w.receipt(s + 150, 1, 0);
    w.receipt(s + 180, 1, 0);
  }),
  script('receipt without wrap', [2], [], (w, s) => {
    w.receipt(s, 1, 0);
  }),
  script('receipt paying more than wrapped (type 2, receipt status 2)', [2], [], (w, s) => {
    w.wrap(s, 60, 1);
    w.receipt(s + 120, 2, 0);
  }),
  script('alarm then receipt, no wrap (type 3)', [3], [], (w, s) => {
    w.alarm(s, 1);
    w.receipt(s + 60, 1, 0);
  }),
  script('issue then receipt, no wrap (type 3)', [3], [], (w, s) => {
    w.issue(s, 1, null);
    w.receipt(s + 30, 0, 1);
  }),
  script('lone alarm (type 1)', [1], [], (w, s) => {
    w.alarm(s, 2);
  }),
  script('lone issue (type 1)', [1], [], (w, s) => {
    w.issue(s, 4, null);
  }),
  script('wrap with nested alarm, no receipt: unfit, unpaid, no issue (example 6)', [4], [], (w, s) => {
    w.wrap(s, 90, 1);
    w.alarm(s + 30, 3);
  }),
  script('wrap with nested issue, paid: balanced', [4], [], (w, s) => {
    const ref = w.wrap(s, 90, 2);
    w.issue(s + 45, 2, ref);
    w.receipt(s + 120, 0, 1);
  }),
  script('top-level alarm between wrap and receipt (type 5, balanced)', [5], [], (w, s) => {
    w.wrap(s, 60, 1);
    w.alarm(s + 90, 4);
    w.receipt(s + 120, 1, 0);
  }),
  script('receipt for 0/0 after a paid wrap (status 1)', [4], [], (w, s) => {
    w.wrap(s, 60, 1);
    w.receipt(s + 100, 1, 0);
    w.receipt(s + 110, 0, 0);
  }),
  script('lone receipt for 0/0', [2], [], (w, s) => {
    w.receipt(s, 0, 0);
  }),
  script('overlapping wraps, one receipt for both', [4], [], (w, s) => {
    w.wrap(s, 180, 1);
    w.wrap(s + 120, 120, 1);
    w.receipt(s + 300, 2, 0);
  }),
  script('untyped wrap (package_type NULL) paid (type 5, no issue 8/9)', [5], [], (w, s) => {
    w.wrap(s, 60, null);
    w.receipt(s + 120, 1, 0);
  }),
  script('untyped wrap (package_type 0) unpaid (issue 7)', [4], [7], (w, s) => {
    w.wrap(s, 60, 0);
  }),
  script('ties: alarm at the very second a wrap starts is not nested (R5 strict, R6 order)', [5], [], (w, s) => {
    w.wrap(s, 60, 1);
    w.alarm(s, 5);
    w.receipt(s + 90, 1, 0);
  }),
  script('zero-length wrap, paid', [4], [], (w, s) => {
    w.wrap(s, 0, 1);
    w.receipt(s + 30, 1, 0);
  }),
  script('cut by time: wrap, alarm 19 min later (example 7)', [4, 1], [7], (w, s) => {
    w.wrap(s, 60, 1);
    w.alarm(s + 60 + 19 * 60, 1);
  }),
  script('long wrap (600 s > TIMEDELTA_CHECK) is never split', [4], [], (w, s) => {
    w.wrap(s, 600, 1);
    w.receipt(s + 620, 1, 0);
  }),
  script('receipt first, then a wrap and its receipt (example 5)', [2, 4], [], (w, s) => {
    w.receipt(s, 1, 0);
    w.wrap(s + 60, 60, 1);
    w.receipt(s + 180, 1, 0);
  }),
  script('NULL Moscow times (R3): local time used instead', [4], [], (w, s) => {
    w.wrap(s, 90, 1, { nullMoscow: true });
    w.receipt(s + 120, 1, 0, { nullMoscow: true });
  }),
  script('NULL Moscow time on a lone alarm (R3)', [1], [], (w, s) => {
    w.alarm(s, 2, { nullMoscow: true });
  }),
  script('invalid rows (R4): left pending, reported', [], [], (w, s) => {
    w.wrap(s, 60, 1, { nullLocal: true });
    w.wrap(s + 120, 60, 1, { finishBeforeStart: true });
    w.receipt(s + 240, null, 0);
    w.receipt(s + 300, 1, -1);
    w.alarm(s + 360, 1, { nullLocal: true });
    w.issue(s + 420, 1, null, { nullLocal: true });
  }),
  script('a pending row with id 22222222 in polycommissue is never read (R2)', [], [], (w, s) => {
    w.issue(s, 7, null, { id: 22222222 });
  }),
  script('receipt with a junk devicecode belongs to no device', [], [], (w, s) => {
    w.receipt(s, 1, 0, { devicecode: `x${w.device.code}` });
  }),
];

/** On the dwr device (local = Moscow + 5 h): every dwr task type (1, 4, 5) and the clean groups; dwr raises no analyzer issues. */
export const DWR_SCENARIOS: readonly ScenarioScript[] = [
  script('clean wrap: no task, marked processed', [], [], (w, s) => {
    w.wrap(s, 90, 1);
  }),
  script('lone alarm (type 1)', [1], [], (w, s) => {
    w.alarm(s, 1);
  }),
  script('lone issue (type 1)', [1], [], (w, s) => {
    w.issue(s, 3, null);
  }),
  script('wrap with nested alarm (type 4, unfit)', [4], [], (w, s) => {
    w.wrap(s, 90, 1);
    w.alarm(s + 30, 2);
  }),
  script('wrap with nested issue (type 4, unfit)', [4], [], (w, s) => {
    const ref = w.wrap(s, 90, 2);
    w.issue(s + 40, 1, ref);
  }),
  script('wrap then a top-level alarm (type 5)', [5], [], (w, s) => {
    w.wrap(s, 60, 1);
    w.alarm(s + 120, 3);
  }),
  script('wrap then a top-level issue (type 5)', [5], [], (w, s) => {
    w.wrap(s, 60, 2);
    w.issue(s + 90, 2, null);
  }),
  script('overlapping wraps, one untyped: clean, no task', [], [], (w, s) => {
    w.wrap(s, 120, null);
    w.wrap(s + 60, 120, 1);
  }),
  script('NULL Moscow time on a wrap with a nested alarm (R3)', [4], [], (w, s) => {
    w.wrap(s, 90, 1, { nullMoscow: true });
    w.alarm(s + 45, 5);
  }),
  script('invalid rows (R4): left pending, reported', [], [], (w, s) => {
    w.wrap(s, 60, 1, { nullLocal: true });
    w.wrap(s + 120, 60, 1, { finishBeforeStart: true });
    w.alarm(s + 240, 1, { nullLocal: true });
  }),
  script('a pending row with id 22222222 in polycommissue is never read (R2)', [], [], (w, s) => {
    w.issue(s, 8, null, { id: 22222222 });
  }),
];
