// The (time, id) ordering and the scratch space behind the core's performance.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { order } from '../../src/core/sort.js';
import { analyzeDevice, explainDevice, Scratch } from '../../src/core/index.js';
import type { DeviceInput } from '../../src/core/index.js';
import { A, D, DAY, I, LATE, R, S, W, settings } from './helpers.js';

function reference(keys: number[], ids: number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || ids[a]! - ids[b]!);
}

function run(keys: number[], ids: number[]): number[] {
  return Array.from(order(Float64Array.from(keys), Float64Array.from(ids), keys.length, new Scratch()));
}

describe('order (R6 sort by time, then row id)', () => {
  it('matches a comparison sort on random keys with many ties', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300 }).chain((ids) =>
          fc.tuple(fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1e15, max: 1e15 }), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: ids.length, maxLength: ids.length }), fc.constant(ids)),
        ),
        ([keys, ids]) => {
          expect(run(keys, ids)).toEqual(reference(keys, ids));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles sorted input, all-equal keys, big equal piles and empty input', () => {
    expect(run([], [])).toEqual([]);
    expect(run([1, 2, 2, 3], [1, 1, 2, 0])).toEqual([0, 1, 2, 3]);
    expect(run([5, 5, 5], [3, 1, 2])).toEqual([1, 2, 0]);
    const keys = [...Array.from({ length: 40 }, () => 7), 1, 9];
    const ids = keys.map((_, i) => 100 - i);
    expect(run(keys, ids)).toEqual(reference(keys, ids));
  });
});

describe('scratch space', () => {
  it('hands out distinct buffers within a call and reuses them across calls', () => {
    const scratch = new Scratch();
    const { f64, i32, u8 } = scratch;
    const a = f64(10);
    const b = f64(10);
    a.fill(1);
    b.fill(2);
    expect(Array.from(a)).toEqual(Array(10).fill(1));
    scratch.reset();
    const c = f64(5);
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(5);
    expect(i32(3).length + u8(4).length).toBe(7);
  });

  it('does not retain very large buffers, and releases everything on request', () => {
    const scratch = new Scratch();
    const { f64, i32, u8 } = scratch;
    const big = [u8((1 << 20) + 1), i32((1 << 20) + 1), f64((1 << 20) + 1)];
    scratch.reset();
    const again = [u8(10).buffer, i32(10).buffer, f64(10).buffer];
    again.forEach((b, k) => expect(b === big[k]!.buffer).toBe(false));
    scratch.reset();
    const small = i32(10);
    const f = f64(10);
    scratch.release();
    expect(i32(10).buffer).not.toBe(small.buffer);
    expect(f64(10).buffer).not.toBe(f.buffer);
  });

  it('two scratch spaces share nothing: no state outside the object', () => {
    const one = new Scratch();
    const two = new Scratch();
    expect(one.f64(10).buffer).not.toBe(two.f64(10).buffer);
    expect(two.bytes()).toBe(2048); // one buffer of 256 doubles
    one.release();
    expect(two.bytes()).toBe(2048);
  });

  it('shrinks after a chunk: a big device keeps tens of MB until release(), then nothing; plans are unchanged', () => {
    const scratch = new Scratch();
    // A device of 200,000 wraps and receipts: every buffer stays below the
    // retain limit, so without a release they would stay for the whole pass.
    const big: DeviceInput = { deviceId: 1, wraps: [], alarms: [], issues: [], receipts: [] };
    for (let k = 0; k < 100_000; k++) {
      const start = DAY + k * 60 * S;
      big.wraps.push({ id: 2 * k + 1, polycomId: k, totalid: k, duration: 30, packageType: 1, start, finish: start + 30 * S, finishMoscow: start + 30 * S });
      big.receipts.push({ id: 2 * k + 2, local: start + 40 * S, moscow: start + 40 * S, single: 1, double: 0 });
    }
    const small = D(W(1, '10:00', '10:02', 2), R(3, '10:03', 0, 1));
    expect(scratch.bytes()).toBe(0);
    const before = analyzeDevice(small, settings(), LATE, scratch);
    const kept = scratch.bytes();
    expect(kept).toBeLessThan(1 << 20);
    const plan = analyzeDevice(big, settings(), LATE + 200 * 86_400 * S, scratch);
    expect(plan.tasks).toHaveLength(100_000);
    expect(scratch.bytes()).toBeGreaterThan(20 << 20);
    scratch.release(); // what the pass does after each chunk
    expect(scratch.bytes()).toBe(0);
    expect(analyzeDevice(small, settings(), LATE, scratch)).toEqual(before);
    expect(scratch.bytes()).toBe(kept);
  });

  it('results never alias scratch memory: a later call does not change an earlier plan or explanation', () => {
    const one = D(W(1, '10:00', '10:02', 2), A(2, '10:01'), R(3, '10:03', 1, 0), I(4, '10:30'));
    const two = D(W(9, '11:00', '11:01', 1), W(8, '11:00:30', '11:05', null), R(7, '11:00:40', 0, 2), A(6, '12:00'));
    const scratch = new Scratch();
    const p1 = analyzeDevice(one, settings(), LATE, scratch);
    const e1 = explainDevice(one, settings(), LATE, scratch);
    const copy = structuredClone({ p1, e1 });
    analyzeDevice(two, settings(), LATE, scratch);
    explainDevice(two, settings('dwr'), LATE, scratch);
    expect({ p1, e1 }).toEqual(copy);
    expect(analyzeDevice(one, settings(), LATE, scratch)).toEqual(p1);
  });
});
