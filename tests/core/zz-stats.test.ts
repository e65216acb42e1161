import fc from 'fast-check';
import { it } from 'vitest';
import { explainDevice } from '../../src/core/index.js';
import { caseArbForStats } from './properties.test.js';
it('stats', () => {
  for (const mode of ['receipts', 'dwr'] as const) {
    fc.statistics(caseArbForStats(mode), ({ input, settings, now }) => {
      const e = explainDevice(input, settings, now);
      const tags: string[] = [];
      return [
        e.groups.some((g) => g.state === 'deferred') ? 'deferred' : 'no-deferred',
        e.groups.some((g) => g.state === 'written') ? 'written' : 'no-written',
      ].join(',') + (e.entries.some((x) => x.movedByR7) ? ' moved' : '') + (e.entries.some((x) => x.nested.length) ? ' nested' : '') + (e.groups.some((g) => g.balanced && g.counts.nS > 0) ? ' balanced-wraps' : '') + (e.cuts.length > 2 ? ' cuts>2' : '') + (e.groups.some(g=>g.wraps.some(w=>w.analyzerIssue===8||w.analyzerIssue===9)) ? ' 8/9' : '');
    }, { numRuns: 2000, logger: (s) => console.log(mode, s) });
  }
});
