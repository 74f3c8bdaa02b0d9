/**
 * The MultiWorkerBackend service (the seed's `MultiWorkerBackend` trait): runs the send loop and
 * the receive loop of a ParallelWorker, and the Transformer with them. The routing logic shared
 * by every backend (who waits for which message id) stays in ParallelWorker; a backend only moves
 * frames. `FiberBackend` runs the loops as fibers; `ThreadBackend` in a worker thread.
 *
 * Departure from the seed: instead of start/stop/do_send/do_receive, `start` takes the worker's
 * synchronous sink and returns the started connection. The receive loop calls the sink once per
 * received message, with no queue and no fiber hop in between.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ConnectionStopped, TransformFailed } from "../errors.js"
import type { OutgoingCompound, OutgoingMessage, SendResult } from "./Message.js"
import type { Incoming, TransformerUpdate } from "./Transformer.js"

/**
 * Where a backend delivers what it receives. Both callbacks are synchronous and never throw.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendSink {
  /** One received message, or a failure to transform one. */
  readonly onIncoming: (incoming: Incoming) => void
  /** The connection is gone (transport failure or stop). Called once. */
  readonly onStopped: (error: ConnectionStopped) => void
}

/**
 * A started backend.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendConnection {
  /** What runs the loops: fibers on this thread, or a worker thread (shown in the worker's stats). */
  readonly kind: "parallel-fiber" | "parallel-thread"
  /** "parallel-thread": the worker thread's id, as reported from inside that thread. */
  readonly threadId?: number
  /**
   * Transforms and writes one message; fails when that write or transform fails. The message is
   * queued before the first interruption point, so a message handed over is always written (its
   * id consumed) even when the sender is interrupted while it waits for the write.
   */
  readonly send: (message: OutgoingMessage) => Effect.Effect<SendResult, ConnectionStopped | TransformFailed>
  /** `send` for a compound: the chain is transformed and written as one frame. */
  readonly sendCompound: (compound: OutgoingCompound) => Effect.Effect<void, ConnectionStopped | TransformFailed>
  /**
   * Optional: `send` without the effect around it, when the transport can write synchronously
   * (FiberBackend over `Transport.write`). Returns the result when the frame is written with
   * nothing left to wait for, or the effect `send` would have returned at that point.
   */
  readonly sendNow?: (message: OutgoingMessage) => SendResult | Effect.Effect<SendResult, ConnectionStopped | TransformFailed>
  readonly update: (update: TransformerUpdate) => Effect.Effect<void, ConnectionStopped>
  /** Stops both loops and closes the transport; calls the sink's onStopped. Idempotent. */
  readonly stop: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MultiWorkerBackendShape {
  /** Starts the loops; closing the Scope stops them. */
  readonly start: (sink: BackendSink) => Effect.Effect<BackendConnection, ConnectionStopped, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MultiWorkerBackend extends Context.Tag("effect-smb/MultiWorkerBackend")<
  MultiWorkerBackend,
  MultiWorkerBackendShape
>() {}
