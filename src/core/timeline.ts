// R3 times, R4 validation, R5 nesting, R6 order, R7 receipt moves.

import type { DeviceInput, EventTable, Mode, PointRow, ReceiptRow, RejectedRow, WrapRow } from './types.js';
import { order } from './sort.js';
import { f64, i32, u8 } from './scratch.js';
import { ALARM, FINISH, ISSUE, RECEIPT, START } from './model.js';
import type { Work } from './model.js';

const EMPTY_U8 = new Uint8Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

const TABLE_RANK: Record<EventTable, number> = {
  polycomm_suitcase: 0,
  polycommalarm: 1,
  polycommissue: 2,
  receipts: 3,
};

/** A usable time: not NULL (and, defensively, not ±infinity as PostgreSQL can store). */
function time(x: number | null): x is number {
  return x !== null && Number.isFinite(x);
}

/** A usable quantity: not NULL, not negative (and not NaN). */
function quantity(q: number | null): q is number {
  return q !== null && q >= 0;
}

/** Valid point rows of one table, ordered by (local, id), as columns. */
interface PointColumns {
  n: number;
  id: Float64Array;
  local: Float64Array;
  moscow: Float64Array;
}

/**
 * R3 and R4, then R5 (nest). One pass over each table validates the rows
 * and copies what the analysis needs into columns (a NULL Moscow time becomes
 * the local time, counted once per valid row; for a wrap that is its `date`,
 * the Moscow finish). Invalid rows go to `rejected` (one reason each: a NULL
 * local time is reported first), sorted by table then id, and nowhere else.
 * In dwr mode receipts are not pending events (R2) and are ignored altogether.
 * Then each table is ordered once (by time, then id) and the columns are laid
 * out in that order.
 */
export function prepare(input: DeviceInput, mode: Mode): Work {
  const rejected: RejectedRow[] = [];
  let moscowFallbacks = 0;

  // Wraps.
  const inW = input.wraps;
  let cap = inW.length;
  const src = i32(cap);
  let id = f64(cap);
  const start = f64(cap);
  const finish = f64(cap);
  const finishMoscow = f64(cap);
  const polycom = f64(cap);
  const type = u8(cap);
  let nv = 0;
  for (let i = 0; i < cap; i++) {
    const row = inW[i] as WrapRow;
    const s = row.start;
    const f = row.finish;
    if (!time(s) || !time(f)) {
      rejected.push({ table: 'polycomm_suitcase', id: row.id, reason: 'null_local_time' });
    } else if (f < s) {
      rejected.push({ table: 'polycomm_suitcase', id: row.id, reason: 'finish_before_start' });
    } else {
      let fm = row.finishMoscow;
      if (!time(fm)) {
        moscowFallbacks++;
        fm = f;
      }
      const pc = row.polycomId;
      const pt = row.packageType;
      src[nv] = i;
      id[nv] = row.id;
      polycom[nv] = pc === null ? Number.NaN : pc;
      type[nv] = pt === 1 || pt === 2 ? pt : 0;
      start[nv] = s;
      finish[nv] = f;
      finishMoscow[nv++] = fm;
    }
  }
  const nw = nv;
  const wOrder = order(start, id, nw);
  const wSrc = i32(nw);
  const wId = f64(nw);
  const wPolycom = f64(nw);
  const wStart = f64(nw);
  const wFinish = f64(nw);
  const wStartMoscow = f64(nw);
  const wFinishMoscow = f64(nw);
  const wType = u8(nw);
  for (let k = 0; k < nw; k++) {
    const j = wOrder[k] as number;
    wSrc[k] = src[j] as number;
    wId[k] = id[j] as number;
    wPolycom[k] = polycom[j] as number;
    wType[k] = type[j] as number;
    const s = start[j] as number;
    const f = finish[j] as number;
    const fm = finishMoscow[j] as number;
    wStart[k] = s;
    wFinish[k] = f;
    wFinishMoscow[k] = fm;
    // R3: wrap start Moscow = date - (local_date - dateini_local)
    wStartMoscow[k] = fm - (f - s);
  }

  // Alarms and issues: validated and ordered per table, then merged (alarm first on equal times).
  const points = (rows: PointRow[], table: EventTable): PointColumns => {
    const n = rows.length;
    const cid = f64(n);
    const clocal = f64(n);
    const cmoscow = f64(n);
    let c = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i] as PointRow;
      const local = row.local;
      if (!time(local)) {
        rejected.push({ table, id: row.id, reason: 'null_local_time' });
        continue;
      }
      let moscow = row.moscow;
      if (!time(moscow)) {
        moscowFallbacks++;
        moscow = local;
      }
      cid[c] = row.id;
      clocal[c] = local;
      cmoscow[c++] = moscow;
    }
    const o = order(clocal, cid, c);
    const out: PointColumns = { n: c, id: f64(c), local: f64(c), moscow: f64(c) };
    for (let k = 0; k < c; k++) {
      const j = o[k] as number;
      out.id[k] = cid[j] as number;
      out.local[k] = clocal[j] as number;
      out.moscow[k] = cmoscow[j] as number;
    }
    return out;
  };
  const al = points(input.alarms, 'polycommalarm');
  const is = points(input.issues, 'polycommissue');
  const np = al.n + is.n;
  const pId = f64(np);
  const pKind = u8(np);
  const pLocal = f64(np);
  const pMoscow = f64(np);
  let ia = 0;
  let ii = 0;
  for (let k = 0; k < np; k++) {
    if (ii >= is.n || (ia < al.n && (al.local[ia] as number) <= (is.local[ii] as number))) {
      pId[k] = al.id[ia] as number;
      pLocal[k] = al.local[ia] as number;
      pMoscow[k] = al.moscow[ia++] as number;
      pKind[k] = ALARM;
    } else {
      pId[k] = is.id[ii] as number;
      pLocal[k] = is.local[ii] as number;
      pMoscow[k] = is.moscow[ii++] as number;
      pKind[k] = ISSUE;
    }
  }

  // Receipts (receipts mode only).
  const inR = mode === 'receipts' ? input.receipts : [];
  cap = inR.length;
  id = f64(cap);
  const local = f64(cap);
  const moscow = f64(cap);
  const single = f64(cap);
  const double = f64(cap);
  nv = 0;
  for (let i = 0; i < cap; i++) {
    const row = inR[i] as ReceiptRow;
    const l = row.local;
    const q1 = row.single;
    const q2 = row.double;
    if (!time(l)) {
      rejected.push({ table: 'receipts', id: row.id, reason: 'null_local_time' });
    } else if (!quantity(q1) || !quantity(q2)) {
      rejected.push({ table: 'receipts', id: row.id, reason: 'bad_quantity' });
    } else {
      let m = row.moscow;
      if (!time(m)) {
        moscowFallbacks++;
        m = l;
      }
      id[nv] = row.id;
      local[nv] = l;
      moscow[nv] = m;
      single[nv] = q1;
      double[nv++] = q2;
    }
  }
  const nr = nv;
  const rOrder = order(local, id, nr);
  const rId = f64(nr);
  const rLocal = f64(nr);
  const rMoscow = f64(nr);
  const rSingle = f64(nr);
  const rDouble = f64(nr);
  for (let k = 0; k < nr; k++) {
    const j = rOrder[k] as number;
    rId[k] = id[j] as number;
    rLocal[k] = local[j] as number;
    rMoscow[k] = moscow[j] as number;
    rSingle[k] = single[j] as number;
    rDouble[k] = double[j] as number;
  }

  rejected.sort((a, b) => TABLE_RANK[a.table] - TABLE_RANK[b.table] || a.id - b.id);
  const rLeftSingle = f64(nr);
  const rLeftDouble = f64(nr);
  rLeftSingle.set(rSingle);
  rLeftDouble.set(rDouble);
  const w: Work = {
    receiptsMode: mode === 'receipts',
    rejected,
    moscowFallbacks,
    input,
    nw,
    wSrc,
    wId,
    wPolycom,
    wStart,
    wFinish,
    wStartMoscow,
    wFinishMoscow,
    wType,
    wNestHead: i32(nw).fill(-1),
    wNestTail: i32(nw).fill(-1),
    wGroup: i32(nw).fill(-1),
    wPaidBy: i32(nw).fill(-1),
    wPaidType: u8(nw).fill(0),
    wVerdict: u8(nw).fill(0),
    wIssue: u8(nw).fill(0),
    np,
    pId,
    pKind,
    pLocal,
    pMoscow,
    pWrap: i32(np).fill(-1),
    pNext: i32(np).fill(-1),
    nr,
    rId,
    rLocal,
    rMoscow,
    rSingle,
    rDouble,
    rLeftSingle,
    rLeftDouble,
    rMoved: u8(nr).fill(0),
    rStatus: u8(nr).fill(0),
    m: 0,
    sKind: EMPTY_U8,
    sRef: EMPTY_I32,
    sLocal: EMPTY_F64,
    sMoscow: EMPTY_F64,
    ng: 0,
    gFrom: EMPTY_I32,
    gTo: EMPTY_I32,
    gCut: EMPTY_U8,
    gGap: EMPTY_F64,
    gFirstLocal: EMPTY_F64,
    gLatestLocal: EMPTY_F64,
    gLatestMoscow: EMPTY_F64,
    gType: EMPTY_U8,
    gBalanced: EMPTY_U8,
    firstDeferred: 0,
  };
  nest(w);
  return w;
}

/**
 * R5. Nests every alarm/issue strictly inside a wrap into the earliest-starting
 * such wrap (lower id on equal starts); the others stay top-level (pWrap = -1).
 *
 * O(n) after the sorts: one sweep over the points in time order. `added` is
 * the prefix of wraps (sorted by (start, id)) with start < t; `head` skips
 * wraps whose finish is <= t. As t only grows, a skipped wrap can never contain
 * a later point, so the first not-skipped wrap of the prefix is exactly the
 * earliest-starting (then lowest-id) wrap with start < t < finish. Finished
 * wraps behind the head are skipped lazily once they reach it.
 */
function nest(w: Work): void {
  const { nw, np, wStart, wFinish, wNestHead, wNestTail, pLocal, pWrap, pNext } = w;
  let added = 0;
  let head = 0;
  for (let p = 0; p < np; p++) {
    const t = pLocal[p] as number;
    while (added < nw && (wStart[added] as number) < t) added++;
    while (head < added && (wFinish[head] as number) <= t) head++;
    if (head < added) {
      pWrap[p] = head;
      const tail = wNestTail[head] as number;
      if (tail < 0) wNestHead[head] = p;
      else pNext[tail] = p;
      wNestTail[head] = p;
    }
  }
}

/**
 * R6 and R7. Builds the timeline: a 4-way merge of wrap starts (sorted with the
 * wraps), top-level points, wrap finishes and receipts. On equal local times
 * the first stream checked wins, in R6 rank order: finish, receipt, point
 * (alarm before issue, already merged), start. Within a stream the row-id tie
 * break was done by the sort. The finish of a zero-length wrap is written
 * immediately after its own start and is not part of the finish stream.
 * Then (receipts mode) R7, then the entries' own times.
 */
export function buildTimeline(w: Work): void {
  const { nw, np, nr, wId, wStart, wFinish, pLocal, pKind, pWrap, rLocal } = w;
  // Finish stream: wraps with finish > start, by (finish, id).
  let nf = 0;
  for (let i = 0; i < nw; i++) if ((wFinish[i] as number) !== (wStart[i] as number)) nf++;
  const fKey = f64(nf);
  const fId = f64(nf);
  const fWrap = i32(nf);
  nf = 0;
  for (let i = 0; i < nw; i++) {
    if ((wFinish[i] as number) === (wStart[i] as number)) continue;
    fKey[nf] = wFinish[i] as number;
    fId[nf] = wId[i] as number;
    fWrap[nf++] = i;
  }
  const fOrder = order(fKey, fId, nf);
  const fin = i32(nf);
  for (let k = 0; k < nf; k++) fin[k] = fWrap[fOrder[k] as number] as number;
  // Top-level point stream.
  let ntop = 0;
  for (let p = 0; p < np; p++) if ((pWrap[p] as number) < 0) ntop++;
  const top = i32(ntop);
  ntop = 0;
  for (let p = 0; p < np; p++) if ((pWrap[p] as number) < 0) top[ntop++] = p;

  const m = 2 * nw + ntop + nr;
  const sKind = u8(m);
  const sRef = i32(m);
  let ia = 0; // starts
  let ib = 0; // top points
  let ic = 0; // finishes
  let id = 0; // receipts
  let k = 0;
  while (k < m) {
    let best = 0;
    let bestLocal = Infinity;
    if (ic < nf) {
      bestLocal = wFinish[fin[ic] as number] as number;
      best = 3;
    }
    if (id < nr && (rLocal[id] as number) < bestLocal) {
      bestLocal = rLocal[id] as number;
      best = 4;
    }
    if (ib < ntop && (pLocal[top[ib] as number] as number) < bestLocal) {
      bestLocal = pLocal[top[ib] as number] as number;
      best = 2;
    }
    if (ia < nw && (wStart[ia] as number) < bestLocal) best = 1;
    if (best === 3) {
      sKind[k] = FINISH;
      sRef[k++] = fin[ic++] as number;
    } else if (best === 4) {
      sKind[k] = RECEIPT;
      sRef[k++] = id++;
    } else if (best === 2) {
      const p = top[ib++] as number;
      sKind[k] = pKind[p] as number;
      sRef[k++] = p;
    } else {
      sKind[k] = START;
      sRef[k++] = ia;
      if ((wFinish[ia] as number) === (wStart[ia] as number)) {
        sKind[k] = FINISH;
        sRef[k++] = ia;
      }
      ia++;
    }
  }
  w.m = m;
  w.sKind = sKind;
  w.sRef = sRef;
  if (w.receiptsMode) moveReceipts(w);
  fillTimes(w);
}

/**
 * R7 (receipts mode), in place. A receipt whose nearest preceding wrap entry
 * is a wrap_start moves to just after the next wrap_finish; several such
 * receipts move together, keeping their order, and land before anything that
 * already stood after that finish. Writing never overtakes reading (held
 * receipts only delay entries), so one array suffices.
 *
 * A receipt with no wrap_finish after it would stay where it is; that cannot
 * happen: the nearest wrap entry before the receipt is the start of some wrap
 * W, and W's finish (never before its start, for a zero-length wrap right
 * after it) stands after the receipt. The final flush only guards that
 * nothing is ever lost.
 */
function moveReceipts(w: Work): void {
  const { m, sKind, sRef, rMoved } = w;
  const held: number[] = [];
  let inWrap = false;
  let n = 0;
  for (let i = 0; i < m; i++) {
    const kind = sKind[i] as number;
    const ref = sRef[i] as number;
    if (kind === RECEIPT && inWrap) {
      rMoved[ref] = 1;
      held.push(ref);
      continue;
    }
    sKind[n] = kind;
    sRef[n++] = ref;
    if (kind === START) {
      inWrap = true;
    } else if (kind === FINISH) {
      inWrap = false;
      for (let h = 0; h < held.length; h++) {
        sKind[n] = RECEIPT;
        sRef[n++] = held[h] as number;
      }
      held.length = 0;
    }
  }
  for (let h = 0; h < held.length; h++) {
    sKind[n] = RECEIPT;
    sRef[n++] = held[h] as number;
  }
}

/** Every entry keeps its own times (R7: the sequence is no longer sorted). */
function fillTimes(w: Work): void {
  const { m, sKind, sRef } = w;
  const sLocal = f64(m);
  const sMoscow = f64(m);
  for (let i = 0; i < m; i++) {
    const r = sRef[i] as number;
    switch (sKind[i]) {
      case START:
        sLocal[i] = w.wStart[r] as number;
        sMoscow[i] = w.wStartMoscow[r] as number;
        break;
      case FINISH:
        sLocal[i] = w.wFinish[r] as number;
        sMoscow[i] = w.wFinishMoscow[r] as number;
        break;
      case RECEIPT:
        sLocal[i] = w.rLocal[r] as number;
        sMoscow[i] = w.rMoscow[r] as number;
        break;
      default:
        sLocal[i] = w.pLocal[r] as number;
        sMoscow[i] = w.pMoscow[r] as number;
    }
  }
  w.sLocal = sLocal;
  w.sMoscow = sMoscow;
}
