/**
 * Compound requests on every worker (see subjects.ts), driven by the scriptable peer: the chain's
 * layout on the wire, each element's response routed to its own caller however the server
 * answers (one frame, several frames, out of order, one element async), one error for a failed
 * CREATE and what it cascades to, and invariant 9: each element answered or failed exactly once,
 * credits counted per element, an interruption mid-chain leaves no waiter behind.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { CompoundRequest } from "../../src/connection/MessageHandler.js"
import type { ReceivedRequest } from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { HeaderFlags } from "../../src/wire/Header.js"
import { Status } from "../../src/wire/Status.js"
import type { Built } from "./subjects.js"
import { subjects } from "./subjects.js"

const echo = { command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }

/** A request whose body carries a tag (odd lengths, so that the chain needs padding). */
const element = (command: number, tag: number, length = 13): CompoundRequest => {
  const body = new Uint8Array(length)
  body[0] = tag
  return { request: { command, body, sessionId: 7n, treeId: 3 }, options: { command, allowAsync: true } }
}

/** CREATE, QUERY_INFO, CLOSE: the shape of a stat. */
const chain = (): ReadonlyArray<CompoundRequest> => [
  element(Command.CREATE, 1),
  element(Command.QUERY_INFO, 2, 21),
  element(Command.CLOSE, 3, 5)
]

/** Grants `credits` to the first request so that a chain fits. */
const warmUp = (built: Built, credits: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(built.handler.sendRecv(echo))
    yield* built.peer.respond(yield* built.peer.next, { credits })
    yield* Fiber.join(fiber)
  })

/** Polls the worker's stats until `done` holds (bounded). */
const until = (built: Built, done: (stats: Effect.Effect.Success<Built["worker"]["stats"]>) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      if (done(yield* built.worker.stats)) return
      yield* Effect.yieldNow()
    }
    throw new Error(`condition not reached: ${JSON.stringify(yield* built.worker.stats)}`)
  })

/** The worker is clean again: nothing in flight, waiting, stashed or abandoned. */
const settled = (built: Built) => until(built, (s) => s.inFlight === 0 && s.awaiting === 0 && s.stashed === 0 && s.abandoned === 0)

/** A further request still works, so nothing was left to confuse the routing. */
const stillServes = (built: Built) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(built.handler.sendRecv(echo))
    yield* built.peer.respond(yield* built.peer.next)
    expect((yield* Fiber.join(fiber)).header.command).toBe(Command.ECHO)
  })

const tagOf = (request: ReceivedRequest) => request.body[0]

for (const subject of subjects) {
  describe(`Compound requests: ${subject.name}`, () => {
    it.scopedLive("sends a related chain as one frame: NextCommand, padding, flags, contiguous ids; answered in one frame", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        const requests = yield* built.peer.take(3)
        expect(new Set(requests.map((r) => r.frame)).size).toBe(1)
        const frame = requests[0]!.frame
        // 64 + 13 -> 80, 64 + 21 -> 88, then 64 + 5 unpadded
        expect(frame.byteLength).toBe(80 + 88 + 69)
        expect(requests.map((r) => r.header.nextCommand)).toEqual([80, 88, 0])
        expect(requests.map((r) => r.header.flags & HeaderFlags.RELATED_OPERATIONS)).toEqual([
          0,
          HeaderFlags.RELATED_OPERATIONS,
          HeaderFlags.RELATED_OPERATIONS
        ])
        expect(requests.map(tagOf)).toEqual([1, 2, 3])
        const first = requests[0]!.header.messageId
        expect(requests.map((r) => r.header.messageId)).toEqual([first, first + 1n, first + 2n])
        expect(requests.map((r) => [r.header.sessionId, r.header.treeId])).toEqual([[7n, 3], [7n, 3], [7n, 3]])
        // Samba grants a chain's credits on its last response only
        yield* built.peer.respondCompound([
          [requests[0]!, { credits: 0 }],
          [requests[1]!, { credits: 0, body: new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 42]) }],
          [requests[2]!, { credits: 3 }]
        ])
        const responses = yield* Fiber.join(caller)
        expect(responses.map((m) => m.header.command)).toEqual([Command.CREATE, Command.QUERY_INFO, Command.CLOSE])
        expect(responses[1]!.body[8]).toBe(42)
        yield* settled(built)
        expect(yield* built.worker.stats).toMatchObject({ creditBalance: 3, creditsSpent: 4 })
        yield* stillServes(built)
      }))

    it.scopedLive("an unrelated chain carries no RELATED_OPERATIONS; the server answers each element in its own frame", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(
          built.handler.sendRecvCompound([element(Command.ECHO, 1, 4), element(Command.ECHO, 2, 4), element(Command.ECHO, 3, 4)], {
            related: false
          })
        )
        const requests = yield* built.peer.take(3)
        expect(requests.map((r) => r.header.flags & HeaderFlags.RELATED_OPERATIONS)).toEqual([0, 0, 0])
        // out of order where the worker routes by id; in order for the single worker
        const order = subject.parallel ? [2, 0, 1] : [0, 1, 2]
        for (const i of order) yield* built.peer.respond(requests[i]!, { body: new Uint8Array([4, 0, 0, 0, i]) })
        const responses = yield* Fiber.join(caller)
        expect(responses.map((m) => m.body[4])).toEqual([0, 1, 2])
        yield* settled(built)
        expect((yield* built.worker.stats).creditBalance).toBe(3)
      }))

    it.scopedLive("one element goes async: the others are answered around it and the chain completes", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        const [create, query, close] = yield* built.peer.take(3)
        // as Samba does: the responses so far and the interim one in a frame, later the rest
        yield* built.peer.respondCompound([[create!, { credits: 1 }], [query!, { status: Status.PENDING, asyncId: 55n, credits: 1 }]])
        if (subject.parallel) yield* built.peer.respond(close!, { credits: 1 })
        yield* built.peer.respondAsync(query!, 55n, { credits: 1 })
        if (!subject.parallel) yield* built.peer.respond(close!, { credits: 1 })
        const responses = yield* Fiber.join(caller)
        expect(responses.map((m) => m.header.status)).toEqual([Status.SUCCESS, Status.SUCCESS, Status.SUCCESS])
        expect(responses[1]!.header.asyncId).toBe(55n)
        yield* settled(built)
        // 3 spent, 4 granted (the interim response's credit counts too: invariant 1)
        expect((yield* built.worker.stats).creditBalance).toBe(4)
        yield* stillServes(built)
      }))

    it.scopedLive("a failed CREATE and the statuses it cascades to become one error naming the CREATE", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        const requests = yield* built.peer.take(3)
        yield* built.peer.respondCompound(requests.map((r) => [r, { status: Status.OBJECT_NAME_NOT_FOUND, credits: 1 }] as const))
        const exit = yield* Fiber.await(caller)
        expect(exit).toMatchObject({
          _tag: "Failure",
          cause: {
            _tag: "Fail",
            error: {
              _tag: "ServerError",
              reason: "STATUS_OBJECT_NAME_NOT_FOUND",
              command: "CREATE",
              messageId: requests[0]!.header.messageId
            }
          }
        })
        yield* settled(built)
        expect((yield* built.worker.stats).creditBalance).toBe(3)
        yield* stillServes(built)
      }))

    it.scopedLive("a later element's own failure is the error when the CREATE succeeded", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        const [create, query, close] = yield* built.peer.take(3)
        yield* built.peer.respondCompound([[create!], [query!, { status: Status.ACCESS_DENIED }], [close!]])
        const exit = yield* Fiber.await(caller)
        expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ServerError", command: "QUERY_INFO" } } })
        yield* settled(built)
      }))

    it.scopedLive("interrupted in the middle of a chain: no waiter is left, late responses are counted and dropped (invariant 9)", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        const [create, query, close] = yield* built.peer.take(3)
        yield* built.peer.respond(create!, { credits: 1 })
        // the first response is taken and the caller waits for the second
        yield* until(built, (s) => s.creditBalance === 1)
        yield* Fiber.interrupt(caller)
        expect((yield* built.worker.stats).awaiting).toBe(0)
        yield* built.peer.respondCompound([[query!, { credits: 1 }], [close!, { credits: 1 }]])
        yield* stillServes(built)
        yield* settled(built)
        // 3 granted by the chain, 1 by the ECHO that spent 1
        expect((yield* built.worker.stats).creditBalance).toBe(3)
      }))

    it.scopedLive("interrupted while one element is async: that element is cancelled with its async id (invariant 3)", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 3)
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        const [create, query, close] = yield* built.peer.take(3)
        yield* built.peer.respondCompound([[create!], [query!, { status: Status.PENDING, asyncId: 99n }]])
        yield* until(built, (s) => s.creditBalance === 2)
        yield* Fiber.interrupt(caller)
        const cancel = yield* built.peer.next
        expect(cancel.header.command).toBe(Command.CANCEL)
        expect(cancel.header.messageId).toBe(query!.header.messageId)
        expect(cancel.header.asyncId).toBe(99n)
        yield* built.peer.respondAsync(query!, 99n, { status: Status.CANCELLED })
        yield* built.peer.respond(close!)
        yield* stillServes(built)
        yield* settled(built)
        expect((yield* built.worker.stats).creditBalance).toBe(4)
      }))

    it.scopedLive("credits are exact per element: multi-credit elements take their charge and as many ids", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* built.handler.setNegotiated({ dialect: 0x0311, largeMtu: true })
        yield* warmUp(built, 10)
        const read: CompoundRequest = {
          request: { command: Command.READ, body: new Uint8Array(49), responseSize: 4 * 65536, sessionId: 7n, treeId: 3 },
          options: { command: Command.READ }
        }
        const caller = yield* Effect.fork(
          built.handler.sendRecvCompound([element(Command.CREATE, 1), read, element(Command.CLOSE, 3, 24)], { related: true })
        )
        const requests = yield* built.peer.take(3)
        const first = requests[0]!.header.messageId
        expect(requests.map((r) => [r.header.messageId - first, r.header.creditCharge])).toEqual([[0n, 1], [1n, 4], [5n, 1]])
        // the window had 10; the chain spent 6
        expect((yield* built.worker.stats).creditBalance).toBe(4)
        yield* built.peer.respondCompound(requests.map((r) => [r, { credits: r.header.creditCharge }] as const))
        yield* Fiber.join(caller)
        yield* settled(built)
        expect((yield* built.worker.stats).creditBalance).toBe(10)
        // the next request's id follows the chain's last charge
        const next = yield* Effect.fork(built.handler.sendRecv(echo))
        const echoRequest = yield* built.peer.next
        expect(echoRequest.header.messageId).toBe(first + 6n)
        yield* built.peer.respond(echoRequest)
        yield* Fiber.join(next)
      }))

    it.scopedLive("a chain waits for its credits as a whole, then goes out as one frame", () =>
      Effect.gen(function*() {
        const built = yield* subject.make()
        yield* warmUp(built, 2)
        const before = yield* Effect.fork(built.handler.sendRecv(echo))
        const echoRequest = yield* built.peer.next
        // one credit left: the chain of three waits
        const caller = yield* Effect.fork(built.handler.sendRecvCompound(chain(), { related: true }))
        yield* Effect.sleep("20 millis")
        expect((yield* built.worker.stats).creditBalance).toBe(1)
        yield* built.peer.respond(echoRequest, { credits: 2 })
        yield* Fiber.join(before)
        const requests = yield* built.peer.take(3)
        expect(new Set(requests.map((r) => r.frame)).size).toBe(1)
        expect(requests[0]!.header.messageId).toBe(echoRequest.header.messageId + 1n)
        yield* built.peer.respondCompound(requests.map((r) => [r] as const))
        yield* Fiber.join(caller)
        yield* settled(built)
        expect((yield* built.worker.stats).creditBalance).toBe(3)
      }))
  })
}
