// The one place that decides what a test does when a real component it needs
// (Chromium, promtool, the Pushgateway, the Docker engine, psql, openssl,
// Debian's PostgreSQL 15, root) is not there. Tests never install anything:
// .ci/run installs every component in CI. Outside CI a missing component
// skips its tests with one visible line saying why; in CI it is a failure.

/** Whether this run is CI: `CI` set to anything but '', '0' or 'false' (.ci/run sets CI=true). */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

const announced = new Set<string>();

/**
 * Whether the tests that need `name` run: true when it is `available`.
 * Otherwise, in CI, throws (CI must run them: .ci/run installs the component);
 * elsewhere prints `skipped: <name> ...: <why>` once on stderr and returns false.
 */
export function requireComponent(name: string, available: boolean, why: string): boolean {
  if (available) return true;
  const line = `skipped: the tests that need ${name}: ${why}`;
  if (inCI()) throw new Error(`${line}. CI must run them: .ci/run installs ${name}`);
  if (!announced.has(line)) {
    announced.add(line);
    process.stderr.write(`${line}\n`);
  }
  return false;
}
