// Prints the Node the tests ran on, a line per file with skipped tests (so a
// skip is never silent), and the plain closing line 'N passed, N failed,
// N skipped' that CI reads.
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Why tests are skipped on purpose; a missing component's test says so itself (tests/harness/component.ts). */
const ON_PURPOSE = 'the long fault tests run with ANALYZER_FAULT_TESTS=1 and the CI-Node check under .ci/run, which sets both';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedIn = new Map<string, number>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const file = relative(process.cwd(), module.moduleId);
          skippedIn.set(file, (skippedIn.get(file) ?? 0) + 1);
        }
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    const skips = [...skippedIn].map(([file, n]) => `skipped ${n} in ${file}\n`).join('');
    if (skips) process.stdout.write(`\n${skips}(${ON_PURPOSE})\n`);
    // which Node ran them (CI: its pinned Node 24, .ci/node.sh), then the closing line
    process.stdout.write(`\nnode ${process.version} (${process.execPath})\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
