/**
 * What only the thread backend has: a worker thread that can die, that must end with the Scope,
 * and buffers that cross to it and back by transfer. The conformance suite covers the rest.
 *
 * Worker threads are watched through Node's "worker_threads" diagnostics channel, which
 * publishes every Worker as it is constructed.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as DiagnosticsChannel from "node:diagnostics_channel"
import { existsSync, readdirSync } from "node:fs"
import * as Net from "node:net"
import type * as WorkerThreads from "node:worker_threads"
import {
  decodeError,
  encodeError,
  packIncoming,
  packOutgoing,
  TRANSFER_MIN_BYTES
} from "../../src/connection/internal/threadProtocol.js"
import * as MessageHandler from "../../src/connection/MessageHandler.js"
import * as ParallelWorker from "../../src/connection/ParallelWorker.js"
import * as ThreadBackend from "../../src/connection/ThreadBackend.js"
import { Worker } from "../../src/connection/Worker.js"
import { Transformer } from "../../src/connection/Transformer.js"
import { ConnectionStopped, TransformFailed, TransportError } from "../../src/errors.js"
import * as FramePool from "../../src/transport/FramePool.js"
import * as Peer from "../../src/testing/TestPeer.js"
import { Command } from "../../src/wire/Command.js"
import { Cipher } from "../../src/wire/NegotiateContext.js"
import { makeHeader } from "../../src/wire/Header.js"
import { threadEntry } from "./subjects.js"

interface Watched {
  readonly worker: WorkerThreads.Worker
  exited: boolean
}

/** Every worker thread constructed while the Scope is open. */
const watchWorkers = Effect.acquireRelease(
  Effect.sync(() => {
    const spawned: Array<Watched> = []
    const onWorker = (message: unknown): void => {
      const watched: Watched = { worker: (message as { readonly worker: WorkerThreads.Worker }).worker, exited: false }
      watched.worker.once("exit", () => (watched.exited = true))
      spawned.push(watched)
    }
    DiagnosticsChannel.subscribe("worker_threads", onWorker)
    return { spawned, onWorker }
  }),
  ({ onWorker }) => Effect.sync(() => DiagnosticsChannel.unsubscribe("worker_threads", onWorker))
).pipe(Effect.map(({ spawned }) => spawned))

/**
 * OS threads of this process, from /proc (Linux): a worker thread is one of them. Where /proc is
 * missing the test that counts them is reported skipped, not passed with nothing compared.
 */
const hasProcTasks = existsSync("/proc/self/task")
const osThreads = (): number => readdirSync("/proc/self/task").length

const connect = (
  options: { readonly faults?: ThreadBackend.Faults; readonly threads?: ThreadBackend.Threads } = {},
  tcp?: { readonly port: number; readonly connections: Effect.Effect<Peer.TestPeer> }
) =>
  Effect.gen(function*() {
    const entry = yield* threadEntry
    const server = tcp ?? (yield* Peer.makeTcp())
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    // The window the tests grant (up to 16) is within what the requests ask for.
    const layer = MessageHandler.layer({ creditBacklog: 16 }).pipe(
      Layer.provideMerge(ParallelWorker.layer()),
      Layer.provide(ThreadBackend.layer({ host: "127.0.0.1", port: server.port, entry, ...options }))
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    const peer = yield* server.connections
    return { peer, handler: Context.get(context, MessageHandler.MessageHandler), worker: Context.get(context, Worker), scope }
  })

const echo = (body: Uint8Array = new Uint8Array([4, 0, 0, 0])) => ({ command: Command.ECHO, body })

/** A server that accepts connections and reads nothing from them until `drain`. */
const pausedServer = Effect.acquireRelease(
  Effect.async<{ readonly server: Net.Server; readonly port: number; readonly sockets: Array<Net.Socket> }>((resume) => {
    const sockets: Array<Net.Socket> = []
    const server = Net.createServer({ pauseOnConnect: true }, (socket) => {
      socket.on("error", () => undefined)
      sockets.push(socket)
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, port: (server.address() as Net.AddressInfo).port, sockets })))
  }),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map(({ port, sockets }) => ({
  port,
  drain: Effect.sync(() => {
    for (const socket of sockets) socket.on("data", () => undefined).resume()
  })
})))

/** Connected, with a first ECHO answered with `credits` credits (the window starts at one). */
const connectGranted = (credits: number) =>
  Effect.gen(function*() {
    const built = yield* connect()
    const first = yield* Effect.fork(built.handler.sendRecv(echo()))
    yield* built.peer.respond(yield* built.peer.next, { credits })
    yield* Fiber.join(first)
    return built
  })

const pattern = (size: number, seed: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff
  return bytes
}

/** Byte equality without vitest's element-by-element diffing, which takes seconds per MiB. */
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

const workerFailed = (exit: Exit.Exit<unknown, unknown>): boolean =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" &&
  (exit.cause.error as ConnectionStopped)._tag === "ConnectionStopped" &&
  (exit.cause.error as ConnectionStopped).reason === "WorkerFailed"

describe("ThreadBackend", () => {
  for (const crash of ["throw", "exit", "terminate"] as const) {
    it.scopedLive(`the thread dying (${crash}) fails every request in flight with WorkerFailed and is not respawned`, () =>
      Effect.gen(function*() {
        const spawned = yield* watchWorkers
        // Write 1 is the warm-up, 2..8 are in flight; "throw" and "exit" die on write 9.
        const built = yield* connect(crash === "terminate" ? {} : { faults: { crashOnWrite: { at: 9, mode: crash } } })
        const first = yield* Effect.fork(built.handler.sendRecv(echo()))
        yield* built.peer.respond(yield* built.peer.next, { credits: 16 })
        yield* Fiber.join(first)
        const callers = yield* Effect.forEach(
          Array.from({ length: 7 }),
          () => Effect.fork(Effect.exit(built.handler.sendRecv(echo())))
        )
        yield* built.peer.take(7)
        if (crash === "terminate") yield* Effect.promise(() => spawned[0]!.worker.terminate())
        else callers.push(yield* Effect.fork(Effect.exit(built.handler.sendRecv(echo()))))
        const exits = yield* Fiber.joinAll(callers)
        expect(exits.every(workerFailed)).toBe(true)
        expect(exits[0]).toMatchObject({ cause: { error: { cause: { _tag: "WorkerError" } } } })
        expect(yield* Effect.exit(built.handler.sendRecv(echo()))).toSatisfy(workerFailed)
        expect(yield* built.worker.stats).toMatchObject({ inFlight: 0, awaiting: 0 })
        yield* Effect.sleep("100 millis")
        expect(spawned.map((w) => w.exited)).toEqual([true])
        yield* Scope.close(built.scope, Exit.void)
      }))
  }

  it.scopedLive("closing the Scope ends the thread, which closes the socket", () =>
    Effect.gen(function*() {
      const spawned = yield* watchWorkers
      const built = yield* connect()
      // the thread the worker reports (its id, read inside it) is the one spawned, and it runs
      const stats = yield* built.worker.stats
      expect(stats.kind).toBe("parallel-thread")
      expect(spawned.map((w) => [w.worker.threadId, w.exited])).toEqual([[stats.threadId, false]])
      const caller = yield* Effect.fork(built.handler.sendRecv(echo()))
      yield* built.peer.respond(yield* built.peer.next)
      yield* Fiber.join(caller)
      yield* Scope.close(built.scope, Exit.void)
      expect(spawned.map((w) => w.exited)).toEqual([true])
      expect(yield* Effect.flip(built.peer.next)).toMatchObject({ _tag: "TransportError" })
    }))

  it.scopedLive.skipIf(!hasProcTasks)("a connection adds one OS thread, and closing it removes that thread (/proc)", () =>
    Effect.gen(function*() {
      const spawned = yield* watchWorkers
      // A first connection creates what a process creates once (libuv's pool, V8's platform threads).
      yield* Effect.flatMap(connect(), (built) => Scope.close(built.scope, Exit.void))
      const before = osThreads()
      const built = yield* connect()
      expect(osThreads()).toBe(before + 1)
      yield* Scope.close(built.scope, Exit.void)
      expect(spawned.map((w) => w.exited)).toEqual([true, true])
      expect(osThreads()).toBe(before)
    }))

  it.scopedLive("starting is interruption-safe: interrupted while the thread boots, the thread ends", () =>
    Effect.gen(function*() {
      const spawned = yield* watchWorkers
      const entry = yield* threadEntry
      const server = yield* Peer.makeTcp()
      const starting = yield* Effect.fork(
        Effect.scoped(ThreadBackend.make({ host: "127.0.0.1", port: server.port, entry }))
      )
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(starting)
      expect(spawned).toHaveLength(1)
      yield* Effect.promise(() =>
        spawned[0]!.exited ? Promise.resolve() : new Promise<void>((resolve) => spawned[0]!.worker.once("exit", () => resolve()))
      )
    }))

  it.scopedLive("a refused connection fails the layer with TransportError(Refused), and the thread ends", () =>
    Effect.gen(function*() {
      const spawned = yield* watchWorkers
      const entry = yield* threadEntry
      const port = yield* Effect.async<number>((resume) => {
        const server = Net.createServer().listen(0, "127.0.0.1", () => {
          const address = server.address() as Net.AddressInfo
          server.close(() => resume(Effect.succeed(address.port)))
        })
      })
      const exit = yield* Effect.exit(Effect.scoped(ThreadBackend.make({ host: "127.0.0.1", port, entry })))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "TransportError", reason: "Refused" } } })
      expect(spawned.map((w) => w.exited)).toEqual([true])
    }))

  it.scopedLive("a large whole body is transferred (the sender's buffer is detached); small bodies and views are copied", () =>
    Effect.gen(function*() {
      const built = yield* connectGranted(3)
      const large = pattern(1 << 20, 1)
      const small = pattern(8, 2)
      const parent = pattern(2 << 20, 3)
      const view = parent.subarray(1000, 1000 + (1 << 20))
      const expected = [large.slice(), small.slice(), view.slice()]
      yield* built.handler.sendo(echo(large))
      const { raw } = yield* built.handler.sendo({ ...echo(small), returnRaw: true })
      yield* built.handler.sendo(echo(view))
      expect(large.byteLength).toBe(0)
      expect(sameBytes(small, expected[1]!)).toBe(true)
      expect(sameBytes(view, expected[2]!)).toBe(true)
      expect(parent.byteLength).toBe(2 << 20)
      expect(sameBytes(raw?.subarray(64), expected[1]!)).toBe(true)
      const requests = yield* built.peer.take(3)
      expect(requests.map((r, i) => sameBytes(r.body, expected[i]!))).toEqual([true, true, true])
    }))

  it.scopedLive("large responses and compound responses arrive whole", () =>
    Effect.gen(function*() {
      const built = yield* connectGranted(3)
      const callers = yield* Effect.fork(
        Effect.all([built.handler.sendRecv(echo()), built.handler.sendRecv(echo()), built.handler.sendRecv(echo())], {
          concurrency: "unbounded"
        })
      )
      const [a, b, c] = yield* built.peer.take(3)
      const large = pattern(3 << 20, 4)
      yield* built.peer.respond(a!, { body: large })
      yield* built.peer.respondCompound([[b!, { body: pattern(40, 5) }], [c!, { body: pattern(24, 6) }]])
      const responses = yield* Fiber.join(callers)
      expect(responses.map((r, i) => sameBytes(r.body, [large, pattern(40, 5), pattern(24, 6)][i]!))).toEqual([true, true, true])
      expect(responses.map((r) => r.header.messageId)).toEqual([a!, b!, c!].map((r) => r.header.messageId))
    }))

  it.scopedLive("a large frame its consumer recycles goes back to the thread's pool; one it keeps stays", () =>
    Effect.gen(function*() {
      const built = yield* connectGranted(8)
      const large = (seed: number) =>
        Effect.gen(function*() {
          const caller = yield* Effect.fork(built.handler.sendRecv(echo()))
          yield* built.peer.respond(yield* built.peer.next, { body: pattern(3 << 20, seed) })
          return yield* Fiber.join(caller)
        })
      const kept = yield* large(7)
      const recycled = yield* large(8)
      expect(sameBytes(recycled.body, pattern(3 << 20, 8))).toBe(true)
      FramePool.recycle(recycled.message)
      // The batch to the thread leaves at the end of this turn, with the buffer transferred.
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      expect(recycled.message.buffer.byteLength).toBe(0)
      expect(sameBytes(kept.body, pattern(3 << 20, 7))).toBe(true)
      // The thread reads the next frame of that size into the returned buffer.
      expect(sameBytes((yield* large(9)).body, pattern(3 << 20, 9))).toBe(true)
    }))

  it.scopedLive("a large body the thread sent comes back to this thread's pool once written, in clear or encrypted in place", () =>
    Effect.gen(function*() {
      const built = yield* connectGranted(8)
      yield* built.worker.updateTransformer({
        _tag: "SessionEstablished",
        session: {
          sessionId: 5n,
          signingAlgorithm: 1,
          signingKey: new Uint8Array(16),
          signingRequired: false,
          encryption: { cipher: Cipher.AES_128_GCM, encryptionKey: new Uint8Array(16).fill(1), decryptionKey: new Uint8Array(16).fill(2) },
          encryptData: true
        }
      })
      const size = FramePool.MIN_POOLED + 12_345
      const send = (sessionId: bigint, encrypt: boolean) =>
        Effect.gen(function*() {
          const body = new Uint8Array(size).fill(7)
          yield* Effect.fork(built.handler.sendRecv({ command: Command.WRITE, body, sessionId, encrypt }))
          yield* built.peer.next
          return body
        })
      expect(FramePool.hasIdle(size)).toBe(false)
      const clear = yield* send(0n, false)
      expect(clear.byteLength).toBe(0)
      // The peer read the clear frame, so its bytes had left the body by then.
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      expect(FramePool.hasIdle(size)).toBe(true)
      expect(FramePool.allocate(size).byteLength).toBe(size)
      expect(FramePool.hasIdle(size)).toBe(false)
      yield* send(5n, true)
      // The peer read the encrypted frame, so its bytes had left the body by then.
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      expect(FramePool.hasIdle(size)).toBe(true)
      expect(FramePool.allocate(size).byteLength).toBe(size)
    }))

  it.scopedLive("a body sent in clear comes back only once the socket has written it", () =>
    Effect.gen(function*() {
      const entry = yield* threadEntry
      const server = yield* pausedServer
      // The window the tests grant (up to 16) is within what the requests ask for.
    const layer = MessageHandler.layer({ creditBacklog: 16 }).pipe(
        Layer.provideMerge(ParallelWorker.layer()),
        Layer.provide(ThreadBackend.layer({ host: "127.0.0.1", port: server.port, entry }))
      )
      const handler = Context.get(yield* Layer.build(layer), MessageHandler.MessageHandler)
      // 14 MiB for a reader that reads nothing: the kernel takes a few MiB of it (measured: a
      // 4 MiB write to a paused loopback reader does not complete), the socket keeps the rest.
      const size = (14 << 20) + 4096
      yield* Effect.fork(handler.sendo({ command: Command.WRITE, body: new Uint8Array(size).fill(3) }))
      yield* Effect.sleep("200 millis")
      expect(FramePool.hasIdle(size)).toBe(false)
      yield* server.drain
      const returned = Effect.suspend(() => FramePool.hasIdle(size) ? Effect.void : Effect.fail("not yet"))
      yield* Effect.retry(returned, Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds")))
      expect(FramePool.allocate(size).byteLength).toBe(size)
    }))

  it.scopedLive("connections that take turns on Threads share one thread: the next opens its socket on it", () =>
    Effect.gen(function*() {
      const spawned = yield* watchWorkers
      const threadsScope = yield* Scope.make()
      const threads = yield* Scope.extend(ThreadBackend.makeThreads(yield* threadEntry), threadsScope)
      const server = yield* Peer.makeTcp()
      const first = yield* connect({ threads }, server)
      const threadId = (yield* first.worker.stats).threadId
      // The server drops the first connection: the thread closes that socket and is free again.
      yield* first.peer.close
      expect(yield* Effect.exit(first.handler.sendRecv(echo()))).toMatchObject({ _tag: "Failure" })
      yield* Scope.close(first.scope, Exit.void)
      const second = yield* connect({ threads }, server)
      expect((yield* second.worker.stats).threadId).toBe(threadId)
      const caller = yield* Effect.fork(second.handler.sendRecv(echo()))
      yield* second.peer.respond(yield* second.peer.next)
      expect((yield* Fiber.join(caller)).header.command).toBe(Command.ECHO)
      expect(spawned.map((w) => w.exited)).toEqual([false])
      // Closed without the server's help, the third takes it too; a crashed one is not reused.
      yield* Scope.close(second.scope, Exit.void)
      const third = yield* connect({ threads, faults: { crashOnWrite: { at: 1, mode: "throw" } } }, server)
      expect((yield* third.worker.stats).threadId).toBe(threadId)
      expect(yield* Effect.exit(third.handler.sendRecv(echo()))).toSatisfy(workerFailed)
      yield* Scope.close(third.scope, Exit.void)
      const fourth = yield* connect({ threads }, server)
      expect((yield* fourth.worker.stats).threadId).not.toBe(threadId)
      expect(spawned.map((w) => w.exited)).toEqual([true, false])
      // The last one, idle once its connection is closed, ends with the Threads' Scope.
      yield* Scope.close(fourth.scope, Exit.void)
      expect(spawned.map((w) => w.exited)).toEqual([true, false])
      yield* Scope.close(threadsScope, Exit.void)
      expect(spawned.map((w) => w.exited)).toEqual([true, true])
    }))

  it.scopedLive("stop closes the socket; update works until then and fails with ConnectionStopped after", () =>
    Effect.gen(function*() {
      const built = yield* connect()
      yield* built.worker.updateTransformer({ _tag: "SessionEnded", sessionId: 1n })
      yield* built.worker.stop
      const exit = yield* Effect.exit(built.worker.updateTransformer({ _tag: "SessionEnded", sessionId: 1n }))
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ConnectionStopped", reason: "Stopped" } } })
      expect(yield* Effect.flip(built.peer.next)).toMatchObject({ _tag: "TransportError" })
    }))
})

describe("threadProtocol", () => {
  it("errors cross as data and come back as the same classes, causes included", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })
    const error = new ConnectionStopped({
      reason: "TransportFailed",
      cause: new TransportError({ reason: "Write", detail: "peer gone", cause: reset })
    })
    const back = decodeError(structuredClone(encodeError(error))) as ConnectionStopped
    expect(back).toBeInstanceOf(ConnectionStopped)
    expect(back.cause).toBeInstanceOf(TransportError)
    expect(back).toMatchObject({ reason: "TransportFailed", cause: { reason: "Write", detail: "peer gone", cause: { message: "read ECONNRESET", code: "ECONNRESET" } } })
    const failed = decodeError(structuredClone(encodeError(new TransformFailed({ reason: "BadSignature", messageId: 7n }))))
    expect(failed).toBeInstanceOf(TransformFailed)
    expect(failed).toMatchObject({ reason: "BadSignature", messageId: 7n })
  })

  it("outgoing: large whole parts are transferred, small ones cloned, views copied, empty ones replaced", () => {
    const large = new Uint8Array(TRANSFER_MIN_BYTES)
    const small = new Uint8Array(16)
    const parent = new Uint8Array(TRANSFER_MIN_BYTES * 2)
    const view = parent.subarray(8, 8 + TRANSFER_MIN_BYTES)
    const detached = new Uint8Array(4)
    structuredClone(detached.buffer, { transfer: [detached.buffer] })
    const transfers = new Set<ArrayBuffer>()
    const packed = packOutgoing({ header: makeHeader({ command: Command.WRITE, messageId: 3n }), body: [large, small, view, detached] }, transfers)
    const parts = packed.body as ReadonlyArray<Uint8Array>
    expect(parts[0]).toBe(large)
    expect(parts[1]).toBe(small)
    expect(parts[2]!.buffer).not.toBe(parent.buffer)
    expect(parts[3]!.byteLength).toBe(0)
    expect([...transfers]).toEqual([large.buffer, parts[2]!.buffer])
    const arrived = structuredClone(packed, { transfer: [...transfers] })
    expect(large.byteLength).toBe(0)
    expect(parent.byteLength).toBe(TRANSFER_MIN_BYTES * 2)
    expect((arrived.body as ReadonlyArray<Uint8Array>).map((p) => p.byteLength)).toEqual([TRANSFER_MIN_BYTES, 16, TRANSFER_MIN_BYTES, 0])
  })

  it("outgoing: a view into a Node Buffer is copied too (Buffer's slice is a view), the Buffer stays whole", () => {
    const parent = Buffer.alloc(TRANSFER_MIN_BYTES * 4, 7)
    const transfers = new Set<ArrayBuffer>()
    const packed = packOutgoing({ header: makeHeader({ command: Command.WRITE, messageId: 4n }), body: [parent.subarray(0, TRANSFER_MIN_BYTES)] }, transfers)
    const part = (packed.body as ReadonlyArray<Uint8Array>)[0]!
    expect(part.buffer).not.toBe(parent.buffer)
    structuredClone(packed, { transfer: [...transfers] })
    expect(parent.byteLength).toBe(TRANSFER_MIN_BYTES * 4)
  })

  it("incoming: the messages of a compound frame share the frame's own buffer, transferred once", () => {
    const first = Peer.encodeMessage(makeHeader({ command: Command.ECHO, messageId: 1n, flags: 1, nextCommand: 72 }), new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0]))
    const second = Peer.encodeMessage(makeHeader({ command: Command.ECHO, messageId: 2n, flags: 1 }), new Uint8Array([4, 0, 0, 0]))
    const chunk = new Uint8Array(4 + first.byteLength + second.byteLength + 100)
    chunk.set(first, 4)
    chunk.set(second, 4 + first.byteLength)
    const frame = chunk.subarray(4, 4 + first.byteLength + second.byteLength)
    const own = frame.slice()
    const transfers = new Set<ArrayBuffer>()
    const packed = new Transformer().incoming(own).map((incoming) => packIncoming(incoming, own.buffer, transfers))
    expect([...transfers]).toEqual([own.buffer])
    const arrived = structuredClone(packed, { transfer: [...transfers] })
    expect(own.byteLength).toBe(0)
    expect(chunk.byteLength).toBe(4 + first.byteLength + second.byteLength + 100)
    expect(arrived.map((m) => m._tag === "Message" && [m.message.header.messageId, m.message.body.byteLength])).toEqual([[1n, 8], [2n, 4]])
  })
})
