// The backlog after a pass, for its report and metrics: the pending rows of
// the mode's ready devices (the figures `analyzer status` shows) and the age
// of the oldest one, the signal that passes stop keeping up. Read with a short
// deadline: a pass whose database went away still reports and exits at once.
import { selectReady, type Mode } from '../core/index.js';
import { readNow } from '../infra/clock.js';
import { describeError } from '../infra/db-errors.js';
import { cancelRunning, within } from '../infra/deadline.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/log.js';
import { pendingBacklog, type BacklogRow } from '../sql/backlog.js';
import { selectReadyCodes } from '../sql/ready-devices.js';
import type { PassBacklog } from './report.js';

const BACKLOG_TIMEOUT_MS = 2000;

export interface BacklogSettings {
  mode: Mode;
  timezone: string;
  /** ANALYZER_NOW, when set: ages are measured from it, as the pass's *now* is. */
  now: string | undefined;
}

/** The backlog of the mode, or null (logged) when it cannot be read in time. */
export async function readBacklog(sql: Sql, settings: BacklogSettings, logger: Logger): Promise<PassBacklog | null> {
  try {
    const row = await within(BACKLOG_TIMEOUT_MS, 'reading the pending backlog', modeBacklog(sql, settings.mode), () => cancelRunning(sql));
    return toBacklog(row, readNow(settings.timezone, settings.now));
  } catch (error) {
    logger.warn(`could not read the pending backlog after the pass: ${describeError(error)} (left out of the report and metrics)`);
    return null;
  }
}

async function modeBacklog(sql: Sql, mode: Mode): Promise<BacklogRow> {
  const ready = selectReady(await selectReadyCodes(sql), mode);
  const codes = mode === 'receipts' ? ready.devices.map((d) => d.code) : []; // R2: receipts only count in receipts mode
  return pendingBacklog(sql, ready.devices.map((d) => d.id), codes);
}

/** Zone-free 'YYYY-MM-DD HH:MM:SS[.ffffff]' as wall-clock micros (the clock's own scale). */
const wallMicros = (text: string) => Date.parse(`${text.replace(' ', 'T').slice(0, 23)}Z`) * 1000;

export function toBacklog(row: BacklogRow, nowMicros: number): PassBacklog {
  const age = row.oldest === null ? 0 : Math.max(0, Math.round((nowMicros - wallMicros(row.oldest)) / 1e6));
  return {
    pendingRows: {
      polycomm_suitcase: Number(row.wraps),
      polycommalarm: Number(row.alarms),
      polycommissue: Number(row.issues),
      receipts: Number(row.receipts),
    },
    oldestPending: row.oldest,
    oldestPendingAgeSeconds: age,
  };
}
