// The core micro-benchmark (bench/core-bench.ts, another engineer's file) from
// the bench's command line: run it on a node binary and read its figures; on
// several node binaries interleaved; record the figures.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaved, nodeBinaries, type NodeBinary } from './cli-runner.js';
import { bestFigures, coreSideBySide, machine, readResults, renderFile, textTable, writeResults, type CoreFigure, type CoreResult } from './results.js';
import { loadavg } from './run.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export async function runCoreBench(node: string = process.execPath): Promise<CoreFigure[]> {
  const script = resolve(HERE, 'core-bench.ts');
  const out = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(node, ['--expose-gc', '--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); process.stdout.write(d); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`core-bench exited with ${code}`))));
  });
  const lines: CoreFigure[] = [];
  for (const line of out.split('\n')) {
    // 'LABEL  N events  [wall]  X ms [=] Y M[ events]/s  [cpu  Z ms = W M/s]' (both formats of core-bench.ts)
    const m = /^(.+?)\s+(\d+) events\s+(?:wall\s+)?(\d+) ms\s+(?:=\s+)?([\d.]+) M(?: events)?\/s(?:\s+cpu\s+(\d+) ms\s+=\s+([\d.]+) M\/s)?/.exec(line);
    if (m) {
      lines.push({
        label: m[1]!.trim(), events: Number(m[2]), ms: Number(m[3]), mEventsPerSecond: Number(m[4]),
        ...(m[6] !== undefined ? { cpuMs: Number(m[5]), cpuMEventsPerSecond: Number(m[6]) } : {}),
      });
    }
  }
  if (lines.length === 0) throw new Error(`could not read core-bench's output:\n${out}`);
  return lines;
}

/**
 * core-bench on each node, `rounds` rounds interleaved (A B, B A, ...), the best
 * figure per case and node; printed side by side and, with --out, recorded as
 * results.coreByNode (results.core, the target's figure, is left as it is).
 */
export async function coreOnNodes(paths: string[], rounds: number, command: string, mdPath: string | undefined, jsonPath: string | undefined): Promise<void> {
  const nodes = nodeBinaries(paths);
  const loadBefore = loadavg();
  const best = new Map<NodeBinary, CoreFigure[]>();
  for (let r = 1; r <= rounds; r++) {
    for (const node of interleaved(nodes, r)) {
      process.stderr.write(`core-bench round ${r}/${rounds} on node ${node.version} (${node.path})\n`);
      best.set(node, bestFigures(best.get(node) ?? [], await runCoreBench(node.path)));
    }
  }
  const results: CoreResult[] = nodes.map((node) => ({
    command, rounds, date: new Date().toISOString(), machine: { ...machine(), node: node.version }, loadBefore, loadAfter: loadavg(), lines: best.get(node)!,
  }));
  console.log('');
  console.log(textTable(coreSideBySide(results)));
  if (mdPath && jsonPath) {
    const file = readResults(jsonPath);
    file.coreByNode = results;
    writeResults(jsonPath, file);
    renderFile(mdPath, file);
    console.log(`recorded in ${jsonPath} and ${mdPath}`);
  }
}

/** core-bench on this process's node, recorded as results.core (the target's figure) with --out. */
export async function recordCore(mdPath: string | undefined, jsonPath: string | undefined): Promise<void> {
  const loadBefore = loadavg();
  const lines = await runCoreBench();
  if (!mdPath || !jsonPath) return;
  const results = readResults(jsonPath);
  results.core = { command: 'node --expose-gc --import tsx bench/core-bench.ts', date: new Date().toISOString(), machine: machine(), loadBefore, lines };
  writeResults(jsonPath, results);
  renderFile(mdPath, results);
  console.log(`recorded in ${jsonPath} and ${mdPath}`);
}
