/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so
 * tools that read a run's last line need not parse vitest's colored table.
 *
 * A run that fails without a failed test (the global setup threw, e.g. Samba could not start under
 * CI; an unhandled error; no test file ran) still ends in a failing line: it counts one failure,
 * or one per unhandled error, and says why, e.g. "0 passed, 1 failed, 0 skipped (run failed:
 * global setup: Samba could not start ...)". The exit code decides: whatever vitest exits with
 * non-zero is never summarized as 0 failed.
 */
import type { Reporter, TestModule, Vitest } from "vitest/node"

/** First line of an error's message, as the summary quotes it. */
const firstLine = (error: unknown): string => {
  const text = error instanceof Error ? error.message : typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
  return text.split("\n")[0]!.slice(0, 200)
}

export default class SummaryReporter implements Reporter {
  private passed = 0
  private failed = 0
  private skipped = 0
  private reasons: Array<string> = []
  private scheduled = false

  onInit(vitest: Vitest): void {
    // Errors vitest prints outside any test (a global setup that throws reaches only the logger).
    const logger = vitest.logger
    const printError = logger.printError.bind(logger)
    logger.printError = ((error: unknown, options?: { readonly type?: string }) => {
      this.reasons.push(`${options?.type === undefined ? "" : `${options.type.toLowerCase()}: `}${firstLine(error)}`)
      return printError(error, options as never)
    }) as typeof logger.printError
    this.schedule()
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: string): void {
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
    failed += unhandledErrors.length
    for (const error of unhandledErrors) this.reasons.push(`unhandled error: ${firstLine(error)}`)
    if (reason !== "passed" && failed === 0 && this.reasons.length === 0) {
      this.reasons.push(testModules.length === 0 ? "no test file ran" : `the run ended ${reason}`)
    }
    this.passed = passed
    this.failed = failed
    this.skipped = skipped
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // after the default reporter's summary, which is written later in the same teardown
    process.once("exit", (code) => {
      const exitCode = code !== 0 ? code : Number(process.exitCode ?? 0)
      let failed = this.failed
      let why = ""
      if (exitCode !== 0 && failed === 0) {
        failed = 1
        why = ` (run failed: ${this.reasons.join("; ") || `vitest exits with ${exitCode}`})`
      }
      process.stdout.write(`\n${this.passed} passed, ${failed} failed, ${this.skipped} skipped${why}\n`)
    })
  }
}
