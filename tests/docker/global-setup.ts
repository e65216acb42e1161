// vitest global setup of the docker project, once per run: a Docker engine
// (tests/docker/engine.sh: Debian's docker.io, started when not running), the
// stand-in base images (tests/docker/stand-ins/build.sh: Docker Hub is
// unreachable here), and the analyzer image built from the tracked files of
// the work tree (a clean checkout: nothing untracked, no node_modules, no
// dist). Where no engine can be had (not installed, not root) every docker
// test is skipped with one line saying why; in CI that is a failure
// (tests/harness/component.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { requireComponent } from '../harness/component.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The analyzer image built for this run; '' when the docker tests are skipped. */
    dockerImage: string;
    /** Why the docker tests are skipped ('' when they run). */
    dockerSkip: string;
    /** The node:24-bookworm-slim (stand-in) the image was built from. */
    dockerNodeImage: string;
    /** The postgres:15 (stand-in) for compose. */
    dockerPostgresImage: string;
  }
}

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = join(ROOT, 'tests', 'docker');
export const IMAGE = 'polycomm-analyzer:test';
/** The Dockerfile's base image, `ARG NODE_IMAGE`'s default (node:24-bookworm-slim): the one place that names the image's Node. */
export const OFFICIAL_NODE_IMAGE = (() => {
  const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  if (!base) throw new Error('docker tests: the Dockerfile has no ARG NODE_IMAGE=...');
  return base;
})();
/** Its stand-in (tests/docker/stand-ins/build.sh: Debian and CI's pinned Node of the same major). */
export const NODE_IMAGE = `polycomm-stand-in/${OFFICIAL_NODE_IMAGE}`;
export const POSTGRES_IMAGE = 'polycomm-stand-in/postgres:15';

/** The tracked files as they are in the work tree, copied into a fresh folder (a clean checkout). */
export function cleanCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'polycomm-checkout-'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

function step(what: string, cmd: string, args: string[], env: Record<string, string> = {}): { code: number; output: string } {
  const started = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  console.log(`docker tests: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { code: r.status ?? 1, output };
}

export default function setup(project: TestProject) {
  const provide = (image: string, skip: string) => {
    project.provide('dockerImage', image);
    project.provide('dockerSkip', skip);
    project.provide('dockerNodeImage', NODE_IMAGE);
    project.provide('dockerPostgresImage', POSTGRES_IMAGE);
  };
  // no installs here (.ci/run installs the engine): only a dockerd that is not running is started
  const engine = step('engine', join(HERE, 'engine.sh'), ['--no-install']);
  if (engine.code === 3) {
    const why = engine.output.trim().split('\n').pop() ?? 'no Docker engine';
    requireComponent('a Docker engine (docker.io, docker-compose, debootstrap)', false, why);
    provide('', why);
    return;
  }
  if (engine.code !== 0) throw new Error(`docker tests: no Docker engine: ${engine.output.trim()}`);
  const standIns = step('stand-in images', join(HERE, 'stand-ins', 'build.sh'), ['all'], {
    STAND_IN_NODE_IMAGE: NODE_IMAGE, STAND_IN_POSTGRES_IMAGE: POSTGRES_IMAGE,
  });
  if (standIns.code !== 0) throw new Error(`docker tests: stand-in images failed:\n${standIns.output.slice(-3000)}`);
  const context = cleanCheckout();
  try {
    const build = step(`docker build ${IMAGE} from a clean checkout`, 'docker', [
      'build', '--force-rm', '--network', 'host', '--build-arg', `NODE_IMAGE=${NODE_IMAGE}`, '-t', IMAGE, context,
    ], { DOCKER_BUILDKIT: '0' });
    if (build.code !== 0) throw new Error(`docker tests: docker build failed:\n${build.output.slice(-3000)}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  provide(IMAGE, '');
  return () => {
    // containers a failed test left behind
    const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=polycomm-test=${process.pid}`], { encoding: 'utf8' }).stdout.trim();
    if (ids) spawnSync('docker', ['rm', '-f', ...ids.split('\n')], { stdio: 'ignore' });
    // a daemon this run started is stopped again (one .ci/run started is stopped by .ci/run)
    if (engine.output.includes('starting dockerd')) spawnSync('bash', [join(HERE, 'engine.sh'), 'stop'], { stdio: 'inherit' });
  };
}
