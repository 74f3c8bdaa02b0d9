/**
 * FiberBackend (the seed's `AsyncBackend`): the send loop and the receive loop run as fibers in
 * the connection's Scope, on the main thread, with the Transformer called inline.
 *
 * - Send loop: takes queued messages in order, transforms and writes each, and completes the
 *   sender's Deferred with the result. A failed write fails its own sender (invariant 6), then
 *   stops the connection: a half-written stream cannot carry anything else.
 * - Receive loop: pulls frames from the transport, transforms them and hands each message to the
 *   worker's synchronous sink. A bad message only produces a failure for its own id
 *   (invariant 4); only a transport failure ends the loop, and then the connection stops.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type { TransformFailed } from "../errors.js"
import { ConnectionStopped } from "../errors.js"
import type { TransportShape } from "../transport/Transport.js"
import { Transport } from "../transport/Transport.js"
import type { OutgoingMessage, SendResult } from "./Message.js"
import type { BackendConnection, BackendSink, MultiWorkerBackendShape } from "./MultiWorkerBackend.js"
import { MultiWorkerBackend } from "./MultiWorkerBackend.js"
import { sendResult, Transformer } from "./Transformer.js"

interface Job {
  readonly message: OutgoingMessage
  readonly done: Deferred.Deferred<SendResult, ConnectionStopped | TransformFailed>
}

/** How many queued messages the send loop takes at once. */
const SEND_BATCH = 64

const start = (transport: TransportShape, sink: BackendSink) =>
  Effect.gen(function*() {
    const transformer = new Transformer()
    const outbox = yield* Queue.unbounded<Job>()
    let stopped: ConnectionStopped | undefined

    const failQueued = (error: ConnectionStopped) =>
      Effect.flatMap(Queue.takeAll(outbox), (jobs) =>
        Effect.sync(() => {
          for (const job of jobs) Deferred.unsafeDone(job.done, Exit.fail(error))
        }))

    // Marks the connection stopped and tells the worker, synchronously, exactly once.
    const markStopped = (error: ConnectionStopped): boolean => {
      if (stopped !== undefined) return false
      stopped = error
      sink.onStopped(error)
      return true
    }

    const write = (job: Job) =>
      Effect.suspend(() => {
        const out = transformer.outgoing(job.message)
        if (Either.isLeft(out)) {
          Deferred.unsafeDone(job.done, Exit.fail(out.left))
          return Effect.void
        }
        const result = sendResult(job.message, out.right)
        return transport.send(out.right.frame).pipe(
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => Deferred.unsafeDone(job.done, Exit.succeed(result))),
            onFailure: (cause) => {
              const error = new ConnectionStopped({ reason: "TransportFailed", cause })
              Deferred.unsafeDone(job.done, Exit.fail(error))
              return shutdown(error)
            }
          })
        )
      })

    const sendLoop = Queue.takeBetween(outbox, 1, SEND_BATCH).pipe(
      Effect.flatMap((jobs) => Effect.forEach(Chunk.toReadonlyArray(jobs), write, { discard: true })),
      Effect.forever
    )

    const receiveLoop = transport.receive.pipe(
      Effect.flatMap((frame) =>
        Effect.sync(() => {
          for (const incoming of transformer.incoming(frame)) sink.onIncoming(incoming)
        })
      ),
      Effect.forever,
      Effect.catchAll((cause) => shutdown(new ConnectionStopped({ reason: "TransportFailed", cause })))
    )

    const loops: Array<Fiber.RuntimeFiber<unknown, unknown>> = []

    // Close first so that a write blocked on a dead peer returns, then end both loops. Each loop
    // may call this from inside itself; interrupting the caller's own fiber is skipped.
    function shutdown(error: ConnectionStopped): Effect.Effect<void> {
      return Effect.suspend(() => {
        if (!markStopped(error)) return Effect.void
        return Effect.gen(function*() {
          yield* transport.close
          yield* failQueued(error)
          const self = yield* Effect.fiberId
          const others = loops.filter((f) => !Equal.equals(f.id(), self))
          yield* Fiber.interruptAll(others)
          yield* failQueued(error)
        })
      })
    }

    const stop = Effect.uninterruptible(shutdown(new ConnectionStopped({ reason: "Stopped" })))
    yield* Effect.addFinalizer(() => stop)
    loops.push(
      yield* Effect.forkScoped(Effect.interruptible(sendLoop)),
      yield* Effect.forkScoped(Effect.interruptible(receiveLoop))
    )

    const connection: BackendConnection = {
      send: (message) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          const done = Deferred.unsafeMake<SendResult, ConnectionStopped | TransformFailed>(FiberId.none)
          outbox.unsafeOffer({ message, done })
          return Effect.interruptible(Deferred.await(done))
        }),
      update: (update) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          transformer.update(update)
          return Effect.void
        }),
      stop
    }
    return connection
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<MultiWorkerBackendShape, never, Transport> = Effect.map(
  Transport,
  (transport) => ({ start: (sink) => start(transport, sink) })
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<MultiWorkerBackend, never, Transport> = Layer.effect(MultiWorkerBackend, make)
