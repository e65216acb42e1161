// Acceptance (issue 3): the core imports nothing from postgres, winston, node:fs, node:process
// and uses no clock and no process global. Reads src/core/*.ts as text.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..', '..', 'src', 'core');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

/** Drops comments (good enough for our own sources: no '//' or '/*' inside strings that matter). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1]!);
  return out;
}

const FORBIDDEN = /^(?:node:)?(?:fs|fs\/promises|process|child_process|os|net|http|https|worker_threads|cluster)$|^postgres(?:\/|$)|^winston/;

describe('core purity', () => {
  it('finds the core modules', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'types.ts', 'plan.ts', 'explain.ts', 'timeline.ts', 'groups.ts', 'receipts.ts', 'dwr.ts']));
  });

  it.each(files)('%s imports only core modules (no postgres, winston, node:fs, node:process)', (f) => {
    const text = code(readFileSync(join(dir, f), 'utf8'));
    const specs = specifiers(text);
    for (const s of specs) {
      expect(s, `${f} imports ${s}`).not.toMatch(FORBIDDEN);
      // Relative core modules only (luxon, pure, would be acceptable; nothing else).
      expect(s, `${f} imports ${s}`).toMatch(/^(?:\.\/[\w-]+\.js|luxon)$/);
    }
  });

  it.each(files)('%s uses no clock and no process global', (f) => {
    const text = code(readFileSync(join(dir, f), 'utf8'));
    expect(text).not.toMatch(/\bprocess\b/);
    expect(text).not.toMatch(/\bDate\b/);
    expect(text).not.toMatch(/\bperformance\b/);
    expect(text).not.toMatch(/\bconsole\b/);
    expect(text).not.toMatch(/\bMath\.random\b/);
    expect(text).not.toMatch(/\bglobalThis\b/);
  });

  it('the checker itself catches forbidden imports and globals', () => {
    const bad = "import postgres from 'postgres';\nimport { readFileSync } from \"node:fs\";\nconst x = process.env.X; // ok\nconst n = Date.now();";
    expect(specifiers(code(bad))).toEqual(['postgres', 'node:fs']);
    expect(code(bad)).toMatch(/\bprocess\b/);
    expect(code(bad)).toMatch(/\bDate\b/);
    expect(code('// process in a comment\n/* new Date() */ const a = 1;')).not.toMatch(/\bprocess\b|\bDate\b/);
  });
});
