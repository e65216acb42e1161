// The one helper that decides what a missing component means
// (tests/harness/component.ts): a visible skip line outside CI, a failure in CI.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inCI, requireComponent } from './component.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('inCI', () => {
  it.each([
    [undefined, false], ['', false], ['0', false], ['false', false], ['FALSE', false],
    ['true', true], ['1', true], ['yes', true],
  ])('CI=%j is CI: %j', (value, expected) => {
    expect(inCI(value === undefined ? {} : { CI: value })).toBe(expected);
  });
});

describe('requireComponent', () => {
  it('an available component runs, silently, in CI or not', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.stubEnv('CI', 'true');
    expect(requireComponent('openssl', true, 'not installed')).toBe(true);
    vi.stubEnv('CI', '');
    expect(requireComponent('openssl', true, 'not installed')).toBe(true);
    expect(write).not.toHaveBeenCalled();
  });

  it('outside CI a missing component skips, with one line saying why (printed once)', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.stubEnv('CI', '');
    expect(requireComponent('a planted tool', false, '/usr/bin/planted is not installed')).toBe(false);
    expect(requireComponent('a planted tool', false, '/usr/bin/planted is not installed')).toBe(false);
    expect(write.mock.calls).toEqual([['skipped: the tests that need a planted tool: /usr/bin/planted is not installed\n']]);
  });

  it('in CI a missing component is a failure naming it and why', () => {
    vi.stubEnv('CI', 'true');
    expect(() => requireComponent('another planted tool', false, 'not installed'))
      .toThrow('skipped: the tests that need another planted tool: not installed. CI must run them: .ci/run installs another planted tool');
  });
});
