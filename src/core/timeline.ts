// R3 times, R4 validation, R5 nesting, R6 order, R7 receipt moves.

import type { DeviceInput, Mode, PointRow, RejectedRow, EventTable } from './types.js';
import { ALARM, FINISH, ISSUE, RECEIPT, START } from './model.js';
import type { Entry, Point, PointKind, Receipt, Wrap } from './model.js';

export interface Validated {
  wraps: Wrap[];
  points: Point[];
  receipts: Receipt[];
  rejected: RejectedRow[];
  moscowFallbacks: number;
}

const TABLE_RANK: Record<EventTable, number> = {
  polycomm_suitcase: 0,
  polycommalarm: 1,
  polycommissue: 2,
  receipts: 3,
};

function badQuantity(q: number | null): boolean {
  // `!(q >= 0)` also rejects NaN.
  return q === null || !(q >= 0);
}

/**
 * R3 and R4. Invalid rows go to `rejected` (one reason each: a NULL local time is
 * reported first) and nowhere else. A NULL Moscow time is replaced by the local
 * time and counted once per valid row (for a wrap: its `date`, i.e. the Moscow finish).
 * In dwr mode receipts are not pending events (R2) and are ignored altogether.
 */
export function validate(input: DeviceInput, mode: Mode): Validated {
  const wraps: Wrap[] = [];
  const points: Point[] = [];
  const receipts: Receipt[] = [];
  const rejected: RejectedRow[] = [];
  let moscowFallbacks = 0;

  for (const row of input.wraps) {
    const start = row.start;
    const finish = row.finish;
    if (start === null || finish === null) {
      rejected.push({ table: 'polycomm_suitcase', id: row.id, reason: 'null_local_time' });
      continue;
    }
    if (finish < start) {
      rejected.push({ table: 'polycomm_suitcase', id: row.id, reason: 'finish_before_start' });
      continue;
    }
    let finishMoscow = row.finishMoscow;
    if (finishMoscow === null) {
      moscowFallbacks++;
      finishMoscow = finish;
    }
    const pt = row.packageType;
    wraps.push({
      row,
      id: row.id,
      start,
      finish,
      // R3: wrap start Moscow = date - (local_date - dateini_local)
      startMoscow: finishMoscow - (finish - start),
      finishMoscow,
      type: pt === 1 ? 1 : pt === 2 ? 2 : 0,
      nested: [],
      group: -1,
      position: -1,
      paidBy: null,
      paidType: 0,
      csp: true,
      unpaid: false,
      toAccount: true,
      issue: 0,
    });
  }

  const addPoints = (rows: PointRow[], kind: PointKind, table: EventTable): void => {
    for (const row of rows) {
      const local = row.local;
      if (local === null) {
        rejected.push({ table, id: row.id, reason: 'null_local_time' });
        continue;
      }
      let moscow = row.moscow;
      if (moscow === null) {
        moscowFallbacks++;
        moscow = local;
      }
      points.push({ row, kind, id: row.id, local, moscow, wrap: null });
    }
  };
  addPoints(input.alarms, ALARM, 'polycommalarm');
  addPoints(input.issues, ISSUE, 'polycommissue');

  if (mode === 'receipts') {
    for (const row of input.receipts) {
      const local = row.local;
      if (local === null) {
        rejected.push({ table: 'receipts', id: row.id, reason: 'null_local_time' });
        continue;
      }
      const single = row.single;
      const double = row.double;
      if (single === null || double === null || badQuantity(single) || badQuantity(double)) {
        rejected.push({ table: 'receipts', id: row.id, reason: 'bad_quantity' });
        continue;
      }
      let moscow = row.moscow;
      if (moscow === null) {
        moscowFallbacks++;
        moscow = local;
      }
      receipts.push({
        row,
        id: row.id,
        local,
        moscow,
        single,
        double,
        leftSingle: single,
        leftDouble: double,
        moved: false,
        status: 1,
      });
    }
  }

  rejected.sort((a, b) => TABLE_RANK[a.table] - TABLE_RANK[b.table] || a.id - b.id);
  return { wraps, points, receipts, rejected, moscowFallbacks };
}

/**
 * R5. Sorts `wraps` by (start, id) and `points` by (local, alarm before issue, id),
 * both in place, nests every alarm/issue strictly inside a wrap into the
 * earliest-starting such wrap (lower id on equal starts) and returns the
 * top-level points in sorted order.
 *
 * O(n log n): one sweep over the points in time order. `added` is the prefix of
 * wraps (sorted by (start, id)) with start < t; `head` skips wraps whose finish
 * is <= t. Since t only grows, a skipped wrap can never contain a later point,
 * and the first not-skipped wrap of the prefix is exactly the earliest-starting
 * (then lowest-id) wrap with start < t < finish. Wraps behind `head` that have
 * already finished are skipped lazily when they reach the head.
 */
export function nest(wraps: Wrap[], points: Point[]): Point[] {
  wraps.sort((a, b) => a.start - b.start || a.id - b.id);
  points.sort((a, b) => a.local - b.local || a.kind - b.kind || a.id - b.id);
  const top: Point[] = [];
  const nw = wraps.length;
  let added = 0;
  let head = 0;
  for (const p of points) {
    const t = p.local;
    while (added < nw && (wraps[added] as Wrap).start < t) added++;
    while (head < added && (wraps[head] as Wrap).finish <= t) head++;
    if (head < added) {
      const w = wraps[head] as Wrap;
      p.wrap = w;
      w.nested.push(p);
    } else {
      top.push(p);
    }
  }
  return top;
}

function entry(kind: Entry['kind'], local: number, moscow: number, id: number, wrap: Wrap | null, point: Point | null, receipt: Receipt | null): Entry {
  return { kind, local, moscow, id, wrap, point, receipt };
}

/**
 * R6 order between entries of two merged lists. Each list is already in R6
 * order and the two lists never share a kind (starts + points against
 * finishes + receipts, and so on), so local time then kind rank decides;
 * the row-id tie break happened when each list was sorted.
 */
function before(a: Entry, b: Entry): boolean {
  return a.local !== b.local ? a.local < b.local : a.kind < b.kind;
}

function merge(a: Entry[], b: Entry[]): Entry[] {
  const out: Entry[] = new Array<Entry>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  const na = a.length;
  const nb = b.length;
  while (i < na && j < nb) {
    const x = a[i] as Entry;
    const y = b[j] as Entry;
    if (before(y, x)) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
    }
  }
  while (i < na) out[k++] = a[i++] as Entry;
  while (j < nb) out[k++] = b[j++] as Entry;
  return out;
}

/**
 * R6. `wraps` must be sorted by (start, id) and `top` by (local, kind, id) (as
 * `nest` leaves them). The finish of a zero-length wrap is placed immediately
 * after its own start; every other finish takes its place by the R6 order.
 */
export function buildTimeline(wraps: Wrap[], top: Point[], receipts: Receipt[]): Entry[] {
  const starts: Entry[] = new Array<Entry>(wraps.length);
  const finishes: Entry[] = [];
  for (let i = 0; i < wraps.length; i++) {
    const w = wraps[i] as Wrap;
    starts[i] = entry(START, w.start, w.startMoscow, w.id, w, null, null);
    if (w.finish !== w.start) finishes.push(entry(FINISH, w.finish, w.finishMoscow, w.id, w, null, null));
  }
  finishes.sort((a, b) => a.local - b.local || a.id - b.id);
  const points: Entry[] = new Array<Entry>(top.length);
  for (let i = 0; i < top.length; i++) {
    const p = top[i] as Point;
    points[i] = entry(p.kind, p.local, p.moscow, p.id, null, p, null);
  }
  const recs: Entry[] = new Array<Entry>(receipts.length);
  for (let i = 0; i < receipts.length; i++) {
    const r = receipts[i] as Receipt;
    recs[i] = entry(RECEIPT, r.local, r.moscow, r.id, null, null, r);
  }
  recs.sort((a, b) => a.local - b.local || a.id - b.id);
  const merged = merge(merge(starts, points), merge(finishes, recs));
  if (finishes.length === wraps.length) return merged;
  // Insert the finishes of zero-length wraps right after their starts.
  const out: Entry[] = [];
  for (const e of merged) {
    out.push(e);
    const w = e.wrap;
    if (e.kind === START && (w as Wrap).finish === e.local) {
      out.push(entry(FINISH, e.local, (w as Wrap).finishMoscow, e.id, w, null, null));
    }
  }
  return out;
}

/**
 * R7 (receipts mode). A receipt whose nearest preceding wrap entry is a
 * wrap_start moves to just after the next wrap_finish; several such receipts
 * move together, keeping their order, and land before anything that already
 * stood after that finish.
 *
 * A receipt with no wrap_finish after it would stay where it is; that cannot
 * actually happen: the nearest wrap entry before the receipt is the start of
 * some wrap W, so W's finish (never before its start, and for a zero-length
 * wrap right after it) stands after the receipt. The final flush below only
 * guards that nothing is ever lost.
 */
export function moveReceipts(seq: Entry[]): Entry[] {
  const out: Entry[] = new Array<Entry>(seq.length);
  let n = 0;
  const held: Entry[] = [];
  let inWrap = false;
  for (const e of seq) {
    const kind = e.kind;
    if (kind === RECEIPT) {
      if (inWrap) {
        (e.receipt as Receipt).moved = true;
        held.push(e);
        continue;
      }
    } else if (kind === START) {
      inWrap = true;
    } else if (kind === FINISH) {
      inWrap = false;
      out[n++] = e;
      for (const h of held) out[n++] = h;
      held.length = 0;
      continue;
    }
    out[n++] = e;
  }
  for (const h of held) out[n++] = h;
  return out;
}
