// What a pass writes for a device (R16, R17), as the audit reads it back: the
// tasks of the core's plan with ids, their task_to_event rows (ord, parent),
// the analyzer issues (R14) and every row's written columns. Tests edit the
// result by hand, as an operator or an earlier system would have.
import { analyzeDevice } from '../../src/core/index.js';
import type { AuditInput, AuditLink, DeviceInput, DevicePlan, Micros, Settings, StoredAnalyzerIssue, StoredTask } from '../../src/core/index.js';

export interface Written {
  audit: AuditInput;
  plan: DevicePlan;
  /** task ids in plan order */
  taskIds: number[];
}

export interface Ids {
  task: number;
  link: number;
  issue: number;
}

export function written(input: DeviceInput, settings: Settings, now: Micros, ids: Ids = { task: 1, link: 100, issue: 9000 }): Written {
  const plan = analyzeDevice(input, settings, now);
  const tasks: StoredTask[] = [];
  const links: AuditLink[] = [];
  const analyzerIssues: StoredAnalyzerIssue[] = [];
  const taskIds: number[] = [];
  for (const task of plan.tasks) {
    const taskId = ids.task++;
    taskIds.push(taskId);
    tasks.push({ id: taskId, deviceId: input.deviceId, type: task.type, date: task.date, localDate: task.localDate, status: 1, resolved: task.resolved });
    const linkIds: number[] = [];
    task.events.forEach((ev, i) => {
      const id = ids.link++;
      linkIds.push(id);
      const parentId = ev.parent === null ? null : linkIds[ev.parent]!;
      let eventId: number | null;
      if ('analyzerIssue' in ev) {
        const a = ev.analyzerIssue;
        eventId = ids.issue++;
        analyzerIssues.push({ id: eventId, type: a.type, suitcase: a.suitcase, total: a.total, duration: a.duration, local: a.local, moscow: a.moscow, status: 1 });
      } else {
        eventId = ev.eventId;
      }
      links.push({ id, taskId, eventId, table: ev.table, ord: i + 1, parentId });
    });
  }
  const wrapUpdates = new Map(plan.wrapUpdates.map((u) => [u.id, u]));
  const receiptUpdates = new Map(plan.receiptUpdates.map((u) => [u.id, u.status]));
  const alarms = new Set(plan.alarmIds);
  const issues = new Set(plan.issueIds);
  return {
    plan,
    taskIds,
    audit: {
      deviceId: input.deviceId,
      wraps: input.wraps.map((w) => {
        const u = wrapUpdates.get(w.id);
        return { ...w, status: u ? 1 : 0, csp: u?.csp ?? null, unpaid: u?.unpaid ?? null, toAccount: u?.toAccount ?? null, inTask: u?.inTask ?? null, receiptId: u?.receiptId ?? null };
      }),
      alarms: input.alarms.map((a) => ({ ...a, status: alarms.has(a.id) ? 1 : 0 })),
      issues: input.issues.map((i) => ({ ...i, status: issues.has(i.id) ? 1 : 0 })),
      receipts: input.receipts.map((r) => ({ ...r, status: receiptUpdates.get(r.id) ?? 0 })),
      analyzerIssues,
      tasks,
      links,
    },
  };
}

/** A deep copy to edit. */
export const copy = (a: AuditInput): AuditInput => structuredClone(a);

/** 'kind task table id field stored->rules' lines, sorted, for exact comparisons. */
export function brief(findings: { kind: string; taskId: number | null; table: string; id: number | null; field: string; stored: unknown; rules: unknown }[]): string[] {
  return findings.map((f) => `${f.kind} ${f.taskId ?? '-'} ${f.table} ${f.id ?? '-'} ${f.field} ${JSON.stringify(f.stored)}->${JSON.stringify(f.rules)}`).sort();
}
