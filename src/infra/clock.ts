// The one place that reads the clock (R9): "now" is the wall clock of the zone
// in which the Moscow columns are recorded, whatever zone the process runs in.
import { DateTime } from 'luxon';
import { ConfigError } from './config.js';
import type { Micros } from '../core/index.js';

/** Wall-clock micros of `dt` in its own zone, as the core counts time. */
export function wallMicros(dt: DateTime): Micros {
  return (dt.toMillis() + dt.offset * 60_000) * 1000;
}

/** Now on the wall clock of `zone`, or `override` (ISO, read as a wall-clock time of `zone`). */
export function readNow(zone: string, override?: string): Micros {
  if (override === undefined) return wallMicros(DateTime.now().setZone(zone));
  const dt = DateTime.fromISO(override.replace(' ', 'T'), { zone });
  if (!dt.isValid) throw new ConfigError(`invalid ANALYZER_NOW / --now: '${override}' (expected an ISO date-time such as 2026-11-23T10:00:00)`);
  return wallMicros(dt);
}

/** Zone-free 'YYYY-MM-DD HH:MM:SS' of wall-clock micros, for logs and reports. */
export function formatWall(micros: Micros): string {
  return new Date(Math.floor(micros / 1000)).toISOString().replace('T', ' ').slice(0, 19);
}
