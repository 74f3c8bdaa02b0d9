/**
 * The `smb` tool behind the tampering proxy: findings 3 and 1 as a user meets them. With
 * `--sign required` (or `--encrypt required`) a tampered session must end the command with a
 * non-zero exit and one clear line saying what the client refused, not with the server's own
 * refusal of requests the client should never have sent that way, and never with output.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba } from "../support/samba/index.js"
import type { Hooks, TamperProxy } from "../support/tamper/index.js"
import { scopedProxy, Smb2 } from "../support/tamper/index.js"
import { note } from "./harness.js"

let cli: Cli
beforeAll(async () => {
  cli = await bundleCli()
})

const url = (server: SambaInstance, proxy: TamperProxy) =>
  `smb://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${proxy.host}:${proxy.port}/${server.share}`

/** Finding 3: IS_GUEST in the final SESSION_SETUP response, its signature stripped. */
const guest: Hooks = {
  toClient: (frame) =>
    Smb2.isFinalSessionSetupResponse(frame) ? Smb2.stripSignatures(Smb2.setSessionFlags(frame, Smb2.SessionFlags.IS_GUEST)) : undefined
}

/** Finding 1: once the final SESSION_SETUP response has passed, every response unsigned with SessionId 0. */
const sessionIdZero = (): Hooks => {
  let established = false
  return {
    toClient: (frame) => {
      if (!established) {
        established = Smb2.isFinalSessionSetupResponse(frame)
        return undefined
      }
      return Smb2.setSessionId(Smb2.stripSignatures(frame), 0n)
    }
  }
}

// Each run is a separate process waiting on the network, so the cases run concurrently, each
// through a proxy of its own (the other files share one proxy and run their cases in turn).
describeSamba("tamper: the smb tool", (servers) => describe.concurrent("smb info", () => {
  const cases: ReadonlyArray<[string, () => Hooks, ReadonlyArray<string>]> = [
    ["IS_GUEST forced (finding 3), --sign required", () => guest, ["--sign", "required"]],
    ["SessionId 0 + SIGNED stripped after session setup (finding 1), --sign required", sessionIdZero, ["--sign", "required"]],
    ["SessionId 0 after session setup (finding 1), --encrypt required", sessionIdZero, ["--encrypt", "required"]]
  ]
  for (const [what, hooks, flags] of cases) {
    const name = `smb info --json ${flags.join(" ")}: ${what}`
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const server = servers.default
        const proxy = yield* scopedProxy({ targetHost: server.host, targetPort: server.port, hooks: hooks() })
        const result = yield* Effect.promise(() => cli.run(["info", "--json", ...flags, "--timeout", "1 second", url(server, proxy)]))
        const lines = result.stderr.trimEnd().split("\n")
        yield* note(name, `exit ${result.code}; stderr ${JSON.stringify(result.stderr.trim())}; stdout ${JSON.stringify(result.stdout.trim().slice(0, 200))}`)
        expect(proxy.counts().toClient.modified).toBeGreaterThan(0)
        expect(result.stderr).not.toContain(server.password)
        expect(result.stdout, "smb info printed a result").toBe("")
        expect(result.code).toBe(1)
        expect(lines).toHaveLength(1)
        // the client's own refusal, not the server's refusal of an unprotected request
        expect(lines[0]).toMatch(/^smb: (transform failed|authentication failed|negotiation failed|timed out|connection stopped)/)
      }))
  }
}))
