// One device's customers over the window: arrivals every few minutes, long
// pauses at night and now and then by day, each customer's visit planned
// (visit.ts) and written only if it ends inside the window.

import { HOUR, type Stats } from './dataset.js';
import type { DeviceWriter } from './device-writer.js';
import type { Rates } from './rates.js';
import type { Rng } from './rng.js';
import { faultFlags, VisitPlanner, type Visit } from './visit.js';

const DAY = 24 * HOUR;

/** The Moscow window the events fall in, and the customers' pace (all in seconds). */
export interface Traffic {
  startS: number;
  endS: number;
  /** time between two customers' arrivals, uniform in [gapMinS, gapMaxS] */
  gapMinS: number;
  gapMaxS: number;
}

/** Writes the customers of `w`'s device from its random stream `rng`, counting them in `stats`. */
export function simulateDevice(w: DeviceWriter, rng: Rng, r: Rates, traffic: Traffic, stats: Stats): void {
  const planner = new VisitPlanner(rng, r, w.device.mode === 'receipts');
  let t = traffic.startS + rng.int(0, traffic.gapMaxS);
  const pauses = new Pauses(rng, r, w.device.offsetHours * HOUR, t, stats);
  for (;;) {
    const pause = pauses.before(t);
    if (pause > 0) {
      t += pause;
      continue;
    }
    const visit = planner.plan(t);
    // the first customer still busy at the window's end is left out, and the stream ends
    if (visit.last > traffic.endS) break;
    writeVisit(w, rng, r, visit, stats);
    t = Math.max(t + rng.int(traffic.gapMinS, traffic.gapMaxS), visit.last + rng.int(10, 60), visit.quietUntil);
  }
}

/**
 * Long pauses without customers, 1-3 h: once per local night (decided when the
 * first arrival of the night falls between 01:00 and 05:00 local) and now and
 * then by day.
 */
class Pauses {
  /** the last local day whose night was decided */
  private nightDone: number;

  constructor(
    private readonly rng: Rng,
    private readonly r: Rates,
    private readonly offsetS: number,
    firstArrival: number,
    private readonly stats: Stats,
  ) {
    this.nightDone = Math.floor((firstArrival + offsetS) / DAY) - 1;
  }

  /** The pause before a customer arriving at `t`, in seconds; 0: none. */
  before(t: number): number {
    const localS = t + this.offsetS;
    const day = Math.floor(localS / DAY);
    const timeOfDay = localS - day * DAY;
    if (day > this.nightDone && timeOfDay >= 1 * HOUR && timeOfDay < 5 * HOUR) {
      this.nightDone = day;
      if (this.rng.chance(this.r.nightGap)) {
        this.stats.nightGaps++;
        return this.rng.int(HOUR, 3 * HOUR);
      }
    }
    if (this.rng.chance(this.r.idleGap)) {
      this.stats.idleGaps++;
      return this.rng.int(HOUR, 3 * HOUR);
    }
    return 0;
  }
}

/**
 * Writes a planned visit in the order its rows get their ids (roughly
 * chronological): receipts before any wrap, then each wrap with the faults
 * during it and the receipts after it, then the top-level faults.
 */
function writeVisit(w: DeviceWriter, rng: Rng, r: Rates, v: Visit, stats: Stats): void {
  for (const k of Object.keys(v.counts) as (keyof Stats)[]) stats[k] += v.counts[k];
  stats.customers++;
  if (v.receiptWithoutWrap) stats.receiptsWithoutWrap++;
  const receiptsAfter = (j: number) => {
    for (const pr of v.receipts) if (pr.after === j) w.receipt(pr.at, pr.q1, pr.q2, pr.flags);
  };
  receiptsAfter(-1);
  v.wraps.forEach((pw, j) => {
    const ref = w.wrap(pw.start, pw.dur, pw.pkg, pw.flags);
    for (const f of pw.faults) {
      if (f.kind === 'alarm') w.alarm(f.at, f.type, f.flags);
      else w.issue(f.at, f.type, ref, f.flags);
    }
    receiptsAfter(j);
  });
  for (const f of v.faults) {
    // drawn only now that the visit is written (drawing them while planning would change every dataset)
    const flags = faultFlags(rng, r);
    if (f.kind === 'alarm') {
      w.alarm(f.at, f.type, flags);
      stats.alarmsOutside++;
    } else {
      w.issue(f.at, f.type, null, flags);
      stats.issuesOutside++;
    }
  }
}
