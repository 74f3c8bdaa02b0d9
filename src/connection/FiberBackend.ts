/**
 * FiberBackend (the seed's `AsyncBackend`): the receive loop runs as a fiber in the connection's
 * Scope, on the main thread, with the Transformer called inline.
 *
 * - Sending: departing from the seed's send loop, the sender's own fiber transforms its message
 *   and hands the frame to the transport, which writes synchronously (frames handed over in the
 *   same event-loop turn leave in one corked writev). A queue, a Deferred and a fiber hop per
 *   request cost more than the write itself (measured: ECHO at 16 in flight spent a fifth of its
 *   CPU there), and frames still leave in call order. A failed write fails its own sender
 *   (invariant 6), then stops the connection: a half-written stream cannot carry anything else.
 * - Receive loop: pulls frames from the transport, transforms them and hands each message to the
 *   worker's synchronous sink. A bad message only produces a failure for its own id
 *   (invariant 4); only a transport failure ends the loop, and then the connection stops.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type { TransformFailed, TransportError } from "../errors.js"
import { ConnectionStopped } from "../errors.js"
import type { Frame, TransportShape } from "../transport/Transport.js"
import { Transport } from "../transport/Transport.js"
import type { OutgoingCompound, OutgoingMessage, SendResult } from "./Message.js"
import type { BackendConnection, BackendSink, MultiWorkerBackendShape } from "./MultiWorkerBackend.js"
import { MultiWorkerBackend } from "./MultiWorkerBackend.js"
import { receiveLoop } from "./internal/receiveLoop.js"
import { sendResult, Transformer } from "./Transformer.js"

const start = (transport: TransportShape, sink: BackendSink) =>
  Effect.gen(function*() {
    const transformer = new Transformer()
    let stopped: ConnectionStopped | undefined

    // Marks the connection stopped and tells the worker, synchronously, exactly once.
    const markStopped = (error: ConnectionStopped): boolean => {
      if (stopped !== undefined) return false
      stopped = error
      sink.onStopped(error)
      return true
    }

    const receiving = receiveLoop(transport, (frame) => {
      for (const incoming of transformer.incoming(frame)) sink.onIncoming(incoming)
    }, (error) => shutdown(error))

    let receiver: Fiber.RuntimeFiber<unknown, unknown> | undefined

    // Close first so that a write blocked on a dead peer returns, then end the loop. The loop may
    // call this from inside itself; interrupting the caller's own fiber is skipped.
    function shutdown(error: ConnectionStopped): Effect.Effect<void> {
      return Effect.suspend(() => {
        if (!markStopped(error)) return Effect.void
        return Effect.gen(function*() {
          yield* transport.close
          const self = yield* Effect.fiberId
          if (receiver !== undefined && !Equal.equals(receiver.id(), self)) yield* Fiber.interrupt(receiver)
        })
      })
    }

    const stop = Effect.uninterruptible(shutdown(new ConnectionStopped({ reason: "Stopped" })))
    yield* Effect.addFinalizer(() => stop)
    receiver = yield* Effect.forkScoped(Effect.interruptible(receiving))

    // Transforms and writes `message` as far as it can at once: the result when the frame is
    // written with nothing to wait for, or the effect to await for it.
    const transmit = (
      message: OutgoingMessage,
      write: (frame: Frame) => Effect.Effect<void, TransportError> | undefined
    ): SendResult | Effect.Effect<SendResult, ConnectionStopped | TransformFailed> => {
      if (stopped !== undefined) return Effect.fail(stopped)
      const out = transformer.outgoing(message)
      if (Either.isLeft(out)) return Effect.fail(out.left)
      const result = sendResult(message, out.right)
      const wait = write(out.right.frame)
      return wait === undefined ? result : wait.pipe(
        Effect.matchEffect({
          onSuccess: () => Effect.succeed(result),
          onFailure: (cause) => {
            const error = new ConnectionStopped({ reason: "TransportFailed", cause })
            return Effect.zipRight(shutdown(error), Effect.fail(error))
          }
        })
      )
    }
    const write = transport.write
    const writeOrSend = write ?? ((frame: Frame) => transport.send(frame))

    const connection: BackendConnection = {
      kind: "parallel-fiber",
      send: (message) =>
        Effect.suspend(() => {
          const sent = transmit(message, writeOrSend)
          return Effect.isEffect(sent) ? sent : Effect.succeed(sent)
        }),
      sendCompound: (compound: OutgoingCompound) =>
        Effect.suspend((): Effect.Effect<void, ConnectionStopped | TransformFailed> => {
          if (stopped !== undefined) return Effect.fail(stopped)
          const out = transformer.outgoingCompound(compound)
          if (Either.isLeft(out)) return Effect.fail(out.left)
          return writeOrSend(out.right.frame)?.pipe(
            Effect.catchAll((cause) => {
              const error = new ConnectionStopped({ reason: "TransportFailed", cause })
              return Effect.zipRight(shutdown(error), Effect.fail(error))
            })
          ) ?? Effect.void
        }),
      ...(write === undefined ? {} : { sendNow: (message: OutgoingMessage) => transmit(message, write) }),
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
