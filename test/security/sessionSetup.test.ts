/**
 * Findings 3 and 4: a man in the middle rewrites the negotiation and the final SESSION_SETUP
 * response, which are not yet protected when they arrive.
 * - Finding 4: on 3.1.1 the final SESSION_SETUP response of a session that is neither guest nor
 *   anonymous must be signed (MS-SMB2 3.2.5.3.1), whatever the client's signing mode. Clearing
 *   SIGNING_REQUIRED in the NEGOTIATE response and stripping SIGNED from every response must make
 *   the session setup fail.
 * - Finding 3: IS_GUEST (or IS_NULL) set in an unverified final SESSION_SETUP response must not
 *   turn a user's session into one that runs without signing or encryption when either is required.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { DialectName } from "../../src/connection/ConnectionOptions.js"
import { describeSamba } from "../support/samba/index.js"
import type { Hooks } from "../support/tamper/index.js"
import { Smb2 } from "../support/tamper/index.js"
import type { Mode } from "./harness.js"
import { ENCRYPTION_DIALECTS, expectTypedFailure, logOn, modeServer, note, optionsFor, outcome, proxies, SIGNING_DIALECTS, WORKERS, workersFor } from "./harness.js"

/** Finding 4's rewrite: SIGNING_REQUIRED cleared (and maybe the contexts dropped), every signature stripped. */
const weakened = (dropContexts: boolean): Hooks => ({
  toClient: (frame) => Smb2.stripSignatures(Smb2.weakenNegotiateResponse(frame, { clearSigningRequired: true, dropContexts }))
})

/** Finding 3's rewrite: a session flag set in the final SESSION_SETUP response, its signature stripped. */
const flagged = (flag: number): Hooks => ({
  toClient: (frame) =>
    Smb2.isFinalSessionSetupResponse(frame) ? Smb2.stripSignatures(Smb2.setSessionFlags(frame, flag)) : undefined
})

describeSamba("tamper: negotiation and session setup (findings 3 and 4)", (servers) => {
  const proxyFor = proxies()

  const finding4Modes: ReadonlyArray<Mode> = ["signing required", "server requires signing", "defaults"]
  for (const dropContexts of [false, true]) {
    for (const mode of finding4Modes) {
      // Dropping the contexts breaks 3.1.1 negotiation outright; one worker shows it.
      for (const worker of dropContexts ? (["fiber"] as const) : WORKERS) {
        const what = dropContexts ? "SIGNING_REQUIRED cleared + contexts dropped" : "SIGNING_REQUIRED cleared"
        const name = `${what} + SIGNED stripped from every response: ${mode}, 3.1.1, ${worker}`
        it.scopedLive(name, () =>
          Effect.gen(function*() {
            const server = modeServer(servers, mode)
            const proxy = yield* proxyFor(server, weakened(dropContexts))
            const exit = yield* Effect.exit(logOn(proxy, server, yield* optionsFor(proxy, mode, "3.1.1", worker)))
            yield* note(name, outcome(exit))
            const responses = proxy.records({ direction: "toClient" })
            expect(responses.some((r) => Smb2.isNegotiateResponse(r.original))).toBe(true)
            if (!dropContexts) {
              // the final SESSION_SETUP response was signed by Samba, and reached the client unsigned
              const final = responses.find((r) => Smb2.isFinalSessionSetupResponse(r.original))
              expect(final !== undefined && Smb2.headerAt(final.original).signed).toBe(true)
              expect(final !== undefined && final.forwarded !== null && !Smb2.headerAt(final.forwarded).signed).toBe(true)
            }
            expectTypedFailure(exit)
          }))
      }
    }
  }

  const finding3: ReadonlyArray<[Mode, ReadonlyArray<DialectName>, "IS_GUEST" | "IS_NULL"]> = [
    ["signing required", SIGNING_DIALECTS, "IS_GUEST"],
    ["encryption required", ENCRYPTION_DIALECTS, "IS_GUEST"],
    ["signing required", ["3.1.1"], "IS_NULL"]
  ]
  for (const [mode, dialects, flag] of finding3) {
    for (const dialect of dialects) {
      for (const worker of workersFor(dialect)) {
        const name = `${flag} set in the final SESSION_SETUP response, signature stripped: ${mode}, ${dialect}, ${worker}`
        it.scopedLive(name, () =>
          Effect.gen(function*() {
            const server = modeServer(servers, mode)
            const proxy = yield* proxyFor(server, flagged(Smb2.SessionFlags[flag]))
            const exit = yield* Effect.exit(logOn(proxy, server, yield* optionsFor(proxy, mode, dialect, worker)))
            yield* note(name, outcome(exit))
            expect(proxy.counts().toClient.modified).toBe(1)
            expectTypedFailure(exit)
          }))
      }
    }
  }
})
