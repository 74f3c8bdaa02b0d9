/**
 * Finding 1: the security check must not trust the response's SessionId. The session a response
 * belongs to is the session of the request it answers (MS-SMB2 3.2.5.1.3), so a response
 * rewritten to SessionId 0 (or forged with it) must still be verified or decrypted as that
 * session's, and fail or be discarded when it cannot be.
 */
import { expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import type { DialectName } from "../../src/connection/ConnectionOptions.js"
import { Command } from "../../src/wire/Command.js"
import { describeSamba } from "../support/samba/index.js"
import { Smb2 } from "../support/tamper/index.js"
import type { Established, Mode } from "./harness.js"
import {
  echo,
  ENCRYPTION_DIALECTS,
  established,
  expectTypedFailure,
  modeServer,
  note,
  optionsFor,
  outcome,
  proxies,
  SHORT,
  SIGNING_DIALECTS,
  WORKERS,
  workersFor
} from "./harness.js"
import type { TamperProxy } from "../support/tamper/index.js"

/**
 * Holds back every response from now on, sends an ECHO in the session, injects `forged(messageId)`
 * in place of its response, then (with `release`) lets the held responses through: the ECHO
 * must fail typed, or end with its real, protected response.
 */
const forgeEchoResponse = (
  proxy: TamperProxy,
  built: Established,
  forged: (messageId: bigint) => Uint8Array,
  release: boolean
) =>
  Effect.gen(function*() {
    const held: Array<Uint8Array> = []
    proxy.setHooks({
      toClient: (frame) => {
        held.push(frame)
        return "drop"
      }
    })
    const { handler } = built.connection
    const sent = yield* handler.sendo({
      command: Command.ECHO,
      sessionId: built.session.id,
      treeId: built.tree.id,
      body: new Uint8Array([4, 0, 0, 0])
    })
    proxy.inject("toClient", forged(sent.messageId))
    if (release) {
      yield* Effect.sleep("50 millis")
      proxy.setHooks({})
      for (const frame of held.splice(0)) proxy.inject("toClient", frame)
    }
    return yield* Effect.exit(handler.recvo({ messageId: sent.messageId, command: Command.ECHO, timeout: release ? "2 seconds" : SHORT }))
  })

describeSamba("tamper: a response's SessionId is not trusted (finding 1)", (servers) => {
  const proxyFor = proxies()

  // Every response after the session is set up: SIGNED stripped and SessionId 0 (for a
  // TRANSFORM frame, its header's SessionId).
  const rewriteModes: ReadonlyArray<[Mode, ReadonlyArray<DialectName>]> = [
    ["signing required", SIGNING_DIALECTS],
    ["encryption required", ENCRYPTION_DIALECTS]
  ]
  for (const [mode, dialects] of rewriteModes) {
    for (const dialect of dialects) {
      for (const worker of workersFor(dialect)) {
        const name = `SessionId 0 + SIGNED stripped on responses: ${mode}, ${dialect}, ${worker}`
        it.scopedLive(name, () =>
          Effect.gen(function*() {
            const server = modeServer(servers, mode)
            const proxy = yield* proxyFor(server)
            const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, dialect, worker))
            proxy.setHooks({ toClient: (frame) => Smb2.setSessionId(Smb2.stripSignatures(frame), 0n) })
            const echoed = yield* Effect.exit(echo(built))
            const listed = Exit.isSuccess(echoed)
              ? yield* Effect.exit(Stream.runCollect(Files.list(built.tree, "")).pipe(Effect.map(Chunk.toArray)))
              : undefined
            yield* note(name, `echo ${outcome(echoed)}${listed === undefined ? "" : `; list ${outcome(listed)}`}`)
            expect(proxy.counts().toClient.modified).toBeGreaterThan(0)
            expectTypedFailure(echoed)
          }))
      }
    }
  }

  // The encrypted response is dropped; a plaintext, unsigned one with SessionId 0 takes its place.
  for (const dialect of ENCRYPTION_DIALECTS) {
    for (const worker of workersFor(dialect)) {
      const mode: Mode = "encryption required"
      const name = `plaintext response with SessionId 0 instead of the encrypted one: ${mode}, ${dialect}, ${worker}`
      it.scopedLive(name, () =>
        Effect.gen(function*() {
          const server = modeServer(servers, mode)
          const proxy = yield* proxyFor(server)
          const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, dialect, worker))
          expect(built.session.encrypted).toBe(true)
          const exit = yield* forgeEchoResponse(proxy, built, (messageId) => Smb2.buildEchoResponse(messageId, 0n), false)
          yield* note(name, outcome(exit))
          expectTypedFailure(exit)
        }))
    }
  }

  // Control: on a session that neither signs nor encrypts, the same forged response (with the
  // session's own SessionId) is taken, as nothing protects it: the forgery itself is well formed.
  for (const worker of WORKERS) {
    const mode: Mode = "defaults"
    const name = `control: the forged plaintext response is accepted where nothing protects: ${mode}, 3.1.1, ${worker}`
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const server = modeServer(servers, mode)
        const proxy = yield* proxyFor(server)
        const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, "3.1.1", worker))
        expect(built.session.signingRequired || built.session.encrypted).toBe(false)
        const exit = yield* forgeEchoResponse(proxy, built, (messageId) => Smb2.buildEchoResponse(messageId, built.session.id), false)
        yield* note(name, outcome(exit))
        expect(outcome(exit)).toMatch(/^succeeded with a message \(command 0xd, .*verified false, encrypted false\)$/)
      }))
  }

  // A plaintext, unsigned response injected for the awaited message id, ahead of the real one
  // (held back, then let through): with the victim's SessionId, and with SessionId 0.
  const injectModes: ReadonlyArray<Mode> = ["signing required", "encryption required"]
  for (const mode of injectModes) {
    for (const sessionId of ["the session's", "0"] as const) {
      for (const worker of WORKERS) {
        const name = `plaintext response injected for the next message id, SessionId ${sessionId}: ${mode}, 3.1.1, ${worker}`
        it.scopedLive(name, () =>
          Effect.gen(function*() {
            const server = modeServer(servers, mode)
            const proxy = yield* proxyFor(server)
            const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, "3.1.1", worker))
            const id = sessionId === "0" ? 0n : built.session.id
            const exit = yield* forgeEchoResponse(proxy, built, (messageId) => Smb2.buildEchoResponse(messageId, id), true)
            yield* note(name, outcome(exit))
            expect(proxy.counts().toClient.injected).toBeGreaterThan(0)
            if (Exit.isSuccess(exit)) {
              // only the real response may be delivered: verified or decrypted
              expect(outcome(exit)).toMatch(mode === "signing required" ? /verified true/ : /encrypted true/)
            } else {
              expectTypedFailure(exit)
            }
          }))
      }
    }
  }
})
