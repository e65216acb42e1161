// explain --task: the analyzer issue rows (R14: polycommissue.id = 22222222) linked to a task.
import type { Sql } from '../infra/db.js';
import type { StoredAnalyzerIssue } from '../core/index.js';
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';

export async function taskAnalyzerIssues(sql: Sql, taskId: number): Promise<StoredAnalyzerIssue[]> {
  return sql<StoredAnalyzerIssue[]>`
    select i.polycommissue_id as id, i.type, i.suitcase, i.total, i.duration,
           trunc(extract(epoch from i.localdate) * 1000000)::float8 as local,
           trunc(extract(epoch from i.date) * 1000000)::float8 as moscow,
           i.status
    from task_to_event e
    join polycommissue i on i.polycommissue_id = e.event_id and i.id = ${ANALYZER_ISSUE_MARKER}
    where e.task_id = ${taskId} and e.table_name = 'polycommissue'
    order by e.ord, i.polycommissue_id`;
}
