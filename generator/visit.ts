// One customer's visit to a device, planned before anything is written: the
// wraps they ask for, the receipts that pay them and the faults around them.
// The simulation (simulate.ts) writes a visit only if it ends inside the
// window, so the window's end never cuts a customer in half.
//
// The order of the random draws is part of every dataset (the bench, the demo
// and the tests rely on exact datasets; tests/generator/pinned.test.ts pins
// them): change what is drawn, or when, only on purpose.

import { emptyStats, type Stats } from './dataset.js';
import type { EventFlags, WrapFlags } from './device-writer.js';
import type { Rates } from './rates.js';
import type { Rng } from './rng.js';

export type FaultKind = 'alarm' | 'issue';

/** A top-level alarm or issue; its row's flags are drawn when it is written. */
export interface PlannedFault {
  kind: FaultKind;
  at: number;
  type: number;
}

/** An alarm or issue strictly inside a wrap (nested, R5). */
export interface PlannedFaultDuring extends PlannedFault {
  flags: EventFlags;
}

export interface PlannedWrap {
  start: number;
  dur: number;
  /** what the customer asked (and pays) for: 1 single, 2 double */
  type: 1 | 2;
  /** what the device recorded in package_type */
  pkg: number | null;
  unpaid: boolean;
  flags: WrapFlags;
  /** alarms and issues strictly inside the wrap, in time order */
  faults: PlannedFaultDuring[];
}

export interface PlannedReceipt {
  at: number;
  q1: number | null;
  q2: number | null;
  flags: EventFlags;
  /** index of the wrap after which it is written (ids roughly chronological); -1 = before all */
  after: number;
}

export interface Visit {
  wraps: PlannedWrap[];
  receipts: PlannedReceipt[];
  /** top-level alarms and issues, in the order they are written */
  faults: PlannedFault[];
  /** the visit's last event (Moscow seconds) */
  last: number;
  /** after a fault while the device idles, no customer comes before this (0: no such bound) */
  quietUntil: number;
  receiptWithoutWrap: boolean;
  /** what the visit adds to the stats, added only if it is written */
  counts: Stats;
}

/** Positions paid for and not yet on a receipt. */
interface Bill {
  single: number;
  double: number;
}

/** An alarm or issue row's flags: a NULL Moscow time (R3) or a NULL local time (R4), at the rates asked. */
export function faultFlags(rng: Rng, r: Rates): EventFlags {
  const f: EventFlags = {};
  if (rng.chance(r.nullMoscow)) f.nullMoscow = true;
  if (rng.chance(r.invalid)) f.nullLocal = true;
  return f;
}

/** Plans the customers of one device, from its random stream. */
export class VisitPlanner {
  constructor(
    private readonly rng: Rng,
    private readonly r: Rates,
    /** receipts devices print receipts; dwr devices only wrap */
    private readonly receiptsMode: boolean,
  ) {}

  /** A customer arriving at `t` (Moscow seconds): what they do, and the faults after them. */
  plan(t: number): Visit {
    const v: Visit = { wraps: [], receipts: [], faults: [], last: t, quietUntil: 0, receiptWithoutWrap: false, counts: emptyStats() };
    if (this.receiptsMode && this.rng.chance(this.r.receiptWithoutWrap)) this.paidWithoutWrap(v, t);
    else this.wraps(v, t);
    if (this.rng.chance(this.r.alarmOutside)) this.faultAfter(v, 'alarm');
    if (this.rng.chance(this.r.issueOutside)) this.faultAfter(v, 'issue');
    return v;
  }

  /**
   * A customer who pays and gets no wrap (task type 2). Sometimes the wrap
   * failed: an alarm or issue on arrival, the receipt 5-60 s later (type 3).
   */
  private paidWithoutWrap(v: Visit, t: number): void {
    const { rng } = this;
    v.receiptWithoutWrap = true;
    const single = rng.next() < 0.8;
    let at = t;
    if (rng.chance(this.r.failedWrap)) {
      v.counts.failedWraps++;
      const kind: FaultKind = rng.next() < 0.7 ? 'alarm' : 'issue';
      v.faults.push({ kind, at: t, type: this.faultType(kind) });
      at = t + rng.int(5, 60);
    }
    this.receipt(v, at, single ? 1 : 0, single ? 0 : 1, -1, false);
  }

  /**
   * One wrap (85%), two (10%) or three (5%), one after another. On a receipts
   * device the customer pays each wrap as it ends, or all of them with one
   * receipt (always so for a single wrap); on a dwr device nobody pays.
   */
  private wraps(v: Visit, t: number): void {
    const { rng } = this;
    const u = rng.next();
    const k = u < 0.85 ? 1 : u < 0.95 ? 2 : 3;
    const oneReceipt = !this.receiptsMode || k === 1 || rng.chance(this.r.combinedReceipt);
    const bill: Bill = { single: 0, double: 0 };
    let cursor = t;
    for (let j = 0; j < k; j++) {
      const pw = this.wrap(v, cursor, v.wraps[j - 1]);
      v.wraps.push(pw);
      const finish = pw.start + pw.dur;
      v.last = Math.max(v.last, finish);
      if (!pw.unpaid) {
        if (pw.type === 1) bill.single++;
        else bill.double++;
      }
      // the next wrap starts 5-60 s after this one (or after its receipt)
      if (oneReceipt) cursor = Math.max(cursor, finish + rng.int(5, 60));
      else if (pw.unpaid) cursor = finish + rng.int(5, 60);
      else cursor = this.receiptForWrap(v, pw, j, bill) + rng.int(5, 60);
    }
    if (this.receiptsMode && oneReceipt && bill.single + bill.double > 0) this.receiptForAll(v, bill);
  }

  /** A wrap from `cursor`, or now and then overlapping the one before: its length, package, payment, row flags, faults. */
  private wrap(v: Visit, cursor: number, prev: PlannedWrap | undefined): PlannedWrap {
    const { rng, r } = this;
    let start = cursor;
    if (prev !== undefined && rng.chance(r.overlap)) {
      start = prev.start + prev.dur - rng.int(5, 30);
      v.counts.overlappingWraps++;
    }
    const dur = rng.int(40, 180);
    const type: 1 | 2 = rng.next() < 0.8 ? 1 : 2;
    let pkg: number | null = type;
    if (rng.chance(r.untyped)) {
      // the device failed to record the package (R4/R11)
      pkg = rng.next() < 0.5 ? null : 0;
      v.counts.untypedWraps++;
    }
    const unpaid = this.receiptsMode && rng.chance(r.unpaid);
    if (unpaid) v.counts.unpaidWraps++;
    const pw: PlannedWrap = { start, dur, type, pkg, unpaid, flags: this.wrapFlags(), faults: [] };
    this.faultsDuring(v, pw);
    return pw;
  }

  /** A wrap row's flags: a NULL Moscow time (R3); invalid (R4): a NULL start or a finish before the start. */
  private wrapFlags(): WrapFlags {
    const { rng, r } = this;
    const flags: WrapFlags = {};
    if (rng.chance(r.nullMoscow)) flags.nullMoscow = true;
    if (rng.chance(r.invalid)) {
      if (rng.next() < 0.5) flags.nullLocal = true;
      else flags.finishBeforeStart = true;
    }
    return flags;
  }

  /** Alarms and issues strictly inside the wrap (nested, R5), in time order. */
  private faultsDuring(v: Visit, pw: PlannedWrap): void {
    if (this.rng.chance(this.r.alarmInside)) {
      pw.faults.push(this.faultDuring(pw, 'alarm'));
      v.counts.alarmsInside++;
    }
    if (this.rng.chance(this.r.issueInside)) {
      pw.faults.push(this.faultDuring(pw, 'issue'));
      v.counts.issuesInside++;
    }
    pw.faults.sort((a, b) => a.at - b.at);
  }

  private faultDuring(pw: PlannedWrap, kind: FaultKind): PlannedFaultDuring {
    const at = pw.start + this.rng.int(1, pw.dur - 1);
    const type = this.faultType(kind);
    return { kind, at, type, flags: faultFlags(this.rng, this.r) };
  }

  /** Alarm types 1-5, issue types 1-4. */
  private faultType(kind: FaultKind): number {
    return kind === 'alarm' ? this.rng.int(1, 5) : this.rng.int(1, 4);
  }

  /**
   * The receipt for wrap `j` alone: 5-90 s after it, or now and then while it
   * still runs (R7). Empties the bill; returns when the customer is done.
   */
  private receiptForWrap(v: Visit, pw: PlannedWrap, j: number, bill: Bill): number {
    const finish = pw.start + pw.dur;
    const mid = this.rng.chance(this.r.receiptMidWrap);
    const at = mid ? pw.start + this.rng.int(1, pw.dur - 1) : finish + this.rng.int(5, 90);
    this.receipt(v, at, bill.single, bill.double, j, mid);
    bill.single = 0;
    bill.double = 0;
    return Math.max(finish, at);
  }

  /** One receipt for all the visit's paid wraps: 5-90 s after the last finishes, or now and then during the last (R7). */
  private receiptForAll(v: Visit, bill: Bill): void {
    const lw = v.wraps[v.wraps.length - 1] as PlannedWrap;
    const mid = this.rng.chance(this.r.receiptMidWrap);
    const lastFinish = Math.max(...v.wraps.map((x) => x.start + x.dur));
    const at = mid ? lw.start + this.rng.int(1, lw.dur - 1) : lastFinish + this.rng.int(5, 90);
    this.receipt(v, at, bill.single, bill.double, v.wraps.length - 1, mid);
    if (v.wraps.length > 1) v.counts.combinedReceipts++;
  }

  /**
   * A receipt for `single` and `double` positions, written after wrap `after`.
   * Now and then one position is of the other package type (issue 8 / 9), the
   * row is invalid (R4), or a receipt for 0 and 0 follows a few seconds later.
   */
  private receipt(v: Visit, at: number, single: number, double: number, after: number, midWrap: boolean): void {
    const { rng, r } = this;
    if (single + double > 0 && rng.chance(r.wrongType)) {
      if (single > 0 && (double === 0 || rng.next() < 0.5)) {
        single--;
        double++;
      } else {
        double--;
        single++;
      }
      v.counts.wrongTypeReceipts++;
    }
    if (midWrap) v.counts.midWrapReceipts++;
    const flags: EventFlags = {};
    if (rng.chance(r.nullMoscow)) flags.nullMoscow = true;
    let q1: number | null = single;
    let q2: number | null = double;
    if (rng.chance(r.invalid)) {
      const u = rng.next();
      if (u < 1 / 3) flags.nullLocal = true;
      else if (u < 2 / 3) q1 = null;
      else q2 = -1;
    }
    this.addReceipt(v, { at, q1, q2, flags, after });
    if (rng.chance(r.zeroReceipt)) {
      this.addReceipt(v, { at: at + rng.int(3, 30), q1: 0, q2: 0, flags: {}, after });
      v.counts.zeroReceipts++;
    }
  }

  private addReceipt(v: Visit, pr: PlannedReceipt): void {
    v.receipts.push(pr);
    v.last = Math.max(v.last, pr.at);
  }

  /**
   * A top-level alarm or issue: mostly 5-120 s after the customer, sometimes
   * (30%) while the device idles, more than TIMEDELTA_CHECK away from any
   * customer (a lone fault: task type 1 in both modes), and then the device
   * stays quiet a while longer.
   */
  private faultAfter(v: Visit, kind: FaultKind): void {
    const { rng } = this;
    const idle = rng.next() < 0.3;
    const at = v.last + (idle ? rng.int(421, 1200) : rng.int(5, 120));
    v.faults.push({ kind, at, type: this.faultType(kind) });
    v.last = at;
    if (idle) v.quietUntil = at + rng.int(421, 900);
  }
}
