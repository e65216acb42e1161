// The repository explains itself: a checker run by tests/ship/docs.test.ts on
// the work tree, and on planted copies to prove it fails. Three checks, each
// returning one line per problem (empty: all good):
//  - links: every relative link of README.md and docs/**/*.md names a file
//    or folder of the repository, and a `#anchor` names a heading of the
//    target (GitHub's slugs) or an explicit <a id>/<a name>;
//  - rules: every rule number cited in the code (R1..R19, sub-rules such as
//    R8.1) has its own heading in docs/;
//  - outside: no file names a path outside the repository (the specification
//    folder beside the checkout, the checkout's absolute path, a relative path
//    climbing above the root).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, relative, sep } from 'node:path';

/** The repository's files (tracked, plus new files not ignored), relative to root; a plain walk where there is no git. */
export function repoFiles(root: string): string[] {
  if (existsSync(join(root, '.git'))) {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
    return [...new Set(out.split('\0').filter(Boolean))].filter((f) => existsSync(join(root, f))).sort();
  }
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) return ['node_modules', 'dist', '.git'].includes(e.name) ? [] : walk(path);
      return [path];
    });
  return walk('').sort();
}

const BINARY = new Set(['.png', '.jpg', '.gif', '.ico', '.gz', '.tgz', '.zip']);
const isText = (file: string) => !BINARY.has(extname(file).toLowerCase());
const read = (root: string, file: string) => readFileSync(join(root, file), 'utf8');
const markdownFiles = (files: string[]) => files.filter((f) => f === 'README.md' || (f.startsWith('docs/') && f.endsWith('.md')));

/** Markdown without fenced code blocks and inline code spans (links and headings there are text, not markup). */
function withoutCode(text: string): string {
  return text
    .replace(/^(\s*)(```|~~~)[^\n]*\n[\s\S]*?^\s*\2[^\n]*$/gm, '')
    .replace(/(`+)[\s\S]*?\1/g, (code) => code.replace(/[[\]()]/g, ' '));
}

/** GitHub's anchor for a heading: lower case, punctuation and symbols dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The headings of a markdown text, in order (outside code blocks). */
export function headings(text: string): string[] {
  const plain = text.replace(/^(\s*)(```|~~~)[^\n]*\n[\s\S]*?^\s*\2[^\n]*$/gm, '');
  return [...plain.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)].map((m) => m[1]!);
}

/** Every anchor a markdown text defines: heading slugs (repeats get -1, -2, ...) and explicit ids. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const heading of headings(text)) {
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

/** The link targets of a markdown text: inline links and images, and reference definitions. */
function linkTargets(text: string): string[] {
  const plain = withoutCode(text);
  const inline = [...plain.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+["'][^)]*["'])?\s*\)/g)].map((m) => m[1]!);
  const references = [...plain.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

/** Whether `path` is the root or lies under it. */
function inside(root: string, path: string): boolean {
  const base = normalize(root).replace(/[/\\]+$/, '');
  return path === base || path.startsWith(base + sep);
}

/** Broken relative links of README.md and docs/**\/*.md. */
export function checkLinks(root: string, files: string[]): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (file: string) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchors(read(root, file)));
    return anchorCache.get(file)!;
  };
  for (const file of markdownFiles(files)) {
    for (const target of linkTargets(read(root, file))) {
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
      const path = decodeURIComponent(rawPath);
      const resolved = path === '' ? join(root, file) : normalize(path.startsWith('/') ? join(root, path) : join(root, dirname(file), path));
      const where = `${file}: link ${target}`;
      if (!inside(root, resolved)) { problems.push(`${where} leads outside the repository`); continue; }
      if (!existsSync(resolved)) { problems.push(`${where}: no such file`); continue; }
      if (anchor === undefined || anchor === '') continue;
      const targetFile = relative(root, resolved);
      if (statSync(resolved).isDirectory() || !targetFile.endsWith('.md')) { problems.push(`${where}: an anchor into something that is not a markdown file`); continue; }
      if (!anchorsOf(targetFile).has(decodeURIComponent(anchor).toLowerCase())) problems.push(`${where}: ${targetFile} has no heading #${anchor}`);
    }
  }
  return problems;
}

/**
 * The compact timeline notations of the core tests ('S3 F3 R20 | A9',
 * 'W1 A5^0 X7^0 R3': letter and row id) name rows, not rules: they are
 * removed before rule numbers are looked for.
 */
const NOTATION = /(['"`])(?:\s*(?:[SFRAIWX]\d+(?:\^\d+)?|\|))+\s*\1/g;
const CITATION = /\bR(\d{1,3})(?:\.(\d+))?\b/g;

/** The rule numbers (R8, R8.1) with a heading in docs/. */
export function ruleHeadings(root: string, files: string[]): Set<string> {
  const out = new Set<string>();
  for (const file of files.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))) {
    for (const heading of headings(read(root, file))) {
      const m = /^R(\d+(?:\.\d+)?)\b/.exec(heading.trim());
      if (m) out.add(`R${m[1]}`);
    }
  }
  return out;
}

/** Rule numbers cited in src/ and tests/ (and the other code folders) without a heading in docs/. */
export function checkRuleCitations(root: string, files: string[]): string[] {
  const known = ruleHeadings(root, files);
  const problems: string[] = [];
  const code = files.filter((f) => /^(src|tests|generator|bench|scripts)\//.test(f) && isText(f));
  for (const file of code) {
    read(root, file).split('\n').forEach((line, i) => {
      for (const m of line.replace(NOTATION, '').matchAll(CITATION)) {
        const rule = m[2] === undefined ? `R${m[1]}` : `R${m[1]}.${m[2]}`;
        if (!known.has(rule)) problems.push(`${file}:${i + 1}: cites ${rule}, which has no heading in docs/`);
      }
    });
  }
  return problems;
}

/** What names the world outside the repository: the specification folder beside the checkout, the checkout's machine path. */
const OUTSIDE = [
  { pattern: /\.\.\/shared\b/, what: 'the shared folder beside the checkout' },
  { pattern: /\bshared\/spec\b/, what: 'the specification folder outside the repository' },
  { pattern: /\b(?:ANALYSIS|SCHEMA)\.md\b/, what: 'a specification file outside the repository (docs/rules.md and docs/schema.md are ours)' },
  { pattern: /(?:^|[\s'"`(=:])\/work\//, what: 'an absolute path of the machine the repository was written on' },
];
/** A relative path: in code only inside a string (comments give examples relative to other folders). */
const RELATIVE_ANY = /(?:\.\.\/)+[^\s'"`()<>,;:\]]*/g;
const RELATIVE_STRING = /(?<=['"`])(?:\.\.\/)+[^\s'"`()<>,;:\]]*/g;
const CODE = new Set(['.ts', '.js', '.mjs', '.cjs']);

/** Files that name a path outside the repository. */
export function checkOutsidePaths(root: string, files: string[]): string[] {
  const problems: string[] = [];
  for (const file of files.filter(isText)) {
    const relativePaths = CODE.has(extname(file)) ? RELATIVE_STRING : RELATIVE_ANY;
    read(root, file).split('\n').forEach((line, i) => {
      for (const { pattern, what } of OUTSIDE) {
        if (pattern.test(line)) problems.push(`${file}:${i + 1}: names ${what}: ${line.trim().slice(0, 120)}`);
      }
      for (const m of line.matchAll(relativePaths)) {
        if (!inside(root, normalize(join(root, dirname(file), m[0])))) problems.push(`${file}:${i + 1}: ${m[0]} leads outside the repository`);
      }
    });
  }
  return problems;
}
