// Durations for people, in two forms, one module (luxon's Duration does the
// arithmetic): the short form of tables, log lines and labels ('850ms',
// '12.3s', '4m 05s', '2h 03m', '1d 04h'), and a running clock ('0:50',
// '1:02:05') for progress.
import { Duration } from 'luxon';

const two = (n: number) => String(n).padStart(2, '0');

/** The two largest units of a duration: '850ms', '12.3s', '4m 05s', '2h 03m', '1d 04h'. */
export function shortDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const d = Duration.fromObject({ seconds: Math.floor(seconds) }).shiftTo('days', 'hours', 'minutes', 'seconds');
  if (d.days > 0) return `${d.days}d ${two(d.hours)}h`;
  if (d.hours > 0) return `${d.hours}h ${two(d.minutes)}m`;
  return `${d.minutes}m ${two(d.seconds)}s`;
}

/** Elapsed time on a clock: 'm:ss', or 'h:mm:ss' from an hour on. */
export function clockDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return Duration.fromObject({ seconds: whole }).toFormat(whole >= 3600 ? 'h:mm:ss' : 'm:ss');
}
