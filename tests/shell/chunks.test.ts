// Chunk sizing (the pass's memory bound): a chunk is bounded by devices and by
// pending rows; the row bound adapts to the density the last chunk showed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstChunkSize, nextChunkSize } from '../../src/shell/chunks.js';

describe('chunk sizing', () => {
  it('without a row bound every chunk holds --chunk-size devices', () => {
    const bounds = { maxDevices: 50, targetEvents: 0 };
    expect(firstChunkSize(bounds)).toBe(50);
    expect(nextChunkSize(bounds, 50, 50, 1_000_000)).toBe(50);
  });

  it('with a row bound the first chunk is one device, then as many as fit the bound at the density seen', () => {
    const bounds = { maxDevices: 50, targetEvents: 20_000 };
    expect(firstChunkSize(bounds)).toBe(1);
    expect(nextChunkSize(bounds, 1, 1, 1_000)).toBe(20); // 1,000 rows a device: 20 fit
    expect(nextChunkSize(bounds, 20, 20, 10_000)).toBe(40); // sparser: grows
    expect(nextChunkSize(bounds, 40, 40, 4_000)).toBe(50); // never above --chunk-size
    expect(nextChunkSize(bounds, 50, 50, 5_000_000)).toBe(1); // one deep device: one at a time
  });

  it('a chunk with no pending rows grows to --chunk-size; one whose devices were all owned elsewhere keeps its size', () => {
    const bounds = { maxDevices: 50, targetEvents: 20_000 };
    expect(nextChunkSize(bounds, 7, 7, 0)).toBe(50);
    expect(nextChunkSize(bounds, 7, 0, 0)).toBe(7);
  });

  it('property: the size stays within 1..--chunk-size, and a chunk of uniform devices stays within the row bound', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 10_000 }),
      (maxDevices, targetEvents, current, devices, perDevice) => {
        const bounds = { maxDevices, targetEvents };
        const next = nextChunkSize(bounds, current, devices, devices * perDevice);
        expect(next).toBeGreaterThanOrEqual(1);
        if (devices > 0) {
          expect(next).toBeLessThanOrEqual(maxDevices);
          // the next chunk, at the same density, loads at most the target (or a single device)
          if (next > 1) expect(next * perDevice).toBeLessThanOrEqual(targetEvents);
        }
      }));
  });
});
