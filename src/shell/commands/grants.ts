// `analyzer grants --role NAME [--read-only]`: prints the SQL that gives an
// existing role exactly the privileges a pass (or a read-only role) needs.
// Text only: it never connects, so a DBA reviews it before applying it.
import { EXIT } from '../../infra/exit-codes.js';
import { VERSION } from '../../infra/version.js';
import { grantScript } from '../privileges.js';

export function runGrants(role: string, readOnly: boolean, write: (text: string) => void): number {
  write(grantScript(role, { readOnly, version: VERSION }));
  return EXIT.OK;
}
