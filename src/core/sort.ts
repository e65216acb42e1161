// Ordering rows by (time, id) without comparator-heavy sorts.

import type { Scratch } from './scratch.js';

/**
 * The indices 0..n-1 ordered by (keys[i], ids[i]).
 *
 * Input that is already in order (a common case: rows loaded in time order)
 * costs one check. Otherwise a bucket sort: each key's bucket is
 * floor((key - min) * (n - 1) / (max - min)), which never decreases as the key
 * grows (floating subtraction, multiplication and floor are all monotone), so
 * buckets are in key order; each bucket of two or more is then ordered by
 * (key, id). Spread-out times give O(n); a pile of equal times falls back to
 * an ordinary comparison sort of that pile. Keys must be finite.
 */
export function order(keys: Float64Array, ids: Float64Array, n: number, scratch: Scratch): Int32Array {
  const { i32 } = scratch;
  const out = i32(n);
  let min = Infinity;
  let max = -Infinity;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k < min) min = k;
    if (k > max) max = k;
    if (sorted && i > 0) {
      const d = keys[i - 1] - k;
      if (d > 0 || (d === 0 && ids[i - 1] > ids[i])) sorted = false;
    }
    out[i] = i;
  }
  if (sorted) return out;
  const cmp = (a: number, b: number): number => keys[a] - keys[b] || ids[a] - ids[b];
  const scale = (n - 1) / (max - min);
  // All keys equal (scale infinite) or a range beyond floating point (scale 0): one comparison sort.
  if (!(scale > 0 && scale < Infinity)) return out.sort(cmp);

  const bucket = i32(n);
  const end = i32(n).fill(0);
  for (let i = 0; i < n; i++) {
    const b = Math.min(n - 1, Math.floor((keys[i] - min) * scale));
    bucket[i] = b;
    end[b]++;
  }
  // end[b] = one past the last slot of bucket b; fill from the back (bucket by bucket).
  for (let b = 1; b < n; b++) end[b] += end[b - 1];
  for (let i = n - 1; i >= 0; i--) {
    const b = bucket[i];
    const slot = end[b] - 1;
    end[b] = slot;
    out[slot] = i;
  }
  // Now end[b] is the first slot of bucket b; order each bucket of two or more.
  for (let b = 0; b < n; b++) {
    const s = end[b];
    const e = b + 1 < n ? end[b + 1] : n;
    const size = e - s;
    if (size < 2) continue;
    if (size <= 16) {
      // Insertion sort.
      for (let i = s + 1; i < e; i++) {
        const x = out[i];
        let j = i - 1;
        while (j >= s && cmp(out[j], x) > 0) {
          out[j + 1] = out[j];
          j--;
        }
        out[j + 1] = x;
      }
    } else {
      out.subarray(s, e).sort(cmp);
    }
  }
  return out;
}
