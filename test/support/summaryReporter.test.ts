/**
 * The summary reporter's last line tells a failed run as failed, even when no test failed: a run
 * whose global setup throws under CI=true exits 1 and must not end in "0 failed".
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))

describe("summary reporter", () => {
  it("a run whose global setup fails ends with a failing line that says why", async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url)), "run", "--config", "test/support/fixtures/failingSetup.config.ts"],
        { cwd: root, env: { ...process.env, CI: "true", NO_COLOR: "1" }, timeout: 60_000 },
        (_error, stdout) => resolve({ code: child.exitCode, stdout })
      )
    })
    expect(result.code).toBe(1)
    const last = result.stdout.trimEnd().split("\n").at(-1)
    expect(last).toMatch(/^0 passed, 1 failed, 0 skipped \(run failed: .*samba could not start: injected/)
  }, 60_000)
})
