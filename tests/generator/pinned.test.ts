// The generator's output, pinned (issue 21). The bench, the demo and many tests
// depend on exact datasets, so any change to the generator's code must leave
// every row, every stat and every device byte-for-byte as it was: these digests
// were computed from the code before its restructuring and must never change
// unless the datasets are meant to (then every test built on them is rechecked).
//
// The option sets reach every branch of the device simulation: default, raised
// and zero rates, invalid rows and NULL Moscow times, short and fractional
// customer gaps, several seeds (negative too), device and id offsets, a window
// end off a whole second and fractional hours; and the demo for two ends.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoDataset } from '../../generator/demo.js';
import { DEFAULT_RATES, MICROS, TABLE_NAMES, generate } from '../../generator/generate.js';
import type { Dataset, GenerateOptions, Rates } from '../../generator/generate.js';
import { copyChunks } from '../../generator/load.js';
import type { Micros } from '../../src/core/index.js';

const END: Micros = Date.UTC(2024, 5, 1, 12, 0, 0) * 1000;

/** sha256 of every table's COPY text, then of everything else the dataset carries. */
function digest(d: Dataset): string {
  const h = createHash('sha256');
  for (const name of TABLE_NAMES) {
    h.update(`${name}\n`);
    for (const chunk of copyChunks(d.tables[name] as never)) h.update(chunk);
  }
  const { tables: _tables, ...rest } = d;
  h.update(JSON.stringify(rest));
  return h.digest('hex');
}

/** Every rate at `p` but the idle gaps (at 1 the device would never see a customer). */
const allRates = (p: number): Rates =>
  Object.fromEntries(Object.keys(DEFAULT_RATES).map((k) => [k, k === 'idleGap' ? Math.min(p, 0.05) : p])) as unknown as Rates;

const CASES: readonly (readonly [string, GenerateOptions, string])[] = [
  ['defaults, 6 devices, a day', { seed: 42, devices: 6, hours: 24, end: END },
    'f5cd6112aea25970ed1cfbf2d794d122a590aa2885732bb4fa84407c93973363'],
  ['another seed, device and id offsets, 2 days', { seed: 7, devices: 5, hours: 48, end: END, firstDeviceId: 300, idBase: 1_000_000 },
    'c35d352d4e375478795f761eda1f9b35d90a8890e24bd336a7879fed7f7f070d'],
  ['negative seed, one device, end off the second, fractional hours', { seed: -12345, devices: 1, hours: 30.5, end: END + 123_456_789 },
    '62e3c082c54b726e9f795fc83c5419dd46386b8f06295f7057caf4d330b742c2'],
  ['invalid rows and NULL Moscow times, busy devices',
    { seed: 3, devices: 4, hours: 12, end: END, rates: { nullMoscow: 0.05, invalid: 0.05 }, customerEveryMinutes: [0.5, 2.5] },
    '85eba8f5158f5a7e284615998164e35391ab8f8e5aac639a221f977526fa5bd6'],
  ['every anomaly at 50%', { seed: 99, devices: 4, hours: 24, end: END, rates: allRates(0.5) },
    'feacb4c8f406f0fc9ca2a823ac7781164e045059f6d4015c79bf9d0379df2095'],
  ['every anomaly always', { seed: 5, devices: 3, hours: 8, end: END, rates: allRates(1), customerEveryMinutes: [1, 4] },
    '6015a2c7dbf45bb8b5bfab317c95b62073fc75bdf1c2c16649768c421ab8c93a'],
  ['no anomalies, slow customers', { seed: 11, devices: 3, hours: 36, end: END, rates: allRates(0), customerEveryMinutes: [20, 40] },
    '735f031612bad661744033e64401d11cf4e610c7341bb143b13582fc4f5d1abc'],
  ['forty devices, several to a terminal', { seed: 2024, devices: 40, hours: 24, end: END },
    '307ad63a65e55b884d09115e0f0cd3e93db63c3732f8f15a00f032b478942835'],
  ['no devices', { seed: 1, devices: 0, hours: 24, end: END },
    'ac20a62170ab49d076d0f8a2e18764526ade9cbdf36f495d890b6d3c9a7b58f9'],
];

const DEMOS: readonly (readonly [string, Micros, { idBase?: number }, string])[] = [
  ['the demo at END', END, {},
    '05f5a0b94bef18ace8918f0926e2547f7a33c35f908a11b392ee30953cdd8248'],
  ['the demo 7 h 37 min later, ids from 5000', END + (7 * 60 + 37) * 60 * MICROS, { idBase: 5000 },
    '6cc13440e4ab7583eee71976d4ffa1f9fb2dae3cd667a566930593f409e17bd9'],
];

describe('the generator output is pinned', () => {
  for (const [name, options, pinned] of CASES) {
    it(`generate: ${name}`, () => {
      expect(digest(generate(options))).toBe(pinned);
    });
  }
  for (const [name, end, options, pinned] of DEMOS) {
    it(`demoDataset: ${name}`, () => {
      expect(digest(demoDataset(end, options))).toBe(pinned);
    });
  }
});
