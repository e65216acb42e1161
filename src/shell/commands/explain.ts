// `analyzer explain --mode M --device ID`: the device's pending timeline and
// what a pass would decide, as a readable table. Writes nothing.
import { readNow } from '../../infra/clock.js';
import type { PassConfig } from '../../infra/config.js';
import { explainDevice, selectReady } from '../../core/index.js';
import { renderExplanation } from '../explanation-text.js';
import { describeError, open, waitForDatabase } from '../../infra/db.js';
import { EXIT } from '../../infra/exit-codes.js';
import { loadDevices } from '../load.js';
import type { Logger } from '../../infra/log.js';
import { deviceById } from '../../sql/device-by-id.js';
import { selectReadyCodes } from '../../sql/ready-devices.js';

export async function runExplain(config: PassConfig, deviceId: number, logger: Logger, out: (text: string) => void): Promise<number> {
  const now = readNow(config.timezone, config.now);
  const sql = open(config, { applicationName: 'polycomm-analyzer explain' });
  try {
    await waitForDatabase(sql, config, (attempt, error, delay) =>
      logger.warn('database not reachable yet, retrying', { attempt, error, retryInMs: delay }));
    const device = await deviceById(sql, deviceId);
    if (!device) {
      process.stderr.write(`analyzer: no polycomm_device with id ${deviceId}\n`);
      return EXIT.FAILURE;
    }
    const ready = selectReady(await selectReadyCodes(sql), config.mode, [deviceId]);
    const input = (await loadDevices(sql, config.mode, [device])).get(deviceId)!;
    const settings = { mode: config.mode, lastEventTime: config.lastEventTime, timedeltaCheck: config.timedeltaCheck };
    const header = [
      `device ${device.id} (${device.title ?? 'untitled'}, code ${device.code}), mode ${config.mode}`,
      ready.devices.length === 1
        ? 'ready for this mode: a pass would process it'
        : ready.conflicts.length === 1
          ? 'ready in BOTH modes: configuration conflict, every pass skips it (R1)'
          : 'NOT ready for this mode: a pass would not process it (R1)',
      `settings: LAST_EVENT_TIME ${config.lastEventTime}s, TIMEDELTA_CHECK ${config.timedeltaCheck}s, zone ${config.timezone}`,
      '',
    ].join('\n');
    out(header + renderExplanation(explainDevice(input, settings, now)));
    return EXIT.OK;
  } catch (error) {
    const message = describeError(error);
    logger.error(`explain failed: ${message}`);
    process.stderr.write(`analyzer: ${message}\n`);
    return EXIT.FAILURE;
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
}
