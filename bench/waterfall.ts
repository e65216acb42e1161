// Where one pass's wall time goes (issue 22, `npm run bench -- --waterfall`):
// the server's side from its statement log (log_min_duration_statement = 0:
// the parse, bind and execute of every statement, with when it ended), the
// process's side from a V8 CPU profile of the CLI (--cpu-prof: what the main
// thread ran, sample by sample), and the write statement split into its
// inserts and updates by EXPLAIN ANALYZE of the same pass's writes on another
// copy (auto_explain; its shares applied to the first pass's execute time).
// The profile's clock is aligned with the log's by the moments the process
// wakes up right after a statement ends, so what ran at the same time on
// both sides (two connections) and when neither worked (idle gaps) can be
// told apart.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One phase of the waterfall: where it ran and how long (ms, summed over the pass). */
export interface Phase {
  phase: string;
  where: 'PostgreSQL' | 'Node' | 'both' | 'neither';
  ms: number;
  count?: number;
}

export interface Waterfall {
  key: string;
  date: string;
  wallMs: number;
  loadBefore: number[];
  statements: number;
  phases: Phase[];
  /** busy time of the server (any of the pass's connections), of the process's main thread, of both at once, of neither */
  serverMs: number;
  nodeMs: number;
  bothMs: number;
  idleMs: number;
  /** how well the two clocks were aligned: statement ends followed by a wake-up of the process within 3 ms */
  aligned: string;
}

// ---------------------------------------------------------------------------
// The server log

interface Statement {
  pid: string;
  /** end, ms since the epoch (the log's %m) */
  end: number;
  ms: number;
  step: 'parse' | 'bind' | 'execute' | 'simple';
  kind: string;
}

/** What a statement of the pass is, by its text. */
function kindOf(text: string): string {
  const q = text.replace(/\s+/g, ' ').trim();
  const rules: [RegExp, string][] = [
    [/^(begin|BEGIN)/, 'begin'], [/^(commit|COMMIT)/, 'commit'], [/^(rollback|ROLLBACK)/, 'rollback'],
    [/set_config\('statement_timeout'/, 'settings'], [/pg_try_advisory_xact_lock/, 'claim (advisory locks)'],
    [/string_agg[\s\S]*from polycomm_suitcase/, 'load wraps'], [/string_agg[\s\S]*from polycommalarm/, 'load alarms'],
    [/string_agg[\s\S]*from polycommissue/, 'load issues'], [/string_agg[\s\S]*from receipts/, 'load receipts'],
    [/nextval[\s\S]*generate_series/, 'allocate ids'], [/^with new_tasks as/, 'write'],
  ];
  return rules.find(([re]) => re.test(q))?.[1] ?? 'other statements';
}

/** The pass's statements in a server log written with log_line_prefix '%m [%p] %a '. */
export function parseServerLog(text: string, application = 'polycomm-analyzer'): Statement[] {
  const out: Statement[] = [];
  let current: { t: number; pid: string; app: string; msg: string } | undefined;
  const flush = () => {
    if (!current || current.app !== application) return;
    const m = /^duration: ([\d.]+) ms\s+(?:(parse|bind|execute) <unnamed>|statement): ([\s\S]*)$/.exec(current.msg);
    if (m) out.push({ pid: current.pid, end: current.t, ms: Number(m[1]), step: (m[2] ?? 'simple') as Statement['step'], kind: kindOf(m[3]!) });
  };
  for (const line of text.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\w+) \[(\d+)\] (.*?) ?LOG: {2}(.*)$/.exec(line);
    if (m) {
      flush();
      current = { t: Date.parse(`${m[1]!.replace(' ', 'T')}Z`), pid: m[3]!, app: m[4]!, msg: m[5]! };
    } else if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /.test(line)) {
      flush();
      current = undefined;
    } else if (current) {
      current.msg += `\n${line}`;
    }
  }
  flush();
  return out;
}

/** Shares of the write statement's execute time, from auto_explain's plans of the writes (Insert/Update nodes under each CTE). */
export function writeShares(text: string): Map<string, number> {
  const totals = new Map<string, number>();
  const names: Record<string, string> = {
    new_tasks: 'insert task', new_issues: 'insert polycommissue (analyzer issues)', new_links: 'insert task_to_event',
    wraps: 'update polycomm_suitcase', alarms: 'update polycommalarm', issues: 'update polycommissue', receipts: 'update receipts',
  };
  let all = 0;
  for (const plan of text.split(/Query Text: /).map((p) => p.trimStart()).filter((p) => p.startsWith('with new_tasks as'))) {
    const total = /Execution Time: ([\d.]+) ms/.exec(plan) ?? /"Execution Time": ([\d.]+)/.exec(plan);
    const duration = total ? Number(total[1]) : 0;
    const top = /actual time=[\d.]+\.\.([\d.]+)/.exec(plan.slice(plan.indexOf('Result') >= 0 ? plan.indexOf('Result') : 0));
    all += duration || (top ? Number(top[1]) : 0);
    for (const m of plan.matchAll(/CTE (\w+)\n\s*->\s+(?:Insert|Update) on \w+[^\n]*actual time=[\d.]+\.\.([\d.]+)/g)) {
      const name = names[m[1]!] ?? m[1]!;
      totals.set(name, (totals.get(name) ?? 0) + Number(m[2]));
    }
  }
  const parts = [...totals.values()].reduce((a, b) => a + b, 0);
  const shares = new Map<string, number>();
  if (parts === 0) return shares;
  const whole = Math.max(all, parts);
  for (const [name, ms] of totals) shares.set(name, ms / whole);
  shares.set('the rest of the statement (unnest, counts)', (whole - parts) / whole);
  return shares;
}

// ---------------------------------------------------------------------------
// The CPU profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** What a sample of the main thread was doing, by the innermost frame of ours (or the driver's, or V8's). */
function categorize(profile: CpuProfile): (id: number) => string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  const rules: [RegExp, string][] = [
    [/\/sql\/plan-rows\.js$/, 'plan rows'], [/\/sql\/array-literal\.js$/, 'encoding (array literals)'],
    [/\/sql\/(packed-rows|load-\w+)\.js$|\/shell\/load\.js$/, 'load: reading the rows'], [/\/core\//, 'analysis (core)'],
  ];
  return (id) => {
    const hit = cache.get(id);
    if (hit) return hit;
    const own = byId.get(id)!.callFrame.functionName;
    let kind = own === '(idle)' ? 'idle' : own === '(garbage collector)' ? 'garbage collection' : '';
    for (let n: ProfileNode | undefined = byId.get(id); !kind && n; n = byId.get(parent.get(n.id)!)) {
      kind = rules.find(([re]) => re.test(n.callFrame.url))?.[1] ?? '';
    }
    for (let n: ProfileNode | undefined = byId.get(id); !kind && n; n = byId.get(parent.get(n.id)!)) {
      if (/node_modules\/postgres\//.test(n.callFrame.url)) kind = 'postgres.js (messages in and out)';
    }
    kind ||= 'the rest (pass steps, report, Node internals)';
    cache.set(id, kind);
    return kind;
  };
}

interface Sample {
  /** µs on the profile's clock */
  at: number;
  us: number;
  kind: string;
}

export function profileSamples(profile: CpuProfile): Sample[] {
  const kindOfSample = categorize(profile);
  const out: Sample[] = [];
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const us = profile.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
    out.push({ at, us, kind: kindOfSample(profile.samples[i]!) });
  }
  return out;
}

/** The one .cpuprofile file the CLI wrote into `dir`. */
export function readProfile(dir: string): CpuProfile {
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}

// ---------------------------------------------------------------------------
// Both clocks on one axis

/**
 * The offset (ms) to add to a profile time (µs / 1000) to get the log's
 * clock: the one at which the most statement ends are followed within 3 ms by
 * the process waking up, searched around `guess` (the spawn's wall time).
 */
export function alignClocks(statements: Statement[], samples: Sample[], guessMs: number): { offset: number; matched: number; of: number } {
  const wakeups: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    if (samples[i - 1]!.kind === 'idle' && samples[i]!.kind !== 'idle') wakeups.push(samples[i]!.at / 1000);
  }
  const ends = statements.filter((s) => s.step === 'execute' || s.step === 'simple').map((s) => s.end);
  const hits = (offset: number) => {
    let n = 0;
    for (const end of ends) {
      let lo = 0;
      let hi = wakeups.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (wakeups[mid]! + offset < end - 1) lo = mid + 1;
        else hi = mid;
      }
      if (lo < wakeups.length && wakeups[lo]! + offset <= end + 3) n++;
    }
    return n;
  };
  let best = { offset: guessMs, matched: -1 };
  for (let d = -500; d <= 2000; d += 0.25) {
    const matched = hits(guessMs + d);
    if (matched > best.matched) best = { offset: guessMs + d, matched };
  }
  return { ...best, of: ends.length };
}

/** Busy time of each side and of both, on a 0.1 ms grid from the first to the last instant. */
function busyTimes(statements: Statement[], samples: Sample[], offset: number, from: number, to: number): { server: number; node: number; both: number; idle: number } {
  const step = 0.1;
  const n = Math.max(1, Math.ceil((to - from) / step));
  const server = new Uint8Array(n);
  const node = new Uint8Array(n);
  const mark = (grid: Uint8Array, start: number, end: number) => {
    for (let i = Math.max(0, Math.floor((start - from) / step)); i < Math.min(n, Math.ceil((end - from) / step)); i++) grid[i] = 1;
  };
  for (const s of statements) mark(server, s.end - s.ms, s.end);
  for (const s of samples) if (s.kind !== 'idle') mark(node, s.at / 1000 + offset, (s.at + s.us) / 1000 + offset);
  let a = 0;
  let b = 0;
  let both = 0;
  let idle = 0;
  for (let i = 0; i < n; i++) {
    a += server[i]!;
    b += node[i]!;
    if (server[i] && node[i]) both++;
    if (!server[i] && !node[i]) idle++;
  }
  return { server: a * step, node: b * step, both: both * step, idle: idle * step };
}

export interface WaterfallInput {
  key: string;
  /** wall time of the spawn and of the exit (Date.now()) */
  startedAt: number;
  endedAt: number;
  loadBefore: number[];
  log: string;
  explainLog: string;
  profile: CpuProfile;
  statements: number;
}

/** The phases in the order a chunk goes through them; any other after them. */
const ORDER = [
  'start: Node, modules, connecting (until the first statement)', 'begin', 'settings', 'claim (advisory locks)',
  'load wraps', 'load alarms', 'load issues', 'load receipts', 'load: reading the rows', 'analysis (core)', 'plan rows', 'encoding (array literals)',
  'allocate ids', 'write: parse', 'write: bind (parameters parsed, statement planned)', 'write: insert task', 'write: insert polycommissue (analyzer issues)',
  'write: insert task_to_event', 'write: update polycomm_suitcase', 'write: update polycommalarm', 'write: update polycommissue', 'write: update receipts',
  'write: the rest of the statement (unnest, counts)', 'write: execute', 'commit', 'rollback', 'postgres.js (messages in and out)', 'garbage collection',
  'other statements', 'the rest (pass steps, report, Node internals)',
];
const rank = (p: Phase) => (ORDER.includes(p.phase) ? ORDER.indexOf(p.phase) : ORDER.length);

/** The waterfall of one pass from its server log, its CPU profile and the writes' EXPLAIN ANALYZE. */
export function buildWaterfall(input: WaterfallInput): Waterfall {
  const statements = parseServerLog(input.log);
  const samples = profileSamples(input.profile);
  const align = alignClocks(statements, samples, input.startedAt - input.profile.startTime / 1000);
  const first = statements.length > 0 ? Math.min(...statements.map((s) => s.end - s.ms)) : input.startedAt;
  const busy = busyTimes(statements, samples, align.offset, input.startedAt, input.endedAt);
  // what the process did before its first statement is the start phase, not counted again by kind
  const afterStart = samples.filter((s) => s.at / 1000 + align.offset >= first);
  const phases: Phase[] = [
    { phase: ORDER[0]!, where: 'Node' as const, ms: first - input.startedAt },
    ...serverPhases(statements, writeShares(input.explainLog)), ...nodePhases(afterStart),
  ].sort((a, b) => rank(a) - rank(b));
  return {
    key: input.key, date: new Date(input.startedAt).toISOString(), wallMs: input.endedAt - input.startedAt, loadBefore: input.loadBefore,
    statements: input.statements, phases,
    serverMs: busy.server, nodeMs: busy.node, bothMs: busy.both, idleMs: busy.idle,
    aligned: `${align.matched} of ${align.of} statement ends`,
  };
}

function serverPhases(statements: Statement[], shares: Map<string, number>): Phase[] {
  const sums = new Map<string, { ms: number; count: number }>();
  const add = (phase: string, ms: number, count: number) => {
    const s = sums.get(phase) ?? { ms: 0, count: 0 };
    sums.set(phase, { ms: s.ms + ms, count: s.count + count });
  };
  for (const s of statements) {
    const counted = s.step === 'execute' || s.step === 'simple' ? 1 : 0;
    if (s.kind !== 'write') add(s.kind, s.ms, counted);
    else if (s.step === 'bind') add('write: bind (parameters parsed, statement planned)', s.ms, 1); // one bind per write: its count is the writes'
    else if (s.step === 'execute' && shares.size > 0) for (const [part, share] of shares) add(`write: ${part}`, s.ms * share, 0);
    else add(`write: ${s.step}`, s.ms, 0);
  }
  return [...sums].map(([phase, v]) => ({ phase, where: 'PostgreSQL' as const, ms: v.ms, ...(v.count ? { count: v.count } : {}) }));
}

function nodePhases(samples: Sample[]): Phase[] {
  const sums = new Map<string, number>();
  for (const s of samples) if (s.kind !== 'idle') sums.set(s.kind, (sums.get(s.kind) ?? 0) + s.us / 1000);
  return [...sums].map(([phase, ms]) => ({ phase, where: 'Node' as const, ms }));
}
