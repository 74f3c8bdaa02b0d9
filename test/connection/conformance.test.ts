/**
 * The Worker conformance suite: the same scenarios against every worker (see subjects.ts), driven
 * by the scriptable peer. The comments name the DESIGN.md invariant each scenario guards.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import type { ConnectionStopped } from "../../src/errors.js"
import { DecodeError, TransportError } from "../../src/errors.js"
import type { Frame } from "../../src/transport/Transport.js"
import { Command } from "../../src/wire/Command.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import { Status } from "../../src/wire/Status.js"
import { TEST_SEED } from "../support/seeded.js"
import { expectWorker, watchThreads } from "../support/workers.js"
import type { Built } from "./subjects.js"
import { subjects } from "./subjects.js"

const echo = { command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }

/** An ECHO whose body carries a tag, so a response can be matched to its caller. */
const tagged = (tag: number) => {
  const body = new Uint8Array(8)
  body[0] = 4
  new DataView(body.buffer).setUint32(4, tag, true)
  return { command: Command.ECHO, body }
}
const tagOf = (body: Uint8Array) => new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(4, true)

/** Grants `credits` to the first request so that many can be in flight. */
const warmUp = (built: Built, credits: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(built.handler.sendRecv(echo))
    const request = yield* built.peer.next
    yield* built.peer.respond(request, { credits })
    yield* Fiber.join(fiber)
  })

/** Polls the worker's stats until `done` holds (bounded, live or test clock alike). */
const until = (built: Built, done: (stats: Effect.Effect.Success<Built["worker"]["stats"]>) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      if (done(yield* built.worker.stats)) return
      yield* Effect.yieldNow()
    }
    throw new Error(`condition not reached: ${JSON.stringify(yield* built.worker.stats)}`)
  })

const isStopped = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" && (exit.cause.error as ConnectionStopped)._tag === "ConnectionStopped"

// Scenarios that need many requests in flight are registered only for workers that allow it.
for (const subject of subjects) {

  describe(`Worker conformance: ${subject.name}`, () => {
    it.scopedLive(`is the worker it claims (${subject.kind}), and serves a request`, () =>
      Effect.gen(function*() {
        const threads = yield* watchThreads
        const built = yield* subject.make()
        yield* expectWorker(built.worker, subject.kind, threads)
        const caller = yield* Effect.fork(built.handler.sendRecv(tagged(5)))
        const request = yield* built.peer.next
        yield* built.peer.respond(request, { body: request.body })
        expect(tagOf((yield* Fiber.join(caller)).body)).toBe(5)
        expect(threads.spawned).toHaveLength(subject.kind === "parallel-thread" ? 1 : 0)
      }))

    if (subject.parallel) {
      it.scopedLive("routes 1,000 concurrent requests answered out of order", () =>
        Effect.gen(function*() {
          const built = yield* subject.make({ handler: { creditBacklog: 1000 } })
          yield* warmUp(built, 1000)
          const callers = yield* Effect.fork(
            Effect.forEach(
              Array.from({ length: 1000 }, (_, i) => i),
              (i) => Effect.map(built.handler.sendRecv(tagged(i)), (m) => [i, tagOf(m.body)] as const),
              { concurrency: "unbounded" }
            )
          )
          const requests = yield* built.peer.take(1000)
          const shuffled = yield* Random.shuffle(requests).pipe(Effect.withRandom(Random.make(TEST_SEED)))
          for (const request of shuffled) yield* built.peer.respond(request, { body: request.body, credits: 1 })
          const results = yield* Fiber.join(callers)
          expect(results.every(([sent, got]) => sent === got)).toBe(true)
          expect(new Set(Chunk.toReadonlyArray(shuffled).map((r) => r.header.messageId)).size).toBe(1000)
          yield* until(built, (s) => s.inFlight === 0)
          const stats = yield* built.worker.stats
          expect(stats).toMatchObject({ awaiting: 0, stashed: 0, creditBalance: 1000 })
        }))
    }

    it.scopedLive("follows STATUS_PENDING to the final response and reports the async id (invariant 1)", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        const seen = yield* Deferred.make<{ messageId: bigint; asyncId: bigint }>()
        const caller = yield* Effect.fork(
          built.handler.sendRecv(
            { command: Command.CHANGE_NOTIFY, body: new Uint8Array(32) },
            { allowAsync: true, onAsync: (info) => Deferred.succeed(seen, info) }
          )
        )
        const request = yield* built.peer.next
        yield* built.peer.pending(request, 77n, { credits: 3 })
        expect(yield* Deferred.await(seen)).toEqual({ messageId: request.header.messageId, asyncId: 77n })
        yield* built.peer.respondAsync(request, 77n, { credits: 2 })
        const response = yield* Fiber.join(caller)
        expect(response.header.asyncId).toBe(77n)
        expect(response.header.status).toBe(Status.SUCCESS)
        // one initial credit, spent; 3 from the interim response, 2 from the final one
        expect((yield* built.worker.stats).creditBalance).toBe(5)
      }))

    it.scopedLive("an async response without allowAsync is a typed error and the request is cancelled", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        const caller = yield* Effect.fork(built.handler.sendRecv({ command: Command.CHANGE_NOTIFY, body: new Uint8Array(32) }))
        const request = yield* built.peer.next
        yield* built.peer.pending(request, 9n)
        const exit = yield* Fiber.await(caller)
        expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "UnexpectedCommand", reason: "AsyncNotAllowed" } } })
        const cancel = yield* built.peer.next
        expect(cancel.header.command).toBe(Command.CANCEL)
        expect(cancel.header.asyncId).toBe(9n)
      }))

    it.scopedLive("interrupting the wait on a pending request sends CANCEL with its async id (invariant 3)", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        const caller = yield* Effect.fork(
          built.handler.sendRecv({ command: Command.CHANGE_NOTIFY, body: new Uint8Array(32) }, { allowAsync: true })
        )
        const request = yield* built.peer.next
        yield* built.peer.pending(request, 0x1234n)
        yield* until(built, (s) => s.creditBalance === 1)
        yield* Fiber.interrupt(caller)
        const cancel = yield* built.peer.next
        expect(cancel.header.command).toBe(Command.CANCEL)
        expect(cancel.header.flags & HeaderFlags.ASYNC_COMMAND).toBe(HeaderFlags.ASYNC_COMMAND)
        expect(cancel.header.asyncId).toBe(0x1234n)
        expect(cancel.header.messageId).toBe(request.header.messageId)
        // the server's answer to the cancelled request is counted, then dropped, and the
        // connection goes on
        yield* built.peer.respondAsync(request, 0x1234n, { status: Status.CANCELLED, credits: 1 })
        const next = yield* Effect.fork(built.handler.sendRecv(echo))
        yield* built.peer.respond(yield* built.peer.next)
        yield* Fiber.join(next)
        expect(yield* built.worker.stats).toMatchObject({ inFlight: 0, abandoned: 0, creditBalance: 2 })
      }))

    it.scopedLive("delivers notifications interleaved with responses (invariant 5)", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        const stream = yield* built.worker.subscribe
        const collected = yield* Effect.fork(Stream.runCollect(Stream.take(stream, 3)))
        for (let i = 0; i < 3; i++) {
          const caller = yield* Effect.fork(built.handler.sendRecv(tagged(i)))
          const request = yield* built.peer.next
          yield* built.peer.notify({ command: Command.OPLOCK_BREAK, body: new Uint8Array([24, 0, i]) })
          yield* built.peer.respond(request, { body: request.body })
          expect(tagOf((yield* Fiber.join(caller)).body)).toBe(i)
        }
        const notes = Chunk.toReadonlyArray(yield* Fiber.join(collected))
        expect(notes.map((n) => [n.header.command, n.body[2]])).toEqual([[Command.OPLOCK_BREAK, 0], [Command.OPLOCK_BREAK, 1], [Command.OPLOCK_BREAK, 2]])
      }))

    it.scopedLive("keeps a response that arrives before anyone asks", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        const { messageId } = yield* built.handler.sendo(tagged(5))
        const request = yield* built.peer.next
        yield* built.peer.respond(request, { body: request.body })
        if (subject.parallel) yield* until(built, (s) => s.stashed === 1)
        const response = yield* built.handler.recvo({ messageId, command: Command.ECHO })
        expect(tagOf(response.body)).toBe(5)
        expect(yield* built.worker.stats).toMatchObject({ stashed: 0, inFlight: 0 })
      }))

    if (subject.parallel) {
      it.scopedLive("fails 64 requests in flight with ConnectionStopped when the connection drops, and closes", () =>
        Effect.gen(function*() {
          const built = yield* subject.make({ handler: { creditBacklog: 64 } })
          yield* warmUp(built, 64)
          const callers = yield* Effect.forEach(Array.from({ length: 64 }, (_, i) => i), (i) =>
            Effect.fork(Effect.exit(built.handler.sendRecv(tagged(i)))))
          yield* built.peer.take(64)
          const started = Date.now()
          yield* built.peer.dropMidFrame(new Uint8Array(200))
          const exits = yield* Fiber.joinAll(callers)
          expect(Date.now() - started).toBeLessThan(1000)
          expect(exits.every(isStopped)).toBe(true)
          expect(yield* Effect.exit(built.handler.sendRecv(echo))).toSatisfy(isStopped)
          yield* Scope.close(built.scope, Exit.void).pipe(Effect.timeout("1 second"))
        }))
    }

    it.scoped("times out under the TestClock: per receive, by default, and for credits", () =>
      Effect.gen(function*() {
        const built = yield* subject.make({ worker: { timeout: Duration.seconds(30) }, handler: { creditBacklog: 3 } })
        yield* warmUp(built, 3)
        const perReceive = yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo, { timeout: "5 seconds" })))
        const first = yield* built.peer.next
        yield* TestClock.adjust("4999 millis")
        expect(perReceive.unsafePoll()).toBeNull()
        yield* TestClock.adjust("1 millis")
        expect(yield* Fiber.join(perReceive)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "OperationTimeout", reason: "Receive", millis: 5000 } } })
        if (subject.parallel) {
          // the late answer grants 2 credits, counted although nobody waits any more (invariant 2)
          yield* built.peer.respond(first, { credits: 2 })
          yield* until(built, (s) => s.creditBalance === 4 && s.inFlight === 0)
        }
        const byDefault = yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo)))
        yield* built.peer.next
        yield* TestClock.adjust("30 seconds")
        expect(yield* Fiber.join(byDefault)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "OperationTimeout", millis: 30000 } } })
      }))

    it.scoped("with disconnectOnTimeout, an overdue first response stops the connection and says why", () =>
      Effect.gen(function*() {
        const built = yield* subject.make({ worker: { timeout: Duration.seconds(30), disconnectOnTimeout: true } })
        yield* warmUp(built, 3)
        const overdue = yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo, { timeout: "5 seconds" })))
        yield* built.peer.next
        const behind = subject.parallel ? yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo))) : undefined
        if (behind !== undefined) yield* built.peer.next
        yield* TestClock.adjust("5 seconds")
        const timedOut = { _tag: "OperationTimeout", reason: "Receive", millis: 5000 }
        expect(yield* Fiber.join(overdue)).toMatchObject({ _tag: "Failure", cause: { error: timedOut } })
        const unresponsive = { _tag: "Failure", cause: { error: { _tag: "ConnectionStopped", reason: "Unresponsive", cause: timedOut } } }
        if (behind !== undefined) expect(yield* Fiber.join(behind)).toMatchObject(unresponsive)
        expect(yield* Effect.exit(built.handler.sendRecv(echo))).toMatchObject(unresponsive)
        // the client closed its end: the peer's next read fails instead of waiting
        expect(yield* Effect.flip(built.peer.next)).toMatchObject({ _tag: "TransportError", reason: "ClosedByPeer" })
      }))

    if (subject.parallel) {
      it.scoped("times out waiting for credits when the server grants none", () =>
        Effect.gen(function*() {
          const built = yield* subject.make({ handler: { creditBacklog: 0, timeout: Duration.seconds(10) } })
          const first = yield* Effect.fork(built.handler.sendRecv(echo))
          yield* built.peer.respond(yield* built.peer.next, { credits: 0 })
          yield* Fiber.join(first)
          const starved = yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo)))
          yield* TestClock.adjust("10 seconds")
          expect(yield* Fiber.join(starved)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "OperationTimeout", reason: "Credits" } } })
          expect((yield* built.worker.stats).creditsSpent).toBe(1)
        }))
    }

    if (subject.parallel) {
      it.scopedLive("10,000 requests with random interruptions leave nothing behind and the credits exact (invariants 1, 2)", () =>
        Effect.gen(function*() {
          const built = yield* subject.make({ handler: { creditBacklog: 256 } })
          let received = 0
          let granted = 0
          yield* built.peer.serve((request, peer) => {
            if (request.header.command === Command.CANCEL) return Effect.void
            received++
            const credits = 1 + (received % 3 === 0 ? 1 : 0) - (received % 5 === 0 ? 1 : 0)
            granted += credits
            return peer.respond(request, { credits, body: request.body })
          })
          yield* Effect.forEach(
            Array.from({ length: 10_000 }, (_, i) => i),
            (i) =>
              Effect.gen(function*() {
                const fiber = yield* Effect.fork(built.handler.sendRecv(tagged(i)))
                // seeded per request, so each request's fate is the same whatever the scheduling
                const spins = yield* Random.nextIntBetween(0, 6).pipe(Effect.withRandom(Random.make(`${TEST_SEED}:${i}`)))
                if (spins < 3) {
                  for (let s = 0; s < spins; s++) yield* Effect.yieldNow()
                  yield* Fiber.interrupt(fiber)
                } else {
                  const response = yield* Fiber.join(fiber)
                  expect(tagOf(response.body)).toBe(i)
                }
              }),
            { concurrency: 64, discard: true }
          )
          yield* until(built, (s) => s.inFlight === 0 && s.creditsSpent === received)
          const stats = yield* built.worker.stats
          expect(stats).toMatchObject({ awaiting: 0, stashed: 0, abandoned: 0, inFlight: 0, unknown: 0 })
          expect(stats.creditsGranted).toBe(granted)
          expect(stats.creditsSpent).toBe(received)
          expect(stats.creditBalance).toBe(1 + granted - received)
        }), 60_000)
    }

    if (subject.parallel) {
      it.scopedLive("a server that grants 0 credits and later more neither deadlocks nor oversends", () =>
        Effect.gen(function*() {
          const built = yield* subject.make({ handler: { creditBacklog: 4 } })
          yield* warmUp(built, 4)
          const callers = yield* Effect.fork(
            Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) => built.handler.sendRecv(tagged(i)), { concurrency: "unbounded" })
          )
          const firstFour = yield* built.peer.take(4)
          for (const request of firstFour.slice(0, 3)) yield* built.peer.respond(request, { credits: 0, body: request.body })
          // three answered with no grant: nothing more may be sent
          const early = yield* Effect.timeout(built.peer.next, "100 millis").pipe(Effect.option)
          expect(early._tag).toBe("None")
          yield* built.peer.respond(firstFour[3]!, { credits: 4, body: firstFour[3]!.body })
          const rest = yield* built.peer.take(4)
          for (const request of rest) yield* built.peer.respond(request, { credits: 1, body: request.body })
          const results = yield* Fiber.join(callers)
          expect(results.map((m) => tagOf(m.body))).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
          expect((yield* built.worker.stats).creditBalance).toBe(4)
        }))
    }

    if (subject.parallel) {
      const logged: Array<string> = []
      it.scopedLive("a bad frame does not stop the receive loop, and is counted and logged (invariant 4)", () =>
        Effect.gen(function*() {
          const built = yield* subject.make()
          const caller = yield* Effect.fork(built.handler.sendRecv(tagged(1)))
          const request = yield* built.peer.next
          const garbage = new Uint8Array(100).fill(0xab)
          yield* built.peer.sendFrame(garbage)
          // a valid header whose NextCommand points past the frame
          const badCompound = new Uint8Array(70)
          badCompound.set([0xfe, 0x53, 0x4d, 0x42, 64, 0])
          badCompound.set([0x00, 0x01], 20)
          yield* built.peer.sendFrame(badCompound)
          yield* built.peer.respond(request, { body: request.body })
          expect(tagOf((yield* Fiber.join(caller)).body)).toBe(1)
          expect((yield* built.worker.stats).undeliverable).toBe(2)
          // counted and logged (debug level, what failed, no payload)
          yield* Effect.sleep("10 millis")
          expect(logged.filter((line) => line.includes("discarded a received message"))).toHaveLength(2)
        }).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ annotations, message }) => {
            logged.push(`${String(message)} ${JSON.stringify(Object.fromEntries(annotations))}`)
          }))),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        ))
    }

    it.scopedLive("a response that does not decode fails only its own caller", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        const broken = () => Either.left(new DecodeError({ reason: "Invalid", structure: "Test", field: "Body" }))
        const failing = yield* Effect.fork(Effect.exit(built.handler.sendRecvDecode(echo, broken)))
        yield* built.peer.respond(yield* built.peer.next)
        expect(yield* Fiber.join(failing)).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "DecodeError" } } })
        const fine = yield* Effect.fork(built.handler.sendRecv(echo))
        yield* built.peer.respond(yield* built.peer.next)
        yield* Fiber.join(fine)
      }))

    // Through `send` alone, and through a synchronous `write` too (the one-step exchange).
    for (const withWrite of [false, true]) {
      it.scopedLive(`a failed write reaches the caller that asked for it (invariant 6)${withWrite ? ", written synchronously" : ""}`, () =>
        Effect.gen(function*() {
          const writeFailure = new TransportError({ reason: "Write", detail: "injected" })
          let writes = 0
          const built = yield* subject.make({
            wrapTransport: (transport) => {
              const write = (frame: Frame) =>
                ++writes === 2 ? Effect.fail(writeFailure) : transport.write === undefined ? transport.send(frame) : transport.write(frame)
              return {
                receive: transport.receive,
                close: transport.close,
                send: (frame) => Effect.suspend(() => write(frame) ?? Effect.void),
                ...(withWrite ? { write } : {})
              }
            }
          })
          const ok = yield* Effect.fork(built.handler.sendRecv(echo))
          yield* built.peer.respond(yield* built.peer.next, { credits: 2 })
          yield* Fiber.join(ok)
          const exit = yield* Effect.exit(built.handler.sendRecv(echo))
          expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ConnectionStopped", reason: "TransportFailed", cause: writeFailure } } })
          expect((yield* built.worker.stats).inFlight).toBe(0)
        }))
    }

    it.scopedLive("a slow notification consumer cannot stall requests; its buffer stays bounded (invariant 5)", () =>
      Effect.gen(function*() {
        const built = yield* subject.make({ worker: { notificationBuffer: 16 } })
        const stream = yield* built.worker.subscribe
        const caller = yield* Effect.fork(built.handler.sendRecv(tagged(3)))
        const request = yield* built.peer.next
        yield* built.peer.notify({ command: Command.OPLOCK_BREAK, body: new Uint8Array(24), count: 10_000 })
        yield* built.peer.respond(request, { body: request.body })
        expect(tagOf((yield* Fiber.join(caller)).body)).toBe(3)
        expect((yield* built.worker.stats).droppedNotifications).toBe(10_000 - 16)
        const kept = yield* Stream.runCollect(Stream.take(stream, 16))
        expect(Chunk.size(kept)).toBe(16)
      }))

    it.scopedLive("stop is idempotent and bounded; after the Scope closes no fiber is left (invariant 7)", () =>
      Effect.gen(function*() {
        const supervisor = yield* Supervisor.track
        const built = yield* Effect.supervised(subject.make(), supervisor)
        const caller = yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo)))
        yield* built.peer.next
        yield* built.worker.stop
        yield* built.worker.stop
        expect(yield* Fiber.join(caller)).toSatisfy(isStopped)
        yield* Scope.close(built.scope, Exit.void).pipe(Effect.timeout("1 second"))
        yield* Effect.sleep("10 millis")
        const alive = (yield* supervisor.value).filter((f) => f.unsafePoll() === null)
        expect(alive).toHaveLength(0)
      }))
  })
}
