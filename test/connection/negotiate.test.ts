/**
 * Negotiation as the server sees it, with the scriptable peer: multi-protocol negotiation sends
 * an SMB1 NEGOTIATE first and, when the server answers with the wildcard dialect 0x02FF, an SMB2
 * NEGOTIATE with message id 1 (MS-SMB2 3.2.4.2.2.1); a server that picks an SMB2 dialect in its
 * answer to the SMB1 NEGOTIATE gets no second one; SMB2-only negotiation starts at id 0.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Connection from "../../src/connection/Connection.js"
import type { ConnectionOptions } from "../../src/connection/ConnectionOptions.js"
import { MessageHandler } from "../../src/connection/MessageHandler.js"
import type { ReceivedRequest, TestPeer } from "../../src/testing/TestPeer.js"
import * as Peer from "../../src/testing/TestPeer.js"
import { Transport } from "../../src/transport/Transport.js"
import { Command } from "../../src/wire/Command.js"
import { decodeNegotiateRequest, Dialect } from "../../src/wire/Negotiate.js"
import { decodeSmb1NegotiateRequest } from "../../src/wire/Smb1Negotiate.js"
import { negotiateResponseBody } from "../support/negotiateResponse.js"
import { expectWorker } from "../support/workers.js"

const negotiateResponse = (dialect: number) => negotiateResponseBody({ dialect })

/** Negotiates with `options` against the peer; the peer's script runs alongside. */
const negotiateAgainst = <A>(options: Partial<ConnectionOptions>, script: (peer: TestPeer) => Effect.Effect<A, unknown>) =>
  Effect.gen(function*() {
    const { peer, transport } = yield* Peer.makeMemory()
    const full: ConnectionOptions = { host: "peer", ...options }
    const context = yield* Layer.build(Connection.layerHandler(full).pipe(Layer.provide(Layer.succeed(Transport, transport))))
    const negotiating = yield* Effect.fork(Connection.make(full).pipe(Effect.provideService(MessageHandler, Context.get(context, MessageHandler))))
    const seen = yield* script(peer)
    const connection = yield* Fiber.join(negotiating)
    return { connection, seen, peer }
  })

const smb2Negotiate = (request: ReceivedRequest) => {
  expect(request.kind).toBe("smb2")
  expect(request.header.command).toBe(Command.NEGOTIATE)
  return Either.getOrThrow(decodeNegotiateRequest(request.message))
}

describe("Connection: negotiation on the wire (scriptable peer)", () => {
  for (const worker of ["fiber", "single"] as const) {
    it.scoped(`multi-protocol (${worker} worker): SMB1 NEGOTIATE first, then SMB2 NEGOTIATE with message id 1`, () =>
      Effect.gen(function*() {
        const { connection, seen } = yield* negotiateAgainst({ multiProtocol: true, worker }, (peer) =>
          Effect.gen(function*() {
            const first = yield* peer.next
            expect(first.kind).toBe("smb1")
            expect(first.message[4]).toBe(0x72) // SMB_COM_NEGOTIATE
            const smb1 = Either.getOrThrow(decodeSmb1NegotiateRequest(first.message))
            expect(smb1.dialects).toEqual(expect.arrayContaining(["SMB 2.002", "SMB 2.???"]))
            yield* peer.respond(first, { body: negotiateResponse(Dialect.SMB_2_WILDCARD) })
            const second = yield* peer.next
            const request = smb2Negotiate(second)
            expect(second.header.messageId).toBe(1n)
            expect(request.dialects).toContain(Dialect.SMB_3_1_1)
            yield* peer.respond(second, { body: negotiateResponse(Dialect.SMB_3_1_1) })
            return [first.kind, second.kind, second.header.messageId]
          }))
        expect(seen).toEqual(["smb1", "smb2", 1n])
        expect(connection.negotiated.dialect).toBe("3.1.1")
        expect(connection.preauthHash).toBeDefined()
        yield* expectWorker(connection.handler, worker === "single" ? "single" : "parallel-fiber")
      }))
  }

  it.scoped("multi-protocol: a server that picks 2.0.2 in its answer to the SMB1 NEGOTIATE gets no SMB2 NEGOTIATE", () =>
    Effect.gen(function*() {
      const { connection, peer } = yield* negotiateAgainst({ multiProtocol: true }, (peer) =>
        Effect.gen(function*() {
          const first = yield* peer.next
          expect(first.kind).toBe("smb1")
          yield* peer.respond(first, { body: negotiateResponse(Dialect.SMB_2_0_2) })
        }))
      expect(connection.negotiated.dialect).toBe("2.0.2")
      // the next request is this ECHO, with message id 1: no second NEGOTIATE went out
      const echo = yield* Effect.fork(connection.echo)
      const next = yield* peer.next
      expect([next.kind, next.header.command, next.header.messageId]).toEqual(["smb2", Command.ECHO, 1n])
      yield* peer.respond(next)
      yield* Fiber.join(echo)
    }))

  it.scoped("SMB2-only (the default): the first request is an SMB2 NEGOTIATE with message id 0", () =>
    Effect.gen(function*() {
      const { connection, seen } = yield* negotiateAgainst({}, (peer) =>
        Effect.gen(function*() {
          const first = yield* peer.next
          smb2Negotiate(first)
          yield* peer.respond(first, { body: negotiateResponse(Dialect.SMB_3_1_1) })
          return [first.kind, first.header.messageId]
        }))
      expect(seen).toEqual(["smb2", 0n])
      expect(connection.negotiated.dialect).toBe("3.1.1")
    }))
})
