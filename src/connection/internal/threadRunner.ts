/**
 * The worker thread's half of the ThreadBackend: it owns the socket (TcpTransport), the
 * Transformer, the send loop and the receive loop, and mirrors FiberBackend's semantics inside the
 * thread. The main thread drives it with batches of ToThread items and hears back through batches
 * of FromThread items (see threadProtocol.ts).
 *
 * Built on @effect/platform's low-level PlatformRunner/BackingRunner: the runner hands over each
 * posted batch synchronously (no fiber per message), which keeps the items in order.
 *
 * A thread serves one connection at a time and, once that one has stopped (its socket closed,
 * Stopped reported), may be given the next: a reconnect then costs a socket, not a thread start.
 *
 * It sets no timers of its own (TcpTransport's connect timeout aside), so the main thread's
 * TestClock has nothing to reach here.
 *
 * @internal
 */
import type { WorkerError } from "@effect/platform/WorkerError"
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as WorkerThreads from "node:worker_threads"
import { ConnectionStopped, type TransportError } from "../../errors.js"
import * as FramePool from "../../transport/FramePool.js"
import * as TcpTransport from "../../transport/TcpTransport.js"
import type { Frame, TransportShape } from "../../transport/Transport.js"
import { copyBytes } from "../../wire/Reader.js"
import type { OutgoingMessage } from "../Message.js"
import { Transformer } from "../Transformer.js"
import { receiveLoop } from "./receiveLoop.js"
import type { ConnectOptions, EncodedFaults, FromThread, ToThread } from "./threadProtocol.js"
import { decodeError, encodeError, isWhole, makeBatcher, packBytes, packIncoming } from "./threadProtocol.js"

type Job = Extract<ToThread, { readonly _tag: "Send" | "SendCompound" }>

/** How many queued messages the send loop takes at once (as FiberBackend). */
const SEND_BATCH = 64

/** One connection of the thread: a thread serves one at a time, and another after it has stopped. */
interface Link {
  readonly transformer: Transformer
  readonly outbox: Queue.Queue<Job>
  /** Holds the socket; closed when the connection stops. */
  readonly scope: Scope.CloseableScope
  readonly loops: Array<Fiber.RuntimeFiber<unknown, unknown>>
  readonly faults: EncodedFaults
  transport: TransportShape | undefined
  writes: number
  started: boolean
  stopped: ConnectionStopped | undefined
}

const program = Effect.gen(function*() {
  const platform = yield* WorkerRunner.PlatformRunner
  const closeLatch = yield* Deferred.make<void, WorkerError>()
  const backing = yield* platform.start<ReadonlyArray<ToThread>, ReadonlyArray<FromThread>>(closeLatch)
  const scope = yield* Effect.scope
  const runFork = yield* FiberSet.makeRuntime<never, unknown, unknown>()
  /** The current connection; the main thread sends Connect again only once this one has stopped. */
  let link: Link | undefined

  // Items for the main thread go in one postMessage per event-loop turn (see makeBatcher): the
  // frames of a socket read and the writes completed in this turn travel together.
  const toMain = makeBatcher<FromThread>((items, list) =>
    // A post that throws (a value that cannot be cloned) is a bug on our side: it escapes as an
    // uncaught exception, the thread dies and the main thread stops the connection (WorkerFailed).
    Effect.runSync(backing.send(0, items, list))
  )
  const emit = toMain.post

  const crash = (mode: "throw" | "exit"): Effect.Effect<never> =>
    Effect.async<never>(() => {
      setImmediate(() => {
        if (mode === "exit") process.exit(1)
        throw new Error("injected worker thread crash")
      })
    })

  const writeFrame = (l: Link, t: TransportShape, frame: Frame, onWritten: (() => void) | undefined): Effect.Effect<void, TransportError> =>
    Effect.suspend(() => {
      l.writes++
      if (l.faults.crashOnWrite?.at === l.writes) return crash(l.faults.crashOnWrite.mode)
      if (l.faults.failWrite?.at === l.writes) return Effect.fail(decodeError(l.faults.failWrite.error) as TransportError)
      return t.write === undefined ? t.send(frame) : (t.write(frame, onWritten) ?? Effect.void)
    })

  // Close first so that a write blocked on a dead peer returns, then end both loops; the main
  // thread fails every send it has not heard back about when it reads Stopped.
  const shutdown = (l: Link, error: ConnectionStopped): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (l.stopped !== undefined) return Effect.void
      l.stopped = error
      return Effect.gen(function*() {
        if (l.transport !== undefined) yield* l.transport.close
        const self = yield* Effect.fiberId
        yield* Fiber.interruptAll(l.loops.filter((f) => !Equal.equals(f.id(), self)))
        yield* Scope.close(l.scope, Exit.void)
        emit({ _tag: "Stopped", error: encodeError(error) })
      })
    })

  // Large body buffers go back to the main thread's FramePool, which the next upload's chunks
  // then come from: once the transport has written them when the frame holds them (sent in
  // clear, or encrypted in place), else at once. Returns the call for the former.
  const giveBack = (buffers: ReadonlyArray<ArrayBufferLike>): void => {
    for (const buffer of buffers) {
      toMain.transfers.add(buffer as ArrayBuffer)
      emit({ _tag: "Returned", buffer: buffer as ArrayBuffer })
    }
  }
  const giveBackBodies = (messages: ReadonlyArray<OutgoingMessage>, frame: Frame): (() => void) | undefined => {
    const parts = messages.flatMap((message) => message.body instanceof Uint8Array ? [message.body] : message.body)
    const inFrame = new Set<ArrayBufferLike>((frame instanceof Uint8Array ? [frame] : frame).map((part) => part.buffer))
    // Seen: a buffer given twice in one body goes back once (twice would lend it twice).
    const seen = new Set<ArrayBufferLike>()
    const consumed: Array<ArrayBufferLike> = []
    const carried: Array<ArrayBufferLike> = []
    for (const part of parts) {
      if (part.byteLength >= FramePool.MIN_POOLED && isWhole(part) && !seen.has(part.buffer)) {
        seen.add(part.buffer)
        ;(inFrame.has(part.buffer) ? carried : consumed).push(part.buffer)
      }
    }
    giveBack(consumed)
    return carried.length === 0 ? undefined : () => giveBack(carried)
  }

  const write = (l: Link, t: TransportShape, job: Job) =>
    Effect.suspend(() => {
      if (l.stopped !== undefined) {
        emit({ _tag: "SendFailed", seq: job.seq, error: encodeError(l.stopped) })
        return Effect.void
      }
      // The message is this thread's own (transferred or cloned to it): encrypted in place.
      const out = job._tag === "Send" ? l.transformer.outgoing(job.message, true) : l.transformer.outgoingCompound(job.compound, true)
      if (Either.isLeft(out)) {
        emit({ _tag: "SendFailed", seq: job.seq, error: encodeError(out.left) })
        return Effect.void
      }
      const onWritten = giveBackBodies(job._tag === "Send" ? [job.message] : job.compound.messages, out.right.frame)
      const raw = out.right.raw
      return writeFrame(l, t, out.right.frame, onWritten).pipe(
        Effect.matchEffect({
          onSuccess: () =>
            Effect.sync(() =>
              emit(
                raw === undefined
                  ? { _tag: "Sent", seq: job.seq }
                  : { _tag: "Sent", seq: job.seq, raw: packBytes(raw, undefined, toMain.transfers) }
              )
            ),
          onFailure: (cause) => {
            const error = new ConnectionStopped({ reason: "TransportFailed", cause })
            emit({ _tag: "SendFailed", seq: job.seq, error: encodeError(error) })
            return shutdown(l, error)
          }
        })
      )
    })

  const sendLoop = (l: Link, t: TransportShape) =>
    Queue.takeBetween(l.outbox, 1, SEND_BATCH).pipe(
      Effect.flatMap((jobs) => Effect.forEach(Chunk.toReadonlyArray(jobs), (job) => write(l, t, job), { discard: true })),
      Effect.forever
    )

  const deliver = (l: Link) => (frame: Uint8Array): void => {
    // A frame that shares its buffer with the rest of a socket read is copied once, so that
    // what is transferred belongs to this frame alone.
    const own = isWhole(frame) ? frame : copyBytes(frame)
    for (const incoming of l.transformer.incoming(own)) {
      emit({ _tag: "Incoming", incoming: packIncoming(incoming, own.buffer, toMain.transfers) })
    }
  }

  const connect = (l: Link, options: ConnectOptions) =>
    TcpTransport.make({
      host: options.host,
      port: options.port,
      connectTimeout: Duration.millis(options.connectTimeoutMillis),
      noDelay: options.noDelay,
      maxFrameSize: options.maxFrameSize
    }).pipe(
      Scope.extend(l.scope),
      Effect.matchEffect({
        onSuccess: (t) =>
          Effect.sync(() => {
            // Stopped while connecting: Stopped is reported already, the socket closed with the scope.
            if (l.stopped !== undefined) return
            l.transport = t
            emit({ _tag: "Connected", threadId: WorkerThreads.threadId })
          }),
        onFailure: (error) => {
          if (l.stopped !== undefined) return Effect.void
          // The main thread may send Connect again for its next connection.
          l.stopped = new ConnectionStopped({ reason: "TransportFailed", cause: error })
          emit({ _tag: "ConnectFailed", error: encodeError(error) })
          return Scope.close(l.scope, Exit.void)
        }
      })
    )

  const start = (l: Link): void => {
    if (l.started || l.transport === undefined) return
    l.started = true
    l.loops.push(runFork(sendLoop(l, l.transport)), runFork(receiveLoop(l.transport, deliver(l), (error) => shutdown(l, error))))
  }

  const handle = (item: ToThread): void => {
    switch (item._tag) {
      case "Connect":
        // A new connection, with its own keys and ids (the Transformer starts afresh).
        link = {
          transformer: new Transformer(),
          outbox: Effect.runSync(Queue.unbounded<Job>()),
          scope: Effect.runSync(Scope.fork(scope, ExecutionStrategy.sequential)),
          loops: [],
          faults: item.faults,
          transport: undefined,
          writes: 0,
          started: false,
          stopped: undefined
        }
        runFork(connect(link, item.options))
        return
      case "Start":
        return link === undefined ? undefined : start(link)
      case "Send":
      case "SendCompound":
        // After a stop the main thread has failed these already: they go nowhere.
        if (link !== undefined && link.stopped === undefined) link.outbox.unsafeOffer(item)
        return
      case "Update":
        // Applied on arrival, as FiberBackend applies it on call: every message not yet
        // transformed, and every frame not yet received, sees it.
        return link?.transformer.update(item.update)
      case "Stop":
        if (link !== undefined) runFork(shutdown(link, new ConnectionStopped({ reason: "Stopped" })))
        return
      case "Recycle":
        return FramePool.restore(item.buffer)
    }
  }

  yield* backing.run<void, never, never>((_port, items) => {
    for (const item of items) handle(item)
  })
  // The main thread closes the worker (its Scope closed): closing ours closes the socket.
  yield* Effect.exit(Deferred.await(closeLatch))
}).pipe(Effect.scoped, Effect.provide(NodeWorkerRunner.layer), Effect.tapErrorCause(Effect.logError))

/** Runs the thread's side until the main thread closes the worker. Call only inside the worker thread. */
export const runThread = (): void => {
  Effect.runFork(program)
}
