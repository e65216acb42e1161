// windowEdges (issue 23): a quiet gap longer than TIMEDELTA_CHECK between the
// window's edge and the rows that matter settles that side (R5-R8).
import { describe, expect, it } from 'vitest';
import { windowEdges } from '../../src/core/index.js';
import { A, D, R, W, t } from './helpers.js';

const rows = (...items: Parameters<typeof D>) => D(...items);
const TDC = 420;

describe('windowEdges', () => {
  it('an empty stretch longer than TIMEDELTA_CHECK on each side, up to the window edges, settles both (R8.2)', () => {
    const r = rows(W(1, '10:00', '10:01'), R(2, '10:02'));
    expect(windowEdges(r, { from: t('10:00'), to: t('10:02') }, { from: t('09:00'), to: t('11:00') }, TDC)).toEqual({ before: true, after: true });
  });

  it('events within TIMEDELTA_CHECK of each other up to the edge: not settled', () => {
    const r = rows(A(1, '09:53'), W(2, '10:00', '10:01'), R(3, '10:02'), A(4, '10:08'));
    expect(windowEdges(r, { from: t('10:00'), to: t('10:02') }, { from: t('09:50'), to: t('10:10') }, TDC)).toEqual({ before: false, after: false });
    // a gap of exactly TIMEDELTA_CHECK cuts nothing (R8: more than)
    expect(windowEdges(rows(A(1, '09:53'), A(2, '10:00')), { from: t('10:00'), to: t('10:00') }, { from: t('09:53'), to: t('10:07') }, TDC))
      .toEqual({ before: false, after: false });
    expect(windowEdges(rows(A(1, '09:52:59'), A(2, '10:00')), { from: t('10:00'), to: t('10:00') }, { from: t('09:52:59'), to: t('10:07:01') }, TDC))
      .toEqual({ before: true, after: true });
  });

  it('a long wrap spanning the stretch keeps it from being quiet (R8: a wrap is never split)', () => {
    const r = rows(W(1, '09:00', '09:55', 1), A(2, '10:00'));
    expect(windowEdges(r, { from: t('10:00'), to: t('10:00') }, { from: t('09:30'), to: t('10:30') }, TDC).before).toBe(false);
    expect(windowEdges(r, { from: t('10:00'), to: t('10:00') }, { from: t('08:30'), to: t('10:30') }, TDC).before).toBe(true);
    // a wrap that the needed rows reach into extends them: the gap must follow its finish
    const after = rows(W(1, '10:00', '10:30', 1), A(2, '10:33'));
    expect(windowEdges(after, { from: t('10:00'), to: t('10:00') }, { from: t('09:00'), to: t('10:40') }, TDC).after).toBe(false);
    expect(windowEdges(after, { from: t('10:00'), to: t('10:00') }, { from: t('09:00'), to: t('10:41') }, TDC).after).toBe(true);
  });

  it('invalid rows (R4) occupy nothing', () => {
    const r = rows(A(1, '09:58', { local: null }), W(2, '09:57', '09:50', 1), R(3, '09:59', null, 0), A(4, '10:00'));
    expect(windowEdges(r, { from: t('10:00'), to: t('10:00') }, { from: t('09:52'), to: t('10:08') }, TDC)).toEqual({ before: true, after: true });
  });
});
