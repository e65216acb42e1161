// The repository explains itself (tests/ship/docs-check.ts): the links of the
// README and docs/ resolve, every rule number the code cites has its heading in
// docs/, and nothing names a path outside the repository. Each check runs on
// the work tree, and on a copy of it with one defect planted, where it must
// report exactly that defect.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anchors, checkLinks, checkOutsidePaths, checkRuleCitations, repoFiles, ruleHeadings, slug } from './docs-check.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const files = repoFiles(ROOT);

describe('the work tree', () => {
  it('has docs/rules.md with a heading for every rule R1-R19 and the sub-rules R8.1, R8.2', () => {
    const known = ruleHeadings(ROOT, files);
    for (let n = 1; n <= 19; n++) expect(known, `R${n}`).toContain(`R${n}`);
    expect(known).toContain('R8.1');
    expect(known).toContain('R8.2');
    expect(files).toContain('docs/schema.md');
  });

  it('every relative link of README.md and docs/ resolves, anchors included', () => {
    expect(checkLinks(ROOT, files)).toEqual([]);
  });

  it('every rule number cited in the code has its heading in docs/', () => {
    expect(checkRuleCitations(ROOT, files)).toEqual([]);
  });

  it('no file names a path outside the repository', () => {
    expect(checkOutsidePaths(ROOT, files)).toEqual([]);
  });
});

describe('GitHub anchors', () => {
  it('lower case, punctuation dropped, spaces to hyphens; repeats numbered', () => {
    expect(slug('R8 Grouping')).toBe('r8-grouping');
    expect(slug('R8.1 Cut after a receipt')).toBe('r81-cut-after-a-receipt');
    expect(slug('Upgrading: `analyzer migrate`')).toBe('upgrading-analyzer-migrate');
    expect(slug('The picture (`--format html`)')).toBe('the-picture---format-html');
    expect(slug('Ids beyond 2^53')).toBe('ids-beyond-253');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n## A\n<a id="kept"></a>\n')]).toEqual(['a', 'a-1', 'a-2', 'kept']);
  });
});

describe('a copy of the tree with one defect planted', () => {
  let copy: string;
  beforeEach(() => {
    copy = mkdtempSync(join(tmpdir(), 'polycomm-docs-check-'));
    for (const file of files) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(ROOT, file), join(copy, file));
    }
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  const all = () => repoFiles(copy);
  const edit = (file: string, change: (text: string) => string) => writeFileSync(join(copy, file), change(readFileSync(join(copy, file), 'utf8')));

  it('is clean before anything is planted (the copy is checked like the work tree)', () => {
    expect(checkLinks(copy, all())).toEqual([]);
    expect(checkRuleCitations(copy, all())).toEqual([]);
    expect(checkOutsidePaths(copy, all())).toEqual([]);
  });

  it('a link to a file that does not exist', () => {
    appendFileSync(join(copy, 'docs/rules.md'), '\nSee [the old page](old-rules.md).\n');
    expect(checkLinks(copy, all())).toEqual(['docs/rules.md: link old-rules.md: no such file']);
  });

  it('a link to a heading that does not exist', () => {
    edit('README.md', (t) => `${t}\nSee [the missing rule](docs/rules.md#r${90 + 9}-nothing).\n`);
    expect(checkLinks(copy, all())).toEqual([`README.md: link docs/rules.md#r${90 + 9}-nothing: docs/rules.md has no heading #r${90 + 9}-nothing`]);
  });

  it('a link to a heading that was renamed', () => {
    edit('docs/rules.md', (t) => t.replace('## Choices where the rules are silent', '## Choices'));
    expect(checkLinks(copy, all())).toContain('docs/architecture.md: link rules.md#choices-where-the-rules-are-silent: docs/rules.md has no heading #choices-where-the-rules-are-silent');
  });

  it('a link that climbs out of the repository', () => {
    const outside = ['..', '..', 'shared', 'spec', 'contract.md'].join('/');
    appendFileSync(join(copy, 'docs/schema.md'), `\nThe original: [contract](${outside}).\n`);
    expect(checkLinks(copy, all())).toEqual([`docs/schema.md: link ${outside} leads outside the repository`]);
  });

  it('an unknown rule number cited in src/', () => {
    const unknown = `R${19 + 8}`;
    writeFileSync(join(copy, 'src/core/planted.ts'), `// ${unknown}: a rule nobody wrote\nexport const planted = 1;\n`);
    expect(checkRuleCitations(copy, all())).toEqual([`src/core/planted.ts:1: cites ${unknown}, which has no heading in docs/`]);
  });

  it('an unknown sub-rule cited in tests/', () => {
    const unknown = `R8.${1 + 2}`;
    writeFileSync(join(copy, 'tests/core/planted.test.ts'), `it('${unknown}: a third way to cut', () => undefined);\n`);
    expect(checkRuleCitations(copy, all())).toEqual([`tests/core/planted.test.ts:1: cites ${unknown}, which has no heading in docs/`]);
  });

  it('a rule whose heading is gone: every citation of it is reported', () => {
    edit('docs/rules.md', (t) => t.replace(/^### R18 .*$/m, '### Atomicity'));
    const problems = checkRuleCitations(copy, all());
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.endsWith('cites R18, which has no heading in docs/'))).toBe(true);
  });

  it('the specification folder beside the checkout, named in a schema comment', () => {
    const outside = ['..', 'shared', 'spec', 'contract.md'].join('/');
    edit('docker/initdb/01-schema.sql', (t) => t.replace(/^-- .*$/m, `-- polycomm-analyzer: the database contract of ${outside}.`));
    const problems = checkOutsidePaths(copy, all());
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('docker/initdb/01-schema.sql:1: '))).toBe(true);
  });

  it('a relative path in a test that climbs above the root', () => {
    const outside = `${'../'.repeat(4)}notes/contract.md`;
    writeFileSync(join(copy, 'tests/ship/planted.ts'), `export const contract = '${outside}';\n`);
    expect(checkOutsidePaths(copy, all())).toEqual([`tests/ship/planted.ts:1: ${outside} leads outside the repository`]);
  });
});
