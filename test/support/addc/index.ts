/**
 * What test files use to reach the AD DC that globalSetup started (or to start a private one with
 * other settings: startAddc). Unavailable: under CI the suite fails, otherwise it holds one
 * skipped test naming the reason.
 */
import { describe, it } from "@effect/vitest"
import { inject } from "vitest"
import { isCI } from "../samba/context.js"
import { SambaError } from "../samba/SambaError.js"
import type { AddcInstance } from "./Addc.js"
import type { AddcContext } from "./context.js"

export type { AddcInstance, AddcOptions, MemberInstance } from "./Addc.js"
export { DOMAIN, HOSTNAME, REALM, startAddc, startMember, stopAddc } from "./Addc.js"
export type { AddcContext } from "./context.js"

export const addcContext = (): AddcContext =>
  (inject("addc") as AddcContext | undefined) ?? { available: false, reason: "vitest's globalSetup does not start the AD DC" }

/** A suite that needs the AD DC; `body` gets it. */
export const describeAddc = (name: string, body: (dc: AddcInstance) => void): void => {
  const addc = addcContext()
  if (addc.available) {
    describe(name, () => body(addc.dc))
    return
  }
  if (isCI()) throw new SambaError({ reason: "Unavailable", detail: `the AD DC is required under CI but unavailable: ${addc.reason}` })
  process.stderr.write(`WARNING: skipping the AD DC tests: ${addc.reason}\n`)
  describe(name, () => {
    it.skip(`needs the AD DC: ${addc.reason}`, () => {})
  })
}
