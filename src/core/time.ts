// A tiny zone-free formatter for Micros (no Date, no zone database).

import type { Micros } from './types.js';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * 'YYYY-MM-DD HH:MM:SS' of a zone-free wall-clock time, with '.ffffff'
 * appended when the time has a sub-second part (so that two entries ordered
 * within one second stay distinguishable), or always with `fraction`
 * 'always' (the generator's COPY rows). PostgreSQL reads both as `timestamp`.
 * Proleptic Gregorian calendar; negative values are before 1970
 * (days-from-civil inverse after H. Hinnant). Not a finite time: RangeError.
 */
export function formatMicros(m: Micros, fraction: 'if-any' | 'always' = 'if-any'): string {
  if (!Number.isFinite(m)) throw new RangeError(`not a time: ${m}`);
  const seconds = Math.floor(m / 1_000_000);
  const micros = Math.floor(m - seconds * 1_000_000);
  const days = Math.floor(seconds / 86_400);
  const secondOfDay = seconds - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hh = Math.floor(secondOfDay / 3600);
  const mm = Math.floor((secondOfDay % 3600) / 60);
  const ss = secondOfDay % 60;
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  const base = `${y}-${pad(month, 2)}-${pad(day, 2)} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}`;
  return micros === 0 && fraction === 'if-any' ? base : `${base}.${pad(micros, 6)}`;
}
