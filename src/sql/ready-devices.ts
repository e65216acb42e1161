// R1: every distinct ready (devicecode, kind) with the device it matches, if any.
// analyzer_code_to_int never fails on junk, so junk can never fail the pass.
import type { Sql } from '../infra/db.js';
import type { ReadyCodeRow } from '../core/index.js';

export async function selectReadyCodes(sql: Sql): Promise<ReadyCodeRow[]> {
  const rows = await sql<{ devicecode: string | null; kind: number; device_id: number | null; code_int: number | null; title: string | null }[]>`
    select t.devicecode, t.status_type_device as kind, t.code_int, d.id as device_id, d.title
    from (
      select distinct devicecode, status_type_device, analyzer_code_to_int(devicecode) as code_int
      from timestamps
      where ready and status_type_device in (1, 2)
    ) t
    left join polycomm_device d on d.code = t.code_int
    order by t.status_type_device, t.devicecode
  `;
  return rows.map((r) => ({
    devicecode: r.devicecode,
    kind: r.kind === 1 ? 'receipts' : 'dwr',
    deviceId: r.device_id,
    codeInt: r.code_int,
    title: r.title,
  }));
}
