// Reusable typed-array scratch space for the analysis of one device.
//
// Why: a device's work arrays are large typed arrays whose backing stores live
// outside the JS heap. Allocating them afresh for every device makes V8 run
// full (mark-compact) collections on external-memory pressure, which with a
// large live heap (the loaded rows) cost more than the analysis itself. The
// arrays are therefore handed out from grow-only buffers reused from one call
// to the next.
//
// Safety: the core is synchronous and never re-entered; every call begins with
// resetScratch(), and each request within a call gets its own buffer, so no two
// live arrays of one call share memory. Nothing that leaves the core (plans,
// explanations) refers to scratch memory: results are copied into plain
// objects and arrays. The contents of a buffer are unspecified: every user
// initialises what it reads (fill, or writes before reads).
// Buffers above RETAIN elements are not kept (a huge device does not pin its
// memory for the rest of the process); releaseScratch() drops everything, and
// the pass calls it after each chunk, so a chunk of large devices (each below
// RETAIN, together hundreds of MB) is not kept to the end of the pass either.

const RETAIN = 1 << 20;

let f64Bufs: Float64Array[] = [];
let i32Bufs: Int32Array[] = [];
let u8Bufs: Uint8Array[] = [];
let nf = 0;
let ni = 0;
let nu = 0;

function capacity(n: number): number {
  let c = 256;
  while (c < n) c *= 2;
  return c;
}

/** Starts a new analysis: every buffer may be handed out again. */
export function resetScratch(): void {
  nf = 0;
  ni = 0;
  nu = 0;
}

/** Drops all retained buffers (for example at the end of a pass). */
export function releaseScratch(): void {
  f64Bufs = [];
  i32Bufs = [];
  u8Bufs = [];
  resetScratch();
}

/** Bytes held by the retained buffers (what releaseScratch() gives back). */
export function scratchBytes(): number {
  let bytes = 0;
  for (const bufs of [f64Bufs, i32Bufs, u8Bufs]) for (const b of bufs) bytes += b === undefined ? 0 : b.byteLength;
  return bytes;
}

export function f64(n: number): Float64Array {
  const k = nf++;
  let b = f64Bufs[k];
  if (b === undefined || b.length < n) {
    b = new Float64Array(capacity(n));
    if (n <= RETAIN) f64Bufs[k] = b;
  }
  return b.subarray(0, n);
}

export function i32(n: number): Int32Array {
  const k = ni++;
  let b = i32Bufs[k];
  if (b === undefined || b.length < n) {
    b = new Int32Array(capacity(n));
    if (n <= RETAIN) i32Bufs[k] = b;
  }
  return b.subarray(0, n);
}

export function u8(n: number): Uint8Array {
  const k = nu++;
  let b = u8Bufs[k];
  if (b === undefined || b.length < n) {
    b = new Uint8Array(capacity(n));
    if (n <= RETAIN) u8Bufs[k] = b;
  }
  return b.subarray(0, n);
}
