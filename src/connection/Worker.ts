/**
 * The Worker service (the seed's `Worker` trait): sends messages and hands each response to the
 * one who waits for it. Two implementations: `SingleWorker` (no background work, one request at a
 * time) and `ParallelWorker` (many requests in flight, over a `MultiWorkerBackend`). Starting a
 * worker is building its Layer; closing the Layer's Scope stops it, and `stop` does the same on
 * demand (idempotently).
 *
 * The STATUS_PENDING loop both workers share lives in internal/receive.ts.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { ConnectionStopped, InvalidState, RequestError, TransformFailed } from "../errors.js"
import type { CreditWindow } from "./CreditWindow.js"
import type { IncomingMessage, OutgoingCompound, OutgoingMessage, ReceiveOptions, SendResult } from "./Message.js"
import type { TransformerUpdate } from "./Transformer.js"

/**
 * Which worker runs a connection (see `WorkerStats.kind`).
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerKind = "single" | "parallel-fiber" | "parallel-thread"

/**
 * Counters that show a worker's state; the hygiene tests check them after every scenario.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerStats {
  /**
   * Which worker this is: "single" (SingleWorker), "parallel-fiber" (ParallelWorker over
   * FiberBackend) or "parallel-thread" (ParallelWorker over ThreadBackend).
   */
  readonly kind: WorkerKind
  /**
   * "parallel-thread" only: the worker thread's `threadId`, as the thread itself reported it when
   * it connected (never 0, the main thread's).
   */
  readonly threadId?: number
  /** Requests sent whose final response has not been delivered or dropped yet. */
  readonly inFlight: number
  /** Receivers waiting now. */
  readonly awaiting: number
  /** Responses that arrived before anyone asked, not yet taken. */
  readonly stashed: number
  /** Requests whose waiter gave up; their late responses are counted for credits, then dropped. */
  readonly abandoned: number
  /** Messages for ids nobody sent (or already answered), dropped. */
  readonly unknown: number
  /** Frames or messages that failed to transform and belonged to no known request. */
  readonly undeliverable: number
  /** Unsolicited messages dropped because the notification buffer was full. */
  readonly droppedNotifications: number
  readonly creditBalance: number
  readonly creditsGranted: number
  readonly creditsSpent: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WorkerShape {
  /**
   * Sends one message; completes once it is handed to the socket (FiberBackend, SingleWorker) or
   * written (ThreadBackend). A failed write fails this effect when it is still waiting, and in any
   * case stops the connection, so the message's receiver fails too (invariant 6).
   */
  readonly send: (message: OutgoingMessage) => Effect.Effect<SendResult, ConnectionStopped | TransformFailed | InvalidState>
  /**
   * Sends a compound as one frame, as `send` sends one message: every element is tracked under its
   * own message id before the frame is handed over, and each is then received on its own.
   */
  readonly sendCompound: (compound: OutgoingCompound) => Effect.Effect<void, ConnectionStopped | TransformFailed | InvalidState>
  /** Waits for the response to `options.messageId`, following STATUS_PENDING when allowed. */
  readonly receive: (options: ReceiveOptions) => Effect.Effect<IncomingMessage, RequestError>
  /**
   * Optional, for a caller suspended in `Effect.async` that has just taken `message`'s id: sends
   * it and receives its response as `send` then `receive(options)` would, without fiber steps in
   * between. Synchronously, the message is written (or its write has failed or is pending) before
   * this returns; `resume` then gets the rest, and the returned effect (if any) is the canceler
   * for the wait. Present when the backend can write synchronously (ParallelWorker over
   * FiberBackend): a request costs a third of the fiber steps.
   */
  readonly exchange?: (
    message: OutgoingMessage,
    options: ReceiveOptions,
    resume: (rest: Effect.Effect<IncomingMessage, RequestError>) => void
  ) => Effect.Effect<void> | undefined
  /**
   * How many requests may await their responses at once: 1 for SingleWorker, which reads the next
   * frame for whoever waits and fails on any other id; unbounded (the credit window decides) for
   * ParallelWorker. Transfers cap their depth at it.
   */
  readonly maxInFlight: number
  /** Nobody will receive this message's response: drop it on arrival (after counting its credits). */
  readonly abandon: (messageId: bigint) => Effect.Effect<void>
  /** The next message nobody waits for, whatever its id (e.g. the answer to an SMB1 NEGOTIATE). */
  readonly receiveNext: (options?: { readonly timeout?: Duration.DurationInput }) => Effect.Effect<IncomingMessage, RequestError>
  /**
   * Unsolicited messages (MessageId 0xFFFFFFFFFFFFFFFF: oplock and lease breaks, server-to-client
   * notifications). Each subscriber gets those that arrive after it subscribed, through a bounded
   * buffer that drops the oldest when the subscriber falls behind (counted in stats). The stream
   * ends when the worker stops.
   */
  readonly notifications: Stream.Stream<IncomingMessage>
  /** Like `notifications`, but subscribed when this effect completes, for as long as the Scope. */
  readonly subscribe: Effect.Effect<Stream.Stream<IncomingMessage>, never, Scope.Scope>
  /** The credit window, fed by every response header on the receive path. */
  readonly credits: CreditWindow
  /** Passes a state change to the transformer, wherever it runs. */
  readonly updateTransformer: (update: TransformerUpdate) => Effect.Effect<void, ConnectionStopped>
  readonly stats: Effect.Effect<WorkerStats>
  /** Stops the worker: every waiter fails with ConnectionStopped. Idempotent. */
  readonly stop: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Worker extends Context.Tag("effect-smb/Worker")<Worker, WorkerShape>() {}

/**
 * Worker settings shared by every implementation.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerOptions {
  /** Default wait for a first response. */
  readonly timeout: Duration.Duration
  /** Per subscriber, unsolicited messages buffered before the oldest are dropped. */
  readonly notificationBuffer: number
  /** Responses kept for requests nobody waits for yet, before the oldest is dropped. */
  readonly maxStash: number
  /**
   * The same bound in bytes: a server cannot make the client hold more than this in responses
   * nobody has asked for yet (several 8 MiB READ responses may wait there legitimately).
   */
  readonly maxStashBytes: number
  /**
   * When a first response is overdue, stop the whole connection too (ConnectionStopped
   * "Unresponsive"): a server that stops answering, or sends a frame header and then nothing,
   * cannot be trusted with the requests behind it (MS-SMB2 3.2.6.1 lets the client disconnect).
   * Off by default here; the Connection layers turn it on.
   */
  readonly disconnectOnTimeout: boolean
}

/** @since 0.1.0 @category constants */
export const defaultWorkerOptions: WorkerOptions = {
  timeout: Duration.seconds(30),
  notificationBuffer: 1024,
  maxStash: 8192,
  maxStashBytes: 256 * 1024 * 1024,
  disconnectOnTimeout: false
}
