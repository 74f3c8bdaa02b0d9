/**
 * A server that turns unknown users into guests (`map to guest = bad user`): such a session has
 * no key, so it is neither signed nor encrypted, and its IS_GUEST flag comes in a response nobody
 * can verify. The client refuses it unless the caller accepts a guest fallback, and always where
 * signing or encryption is required (the library and the CLI alike).
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Session from "../../src/client/Session.js"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import type { Cli } from "../cli/cliProcess.js"
import { bundleCli } from "../cli/cliProcess.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba, startSamba, stopSamba } from "../support/samba/index.js"

describeSamba("Samba that maps bad users to guest", () => {
  let server: SambaInstance | undefined
  let cli: Cli | undefined
  beforeAll(async () => {
    ;[cli, server] = await Promise.all([bundleCli(), startSamba({ extraGlobal: ["map to guest = bad user"] })])
  })
  afterAll(() => server === undefined ? undefined : stopSamba(server))

  const logOn = (options: Partial<ConnectionOptions>, sessionOptions: Session.SessionOptions = {}) =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Connection.layer({ host: server!.host, port: server!.port, ...options }))
      return yield* Session.make(Context.get(context, Connection.Connection), Session.user("nosuchuser", "whatever"), sessionOptions)
    })

  it.scopedLive("an unknown user that comes back as guest is refused by default, accepted only when allowed", () =>
    Effect.gen(function*() {
      expect(yield* Effect.flip(logOn({}))).toMatchObject({ _tag: "AuthenticationFailed", reason: "Refused" })
      const guest = yield* logOn({}, { allowGuestFallback: true })
      expect([guest.isGuest, guest.signingRequired, guest.encrypted]).toEqual([true, false, false])
    }))

  it.scopedLive("required signing or encryption refuses the guest even when a fallback is allowed", () =>
    Effect.gen(function*() {
      for (const options of [{ signing: "required" }, { encryption: "required" }] as const) {
        const error = yield* Effect.flip(logOn(options, { allowGuestFallback: true }))
        expect(error).toMatchObject({ _tag: "AuthenticationFailed", reason: "Refused" })
        expect(error.message).toContain("has no key")
      }
    }))

  it("smb info --sign required: exits non-zero with the reason; --allow-guest without it reports the guest", async () => {
    const url = `smb://nosuchuser:whatever@${server!.host}:${server!.port}/${server!.share}`
    const refused = await cli!.run(["info", "--json", "--sign", "required", "--allow-guest", url])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain("signing required, but a guest session has no key")
    const fallback = await cli!.run(["info", "--json", "--allow-guest", `smb://nosuchuser:whatever@${server!.host}:${server!.port}/`])
    expect(fallback.code).toBe(0)
    expect(JSON.parse(fallback.stdout)).toMatchObject({ guest: true, signing: null })
  })
})
