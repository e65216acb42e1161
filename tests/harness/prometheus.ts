// Debian's Prometheus tools for the monitoring tests: promtool (package
// `prometheus`) and a real Pushgateway (`prometheus-pushgateway`). Installed
// with apt when missing and possible (root, apt-get); otherwise the tests are
// skipped with one line saying why. In CI (CI=true) they must be there: .ci/run
// installs them, and a missing tool fails instead of skipping.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { freePort } from './embedded.js';

export const PROMTOOL = '/usr/bin/promtool';
export const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';

const have = () => existsSync(PROMTOOL) && existsSync(PUSHGATEWAY);

function tryInstall(): string | undefined {
  if (userInfo().uid !== 0) return 'not root';
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no apt-get';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // the packages' services must not start (ports 9090/9091): "no" from policy-rc.d while installing
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    return installWith(env);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

function installWith(env: NodeJS.ProcessEnv): string | undefined {
  const install = () => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', 'prometheus', 'prometheus-pushgateway'],
    { env, stdio: 'pipe', timeout: 900_000 });
  if (install().status !== 0) {
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { env, stdio: 'pipe', timeout: 600_000 });
    const second = install();
    if (second.status !== 0) return `apt-get install failed: ${second.stderr.toString().trim().split('\n').pop() ?? ''}`;
  }
  return have() ? undefined : 'installed, yet promtool or prometheus-pushgateway is missing';
}

let checked: string | null | undefined;

/** null when the tools are there; else why not (the skip line). Throws in CI. */
export function prometheusToolsMissing(): string | null {
  if (checked !== undefined) return checked;
  const why = have() ? undefined : tryInstall();
  checked = why === undefined ? null : `skipped: Debian's promtool / prometheus-pushgateway unavailable (${why})`;
  if (checked !== null && process.env.CI === 'true') throw new Error(`${checked}: CI must run these tests (.ci/run installs them)`);
  if (checked !== null) process.stderr.write(`${checked}\n`);
  return checked;
}

/** `promtool <args>`: exit code and output. */
export function promtool(args: string[], input?: string): { code: number; output: string } {
  const r = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export interface Gateway {
  url: string;
  /** The gateway's /metrics, parsed to `name{labels}` → value for our series. */
  scrape(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** A Pushgateway on a free port of 127.0.0.1, kept in memory only. */
export async function startPushgateway(): Promise<Gateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the Pushgateway did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    scrape: async () => parseMetrics(await (await fetch(`${url}/metrics`)).text()),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Our series (polycomm_analyzer_*) of a text exposition, keyed by name and
 * labels sorted, without the gateway's own `instance` and `job` labels.
 */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(polycomm_analyzer_\w+)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
      .filter(([, k]) => k !== 'instance' && k !== 'job')
      .map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

