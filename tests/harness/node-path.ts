// A child started through `npm`/`npx` (their `#!/usr/bin/env node`) runs on the
// first `node` of its PATH, which need not be the node the tests run on (CI runs
// them on its pinned Node 24, issue 24; a developer may call vitest with another
// node's path). This PATH puts the tests' own node first when it is not already.
import { realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const real = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return '';
  }
};

/** `path` (default this process's PATH) with the directory of process.execPath first, unless its first `node` is already that one. */
export function pathWithTestNode(path: string = process.env.PATH ?? ''): string {
  const dirs = path.split(delimiter).filter(Boolean);
  const self = real(process.execPath);
  const first = dirs.map((d) => real(join(d, 'node'))).find(Boolean);
  return first === self ? path : [dirname(process.execPath), ...dirs].join(delimiter);
}
