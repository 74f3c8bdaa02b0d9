/**
 * The receive procedure both workers share, and the pieces around it: the STATUS_PENDING loop (an
 * interim async response is handed to `onAsync` and the wait goes on for the final one;
 * interrupting that wait sends SMB2 CANCEL with the async id), the CANCEL request itself, the
 * errors of an overdue response, and the log line of a discarded message.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { DecodeError, RequestError, TransformFailed } from "../../errors.js"
import { ConnectionStopped, OperationTimeout, UnexpectedCommand } from "../../errors.js"
import { encodeCancelRequest } from "../../wire/Cancel.js"
import { Command, commandName } from "../../wire/Command.js"
import type { Header } from "../../wire/Header.js"
import { HeaderFlags, isAsync, makeHeader } from "../../wire/Header.js"
import { Status } from "../../wire/Status.js"
import type { IncomingMessage, OutgoingMessage, ReceiveOptions } from "../Message.js"
import type { WorkerOptions } from "../Worker.js"

/** @since 0.1.0 */
export const isInterim = (message: IncomingMessage): boolean =>
  message.header.status === Status.PENDING && isAsync(message.header)

/**
 * The CANCEL request for a message (MS-SMB2 2.2.30): same message id, the async id when the
 * request went async, no credits.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cancelMessage = (target: { readonly messageId: bigint; readonly asyncId?: bigint; readonly sessionId?: bigint }): OutgoingMessage => {
  const body = encodeCancelRequest()
  return {
    header: makeHeader({
      command: Command.CANCEL,
      messageId: target.messageId,
      sessionId: target.sessionId ?? 0n,
      ...(target.asyncId === undefined ? {} : { asyncId: target.asyncId, flags: HeaderFlags.ASYNC_COMMAND })
    }),
    body
  }
}

/** What receiveFollowingPending needs of a worker. */
interface ReceiveOps {
  readonly waitFor: (messageId: bigint, timeout?: Duration.Duration) => Effect.Effect<IncomingMessage, RequestError>
  readonly abandon: (messageId: bigint) => Effect.Effect<void>
  /**
   * The worker itself abandons a first wait that is interrupted or times out (ParallelWorker:
   * the wait's canceler and the deadline timer do), so only the rare wait past an interim
   * response needs the guard, which costs an uninterruptible region per request.
   */
  readonly abandonsFirstWait?: boolean
}

/** Abandons the request when `effect` is interrupted or times out. */
const guarded = (messageId: bigint, ops: ReceiveOps, effect: Effect.Effect<IncomingMessage, RequestError>) =>
  Effect.onExit(effect, (exit) =>
    Exit.isFailure(exit) && (Cause.isInterruptedOnly(exit.cause) || Cause.isFailType(exit.cause) && exit.cause.error._tag === "OperationTimeout")
      ? ops.abandon(messageId)
      : Effect.void)

/**
 * The rest of a receive once the first message for the id has come: that message when it is
 * final, otherwise (STATUS_PENDING) the AsyncNotAllowed error, or `onAsync` and the wait for the
 * final response, without timeout, abandoned if interrupted.
 *
 * @since 0.1.0
 * @category internals
 */
export const afterFirstResponse = (
  first: IncomingMessage,
  options: ReceiveOptions,
  ops: ReceiveOps
): Effect.Effect<IncomingMessage, RequestError> => {
  if (!isInterim(first)) return Effect.succeed(first)
  const { messageId } = options
  if (options.allowAsync !== true) {
    return Effect.zipRight(
      ops.abandon(messageId),
      Effect.fail(new UnexpectedCommand({ reason: "AsyncNotAllowed", received: commandName(first.header.command), messageId }))
    )
  }
  const untilFinal: Effect.Effect<IncomingMessage, RequestError> = Effect.flatMap(
    ops.waitFor(messageId),
    (next) => (isInterim(next) ? untilFinal : Effect.succeed(next))
  )
  const info = { messageId, asyncId: first.header.asyncId }
  const rest = Effect.zipRight(options.onAsync === undefined ? Effect.void : options.onAsync(info), untilFinal)
  return ops.abandonsFirstWait === true ? guarded(messageId, ops, rest) : rest
}

/**
 * The receive procedure both workers share. `waitFor` yields the next message for the id (interim
 * or final), failing with OperationTimeout when `timeout` is given and passes first: each worker
 * times its waits its own way. `abandon` tells the worker nobody will take the rest; it is called
 * on every interruption or timeout, whatever the stage (the first wait's are left to a worker
 * that says `abandonsFirstWait`), and the worker, which records the async id of every interim
 * response it reads, cancels the request when it has gone async.
 *
 * @since 0.1.0
 * @category internals
 */
export const receiveFollowingPending = (
  options: ReceiveOptions,
  defaults: WorkerOptions,
  ops: ReceiveOps
): Effect.Effect<IncomingMessage, RequestError> => {
  const timeout = options.timeout === undefined ? defaults.timeout : Duration.decode(options.timeout)
  const received = Effect.flatMap(ops.waitFor(options.messageId, timeout), (first) => afterFirstResponse(first, options, ops))
  return ops.abandonsFirstWait === true ? received : guarded(options.messageId, ops, received)
}

/**
 * The error of a first wait that timed out.
 *
 * @since 0.1.0
 * @category constructors
 */
export const receiveTimeout = (messageId: bigint, timeout: Duration.Duration): OperationTimeout =>
  new OperationTimeout({ reason: "Receive", millis: Duration.toMillis(timeout), messageId })

/**
 * Why a worker with `disconnectOnTimeout` stops after an overdue response.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unresponsive = (cause: OperationTimeout): ConnectionStopped =>
  new ConnectionStopped({ reason: "Unresponsive", cause })

/**
 * The log line for a received message that failed its checks and reaches nobody (invariant 4):
 * debug level, what it claimed to be and why it failed, never its payload.
 *
 * @since 0.1.0
 * @category internals
 */
export const logDiscarded = (header: Header | undefined, error: TransformFailed | DecodeError): Effect.Effect<void> =>
  Effect.logDebug("smb: discarded a received message").pipe(
    Effect.annotateLogs({
      error: error._tag,
      reason: error.reason,
      ...(header === undefined ? {} : { messageId: String(header.messageId), command: commandName(header.command) })
    })
  )

/**
 * What a CANCEL of an async request needs besides its message id.
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncTarget {
  readonly asyncId: bigint
  readonly sessionId: bigint
}
