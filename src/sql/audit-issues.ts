// audit (issue 23): every polycommissue row of a chunk of devices in each
// device's window, processed or not: device issues, and the analyzer's own
// rows (id 22222222, R14) apart, with their columns (never device issues, R2).
// Packed (packed-rows.ts).
import type { Sql } from '../infra/db.js';
import { ANALYZER_ISSUE_MARKER } from '../core/index.js';
import type { AuditPoint, StoredAnalyzerIssue } from '../core/index.js';
import { unpack } from './packed-rows.js';
import type { WindowArrays } from './audit-windows.js';

export interface WindowIssues {
  issues: (AuditPoint & { deviceId: number })[];
  analyzerIssues: (StoredAnalyzerIssue & { deviceId: number })[];
}

export async function auditIssues(sql: Sql, w: WindowArrays): Promise<WindowIssues> {
  const parts = await sql<{ packed: string }[]>`
    select string_agg(concat(i.polycommissue_id, ',', i.device, ',', (i.id is not distinct from ${ANALYZER_ISSUE_MARKER})::int, ',',
                             trunc(extract(epoch from i.localdate) * 1000000), ',',
                             trunc(extract(epoch from i.date) * 1000000), ',', i.status, ',',
                             i.type, ',', i.suitcase, ',', i.total, ',', i.duration), ';') as packed
    from unnest(${w.devices}::int[], ${w.from}::timestamp[], ${w.to}::timestamp[]) as w(device, lo, hi)
    join polycommissue i on i.device = w.device and i.localdate between w.lo and w.hi
    where i.device = any(${w.devices}::int[]) and i.localdate between ${w.lowest}::timestamp and ${w.highest}::timestamp
    group by i.polycommissue_id / 65536`;
  const out: WindowIssues = { issues: [], analyzerIssues: [] };
  unpack(parts, 'polycommissue', (row) => {
    const id = row.id();
    const deviceId = row.id();
    const analyzer = row.number() === 1;
    const local = row.number();
    const moscow = row.number();
    const status = row.number();
    const type = row.number();
    const suitcase = row.bigint();
    const total = row.number();
    const duration = row.number();
    if (analyzer) out.analyzerIssues.push({ id, deviceId, type, suitcase, total, duration, local, moscow, status });
    else out.issues.push({ id, deviceId, local, moscow, status });
    return null;
  });
  return out;
}
