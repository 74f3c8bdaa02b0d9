/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so
 * tools that read a run's last line need not parse vitest's colored table.
 */
import type { Reporter, TestModule } from "vitest/node"

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else if (state === "skipped") skipped++
      }
      if (module.state() === "failed" && module.children.size === 0) failed++
    }
    // after the default reporter's summary, which is written later in the same teardown
    process.once("exit", () => process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`))
  }
}
