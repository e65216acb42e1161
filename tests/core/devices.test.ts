import { describe, expect, it } from 'vitest';
import { selectReady, type ReadyCodeRow } from '../../src/core/devices.js';

const row = (over: Partial<ReadyCodeRow>): ReadyCodeRow => ({ devicecode: '1', kind: 'receipts', codeInt: 1, deviceId: 1, title: 'd1', ...over });

describe('R1 ready devices', () => {
  it('R1: a device with several matching rows takes part once', () => {
    const s = selectReady([row({ devicecode: '5' }), row({ devicecode: ' 5 ' }), row({ devicecode: '+5' })].map((r) => ({ ...r, codeInt: 5, deviceId: 9 })), 'receipts');
    expect(s.devices).toEqual([{ id: 9, code: 5, title: 'd1' }]);
  });

  it('R1: only devices of the mode take part', () => {
    const s = selectReady([row({ deviceId: 1, codeInt: 11 }), row({ deviceId: 2, codeInt: 12, kind: 'dwr' })], 'dwr');
    expect(s.devices.map((d) => d.id)).toEqual([2]);
  });

  it('R1: a device ready in both modes is a conflict: skipped by both', () => {
    const rows = [row({ deviceId: 3, codeInt: 13 }), row({ deviceId: 3, codeInt: 13, kind: 'dwr' }), row({ deviceId: 4, codeInt: 14 })];
    for (const mode of ['receipts', 'dwr'] as const) {
      const s = selectReady(rows, mode);
      expect(s.conflicts.map((d) => d.id)).toEqual([3]);
      expect(s.devices.map((d) => d.id)).toEqual(mode === 'receipts' ? [4] : []);
    }
  });

  it('R1: junk codes of the mode are listed once each; junk of the other mode is not', () => {
    const s = selectReady([
      row({ devicecode: 'abc', codeInt: null, deviceId: null }),
      row({ devicecode: 'abc', codeInt: null, deviceId: null }),
      row({ devicecode: null, codeInt: null, deviceId: null }),
      row({ devicecode: 'xyz', codeInt: null, deviceId: null, kind: 'dwr' }),
    ], 'receipts');
    expect(s.junkCodes).toEqual(['abc', null]);
    expect(s.devices).toEqual([]);
  });

  it('R1: an integer code with no device is reported as unknown', () => {
    const s = selectReady([
      row({ devicecode: '77', codeInt: 77, deviceId: null }),
      row({ devicecode: '78', codeInt: 78, deviceId: null, kind: 'dwr' }),
    ], 'receipts');
    expect(s.unknownCodes).toEqual([77]);
  });

  it('--device restricts the pass to the listed ids, sorted by id', () => {
    const rows = [row({ deviceId: 8, codeInt: 18 }), row({ deviceId: 6, codeInt: 16 }), row({ deviceId: 7, codeInt: 17 })];
    expect(selectReady(rows, 'receipts').devices.map((d) => d.id)).toEqual([6, 7, 8]);
    expect(selectReady(rows, 'receipts', [8, 6]).devices.map((d) => d.id)).toEqual([6, 8]);
  });
});
