// R2: the pending rows of a set of devices, one query per table, grouped into
// one DeviceInput per device for the core.
import type { ReadyDevice, DeviceInput, Mode } from '../core/index.js';
import type { Sql } from '../infra/db.js';
import { loadPendingAlarms } from '../sql/load-alarms.js';
import { loadPendingIssues } from '../sql/load-issues.js';
import { loadPendingReceipts } from '../sql/load-receipts.js';
import { loadPendingWraps } from '../sql/load-wraps.js';

export async function loadDevices(sql: Sql, mode: Mode, devices: ReadyDevice[]): Promise<Map<number, DeviceInput>> {
  const inputs = new Map<number, DeviceInput>();
  const byCode = new Map<number, DeviceInput>();
  for (const d of devices) {
    const input: DeviceInput = { deviceId: d.id, wraps: [], alarms: [], issues: [], receipts: [] };
    inputs.set(d.id, input);
    byCode.set(d.code, input);
  }
  if (devices.length === 0) return inputs;
  const ids = devices.map((d) => d.id);
  // the queries go out together: postgres.js pipelines them on the one
  // connection, so the server runs the next while this process parses the last
  const [wraps, alarms, issues, receipts] = await Promise.all([
    loadPendingWraps(sql, ids),
    loadPendingAlarms(sql, ids),
    loadPendingIssues(sql, ids),
    mode === 'receipts' ? loadPendingReceipts(sql, devices.map((d) => d.code)) : [],
  ]);
  // rows go to the core as loaded (their extra deviceId/code field is ignored there): no copy per row
  for (const wrap of wraps) inputs.get(wrap.deviceId)?.wraps.push(wrap);
  for (const alarm of alarms) inputs.get(alarm.deviceId)?.alarms.push(alarm);
  for (const issue of issues) inputs.get(issue.deviceId)?.issues.push(issue);
  for (const receipt of receipts) byCode.get(receipt.code)?.receipts.push(receipt);
  return inputs;
}
