// Debian's Prometheus tools for the monitoring tests: promtool (package
// `prometheus`) and a real Pushgateway (`prometheus-pushgateway`). .ci/run
// installs them; the tests never do (tests/harness/component.ts decides what
// missing tools mean: one skip line, or a failure in CI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { requireComponent } from './component.js';
import { freePort } from './embedded.js';

export const PROMTOOL = '/usr/bin/promtool';
export const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';

/** Whether the tests needing promtool and a Pushgateway run. */
export const havePrometheusTools = (): boolean => requireComponent(
  'promtool and prometheus-pushgateway',
  existsSync(PROMTOOL) && existsSync(PUSHGATEWAY),
  `${PROMTOOL} or ${PUSHGATEWAY} is not installed (apt-get install prometheus prometheus-pushgateway)`,
);

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

