/**
 * What test files use to reach the real Samba servers that globalSetup started. When Samba is
 * unavailable, tests skip with the reason in their name (and a warning on stderr), except under
 * CI, where they fail: tests that need Samba must never pass silently in CI.
 */
import { describe, it } from "@effect/vitest"
import { inject } from "vitest"
import { isCI } from "./context.js"
import type { SambaContext, SambaServers } from "./context.js"
import type { SambaInstance, SambaVariant } from "./Samba.js"
import { SambaError } from "./SambaError.js"

export type { SambaContext, SambaServers } from "./context.js"
export type { SambaInstance, SambaProtocol, SambaVariant, StartOptions } from "./Samba.js"
export { ensureSambaInstalled, restartSamba, SAMBA_VARIANTS, SambaError, startSamba, stopSamba } from "./Samba.js"

const NOT_CONFIGURED = "vitest's globalSetup does not include test/support/samba/globalSetup.ts"

/** The servers, or why there are none. */
export const sambaContext = (): SambaContext =>
  (inject("samba") as SambaContext | undefined) ?? { available: false, reason: NOT_CONFIGURED }

const unavailable = (reason: string): SambaError =>
  new SambaError({ reason: "Unavailable", detail: `Samba is required under CI but unavailable: ${reason}` })

let warned = false
const warnOnce = (reason: string): void => {
  if (warned) return
  warned = true
  process.stderr.write(`WARNING: skipping the real-Samba tests: ${reason}\n`)
}

/**
 * A suite that needs the Samba servers; `body` gets them (one per variant). Unavailable: in CI
 * this throws (the file fails); otherwise the suite holds one skipped test naming the reason.
 */
export const describeSamba = (name: string, body: (servers: SambaServers) => void): void => {
  const samba = sambaContext()
  if (samba.available) {
    describe(name, () => body(samba.servers))
    return
  }
  if (isCI()) throw unavailable(samba.reason)
  warnOnce(samba.reason)
  describe(name, () => {
    it.skip(`needs Samba: ${samba.reason}`, () => {})
  })
}

/**
 * Inside a test: the server for `variant`, or skips the test with the reason (throws under CI).
 * Pass the test context: `it("...", (ctx) => { const smb = requireSamba("default", ctx) })`.
 */
export const requireSamba = (variant: SambaVariant, ctx: { readonly skip: (note?: string) => never }): SambaInstance => {
  const samba = sambaContext()
  if (samba.available) return samba.servers[variant]
  if (isCI()) throw unavailable(samba.reason)
  warnOnce(samba.reason)
  return ctx.skip(`needs Samba: ${samba.reason}`)
}
