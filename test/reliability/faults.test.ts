/**
 * Faults a server (or the network) can throw at a connection, scripted with the test peer over
 * memory and over TCP loopback: a frame cut short, a length header and then silence (slowloris),
 * forged or tampered responses on sessions with keys, duplicate and unknown responses, a flood
 * of unsolicited messages, a server that grants no credits and one that never answers.
 *
 * After every scenario (test/support/hygiene.ts): no fiber forked by the scenario is alive, no
 * socket, server or timer is left, and, before the connection closes, the worker holds nothing
 * in flight, awaited or stashed that it should not, with the credit balance exactly what the
 * server granted minus what was spent.
 */
import { describe, expect, it, vi } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { SessionSecurity } from "../../src/connection/Transformer.js"
import { ConnectionStopped, TransportError } from "../../src/errors.js"
import { encodeResponse } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { Cipher, SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { MAX_NOTIFICATION_BYTES } from "../../src/connection/Notifications.js"
import { collectGarbage, expectIdle, hygienic, snapshot } from "../support/hygiene.js"
import type { PeerKind } from "./stack.js"
import { decryptAsServer, echo, encryptAsServer, makeStack, signAsServer, tagOf, warmUp } from "./stack.js"

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

/** Closes the connection's scope and says how long that took. */
const timedClose = (scope: Scope.CloseableScope) =>
  Effect.gen(function*() {
    const started = Date.now()
    yield* Scope.close(scope, Exit.void)
    return Date.now() - started
  })

const signing: SessionSecurity = {
  sessionId: 0x4242n,
  signingAlgorithm: SigningAlgorithm.AES_CMAC,
  signingKey: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
  signingRequired: true,
  encryptData: false
}

const encrypting: SessionSecurity = {
  sessionId: 0x4343n,
  signingAlgorithm: SigningAlgorithm.AES_GMAC,
  signingKey: Uint8Array.from({ length: 16 }, (_, i) => i + 17),
  signingRequired: true,
  encryptData: true,
  encryption: {
    cipher: Cipher.AES_128_GCM,
    encryptionKey: Uint8Array.from({ length: 16 }, (_, i) => i + 33),
    decryptionKey: Uint8Array.from({ length: 16 }, (_, i) => i + 49)
  }
}

for (const kind of ["memory", "tcp"] as ReadonlyArray<PeerKind>) {
  describe(`faults, peer over ${kind}`, () => {
    it.live("a frame cut short, then the connection closed: the waiters fail with ConnectionStopped at once", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind, handler: { creditBacklog: 8 } })
        yield* warmUp(stack, 8)
        if (kind === "tcp") expect(snapshot().sockets).toBeGreaterThanOrEqual(2)
        const callers = yield* Effect.forEach(range(8), (tag) => Effect.fork(Effect.exit(stack.handler.sendRecv(echo(tag)))))
        const requests = yield* stack.peer.take(8)
        yield* stack.peer.respond(requests[0]!, { body: requests[0]!.body, credits: 1 })
        const started = Date.now()
        yield* stack.peer.dropMidFrame(encodeResponse(requests[1]!, { body: requests[1]!.body }), { sent: 30 })
        const exits = yield* Fiber.joinAll(callers)
        expect(Date.now() - started).toBeLessThan(1000)
        const answered = tagOf(requests[0]!.body)
        for (const [i, exit] of exits.entries()) {
          if (i + 1 === answered) {
            expect(Exit.isSuccess(exit)).toBe(true)
            continue
          }
          const error = failureOf(exit)
          expect(error).toBeInstanceOf(ConnectionStopped)
          expect(error).toMatchObject({ reason: "TransportFailed", cause: { _tag: "TransportError", reason: "ClosedByPeer" } })
          expect(((error as ConnectionStopped).cause as TransportError).detail).toContain("middle of a frame")
        }
        expect(failureOf(yield* Effect.exit(stack.handler.sendRecv(echo(99))))).toBeInstanceOf(ConnectionStopped)
        // warm-up 8, then 8 spent and one answer granting 1; the cut frame granted nothing
        expectIdle(yield* stack.worker.stats, 1)
        expect(yield* timedClose(stack.scope)).toBeLessThan(1000)
      })))

    it.live("slowloris, a 16 MiB length header then nothing: the request times out and the connection is torn down", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind, worker: { disconnectOnTimeout: true } })
        yield* warmUp(stack, 2)
        const caller = yield* Effect.fork(Effect.exit(stack.handler.sendRecv(echo(1), { timeout: "300 millis" })))
        const behind = yield* Effect.fork(Effect.exit(stack.handler.sendRecv(echo(2))))
        yield* stack.peer.take(2)
        yield* stack.peer.sendRaw(Uint8Array.of(0, 0xff, 0xff, 0xff))
        const started = Date.now()
        const timedOut = { _tag: "OperationTimeout", reason: "Receive", millis: 300, messageId: 1n }
        expect(failureOf(yield* Fiber.join(caller))).toMatchObject(timedOut)
        // the request behind it, with the default 30 s timeout, fails at the same moment
        expect(failureOf(yield* Fiber.join(behind))).toMatchObject({ _tag: "ConnectionStopped", reason: "Unresponsive", cause: timedOut })
        expect(Date.now() - started).toBeLessThan(1000)
        // the client closed its end by itself, before anyone closed the scope
        expect(yield* Effect.flip(stack.peer.next)).toMatchObject({ _tag: "TransportError", reason: "ClosedByPeer" })
        expect(yield* stack.worker.stats).toMatchObject({ inFlight: 0, awaiting: 0, stashed: 0 })
        expect(yield* timedClose(stack.scope)).toBeLessThan(1000)
      })))

    it.live("without disconnectOnTimeout, a request that times out leaves the connection up", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind })
        const caller = yield* Effect.fork(Effect.exit(stack.handler.sendRecv(echo(1), { timeout: "300 millis" })))
        yield* stack.peer.next
        expect(failureOf(yield* Fiber.join(caller))).toMatchObject({ _tag: "OperationTimeout", reason: "Receive", millis: 300, messageId: 0n })
        // The abandoned request stays known, so that a late answer would still be counted for
        // credits (invariant 2).
        expect(yield* stack.worker.stats).toMatchObject({ inFlight: 1, abandoned: 1, awaiting: 0, stashed: 0, creditBalance: 0 })
        expect(yield* timedClose(stack.scope)).toBeLessThan(1000)
      })))

    it.live("a response with a bad signature fails only its own waiter, with TransformFailed(BadSignature)", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind })
        yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: signing })
        yield* warmUp(stack, 3)
        const callers = yield* Effect.forEach(range(3), (tag) => Effect.fork(Effect.exit(stack.handler.sendRecv(echo(tag, signing.sessionId)))))
        const requests = yield* stack.peer.take(3)
        for (const [i, request] of requests.entries()) {
          const response = signAsServer(signing, encodeResponse(request, { body: request.body, credits: 1 }))
          if (i === 1) response[64 + 5]! ^= 1
          yield* stack.peer.sendFrame(response)
        }
        const exits = yield* Fiber.joinAll(callers)
        const forged = tagOf(requests[1]!.body)
        for (const [i, exit] of exits.entries()) {
          if (i + 1 === forged) {
            expect(failureOf(exit)).toMatchObject({ _tag: "TransformFailed", reason: "BadSignature", messageId: requests[1]!.header.messageId })
          } else {
            expect(Exit.isSuccess(exit) && exit.value.verified).toBe(true)
          }
        }
        // the forged answer's header belonged to a request in flight: its grant counts (invariant 1)
        expectIdle(yield* stack.worker.stats, 3)
      })))

    it.live("tampered ciphertext cannot be attributed: it is counted undeliverable, its waiter times out, the others complete", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind })
        yield* stack.worker.updateTransformer({ _tag: "SessionEstablished", session: encrypting })
        yield* warmUp(stack, 3)
        const callers = yield* Effect.forEach(range(3), (tag) =>
          Effect.fork(Effect.exit(stack.handler.sendRecv(echo(tag, encrypting.sessionId), { timeout: "300 millis" }))))
        const requests = (yield* stack.peer.take(3)).map((request) => decryptAsServer(encrypting, request))
        for (const [i, request] of requests.entries()) {
          const frame = encryptAsServer(encrypting, encodeResponse(request, { body: request.body, credits: 1 }))
          if (i === 1) frame[60]! ^= 1
          yield* stack.peer.sendFrame(frame)
        }
        const exits = yield* Fiber.joinAll(callers)
        const tampered = tagOf(requests[1]!.body)
        for (const [i, exit] of exits.entries()) {
          if (i + 1 === tampered) {
            expect(failureOf(exit)).toMatchObject({ _tag: "OperationTimeout", reason: "Receive", messageId: requests[1]!.header.messageId })
          } else {
            expect(Exit.isSuccess(exit) && exit.value.encrypted).toBe(true)
          }
        }
        // The message id is inside the ciphertext, so the frame has no owner: it is counted as
        // undeliverable (invariant 4), its credits are unknown, and its request stays abandoned.
        expect(yield* stack.worker.stats).toMatchObject({ undeliverable: 1, inFlight: 1, abandoned: 1, awaiting: 0, stashed: 0, creditBalance: 2 })
      })))

    it.live("a duplicate response is dropped as unknown, and its credits are not counted twice", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind })
        yield* warmUp(stack, 2)
        const callers = yield* Effect.forEach(range(2), (tag) => Effect.fork(stack.handler.sendRecv(echo(tag))))
        const [first, second] = yield* stack.peer.take(2)
        yield* stack.peer.respond(first!, { body: first!.body, credits: 1 })
        yield* stack.peer.respond(first!, { body: first!.body, credits: 5 })
        yield* stack.peer.respond(second!, { body: second!.body, credits: 1 })
        const results = yield* Fiber.joinAll(callers)
        expect(results.map((m) => tagOf(m.body))).toEqual([1, 2])
        const stats = yield* stack.worker.stats
        expect(stats.unknown).toBe(1)
        // MS-SMB2 3.2.5.1.2: a response whose request is not outstanding is discarded
        expectIdle(stats, 2)
      })))

    it.live("responses to ids nobody sent are counted as unknown and grant nothing; the real answer still arrives", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind })
        const caller = yield* Effect.fork(stack.handler.sendRecv(echo(1)))
        const request = yield* stack.peer.next
        yield* stack.peer.respond(request, { messageId: 999n, credits: 7 })
        yield* stack.peer.respond(request, { messageId: 1n << 60n, credits: 7 })
        yield* stack.peer.respond(request, { body: request.body, credits: 1 })
        expect(tagOf((yield* Fiber.join(caller)).body)).toBe(1)
        const stats = yield* stack.worker.stats
        expect(stats.unknown).toBe(2)
        expectIdle(stats, 1)
      })))

    it.live("100,000 unsolicited messages and a slow consumer: requests keep flowing, the buffer and the heap stay bounded", () =>
      hygienic(Effect.gen(function*() {
        const buffer = 1024
        const stack = yield* makeStack({ peer: kind, worker: { notificationBuffer: buffer } })
        const stream = yield* stack.worker.subscribe
        let consumed = 0
        yield* Effect.forkScoped(Stream.runForEach(stream, () => Effect.zipRight(Effect.sync(() => consumed++), Effect.sleep("1 millis"))))
        collectGarbage()
        const heapBefore = process.memoryUsage().heapUsed
        for (let round = 0; round < 10; round++) {
          const caller = yield* Effect.fork(stack.handler.sendRecv(echo(round)))
          const request = yield* stack.peer.next
          yield* stack.peer.notify({ command: Command.OPLOCK_BREAK, body: new Uint8Array(24).fill(round), count: 10_000 })
          yield* stack.peer.respond(request, { body: request.body, credits: 1 })
          expect(tagOf((yield* Fiber.join(caller)).body)).toBe(round)
        }
        const stats = yield* stack.worker.stats
        // every message is consumed, dropped, or waiting in the subscriber's buffer
        expect(stats.droppedNotifications).toBeGreaterThanOrEqual(100_000 - buffer - consumed)
        expect(stats.droppedNotifications).toBeLessThanOrEqual(100_000 - consumed)
        collectGarbage()
        const growth = process.memoryUsage().heapUsed - heapBefore
        // measured: about 1.5 MB; with no bound on the buffer, about 57 MB
        expect(growth).toBeLessThan(8 * 1024 * 1024)
        expectIdle(stats, 1)
      })), 30_000)

    it.live("bytes are bounded too: an oversized unsolicited message is dropped, a stash past maxStashBytes fails its receiver", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind, worker: { maxStashBytes: 10_000 } })
        const stream = yield* stack.worker.subscribe
        yield* stack.peer.notify({ command: Command.OPLOCK_BREAK, body: new Uint8Array(MAX_NOTIFICATION_BYTES), count: 3 })
        yield* stack.peer.notify({ command: Command.OPLOCK_BREAK, body: new Uint8Array(24).fill(7) })
        const [kept] = yield* Stream.runCollect(Stream.take(stream, 1))
        expect(kept!.body.byteLength).toBe(24)
        expect((yield* stack.worker.stats).droppedNotifications).toBe(3)
        // two responses nobody asked for yet: the first fits, the second would pass the bound
        const first = yield* stack.handler.sendo(echo(1))
        yield* stack.peer.respond(yield* stack.peer.next, { body: new Uint8Array(6_000), credits: 1 })
        const second = yield* stack.handler.sendo(echo(2))
        yield* stack.peer.respond(yield* stack.peer.next, { body: new Uint8Array(6_000), credits: 1 })
        yield* Effect.sleep("50 millis")
        expect((yield* stack.handler.recvo({ messageId: first.messageId })).body.byteLength).toBe(6_000)
        expect(failureOf(yield* Effect.exit(stack.handler.recvo({ messageId: second.messageId })))).toMatchObject({ _tag: "InvalidState" })
        expectIdle(yield* stack.worker.stats, 1)
      })))

    it.live("a server that grants no credits: the next request fails with OperationTimeout(Credits) and sends nothing", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind, handler: { creditBacklog: 0, timeout: Duration.millis(200) } })
        const first = yield* Effect.fork(stack.handler.sendRecv(echo(1)))
        yield* stack.peer.respond(yield* stack.peer.next, { credits: 0 })
        yield* Fiber.join(first)
        const starved = yield* Effect.exit(stack.handler.sendRecv(echo(2)))
        expect(failureOf(starved)).toMatchObject({ _tag: "OperationTimeout", reason: "Credits", millis: 200 })
        expect(Option.isNone(yield* Effect.option(Effect.timeout(stack.peer.next, "50 millis")))).toBe(true)
        expect(stack.worker.credits.waiting).toBe(0)
        const stats = yield* stack.worker.stats
        expect(stats.creditsSpent).toBe(1)
        expectIdle(stats, 0)
      })))

    it.live("a server that never answers: OperationTimeout(Receive); the request stays abandoned until the close", () =>
      hygienic(Effect.gen(function*() {
        const stack = yield* makeStack({ peer: kind })
        const exit = yield* Effect.exit(stack.handler.sendRecv(echo(1), { timeout: "200 millis" }))
        expect(failureOf(exit)).toMatchObject({ _tag: "OperationTimeout", reason: "Receive", millis: 200, messageId: 0n })
        expect((yield* stack.peer.next).header.command).toBe(Command.ECHO)
        expect(yield* stack.worker.stats).toMatchObject({ inFlight: 1, abandoned: 1, awaiting: 0, stashed: 0, creditBalance: 0 })
        expect(yield* timedClose(stack.scope)).toBeLessThan(1000)
      })))
  })
}

describe("faults: what the transport allocates", () => {
  // The deframer allocates a frame's buffer only once a share of its announced length has
  // arrived: 4 header bytes must not make the client reserve up to 16 MiB.
  it.live("a 16 MiB length header alone does not allocate 16 MiB", () =>
    hygienic(Effect.gen(function*() {
      const allocations = vi.spyOn(Buffer, "allocUnsafeSlow")
      yield* Effect.addFinalizer(() => Effect.sync(() => allocations.mockRestore()))
      const stack = yield* makeStack()
      // the in-memory peer's write reaches the client's deframer synchronously
      yield* stack.peer.sendRaw(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xfe))
      const large = allocations.mock.calls.filter(([size]) => size >= 1 << 20)
      expect(large).toEqual([])
    })))
})
