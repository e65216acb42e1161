// auditDevice (issue 23): stored tasks, links and written columns set beside
// what the core gives for the same events, rule by rule, with the fixed
// vocabulary of findings; one fact, one finding.
import { describe, expect, it } from 'vitest';
import { auditDevice, outOfOrder } from '../../src/core/index.js';
import type { AuditInput, DeviceAudit, DeviceInput, Micros, Settings } from '../../src/core/index.js';
import { A, D, DAY, I, LATE, R, S, W, settings, t, type Item } from './helpers.js';
import { brief, copy, written } from './audit-helpers.js';

const WHOLE_DAY = { from: DAY, to: DAY + 86_400 * S };

function audit(a: AuditInput, s: Settings = settings(), now: Micros = LATE, period = WHOLE_DAY): DeviceAudit {
  return auditDevice(a, s, now, period);
}

// The seven worked examples of docs/rules.md on one device, an hour apart.
const examples = (): Item[] => [
  W(1, '01:00:00', '01:01:30', 1), R(2, '01:02:00', 1, 0), // 1: balanced, type 4
  W(3, '02:00', '02:01', 1), W(4, '02:03', '02:04', 1), R(5, '02:05', 1, 0), // 2: issue 7 on wrap 3
  W(6, '03:00', '03:01', 2), R(7, '03:02', 1, 0), // 3: type 5, issue 8
  W(8, '04:00:00', '04:02:00', 1), R(9, '04:01:00', 1, 0), // 4: R7
  R(10, '05:00', 1, 0), W(11, '05:01', '05:02', 1), R(12, '05:03', 1, 0), // 5: two tasks
  W(13, '06:00', '06:01', 1), A(14, '06:00:30'), // 6: nested alarm
  W(15, '07:00', '07:01', 1), A(16, '07:20'), // 7: two tasks by time
];

describe('a history written by the rules agrees', () => {
  it('the worked examples (section 7): 9 tasks, all agree, no finding', () => {
    const w = written(D(...examples()), settings(), LATE);
    const r = audit(w.audit);
    expect(r.findings).toEqual([]);
    expect(r.tasks).toBe(9);
    expect(r.agree).toBe(9);
    expect(r.resolvedByStaff).toEqual([]);
    expect(r.need).toEqual({ from: t('01:00'), to: t('07:20') });
  });

  it('dwr: anomalous groups are tasks, clean groups are processed wraps with no task (R15)', () => {
    const input = D(W(1, '01:00', '01:01', 1), W(2, '02:00', '02:01', 1), A(3, '02:00:30'), I(4, '03:00'), W(5, '04:00', '04:01', 2));
    const w = written(input, settings('dwr'), LATE);
    const r = audit(w.audit, settings('dwr'));
    expect(r.findings).toEqual([]);
    expect(r.tasks).toBe(2);
  });
});

describe('hand edits: exactly one finding each, with the rule', () => {
  const base = () => written(D(...examples()), settings(), LATE);

  it("a wrap's unpaid flipped: wrap_verdict unpaid (R13)", () => {
    const w = base();
    const a = copy(w.audit);
    a.wraps.find((x) => x.id === 3)!.unpaid = false;
    const r = audit(a);
    expect(brief(r.findings)).toEqual([`wrap_verdict ${w.taskIds[1]} polycomm_suitcase 3 unpaid false->true`]);
    expect(r.findings[0]).toMatchObject({ rule: 'R13', local: t('02:05'), deviceId: 7 });
    expect(r.agree).toBe(8);
  });

  it("a task's type changed: task_type (R11); set to NULL: task_without_type only", () => {
    const w = base();
    const a = copy(w.audit);
    a.tasks[2]!.type = 4;
    a.tasks[3]!.type = null;
    expect(brief(audit(a).findings)).toEqual([`task_type ${w.taskIds[2]} task ${w.taskIds[2]} type 4->5`, `task_without_type ${w.taskIds[3]} task ${w.taskIds[3]} type null->4`]);
  });

  it("a receipt's status changed, to 2 or to 0: receipt_status (R12)", () => {
    const a = copy(base().audit);
    a.receipts.find((x) => x.id === 2)!.status = 2;
    a.receipts.find((x) => x.id === 5)!.status = 0;
    expect(brief(audit(a).findings)).toEqual(['receipt_status 1 receipts 2 status 2->1', 'receipt_status 2 receipts 5 status 0->1']);
  });

  it('resolved set true where the rules give false is the staff at work: apart, not a finding; the other way is task_resolved (R16)', () => {
    const w = base();
    const a = copy(w.audit);
    a.tasks[1]!.resolved = true; // example 2: broken
    a.tasks[0]!.resolved = false; // example 1: balanced
    const r = audit(a);
    expect(brief(r.findings)).toEqual([`task_resolved ${w.taskIds[0]} task ${w.taskIds[0]} resolved false->true`]);
    expect(r.resolvedByStaff).toEqual([{ taskId: w.taskIds[1], local: t('02:05') }]);
    expect(r.agree).toBe(8);
  });

  it('a processed wrap with no task, alone: event_in_no_task, no task id (R16/R17)', () => {
    const w = base();
    const a = copy(w.audit);
    a.wraps.push({ ...W(99, '09:00', '09:01', 1).row as DeviceInput['wraps'][number], status: 1, csp: null, unpaid: null, toAccount: null, inTask: null, receiptId: null });
    expect(brief(audit(a).findings)).toEqual(['event_in_no_task - polycomm_suitcase 99 task null->4']);
  });

  it('a processed event whose link was deleted: event_in_no_task on its group\'s task; later ords are compared relatively', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), A(2, '01:00:30'), R(3, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.links = a.links.filter((l) => !(l.table === 'polycommalarm' && l.eventId === 2));
    expect(brief(audit(a).findings)).toEqual(['event_in_no_task 1 polycommalarm 2 task null->4']);
  });

  it('a pending event in a stored task\'s group, linked nowhere (late ingestion): link_missing (R16)', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(3, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.alarms.push({ id: 8, local: t('01:01:30'), moscow: t('01:01:30') - 2 * 3600 * S, status: 0 });
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['link_missing 1 task_to_event - event null->2', 'task_type 1 task 1 type 4->5']);
  });
});

describe('where an event stands (R16)', () => {
  it('an alarm linked by two tasks: event_in_two_tasks on the task the rules do not give it to', () => {
    const w = written(D(A(1, '01:00'), W(2, '02:00', '02:01', 1)), settings(), LATE);
    const a = copy(w.audit);
    a.links.push({ id: 500, taskId: w.taskIds[1]!, eventId: 1, table: 'polycommalarm', ord: 9, parentId: null });
    const r = audit(a);
    expect(brief(r.findings)).toEqual([`event_in_two_tasks ${w.taskIds[1]} polycommalarm 1 task [1,2]->1`]);
    expect(r.agree).toBe(1);
  });

  it('an alarm linked twice by one task: link_extra on the second link', () => {
    const w = written(D(A(1, '01:00')), settings(), LATE);
    const a = copy(w.audit);
    a.links.push({ id: 500, taskId: 1, eventId: 1, table: 'polycommalarm', ord: 2, parentId: null });
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['link_extra 1 task_to_event 500 event 2->null']);
    expect(r.findings[0]!.event).toEqual({ table: 'polycommalarm', id: 1 });
  });

  it('one group written as two tasks: the second task\'s links are extra, the first lacks them', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), W(2, '01:02', '01:03', 1), R(3, '01:04', 2, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.tasks.push({ id: 77, deviceId: 7, type: 4, date: null, localDate: t('01:04'), status: 1, resolved: true });
    const moved = a.links.find((l) => l.table === 'receipts')!;
    moved.taskId = 77;
    moved.ord = 1;
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['link_extra 77 task_to_event 102 event 1->null', 'link_missing 1 task_to_event - event null->3']);
    expect(r.tasks).toBe(2);
  });

  it('a task linking an event the rules put in another group: link_extra', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0), A(3, '03:00')), settings(), LATE);
    const a = copy(w.audit);
    const alarmLink = a.links.find((l) => l.table === 'polycommalarm')!;
    a.links.push({ ...alarmLink, id: 600, taskId: 1, ord: 3 });
    a.links = a.links.filter((l) => l !== alarmLink);
    a.tasks = a.tasks.filter((x) => x.id !== alarmLink.taskId);
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['link_extra 1 task_to_event 600 event 3->null']);
  });

  it('a link to nothing: link_extra, and the shell is asked to look it up', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.links.push({ id: 700, taskId: 1, eventId: 4242, table: 'polycommalarm', ord: 3, parentId: null });
    a.links.push({ id: 701, taskId: 1, eventId: 1, table: 'nonsense', ord: 4, parentId: null });
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['link_extra 1 task_to_event 700 event 3->null', 'link_extra 1 task_to_event 701 event 4->null']);
    expect(r.unresolvedLinks).toEqual([700]);
    // the shell found it without a local time (R4): not a finding
    expect(audit({ ...a, invalidLinks: new Set([700]) }).findings).toHaveLength(1);
  });

  it('a task linking no event at all: task_type, the rules give none', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.tasks.push({ id: 88, deviceId: 7, type: 1, date: null, localDate: t('05:00'), status: 1, resolved: true });
    expect(brief(audit(a).findings)).toEqual(['task_type 88 task 88 type 1->null']);
  });

  it('a pending alarm still linked: link_extra on its status (R17); a pending wrap: wrap_verdict status only', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), A(2, '01:00:30'), A(3, '01:03')), settings(), LATE);
    const a = copy(w.audit);
    a.alarms.find((x) => x.id === 3)!.status = 0;
    Object.assign(a.wraps.find((x) => x.id === 1)!, { status: 0, csp: null, unpaid: null, toAccount: null, inTask: null });
    expect(brief(audit(a).findings)).toEqual(['link_extra 1 task_to_event 102 status 0->1', 'wrap_verdict 1 polycomm_suitcase 1 status 0->1']);
  });
});

describe('order and parents (R16)', () => {
  const nested = () => written(D(W(1, '01:00', '01:01', 1), A(2, '01:00:20'), I(3, '01:00:40'), R(4, '01:02', 1, 0)), settings(), LATE);

  it('two ords swapped: link_order on both', () => {
    const a = copy(nested().audit);
    a.links[1]!.ord = 3;
    a.links[2]!.ord = 2;
    expect(brief(audit(a).findings)).toEqual(['link_order 1 task_to_event 101 ord 3->2', 'link_order 1 task_to_event 102 ord 2->3']);
  });

  it('a nested alarm without its parent: link_order parent', () => {
    const a = copy(nested().audit);
    a.links[1]!.parentId = null;
    expect(brief(audit(a).findings)).toEqual(['link_order 1 task_to_event 101 parent null->"polycomm_suitcase 1"']);
  });

  it('a missing link shifts the ords after it: only the relative order counts then', () => {
    const a = copy(nested().audit);
    a.links = a.links.filter((l) => l.id !== 101);
    a.alarms.find((x) => x.id === 2)!.status = 0;
    expect(brief(audit(a).findings)).toEqual(['link_missing 1 task_to_event - event null->2']);
  });

  it('outOfOrder: the fewest positions off one longest increasing run', () => {
    expect(outOfOrder([])).toEqual([]);
    expect(outOfOrder([0, 1, 2])).toEqual([false, false, false]);
    expect(outOfOrder([2, 0, 1])).toEqual([true, false, false]);
    expect(outOfOrder([0, 2, 1, 3]).filter(Boolean)).toHaveLength(1);
    expect(outOfOrder([3, 0, 1, 2, 4])).toEqual([true, false, false, false, false]);
  });
});

describe('analyzer issues (R13, R14)', () => {
  const two = () => written(D(W(1, '02:00', '02:01', 1), W(2, '02:03', '02:04', 1), R(3, '02:05', 1, 0)), settings(), LATE);

  it('deleted: analyzer_issue_missing on the wrap; an unlinked row of that type is named, not reported again', () => {
    const w = two();
    const a = copy(w.audit);
    a.links = a.links.filter((l) => !(l.table === 'polycommissue'));
    const r = audit(a);
    expect(brief(r.findings)).toEqual(['analyzer_issue_missing 1 polycommissue - type null->7']);
    expect(r.findings[0]!.note).toBe('analyzer issue row 9000 of that type exists on the wrap but no task links it');
    expect(r.findings[0]!.event).toEqual({ table: 'polycomm_suitcase', id: 1 });
    a.analyzerIssues = [];
    expect(audit(a).findings[0]!.note).toBe('');
  });

  it('type changed: the stored one is extra, the rules\' one missing', () => {
    const a = copy(two().audit);
    a.analyzerIssues[0]!.type = 8;
    expect(brief(audit(a).findings)).toEqual(['analyzer_issue_extra 1 polycommissue 9000 type 8->7', 'analyzer_issue_missing 1 polycommissue - type null->7']);
  });

  it('added on a paid wrap: analyzer_issue_extra; an unlinked one on a compared wrap too', () => {
    const w = two();
    const a = copy(w.audit);
    a.analyzerIssues.push({ id: 9100, type: 7, suitcase: 1002, total: 5002, duration: 60, local: t('02:04'), moscow: null, status: 1 });
    a.links.push({ id: 800, taskId: 1, eventId: 9100, table: 'polycommissue', ord: 6, parentId: a.links.find((l) => l.eventId === 1002)!.id });
    a.analyzerIssues.push({ id: 9101, type: 9, suitcase: 1001, total: 5001, duration: 60, local: t('02:01'), moscow: null, status: 0 });
    expect(brief(audit(a).findings)).toEqual(['analyzer_issue_extra - polycommissue 9101 type 9->null', 'analyzer_issue_extra 1 polycommissue 9100 type 7->null']);
  });
});

describe('wrap verdict columns (R13, R15, R17)', () => {
  it('receipt_id is compared where it is recorded; NULL (rows an earlier system wrote) is not', () => {
    const w = written(D(...examples()), settings(), LATE);
    const a = copy(w.audit);
    a.wraps.find((x) => x.id === 1)!.receiptId = null;
    a.wraps.find((x) => x.id === 4)!.receiptId = 12;
    expect(brief(audit(a).findings)).toEqual(['wrap_verdict 2 polycomm_suitcase 4 receipt_id 12->5']);
  });

  it('dwr: a clean wrap\'s columns edited: wrap_verdict without a task; a task over a clean group: task_type, no task', () => {
    const input = D(W(1, '01:00', '01:01', 1), W(2, '02:00', '02:01', 1));
    const w = written(input, settings('dwr'), LATE);
    const a = copy(w.audit);
    a.wraps.find((x) => x.id === 1)!.unpaid = true;
    a.tasks.push({ id: 50, deviceId: 7, type: 4, date: null, localDate: t('02:01'), status: 1, resolved: false });
    a.links.push({ id: 900, taskId: 50, eventId: 1002, table: 'polycomm_suitcase', ord: 1, parentId: null });
    a.links.push({ id: 901, taskId: 50, eventId: 1, table: 'receipts', ord: 2, parentId: null });
    expect(brief(audit(a, settings('dwr')).findings)).toEqual([
      'link_extra 50 task_to_event 901 event 2->null',
      'task_type 50 task 50 type 4->null',
      'wrap_verdict - polycomm_suitcase 1 unpaid true->false',
    ]);
  });
});

describe('not findings: groups in progress (R9), invalid rows (R4), the backlog', () => {
  it('a written task whose group the rules still defer is not compared', () => {
    const items = [W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)];
    const w = written(D(...items), settings(), LATE);
    const r = audit(w.audit, settings(), t('01:02') - 2 * 3600 * S + 60 * S); // 60 s after the receipt, Moscow
    expect(r.findings).toEqual([]);
    expect(r.tasks).toBe(0);
    expect(r.notCompared).toMatchObject({ tasks: 1, inProgressEvents: 2 });
  });

  it('a link to a row the rules leave out (R4) is no finding; pending groups are the backlog', () => {
    const w = written(D(W(1, '01:00', '01:01', 1), R(2, '01:02', 1, 0)), settings(), LATE);
    const a = copy(w.audit);
    a.receipts.push({ id: 3, local: t('01:01:50'), moscow: null, single: null, double: 0, status: 1 });
    a.links.push({ id: 950, taskId: 1, eventId: 3, table: 'receipts', ord: 3, parentId: null });
    a.wraps.push({ ...(W(4, '05:00', '05:01', 1).row as DeviceInput['wraps'][number]), status: 0, csp: null, unpaid: null, toAccount: null, inTask: null, receiptId: null });
    const r = audit(a);
    expect(r.findings).toEqual([]);
    expect(r.notCompared).toMatchObject({ invalidEvents: 1, pendingEvents: 1 });
  });
});

describe('the period', () => {
  it('rows outside it and their tasks are not compared; a group reaching into it is compared whole', () => {
    const w = written(D(...examples()), settings(), LATE);
    const a = copy(w.audit);
    a.wraps.find((x) => x.id === 13)!.csp = true; // 06:00, outside
    a.wraps.find((x) => x.id === 8)!.unpaid = true; // 04:00 - 04:02, its group straddles 04:01
    const r = audit(a, settings(), LATE, { from: t('04:01'), to: t('05:00') });
    expect(brief(r.findings)).toEqual([`wrap_verdict ${w.taskIds[3]} polycomm_suitcase 8 unpaid true->false`]);
    expect(r.tasks).toBe(1);
    expect(r.need).toEqual({ from: t('04:00'), to: t('04:02') });
  });

  it('a task dated in the period whose events lie before it is compared', () => {
    const w = written(D(...examples()), settings(), LATE);
    const a = copy(w.audit);
    a.tasks[0]!.localDate = t('10:00');
    a.tasks[0]!.type = 3;
    const r = audit(a, settings(), LATE, { from: t('09:00'), to: t('11:00') });
    expect(brief(r.findings)).toEqual([`task_type ${w.taskIds[0]} task ${w.taskIds[0]} type 3->4`]);
  });
});
