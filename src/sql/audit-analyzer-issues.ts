// audit (issue 23): analyzer issue rows (R14: polycommissue.id = 22222222)
// by primary key: those the loaded tasks link that the window did not hold.
import type { Sql } from '../infra/db.js';
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { StoredAnalyzerIssue } from '../core/index.js';
import { numberArray } from './array-literal.js';

export async function auditAnalyzerIssues(sql: Sql, ids: readonly number[]): Promise<StoredAnalyzerIssue[]> {
  return sql<StoredAnalyzerIssue[]>`
    select polycommissue_id as id, type, suitcase, total, duration,
           trunc(extract(epoch from localdate) * 1000000)::float8 as local,
           trunc(extract(epoch from date) * 1000000)::float8 as moscow,
           status
    from polycommissue
    where polycommissue_id = any(${numberArray(ids)}::int8[]) and id = ${ANALYZER_ISSUE_MARKER}`;
}
