// Lint for the whole tree (src, tests, bench, generator, scripts): typescript-eslint's
// type-checked recommendations, plus the project's architecture rules that used to be
// regular-expression tests (tests/ship/lint.test.ts plants a violation of each):
//   - src/core is pure: it imports only other core modules and luxon, and uses no clock,
//     no process, no console, no randomness, no timers (`now` is passed in);
//   - the rest of the product reaches the core through src/core/index.ts only;
//   - SQL is postgres.js tagged templates: no sql.unsafe / sql.file, no untagged or
//     concatenated SQL text, except on a line whose disable comment says why;
//   - every eslint-disable comment names its rules and gives a reason after ` -- `
//     (a blanket `eslint-disable` hides that finding too: tests/ship/lint.test.ts finds it
//     among the suppressed messages of the tree).
//   - no function in src, generator, bench or scripts is longer than 80 lines, every line
//     counted (tests are exempt: a `describe` block is a container, not a function).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Statements SQL text starts with (the words of the old sql-safety test, plus maintenance ones).
const SQL_START = String.raw`/^\s*(select|insert|update|delete|with|alter|create|drop|copy|truncate|grant|revoke|vacuum|analyze)\b/i`;

/** SQL is built by postgres.js tagged templates only (everywhere: src, tests, bench, generator, scripts). */
const sqlSyntax = [
  {
    selector: `TemplateLiteral[quasis.0.value.raw=${SQL_START}]:not(TaggedTemplateExpression > TemplateLiteral)`,
    message: 'SQL text in an untagged template: write it as a postgres.js tagged template (sql`...`), which sends values as parameters.',
  },
  {
    selector: `:matches(BinaryExpression[operator='+'], AssignmentExpression[operator='+=']) > :matches(Literal[value=${SQL_START}], TemplateLiteral[quasis.0.value.raw=${SQL_START}])`,
    message: 'SQL built by string concatenation: write it as a postgres.js tagged template (sql`...`).',
  },
];

const sqlProperties = [
  { property: 'unsafe', message: 'sql.unsafe runs text as SQL. Use a tagged template; where text must run, say why in an eslint-disable-next-line comment (-- reason).' },
  { property: 'file', message: 'sql.file runs a file as SQL. Only reviewed, static files may: say why in an eslint-disable-next-line comment (-- reason).' },
];

const pure = 'src/core is pure (no I/O, no clock, no logger, no process): the shell passes what the rules need, `now` included.';

/** The core: no I/O, no clock, no process. */
const coreImports = {
  patterns: [
    {
      // anything but a sibling core module (./name.js) or luxon: node:fs, node:child_process, node:net, postgres,
      // winston, ../infra/clock.js, ../shell/..., ...
      regex: String.raw`^(?!(?:\./[\w-]+\.js|luxon)$)`,
      message: `${pure} It may import only other core modules (./name.js) and luxon.`,
    },
  ],
};

const coreGlobals = [
  ...['Date', 'performance'].map((name) => ({ name, message: `${pure} ${name} reads the clock: take \`now\` as a parameter.` })),
  ...['process', 'console', 'globalThis', 'global', 'require', 'fetch', 'crypto'].map((name) => ({ name, message: `${pure} No ${name}.` })),
  ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'].map((name) => ({ name, message: `${pure} No timers (${name}).` })),
];

const coreProperties = [
  ...sqlProperties,
  { object: 'Math', property: 'random', message: `${pure} No Math.random: results must be reproducible.` },
  { object: 'DateTime', property: 'now', message: `${pure} DateTime.now() reads the clock: take \`now\` as a parameter.` },
];

const coreSyntax = [
  ...sqlSyntax,
  {
    selector: "CallExpression[callee.object.name='DateTime'][callee.property.name=/^(local|utc)$/][arguments.length=0]",
    message: `${pure} DateTime.local()/DateTime.utc() without arguments read the clock: take \`now\` as a parameter.`,
  },
  {
    // so that DateTime.now cannot hide behind another name
    selector: "ImportDeclaration[source.value='luxon'] > :matches(ImportNamespaceSpecifier, ImportDefaultSpecifier, ImportSpecifier[imported.name='DateTime'][local.name!='DateTime'])",
    message: `${pure} Import luxon's DateTime by its own name (import { DateTime } from 'luxon'), so the clock rules can see it.`,
  },
  {
    selector: "ImportDeclaration[source.value='luxon'] > ImportSpecifier[imported.name='Settings']",
    message: `${pure} luxon's Settings is global state (Settings.now replaces the clock, defaultZone the zone).`,
  },
  {
    selector: "VariableDeclarator[init.name='DateTime'][id.type='ObjectPattern'], AssignmentExpression[right.name='DateTime']",
    message: `${pure} Use DateTime's methods through DateTime (so the clock rules can see them).`,
  },
  { selector: 'ImportExpression', message: `${pure} No dynamic import().` },
];

/** Outside the core, the core is reached through its public API only. */
const coreThroughIndex = {
  patterns: [
    {
      regex: String.raw`(^|/)core/(?!index\.js$)`,
      message: 'Import the core through src/core/index.ts (its public API), not its modules: export what you need from there.',
    },
  ],
};

/** Every eslint-disable comment names its rules and says why (`-- reason`). */
const disableNeedsReason = {
  meta: { type: 'problem', schema: [], messages: {
    reason: 'Say why after " -- " in this {{kind}} comment (a reviewed reason for the exception).',
    rules: 'Name the rules this {{kind}} comment turns off (no blanket disable).',
  } },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          const match = /^\s*(eslint-disable(?:-next-line|-line)?)(?=\s|$)(.*)$/s.exec(comment.value);
          if (!match) continue;
          const [, kind, rest] = match;
          const [rules = '', reason] = rest.split(/\s--\s/, 2);
          if (!rules.trim()) context.report({ loc: comment.loc, messageId: 'rules', data: { kind } });
          if (!reason || !reason.trim()) context.report({ loc: comment.loc, messageId: 'reason', data: { kind } });
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', '.tsbuild/**', 'test-results/**', 'coverage/**', 'node_modules/**', '.ci/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { project: { rules: { 'disable-needs-reason': disableNeedsReason } } },
    rules: {
      'project/disable-needs-reason': 'error',
      'no-restricted-syntax': ['error', ...sqlSyntax],
      'no-restricted-properties': ['error', ...sqlProperties],
      // `_name` marks a value deliberately left unused (a destructured field dropped, a positional parameter)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreImports],
      'no-restricted-globals': ['error', ...coreGlobals],
      'no-restricted-properties': ['error', ...coreProperties],
      'no-restricted-syntax': ['error', ...coreSyntax],
    },
  },
  {
    files: ['src/**/*.ts', 'generator/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/core/**'],
    rules: { 'no-restricted-imports': ['error', coreThroughIndex] },
  },
  {
    // Short functions: 80 lines at most, comments and blank lines included (a long function is
    // several jobs; split it rather than squeeze it).
    files: ['src/**/*.ts', 'generator/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false }] },
  },
  {
    // Reads the Dockerfile and crontab, whose instructions (COPY ...) look like SQL to the text rules above.
    files: ['tests/ship/static.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // vitest's asymmetric matchers (expect.any(Array), expect.stringMatching(...)) are typed `any`.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Command-line and environment values arrive as `unknown` (narrowed to `{}`) and are strings or numbers:
    // String(value) is what the option parsers mean.
    files: ['src/infra/**/*.ts', 'src/shell/commands/**/*.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
);
