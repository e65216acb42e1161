// The process's own peak resident memory, in kB. getrusage()'s ru_maxrss on
// Linux also counts the image the process was exec'd from (a CLI forked from
// a 400 MB parent reports 400 MB), so the kernel's high-water mark VmHWM is
// read first; elsewhere getrusage is all there is.
import { readFileSync } from 'node:fs';

export function peakRssKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux, or /proc not mounted
  }
  return process.resourceUsage().maxRSS;
}
