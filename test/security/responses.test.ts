/**
 * A man in the middle tampers with the responses of an established session: strips their
 * signatures, flips bits in signed bodies and in ciphertext, replays earlier responses. The rule:
 * the request fails with a typed error, or the tampered message is discarded; nothing tampered is
 * ever delivered as data.
 */
import { expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import type { DialectName } from "../../src/connection/ConnectionOptions.js"
import { describeSamba } from "../support/samba/index.js"
import { Smb2 } from "../support/tamper/index.js"
import type { Mode } from "./harness.js"
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
  sameBytes,
  SIGNING_DIALECTS,
  WORKERS,
  workersFor
} from "./harness.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}.bin`

describeSamba("tamper: responses of an established session", (servers) => {
  const proxyFor = proxies()

  // Strip SIGNED and zero the signature of every response once the session is up.
  for (const dialect of SIGNING_DIALECTS) {
    for (const worker of workersFor(dialect)) {
      const mode: Mode = "signing required"
      const name = `strip signatures: ${mode}, ${dialect}, ${worker}`
      it.scopedLive(name, () =>
        Effect.gen(function*() {
          const server = modeServer(servers, mode)
          const proxy = yield* proxyFor(server)
          const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, dialect, worker))
          proxy.setHooks({ toClient: (frame) => Smb2.stripSignatures(frame) })
          const echoed = yield* Effect.exit(echo(built))
          const listed = yield* Effect.exit(Stream.runCollect(Files.list(built.tree, "")).pipe(Effect.map(Chunk.toArray)))
          yield* note(name, `echo ${outcome(echoed)}; list ${outcome(listed)}`)
          expect(proxy.counts().toClient.modified).toBeGreaterThan(0)
          expectTypedFailure(echoed)
          expectTypedFailure(listed)
        }))
    }
  }

  // One bit flipped in a signed response's body: the signature no longer matches.
  for (const worker of WORKERS) {
    const mode: Mode = "signing required"
    const name = `flip a bit in a signed body: ${mode}, 3.1.1, ${worker}`
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const server = modeServer(servers, mode)
        const proxy = yield* proxyFor(server)
        const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, "3.1.1", worker))
        proxy.setHooks({ toClient: (frame) => (Smb2.isSmb2(frame) && Smb2.headerAt(frame).signed ? Smb2.flipBodyBit(frame) : undefined) })
        const exit = yield* Effect.exit(echo(built))
        yield* note(name, outcome(exit))
        expect(proxy.counts().toClient.modified).toBe(1)
        expectTypedFailure(exit)
      }))
  }

  // One bit flipped in the ciphertext of an encrypted response: decryption must fail.
  for (const dialect of ENCRYPTION_DIALECTS) {
    for (const worker of workersFor(dialect)) {
      const mode: Mode = "encryption required"
      const name = `flip a ciphertext bit: ${mode}, ${dialect}, ${worker}`
      it.scopedLive(name, () =>
        Effect.gen(function*() {
          const server = modeServer(servers, mode)
          const proxy = yield* proxyFor(server)
          const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, dialect, worker))
          expect(built.session.encrypted).toBe(true)
          proxy.setHooks({ toClient: (frame) => (Smb2.isTransform(frame) ? Smb2.flipCiphertextBit(frame) : undefined) })
          const exit = yield* Effect.exit(echo(built))
          yield* note(name, outcome(exit))
          expect(proxy.counts().toClient.modified).toBe(1)
          expectTypedFailure(exit)
        }))
    }
  }

  // Responses of an earlier READ are replayed in front of every response of a later one: the
  // later read gets its own data (or fails typed), never the replayed data.
  const replayModes: ReadonlyArray<[Mode, DialectName]> = [["signing required", "3.1.1"], ["encryption required", "3.1.1"]]
  for (const [mode, dialect] of replayModes) {
    for (const worker of WORKERS) {
      const name = `replay earlier READ responses: ${mode}, ${dialect}, ${worker}`
      it.scopedLive(name, () =>
        Effect.gen(function*() {
          const server = modeServer(servers, mode)
          const proxy = yield* proxyFor(server)
          const built = yield* established(proxy, server, yield* optionsFor(proxy, mode, dialect, worker))
          const first = fresh("replay-first")
          const second = fresh("replay-second")
          const firstData = new Uint8Array(3000).fill(0x41)
          const secondData = new Uint8Array(3000).fill(0x42)
          yield* Files.writeFile(built.tree, first, firstData)
          yield* Files.writeFile(built.tree, second, secondData)
          // Phase 1: keep every response to the first read.
          const kept: Array<Uint8Array> = []
          proxy.setHooks({ toClient: (frame) => void kept.push(frame) })
          expect(sameBytes(yield* Files.readFile(built.tree, first), firstData)).toBe(true)
          // Phase 2: before each response to the second read, replay all of them.
          proxy.setHooks({
            toClient: (_frame, ctx) => {
              for (const old of kept) ctx.inject("toClient", old)
              return undefined
            }
          })
          const exit = yield* Effect.exit(Files.readFile(built.tree, second))
          const after = yield* Effect.exit(echo(built))
          proxy.setHooks({})
          yield* Effect.ignore(Files.remove(built.tree, first))
          yield* Effect.ignore(Files.remove(built.tree, second))
          yield* note(name, `second read ${outcome(exit)}; echo after ${outcome(after)}`)
          expect(kept.length).toBeGreaterThan(0)
          expect(proxy.counts().toClient.injected).toBeGreaterThan(0)
          if (Exit.isSuccess(exit)) expect(sameBytes(exit.value, secondData), "the second read returned other data").toBe(true)
          else expectTypedFailure(exit)
          if (Exit.isSuccess(after)) expect(after.value.verified || after.value.encrypted).toBe(true)
          else expectTypedFailure(after)
        }))
    }
  }
})
