// Prints the Node the tests ran on and the plain closing line 'N passed, N failed,
// N skipped' that CI reads.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    // which Node ran them (CI: its pinned Node 24, .ci/node.sh), then the closing line
    process.stdout.write(`\nnode ${process.version} (${process.execPath})\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
