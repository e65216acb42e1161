// Reusable typed-array scratch space for the analysis of one device.
//
// Why: a device's work arrays are large typed arrays whose backing stores live
// outside the JS heap. Allocating them afresh for every device makes V8 run
// full (mark-compact) collections on external-memory pressure, which with a
// large live heap (the loaded rows) cost more than the analysis itself. The
// arrays are therefore handed out from grow-only buffers reused from one call
// to the next.
//
// Safety: the core is synchronous and never re-entered; every analysis begins
// with scratch.reset(), and each request within it gets its own buffer, so no two
// live arrays of one call share memory. Nothing that leaves the core (plans,
// explanations) refers to scratch memory: results are copied into plain
// objects and arrays. The contents of a buffer are unspecified: every user
// initialises what it reads (fill, or writes before reads).
// Buffers above RETAIN elements are not kept (a huge device does not pin its
// memory for the rest of the process); release() drops everything, and
// the pass calls it after each chunk, so a chunk of large devices (each below
// RETAIN, together hundreds of MB) is not kept to the end of the pass either.
// The buffers live in a Scratch object the caller owns and passes in: no
// module-level state.

const RETAIN = 1 << 20;

function capacity(n: number): number {
  let c = 256;
  while (c < n) c *= 2;
  return c;
}

/**
 * The scratch memory of analyses, owned by whoever runs them (the pass keeps
 * one for its whole run and releases it after each chunk); one analysis at a
 * time. A call without one gets a fresh one, kept for that call only.
 */
export class Scratch {
  private f64Bufs: Float64Array[] = [];
  private i32Bufs: Int32Array[] = [];
  private u8Bufs: Uint8Array[] = [];
  private nf = 0;
  private ni = 0;
  private nu = 0;

  /** Starts a new analysis: every buffer may be handed out again. */
  reset(): void {
    this.nf = 0;
    this.ni = 0;
    this.nu = 0;
  }

  /** Drops all retained buffers (after a chunk, at the end of a pass). */
  release(): void {
    this.f64Bufs = [];
    this.i32Bufs = [];
    this.u8Bufs = [];
    this.reset();
  }

  /** Bytes held by the retained buffers (what release() gives back). */
  bytes(): number {
    let bytes = 0;
    for (const bufs of [this.f64Bufs, this.i32Bufs, this.u8Bufs]) for (const b of bufs) bytes += b === undefined ? 0 : b.byteLength;
    return bytes;
  }

  /** A Float64Array of n elements (contents unspecified). An arrow property: `const { f64 } = scratch` works. */
  readonly f64 = (n: number): Float64Array => {
    const k = this.nf++;
    let b = this.f64Bufs[k];
    if (b === undefined || b.length < n) {
      b = new Float64Array(capacity(n));
      if (n <= RETAIN) this.f64Bufs[k] = b;
    }
    return b.subarray(0, n);
  };

  /** A Int32Array of n elements (contents unspecified). An arrow property: `const { i32 } = scratch` works. */
  readonly i32 = (n: number): Int32Array => {
    const k = this.ni++;
    let b = this.i32Bufs[k];
    if (b === undefined || b.length < n) {
      b = new Int32Array(capacity(n));
      if (n <= RETAIN) this.i32Bufs[k] = b;
    }
    return b.subarray(0, n);
  };

  /** A Uint8Array of n elements (contents unspecified). An arrow property: `const { u8 } = scratch` works. */
  readonly u8 = (n: number): Uint8Array => {
    const k = this.nu++;
    let b = this.u8Bufs[k];
    if (b === undefined || b.length < n) {
      b = new Uint8Array(capacity(n));
      if (n <= RETAIN) this.u8Bufs[k] = b;
    }
    return b.subarray(0, n);
  };
}
