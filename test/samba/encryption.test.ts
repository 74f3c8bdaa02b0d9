/**
 * Encryption against a real Samba smbd: a server that requires it for every session, a share that
 * requires it, each cipher forced by the client, and a client that requires it.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { CipherName, DialectName } from "../../src/connection/ConnectionOptions.js"
import { Command } from "../../src/wire/Command.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

const echoIn = (built: Effect.Effect.Success<ReturnType<typeof scenario>>) =>
  built.connection.handler.sendRecv({
    command: Command.ECHO,
    sessionId: built.session.id,
    treeId: built.tree.id,
    body: new Uint8Array([4, 0, 0, 0])
  })

describeSamba("Samba: encryption", (servers) => {
  for (const dialect of ["3.0", "3.0.2", "3.1.1"] as ReadonlyArray<DialectName>) {
    it.scopedLive(`server requires encryption: ${dialect}`, () =>
      Effect.gen(function*() {
        const built = yield* scenario(servers.encrypt, { minDialect: dialect, maxDialect: dialect })
        expect(built.session.encrypted).toBe(true)
        const reply = yield* echoIn(built)
        expect(reply.encrypted).toBe(true)
      }))
  }

  for (const cipher of ["AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"] as ReadonlyArray<CipherName>) {
    it.scopedLive(`client forces ${cipher}`, () =>
      Effect.gen(function*() {
        const built = yield* scenario(servers.encrypt, { ciphers: [cipher] })
        expect(built.connection.negotiated.encryption).toBe(cipher)
        expect((yield* echoIn(built)).encrypted).toBe(true)
      }))
  }

  for (const dialect of ["3.0", "3.0.2"] as ReadonlyArray<DialectName>) {
    it.scopedLive(`${dialect} follows the client's cipher list: without AES-128-CCM, no encryption`, () =>
      Effect.gen(function*() {
        const range = { minDialect: dialect, maxDialect: dialect, ciphers: ["AES-256-GCM"] as ReadonlyArray<CipherName> }
        const offered = yield* scenario(servers.default, range)
        expect([offered.connection.negotiated.encryption, offered.session.encrypted]).toEqual([null, false])
        const exit = yield* Effect.exit(scenario(servers.default, { ...range, encryption: "required" }))
        expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "NegotiationFailed", reason: "Unsupported" } } })
      }))
  }

  it.scopedLive("client requires encryption on a server that only offers it", () =>
    Effect.gen(function*() {
      const built = yield* scenario(servers.default, { encryption: "required" })
      expect(built.session.encrypted).toBe(true)
      expect((yield* echoIn(built)).encrypted).toBe(true)
    }))

  it.scopedLive("a share that requires encryption encrypts its tree only", () =>
    Effect.gen(function*() {
      const server = servers["share-encrypt"]
      const built = yield* scenario(server, {}, server.password, server.encShare!)
      expect(built.session.encrypted).toBe(false)
      expect(built.tree.encrypted).toBe(true)
      expect((yield* echoIn(built)).encrypted).toBe(true)
    }))

  it.scopedLive("an encrypt-required server refuses a session that cannot encrypt (2.1)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(scenario(servers.encrypt, { maxDialect: "2.1" }))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", reason: "STATUS_ACCESS_DENIED" } } })
    }))
})
