// auditDevice (issue 23) at the edges: what an earlier system or a person can
// leave in the tables (NULLs, unknown statuses, links to nowhere, analyzer
// issues out of place), each with the finding it must give, or none.
import { describe, expect, it } from 'vitest';
import { auditDevice, windowEdges } from '../../src/core/index.js';
import type { AuditInput, DeviceAudit, Micros, Settings } from '../../src/core/index.js';
import { A, D, DAY, I, LATE, R, S, W, settings, t } from './helpers.js';
import { brief, copy, written } from './audit-helpers.js';

const WHOLE_DAY = { from: DAY, to: DAY + 86_400 * S };
const audit = (a: AuditInput, s: Settings = settings(), now: Micros = LATE): DeviceAudit => auditDevice(a, s, now, WHOLE_DAY);
const wrapRow = (id: number, start: string, finish: string, over: Partial<AuditInput['wraps'][number]> = {}): AuditInput['wraps'][number] =>
  ({ ...(W(id, start, finish, 1).row as AuditInput['wraps'][number]), status: 1, csp: true, unpaid: false, toAccount: true, inTask: false, receiptId: null, ...over });

describe('rows and links as an earlier system left them', () => {
  it('a wrap without polycom_id and a link without event_id or ord: never a match, the link is extra', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.wraps.push(wrapRow(3, '05:00', '05:01', { polycomId: null, status: 0, csp: null, unpaid: null, toAccount: null, inTask: null }));
    a.links.push({ id: 700, taskId: 1, eventId: null, table: 'polycommalarm', ord: null, parentId: null });
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['link_extra 1 task_to_event 700 event null->null']);
    expect(r.findings[0]!.note).toBe('polycommalarm NULL: no such event of this device');
    expect(r.unresolvedLinks).toEqual([700]);
    expect(r.notCompared.pendingEvents).toBe(1);
  });

  it('a link whose table_name is NULL is extra; a row without a local time (R4) is not compared', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.links.push({ id: 701, taskId: 1, eventId: 5, table: null, ord: 3, parentId: null });
    a.alarms.push({ id: 9, local: null, moscow: null, status: 1 });
    expect(brief(audit(a).findings)).toEqual(['link_extra 1 task_to_event 701 event 3->null']);
  });

  it('a wrap with a status neither 0 nor 1 is a finding on its status, and its columns are compared too (R17)', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    Object.assign(a.wraps[0]!, { status: 2, inTask: false });
    expect(brief(audit(a).findings)).toEqual(['wrap_verdict 1 polycomm_suitcase 1 in_task false->true', 'wrap_verdict 1 polycomm_suitcase 1 status 2->1']);
    expect(audit(a).findings.find((f) => f.field === 'in_task')!.rule).toBe('R17');
  });

  it('a processed event with status NULL in no task: event_in_no_task, its status named', () => {
    const w = written(D(A(1, '01:00')), settings(), LATE);
    const a = copy(w.audit);
    a.alarms[0]!.status = null;
    a.links = [];
    a.tasks = [];
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['event_in_no_task - polycommalarm 1 task null->1']);
    expect(r.findings[0]!.note).toBe('processed (status NULL) but in no task; the rules put it in a task of type 1 that was never written');
  });
});

describe('events in two tasks, none of them the rules\' own', () => {
  it('a group without a stored task whose alarm two other tasks link: the first link extra, the second task the event\'s second', () => {
    const w = written(D(A(1, '01:00'), W(2, '02:00', '02:01', 1), R(3, '02:02', 1, 0), W(4, '03:00', '03:01', 1), R(5, '03:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    const [t1, t2, t3] = w.taskIds as [number, number, number];
    a.tasks = a.tasks.filter((x) => x.id !== t1);
    a.links = a.links.filter((l) => l.taskId !== t1);
    a.links.push({ id: 800, taskId: t2, eventId: 1, table: 'polycommalarm', ord: 9, parentId: null });
    a.links.push({ id: 801, taskId: t3, eventId: 1, table: 'polycommalarm', ord: 9, parentId: null });
    a.links.push({ id: 802, taskId: t3, eventId: 1, table: 'polycommalarm', ord: 10, parentId: null });
    const r = audit(a);
    expect(brief(r.findings)).toEqual([
      `event_in_two_tasks ${t3} polycommalarm 1 task [${t2},${t3}]->null`,
      `link_extra ${t2} task_to_event 800 event 9->null`,
      `link_extra ${t3} task_to_event 802 event 10->null`,
    ]);
    expect(r.findings.find((f) => f.kind === 'event_in_two_tasks')!.note).toBe(`linked by tasks ${t2}, ${t3}; the rules write its group as a task of its own (R8, R16)`);
  });
});

describe('tasks the rules do not give', () => {
  it('a task with no type and no group: task_without_type, rules NULL', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.tasks.push({ id: 60, deviceId: 7, type: null, date: null, localDate: t('06:00'), status: 1, resolved: false });
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['task_without_type 60 task 60 type null->null']);
    expect(r.findings[0]!.note).toBe('and the rules give no task of its own');
  });

  it('dwr: a task over a clean group that also links a wrap of a task group is not clean-only: its links are extra', () => {
    const input = D(W(1, '01:00', '01:01', 1), W(2, '02:00', '02:01', 1), A(3, '02:00:30'));
    const w = written(input, settings('dwr'), LATE);
    const a = copy(w.audit);
    a.tasks.push({ id: 50, deviceId: 7, type: 4, date: null, localDate: t('01:01'), status: 1, resolved: false });
    a.links.push({ id: 900, taskId: 50, eventId: 1001, table: 'polycomm_suitcase', ord: 1, parentId: null });
    a.links.push({ id: 901, taskId: 50, eventId: 1002, table: 'polycomm_suitcase', ord: 2, parentId: null });
    expect(brief(audit(a, settings('dwr')).findings)).toEqual([
      `event_in_two_tasks 50 polycomm_suitcase 2 task [${w.taskIds[0]},50]->${w.taskIds[0]}`,
      'link_extra 50 task_to_event 900 event 1->null',
    ]);
  });

  it('a task linking only an analyzer issue (R14): the issue is extra', () => {
    const w = written(D(W(1, '02:00', '02:01', 1), W(2, '02:03', '02:04', 1), R(3, '02:05', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.tasks.push({ id: 61, deviceId: 7, type: 4, date: null, localDate: t('06:00'), status: 1, resolved: false });
    a.links.push({ id: 910, taskId: 61, eventId: 9000, table: 'polycommissue', ord: 1, parentId: null });
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['analyzer_issue_extra 61 polycommissue 9000 type 7->null']);
    expect(r.findings[0]!.note).toBe("linked to a task that is not its group's");
  });
});

describe('links of a compared task outside the compared groups', () => {
  const base = () => written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0), A(3, '05:00'), W(4, '06:00', '06:01', 1), R(5, '06:02', 1, 0)), settings(), LATE);
  const period = { from: t('00:30'), to: t('02:00') };

  it('a task of the period linking events of other groups: those groups are compared, the links there are the events\' second tasks', () => {
    const w = base();
    const a = copy(w.audit);
    a.links.push({ id: 920, taskId: w.taskIds[0]!, eventId: 3, table: 'polycommalarm', ord: 3, parentId: null });
    a.links.push({ id: 921, taskId: w.taskIds[0]!, eventId: 1004, table: 'polycomm_suitcase', ord: 4, parentId: null });
    const r = auditDevice(a, settings(), LATE, period);
    expect(brief(r.findings)).toEqual([
      `event_in_two_tasks 1 polycomm_suitcase 4 task [1,${w.taskIds[2]}]->${w.taskIds[2]}`,
      `event_in_two_tasks 1 polycommalarm 3 task [1,${w.taskIds[1]}]->${w.taskIds[1]}`,
    ]);
    a.links = a.links.filter((l) => l.taskId === w.taskIds[0]);
    a.tasks = a.tasks.filter((x) => x.id === w.taskIds[0]);
    // the other tasks gone: the links are extra, and the processed receipt of the wrap's group is in no task
    expect(brief(auditDevice(a, settings(), LATE, period).findings)).toEqual(['event_in_no_task - receipts 5 task null->4', 'link_extra 1 task_to_event 920 event 3->null', 'link_extra 1 task_to_event 921 event 4->null']);
  });

  it('a task standing in a compared group only by rows past the period, linking a group beyond: the event\'s second task', () => {
    const input = D(W(1, '01:55', '01:56', 1), W(2, '02:00', '02:01', 1), W(3, '02:02', '02:03', 1), R(4, '02:04', 3, 0), A(5, '05:00'));
    const w = written(input, settings(), LATE);
    const a = copy(w.audit);
    const [owner, alarmTask] = w.taskIds as [number, number];
    a.tasks.push({ id: 70, deviceId: 7, type: 4, date: null, localDate: t('02:04'), status: 1, resolved: false });
    a.links.push({ id: 950, taskId: 70, eventId: 1002, table: 'polycomm_suitcase', ord: 1, parentId: null });
    a.links.push({ id: 951, taskId: 70, eventId: 1003, table: 'polycomm_suitcase', ord: 2, parentId: null });
    a.links.push({ id: 952, taskId: 70, eventId: 5, table: 'polycommalarm', ord: 3, parentId: null });
    const r = auditDevice(a, settings(), LATE, period);
    expect(brief(r.findings)).toEqual([
      `event_in_two_tasks 70 polycomm_suitcase 2 task [${owner},70]->${owner}`,
      `event_in_two_tasks 70 polycomm_suitcase 3 task [${owner},70]->${owner}`,
      `event_in_two_tasks 70 polycommalarm 5 task [${alarmTask},70]->${alarmTask}`,
    ]);
    expect(r.tasks).toBe(2);
    // the alarm's own task gone: task 70 stands for the alarm's group, which this period does not compare
    a.tasks = a.tasks.filter((x) => x.id !== alarmTask);
    a.links = a.links.filter((l) => l.taskId !== alarmTask);
    const again = auditDevice(a, settings(), LATE, period);
    expect(brief(again.findings)).toEqual(brief(r.findings).slice(0, 2));
    expect(again.tasks).toBe(1);
  });

  it('dwr: to a clean wrap outside the period: extra (R15); to a group still in progress (R9): nothing', () => {
    const input = D(W(1, '01:00', '01:01', 1), A(2, '01:00:30'), W(3, '05:00', '05:01', 1), W(4, '23:00', '23:01', 1), A(5, '23:00:30'));
    const now = t('23:05') - 2 * 3600 * S;
    const w = written(input, settings('dwr'), now);
    const a = copy(w.audit);
    a.links.push({ id: 930, taskId: w.taskIds[0]!, eventId: 1003, table: 'polycomm_suitcase', ord: 3, parentId: null });
    a.links.push({ id: 931, taskId: w.taskIds[0]!, eventId: 1004, table: 'polycomm_suitcase', ord: 4, parentId: null });
    const r = auditDevice(a, settings('dwr'), now, period);
    expect(brief(r.findings)).toEqual(['link_extra 1 task_to_event 930 event 3->null']);
    expect(r.findings[0]).toMatchObject({ rule: 'R15', local: t('05:00') });
  });
});

describe('order and analyzer issues under their wrap (R14, R16)', () => {
  // wrap 1 unpaid (issue 7, link 101 under link 100); wrap 2 paid, with a nested issue (link 103 under 102)
  const two = () => written(D(W(1, '02:00', '02:01', 1), W(2, '02:03', '02:04', 1), I(4, '02:03:30'), R(3, '02:05', 1, 0)), settings(), LATE);

  it('an analyzer issue hanging under another task\'s link, or under nothing: matched by its suitcase, its parent wrong', () => {
    const w = two();
    const a = copy(w.audit);
    const issueLink = a.links.find((l) => l.table === 'polycommissue' && l.eventId === 9000)!;
    issueLink.parentId = 5555;
    let r = audit(a);
    expect(brief(r.findings)).toEqual(['link_order 1 task_to_event 101 parent "link 5555"->"polycomm_suitcase 1"']);
    expect(r.findings[0]!.event).toEqual({ table: 'polycommissue', id: 9000 });
    issueLink.parentId = null;
    r = audit(a);
    expect(brief(r.findings)).toEqual(['link_order 1 task_to_event 101 parent null->"polycomm_suitcase 1"']);
  });

  it('an analyzer issue with no wrap to stand for, and one on a wrap that should have another type', () => {
    const w = two();
    const a = copy(w.audit);
    a.analyzerIssues[0]!.suitcase = null;
    a.links.find((l) => l.eventId === 9000)!.parentId = null;
    a.analyzerIssues.push({ id: 9100, type: 8, suitcase: 1001, total: 1, duration: 60, local: t('02:01'), moscow: null, status: 1 });
    a.links.push({ id: 940, taskId: 1, eventId: 9100, table: 'polycommissue', ord: 9, parentId: 100 });
    const r = audit(a);
    expect(brief(r.findings)).toEqual([
      'analyzer_issue_extra 1 polycommissue 9000 type 7->null',
      'analyzer_issue_extra 1 polycommissue 9100 type 8->7',
      'analyzer_issue_missing 1 polycommissue - type null->7',
    ]);
    expect(r.findings.map((f) => f.note)).toContain('names no wrap of this device');
    expect(r.findings.map((f) => f.note)).toContain('wrap 1 gets issue 7');
  });

  it('unlinked analyzer rows: on a wrap outside the compared groups or dated outside the period, not compared; dated in it with no wrap, extra', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0), W(3, '05:00', '05:01', 1), R(4, '05:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.analyzerIssues.push({ id: 9200, type: 7, suitcase: 1003, total: 1, duration: 60, local: t('05:01'), moscow: null, status: 0 });
    a.analyzerIssues.push({ id: 9201, type: 7, suitcase: null, total: 1, duration: 60, local: t('23:30'), moscow: null, status: 0 });
    a.analyzerIssues.push({ id: 9202, type: 7, suitcase: 424242, total: 1, duration: 60, local: t('01:30'), moscow: null, status: 0 });
    a.analyzerIssues.push({ id: 9203, type: 7, suitcase: null, total: 1, duration: 60, local: null, moscow: null, status: 0 });
    const r = auditDevice(a, settings(), LATE, { from: t('00:00'), to: t('02:00') });
    expect(brief(r.findings)).toEqual(['analyzer_issue_extra - polycommissue 9202 type 7->null']);
    expect(r.findings[0]!.local).toBe(t('01:30'));
  });

  it('links without an ord come last, and are out of order where the rules put them earlier', () => {
    const w = two();
    const a = copy(w.audit);
    a.links.find((l) => l.id === 100)!.ord = null;
    expect(brief(audit(a).findings)).toEqual(['link_order 1 task_to_event 100 ord null->1']);
  });
});

describe('windowEdges: issues occupy the timeline too; rows reaching past the needed span', () => {
  it('an issue within TIMEDELTA_CHECK of the needed rows keeps a side open', () => {
    const r = D(I(1, '10:05'), A(2, '10:00'), W(3, '09:59', '10:01', 1));
    expect(windowEdges(r, { from: t('10:00'), to: t('10:00') }, { from: t('09:50'), to: t('10:10') }, 420)).toEqual({ before: true, after: false });
    expect(windowEdges(r, { from: t('10:00'), to: t('10:00') }, { from: t('09:50'), to: t('10:13') }, 420)).toEqual({ before: true, after: true });
  });
});
