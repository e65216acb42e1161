// R3 times, R4 validation, R5 nesting, R6 order, R7 receipt moves.

import type { DeviceInput, EventTable, Micros, Mode, PointRow, ReceiptRow, RejectReason, RejectedRow, WrapRow } from './types.js';
import { order } from './sort.js';
import type { Scratch } from './scratch.js';
import { ALARM, FINISH, ISSUE, NO_KIND, RECEIPT, START } from './model.js';
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

/** What reading the tables gathers besides the columns. */
interface Intake {
  scratch: Scratch;
  /** R4: invalid rows, one reason each. */
  rejected: RejectedRow[];
  /** R3: valid rows whose Moscow time was NULL. */
  moscowFallbacks: number;
}

/** R3: a valid row's Moscow time; its local time (counted) when that is NULL. */
function moscowOr(moscow: number | null, local: Micros, intake: Intake): Micros {
  if (time(moscow)) return moscow;
  intake.moscowFallbacks++;
  return local;
}

/** R4 for each table: why a row is rejected (a NULL local time is reported first), or null. */
export function wrapFault(row: Pick<WrapRow, 'start' | 'finish'>): RejectReason | null {
  if (!time(row.start) || !time(row.finish)) return 'null_local_time';
  return row.finish < row.start ? 'finish_before_start' : null;
}
export function pointFault(row: Pick<PointRow, 'local'>): RejectReason | null {
  return time(row.local) ? null : 'null_local_time';
}
export function receiptFault(row: Pick<ReceiptRow, 'local' | 'single' | 'double'>): RejectReason | null {
  if (!time(row.local)) return 'null_local_time';
  return quantity(row.single) && quantity(row.double) ? null : 'bad_quantity';
}

/** The valid rows of one table as they are found: index into the rows, sort time, id. */
interface Kept {
  n: number;
  src: Int32Array;
  key: Float64Array;
  id: Float64Array;
}

function kept(capacity: number, { f64, i32 }: Scratch): Kept {
  return { n: 0, src: i32(capacity), key: f64(capacity), id: f64(capacity) };
}

function keep(k: Kept, i: number, key: Micros, id: number): void {
  const n = k.n++;
  k.src[n] = i;
  k.key[n] = key;
  k.id[n] = id;
}

/** The kept rows' indexes ordered by (time, id). */
function inOrder(k: Kept, scratch: Scratch): Int32Array {
  const at = order(k.key, k.id, k.n, scratch);
  for (let j = 0; j < k.n; j++) at[j] = k.src[at[j]];
  return at;
}

/**
 * R4 for each table: valid rows are kept with their sort time; a rejected row
 * is recorded with its reason and goes nowhere else. One loop per row type
 * (not one generic loop with a callback) keeps each check inlined: this runs
 * once per input row.
 */
function validWraps(rows: readonly WrapRow[], intake: Intake): Int32Array {
  const k = kept(rows.length, intake.scratch);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const reason = wrapFault(row);
    if (reason === null) keep(k, i, row.start as Micros, row.id);
    else intake.rejected.push({ table: 'polycomm_suitcase', id: row.id, reason });
  }
  return inOrder(k, intake.scratch);
}

function validPoints(rows: readonly PointRow[], table: 'polycommalarm' | 'polycommissue', intake: Intake): Int32Array {
  const k = kept(rows.length, intake.scratch);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const reason = pointFault(row);
    if (reason === null) keep(k, i, row.local as Micros, row.id);
    else intake.rejected.push({ table, id: row.id, reason });
  }
  return inOrder(k, intake.scratch);
}

function validReceipts(rows: readonly ReceiptRow[], intake: Intake): Int32Array {
  const k = kept(rows.length, intake.scratch);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const reason = receiptFault(row);
    if (reason === null) keep(k, i, row.local as Micros, row.id);
    else intake.rejected.push({ table: 'receipts', id: row.id, reason });
  }
  return inOrder(k, intake.scratch);
}

type WrapColumns = Pick<Work, 'nw' | 'wSrc' | 'wId' | 'wPolycom' | 'wStart' | 'wFinish' | 'wStartMoscow' | 'wFinishMoscow' | 'wType' | 'wNestHead' | 'wNestTail' | 'wGroup' | 'wPaidBy' | 'wPaidType' | 'wVerdict' | 'wIssue'>;
type PointColumns = Pick<Work, 'np' | 'pId' | 'pKind' | 'pLocal' | 'pMoscow' | 'pWrap' | 'pNext'>;
type ReceiptColumns = Pick<Work, 'nr' | 'rId' | 'rLocal' | 'rMoscow' | 'rSingle' | 'rDouble' | 'rLeftSingle' | 'rLeftDouble' | 'rMoved' | 'rStatus'>;
type TimelineColumns = Omit<Work, 'scratch' | 'receiptsMode' | 'rejected' | 'moscowFallbacks' | 'input' | keyof WrapColumns | keyof PointColumns | keyof ReceiptColumns>;

/** Valid wraps by (start, id); for a wrap the R3 fallback is its `date`, the Moscow finish. */
function wrapColumns(rows: readonly WrapRow[], intake: Intake): WrapColumns {
  const { f64, i32, u8 } = intake.scratch;
  const at = validWraps(rows, intake);
  const nw = at.length;
  const c: WrapColumns = {
    nw,
    wSrc: at,
    wId: f64(nw),
    wPolycom: f64(nw),
    wStart: f64(nw),
    wFinish: f64(nw),
    wStartMoscow: f64(nw),
    wFinishMoscow: f64(nw),
    wType: u8(nw),
    wNestHead: i32(nw).fill(-1),
    wNestTail: i32(nw).fill(-1),
    wGroup: i32(nw).fill(-1),
    wPaidBy: i32(nw).fill(-1),
    wPaidType: u8(nw).fill(0),
    wVerdict: u8(nw).fill(0),
    wIssue: u8(nw).fill(0),
  };
  const { wId, wPolycom, wStart, wFinish, wStartMoscow, wFinishMoscow, wType } = c;
  for (let k = 0; k < nw; k++) {
    const row = rows[at[k]];
    const start = row.start as Micros; // valid (R4): not NULL
    const finish = row.finish as Micros;
    const finishMoscow = moscowOr(row.finishMoscow, finish, intake);
    const type = row.packageType;
    wId[k] = row.id;
    wPolycom[k] = row.polycomId === null ? Number.NaN : row.polycomId;
    wType[k] = type === 1 || type === 2 ? type : 0;
    wStart[k] = start;
    wFinish[k] = finish;
    wFinishMoscow[k] = finishMoscow;
    // R3: wrap start Moscow = date - (local_date - dateini_local)
    wStartMoscow[k] = finishMoscow - (finish - start);
  }
  return c;
}

/** Valid alarms and issues, each table by (local, id), merged with the alarm first on equal times (R6). */
function pointColumns(alarms: readonly PointRow[], issues: readonly PointRow[], intake: Intake): PointColumns {
  const { f64, i32, u8 } = intake.scratch;
  const a = validPoints(alarms, 'polycommalarm', intake);
  const b = validPoints(issues, 'polycommissue', intake);
  const na = a.length;
  const nb = b.length;
  const np = na + nb;
  const c: PointColumns = { np, pId: f64(np), pKind: u8(np), pLocal: f64(np), pMoscow: f64(np), pWrap: i32(np).fill(-1), pNext: i32(np).fill(-1) };
  const { pId, pKind, pLocal, pMoscow } = c;
  let ia = 0;
  let ib = 0;
  for (let k = 0; k < np; k++) {
    const alarm = ib >= nb || (ia < na && (alarms[a[ia]].local as Micros) <= (issues[b[ib]].local as Micros));
    const row = alarm ? alarms[a[ia++]] : issues[b[ib++]];
    const local = row.local as Micros;
    pId[k] = row.id;
    pKind[k] = alarm ? ALARM : ISSUE;
    pLocal[k] = local;
    pMoscow[k] = moscowOr(row.moscow, local, intake);
  }
  return c;
}

/** Valid receipts by (local, id), all positions still left (R12). */
function receiptColumns(rows: readonly ReceiptRow[], intake: Intake): ReceiptColumns {
  const { f64, u8 } = intake.scratch;
  const at = validReceipts(rows, intake);
  const nr = at.length;
  const c: ReceiptColumns = {
    nr,
    rId: f64(nr),
    rLocal: f64(nr),
    rMoscow: f64(nr),
    rSingle: f64(nr),
    rDouble: f64(nr),
    rLeftSingle: f64(nr),
    rLeftDouble: f64(nr),
    rMoved: u8(nr).fill(0),
    rStatus: u8(nr).fill(0),
  };
  const { rId, rLocal, rMoscow, rSingle, rDouble } = c;
  for (let k = 0; k < nr; k++) {
    const row = rows[at[k]];
    const local = row.local as Micros; // valid (R4): not NULL
    rId[k] = row.id;
    rLocal[k] = local;
    rMoscow[k] = moscowOr(row.moscow, local, intake);
    rSingle[k] = row.single as number; // valid (R4): not NULL, not negative
    rDouble[k] = row.double as number;
  }
  c.rLeftSingle.set(rSingle);
  c.rLeftDouble.set(rDouble);
  return c;
}

/** Filled by buildTimeline and makeGroups. */
function emptyTimeline(): TimelineColumns {
  return {
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
}

/**
 * R3 and R4, then R5 (nest). Each table's rows are validated, ordered (by
 * time, then id) and copied into columns (a NULL Moscow time becomes the local
 * time, counted once per valid row). Invalid rows go to `rejected`, sorted by
 * table then id, and nowhere else. In dwr mode receipts are not pending events
 * (R2) and are ignored altogether.
 */
export function prepare(input: DeviceInput, mode: Mode, scratch: Scratch): Work {
  const intake: Intake = { scratch, rejected: [], moscowFallbacks: 0 };
  const wraps = wrapColumns(input.wraps, intake);
  const points = pointColumns(input.alarms, input.issues, intake);
  const receipts = receiptColumns(mode === 'receipts' ? input.receipts : [], intake);
  const rejected = intake.rejected.sort((a, b) => TABLE_RANK[a.table] - TABLE_RANK[b.table] || a.id - b.id);
  const w: Work = {
    scratch,
    receiptsMode: mode === 'receipts',
    rejected,
    moscowFallbacks: intake.moscowFallbacks,
    input,
    ...wraps,
    ...points,
    ...receipts,
    ...emptyTimeline(),
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
    const t = pLocal[p];
    while (added < nw && wStart[added] < t) added++;
    while (head < added && wFinish[head] <= t) head++;
    if (head < added) {
      pWrap[p] = head;
      const tail = wNestTail[head];
      if (tail < 0) wNestHead[head] = p;
      else pNext[tail] = p;
      wNestTail[head] = p;
    }
  }
}

/** The wraps with finish > start, by (finish, id): the merge's finish stream. */
function finishStream(w: Work): Int32Array {
  const { f64, i32 } = w.scratch;
  const { nw, wId, wStart, wFinish } = w;
  const key = f64(nw);
  const id = f64(nw);
  const wrap = i32(nw);
  let n = 0;
  for (let i = 0; i < nw; i++) {
    if (wFinish[i] === wStart[i]) continue;
    key[n] = wFinish[i];
    id[n] = wId[i];
    wrap[n++] = i;
  }
  const fin = order(key, id, n, w.scratch);
  for (let k = 0; k < n; k++) fin[k] = wrap[fin[k]];
  return fin;
}

/** The points not nested in a wrap (R5), in their order. */
function topLevelPoints(w: Work): Int32Array {
  const { i32 } = w.scratch;
  const { np, pWrap } = w;
  const top = i32(np);
  let n = 0;
  for (let p = 0; p < np; p++) if (pWrap[p] < 0) top[n++] = p;
  return top.subarray(0, n);
}

/** R6: an entry at local time t of kind `kind` stands before one at (bestT, bestKind). */
function before(t: Micros, kind: number, bestT: Micros, bestKind: number): boolean {
  return t < bestT || (t === bestT && kind < bestKind);
}

/**
 * R6 and R7. Builds the timeline: a merge of four streams, each already in
 * (time, row id) order: wrap starts (the wraps' order), top-level points
 * (alarm before issue, already merged), wrap finishes and receipts. The next
 * entry is always the stream head with the least (local time, R6 rank); the
 * kinds are the ranks (R6_TIE_ORDER). The finish of a zero-length wrap is
 * written immediately after its own start and is not part of the finish
 * stream. Then (receipts mode) R7, then the entries' own times.
 */
export function buildTimeline(w: Work): void {
  const { i32, u8 } = w.scratch;
  const { nw, nr, wStart, wFinish, pLocal, pKind, rLocal } = w;
  const fin = finishStream(w);
  const top = topLevelPoints(w);
  const nf = fin.length;
  const ntop = top.length;
  const m = 2 * nw + ntop + nr;
  const sKind = u8(m);
  const sRef = i32(m);
  let starts = 0;
  let points = 0;
  let finishes = 0;
  let receipts = 0;
  let k = 0;
  while (k < m) {
    let kind = NO_KIND;
    let t = Infinity;
    if (finishes < nf && before(wFinish[fin[finishes]], FINISH, t, kind)) {
      t = wFinish[fin[finishes]];
      kind = FINISH;
    }
    if (receipts < nr && before(rLocal[receipts], RECEIPT, t, kind)) {
      t = rLocal[receipts];
      kind = RECEIPT;
    }
    if (points < ntop && before(pLocal[top[points]], pKind[top[points]], t, kind)) {
      t = pLocal[top[points]];
      kind = pKind[top[points]];
    }
    if (starts < nw && before(wStart[starts], START, t, kind)) kind = START;
    sKind[k] = kind;
    if (kind === FINISH) sRef[k++] = fin[finishes++];
    else if (kind === RECEIPT) sRef[k++] = receipts++;
    else if (kind === START) {
      sRef[k++] = starts;
      if (wFinish[starts] === wStart[starts]) {
        sKind[k] = FINISH;
        sRef[k++] = starts;
      }
      starts++;
    } else sRef[k++] = top[points++];
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
    const kind = sKind[i];
    const ref = sRef[i];
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
      n = release(held, sKind, sRef, n);
    }
  }
  release(held, sKind, sRef, n);
}

/** Writes the held receipts at position n on; returns the next position. */
function release(held: number[], sKind: Uint8Array, sRef: Int32Array, n: number): number {
  for (let h = 0; h < held.length; h++) {
    sKind[n] = RECEIPT;
    sRef[n++] = held[h];
  }
  held.length = 0;
  return n;
}

/** Every entry keeps its own times (R7: the sequence is no longer sorted). */
function fillTimes(w: Work): void {
  const { f64 } = w.scratch;
  const { m, sKind, sRef } = w;
  const sLocal = f64(m);
  const sMoscow = f64(m);
  for (let i = 0; i < m; i++) {
    const r = sRef[i];
    switch (sKind[i]) {
      case START:
        sLocal[i] = w.wStart[r];
        sMoscow[i] = w.wStartMoscow[r];
        break;
      case FINISH:
        sLocal[i] = w.wFinish[r];
        sMoscow[i] = w.wFinishMoscow[r];
        break;
      case RECEIPT:
        sLocal[i] = w.rLocal[r];
        sMoscow[i] = w.rMoscow[r];
        break;
      default:
        sLocal[i] = w.pLocal[r];
        sMoscow[i] = w.pMoscow[r];
    }
  }
  w.sLocal = sLocal;
  w.sMoscow = sMoscow;
}
