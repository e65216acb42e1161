// The worked examples (docs/rules.md) and the bad-input catalogue on
// PostgreSQL 14, 15, 16 and 18 (the full suite runs on 17): the very test
// files of the db project, run by vitest with TEST_DATABASE_URL pointing at
// an embedded server of that major.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pathWithTestNode } from '../harness/node-path.js';
import { startVersion, VERSIONS } from './servers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FILES = ['tests/pass/examples.test.ts', 'tests/reliability/bad-input.test.ts'];

function vitest(url: string): Promise<{ code: number | null; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  return new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--project', 'db', ...FILES], {
      cwd: ROOT, env: { ...env, PATH: pathWithTestNode(), TEST_DATABASE_URL: url, NO_COLOR: '1', ANALYZER_FAULT_TESTS: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.each(VERSIONS.filter((v) => v.major !== 17))('PostgreSQL $major', ({ major, package: pkg }) => {
  it('the worked examples and the bad-input catalogue pass', async () => {
    const server = await startVersion(pkg);
    try {
      expect(server.version.split('.')[0]).toBe(String(major));
      const r = await vitest(server.url);
      expect(r.code, r.output.slice(-4000)).toBe(0);
      expect(r.output).toMatch(new RegExp(`Test Files\\s+${FILES.length} passed`));
      expect(r.output).not.toMatch(/skipped/);
    } finally {
      await server.stop();
    }
  }, 300_000);
});
