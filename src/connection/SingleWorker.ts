/**
 * SingleWorker (the seed's `SingleWorker`): no background fibers. `send` transforms and writes in
 * the caller's fiber; `receive` reads the next frame in the caller's fiber, and that frame must
 * answer the awaited message id (else UnexpectedMessageId). Unsolicited messages met on the way go
 * to the notifications stream; credits are counted for every response header read. One receive
 * at a time. Receive timeouts apply here too (smb-rs left them unimplemented): interrupting a
 * read of the transport loses no bytes, so a timed-out receive leaves the stream intact.
 * A compound goes out as one frame and its responses are read in chain order, one receive per
 * element; abandoning an element that is still unanswered (the rest of an interrupted chain)
 * skips its responses when they come.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type { DecodeError, TransformFailed } from "../errors.js"
import { ConnectionStopped, OperationTimeout, UnexpectedMessageId } from "../errors.js"
import { Transport } from "../transport/Transport.js"
import { Command } from "../wire/Command.js"
import { isResponse, UNSOLICITED_MESSAGE_ID } from "../wire/Header.js"
import { askOf, CreditWindow } from "./CreditWindow.js"
import type { IncomingMessage, OutgoingCompound, OutgoingMessage, SendResult } from "./Message.js"
import { Notifications } from "./Notifications.js"
import type { Incoming } from "./Transformer.js"
import { sendResult, Transformer } from "./Transformer.js"
import type { WorkerOptions, WorkerShape } from "./Worker.js"
import { defaultWorkerOptions, Worker } from "./Worker.js"
import type { AsyncTarget } from "./internal/receive.js"
import { cancelMessage, isInterim, logDiscarded, receiveFollowingPending, receiveTimeout, unresponsive } from "./internal/receive.js"

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Partial<WorkerOptions> = {}) =>
  Effect.gen(function*() {
    const settings: WorkerOptions = { ...defaultWorkerOptions, ...options }
    const transport = yield* Transport
    const transformer = new Transformer()
    const credits = new CreditWindow()
    const notifications = new Notifications(settings.notificationBuffer)
    const receiveLock = yield* Effect.makeSemaphore(1)
    const sendLock = yield* Effect.makeSemaphore(1)
    // The rest of a compound frame, read but not yet consumed.
    const unread: Array<Incoming> = []
    let unknown = 0
    let undeliverable = 0
    let stopped: ConnectionStopped | undefined

    // The first reason to stop wins; closing twice is harmless.
    const stopWith = (error: ConnectionStopped) =>
      Effect.suspend(() => {
        if (stopped === undefined) {
          stopped = error
          credits.stop(error)
        }
        return Effect.zipRight(transport.close, notifications.shutdown())
      })
    const stop = Effect.suspend(() => (stopped === undefined ? stopWith(new ConnectionStopped({ reason: "Stopped" })) : Effect.void))
    const fail = (cause: unknown) =>
      Effect.zipRight(
        stopWith(new ConnectionStopped({ reason: "TransportFailed", cause })),
        Effect.suspend(() => Effect.fail(stopped!))
      )
    yield* Effect.addFinalizer(() => stop)
    // A first response overdue: with disconnectOnTimeout the connection is given up.
    const overdue = (error: OperationTimeout) => settings.disconnectOnTimeout ? stopWith(unresponsive(error)) : Effect.void

    const send = (message: OutgoingMessage): Effect.Effect<SendResult, ConnectionStopped | TransformFailed> =>
      Effect.suspend((): Effect.Effect<SendResult, ConnectionStopped | TransformFailed> => {
        if (stopped !== undefined) return Effect.fail(stopped)
        const out = transformer.outgoing(message)
        if (Either.isLeft(out)) return Effect.fail(out.left)
        credits.ask(askOf(message))
        awaitAnswer(message)
        const result = sendResult(message, out.right)
        return transport.send(out.right.frame).pipe(Effect.catchAll(fail), Effect.as(result))
      }).pipe(sendLock.withPermits(1))

    const sendCompound = (compound: OutgoingCompound): Effect.Effect<void, ConnectionStopped | TransformFailed> =>
      Effect.suspend((): Effect.Effect<void, ConnectionStopped | TransformFailed> => {
        if (stopped !== undefined) return Effect.fail(stopped)
        const out = transformer.outgoingCompound(compound)
        if (Either.isLeft(out)) return Effect.fail(out.left)
        for (const message of compound.messages) {
          credits.ask(askOf(message))
          awaitAnswer(message)
        }
        return transport.send(out.right.frame).pipe(Effect.catchAll(fail), Effect.asVoid)
      }).pipe(sendLock.withPermits(1))

    // Requests sent whose final response has not been read (CANCEL is never answered), so that
    // abandoning one that was answered already marks nothing. Bounded as `abandoned` is.
    const outstanding = new Set<bigint>()
    const awaitAnswer = (message: OutgoingMessage): void => {
      if (message.header.command === Command.CANCEL) return
      outstanding.add(message.header.messageId)
      if (outstanding.size > settings.maxStash) outstanding.delete(outstanding.values().next().value!)
    }

    // Only the wait for bytes is interruptible (`restore`): a frame once read is always decoded,
    // counted and classified, so an interruption cannot lose it or its credits.
    type Restore = <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
    const readOne = (restore: Restore): Effect.Effect<Incoming, ConnectionStopped> =>
      Effect.suspend(() => {
        if (stopped !== undefined) return Effect.fail(stopped)
        const next = unread.shift()
        if (next !== undefined) return Effect.succeed(next)
        return restore(transport.receive).pipe(
          Effect.catchAll(fail),
          Effect.map((frame) => {
            unread.push(...transformer.incoming(frame))
            return unread.shift()!
          })
        )
      })

    // Reads until a message that is not unsolicited; counts credits of every response header.
    const readMessage = (restore: Restore): Effect.Effect<IncomingMessage, ConnectionStopped | TransformFailed | DecodeError> =>
      Effect.flatMap(readOne(restore), (incoming) => {
        if (incoming._tag === "Failure") {
          const { header } = incoming
          if (header === undefined || header.messageId === UNSOLICITED_MESSAGE_ID) {
            undeliverable++
            return Effect.zipRight(logDiscarded(header, incoming.error), readMessage(restore))
          }
          if (isResponse(header)) credits.grant(header.credits)
          outstanding.delete(header.messageId)
          if (abandoned.delete(header.messageId)) return readMessage(restore)
          return Effect.fail(incoming.error)
        }
        const { header } = incoming.message
        // Unsolicited messages answer no request and grant nothing.
        if (header.messageId === UNSOLICITED_MESSAGE_ID) {
          notifications.publish(incoming.message)
          return readMessage(restore)
        }
        if (isResponse(header)) credits.grant(header.credits)
        if (!isInterim(incoming.message)) outstanding.delete(header.messageId)
        if (abandoned.has(header.messageId)) {
          if (!isInterim(incoming.message)) abandoned.delete(header.messageId)
          return readMessage(restore)
        }
        return Effect.succeed(incoming.message)
      })

    // Async ids of awaited requests that went async, so that abandoning one can cancel it even
    // when the interruption came right after its interim response was read.
    const asyncOf = new Map<bigint, AsyncTarget>()
    // Requests whose receiver gave up: their late responses are counted, then skipped. Bounded:
    // past maxStash the oldest is forgotten (its response would then surface as unexpected).
    const abandoned = new Set<bigint>()

    const waitFor = (messageId: bigint, timeout?: Duration.Duration) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(readMessage(restore), (message) => {
          if (message.header.messageId === messageId) {
            if (isInterim(message)) asyncOf.set(messageId, { asyncId: message.header.asyncId, sessionId: message.header.sessionId })
            else asyncOf.delete(messageId)
            return Effect.succeed(message)
          }
          unknown++
          return Effect.fail(
            new UnexpectedMessageId({ reason: "NotAwaited", expected: messageId, received: message.header.messageId })
          )
        })
      ).pipe(
        timeout === undefined
          ? (effect) => effect
          : (effect) =>
            effect.pipe(
              Effect.timeoutFail({ duration: timeout, onTimeout: () => receiveTimeout(messageId, timeout) }),
              Effect.tapErrorTag("OperationTimeout", overdue)
            )
      )

    const abandon = (messageId: bigint) =>
      Effect.suspend(() => {
        // Answered already: nothing will come to skip.
        if (!outstanding.has(messageId)) return Effect.void
        const target = asyncOf.get(messageId)
        asyncOf.delete(messageId)
        abandoned.add(messageId)
        if (abandoned.size > settings.maxStash) abandoned.delete(abandoned.values().next().value!)
        return target === undefined ? Effect.void : Effect.ignore(send(cancelMessage({ messageId, ...target })))
      })

    const worker: WorkerShape = {
      send,
      sendCompound,
      receive: (receiveOptions) =>
        receiveLock.withPermits(1)(
          receiveFollowingPending(receiveOptions, settings, {
            waitFor,
            abandon
          })
        ),
      maxInFlight: 1,
      // The rest of an interrupted compound: responses nobody will read are skipped.
      abandon,
      receiveNext: (opts) => {
        const timeout = Duration.decode(opts?.timeout ?? settings.timeout)
        return receiveLock.withPermits(1)(Effect.uninterruptibleMask(readMessage)).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new OperationTimeout({ reason: "Receive", millis: Duration.toMillis(timeout) })
          }),
          Effect.tapErrorTag("OperationTimeout", overdue)
        )
      },
      notifications: notifications.stream,
      subscribe: notifications.subscribe,
      credits,
      updateTransformer: (update) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          transformer.update(update)
          return Effect.void
        }),
      stats: Effect.sync(() => ({
        kind: "single" as const,
        inFlight: 0,
        awaiting: 0,
        stashed: unread.length,
        abandoned: abandoned.size,
        unknown,
        undeliverable,
        droppedNotifications: notifications.dropped,
        creditBalance: credits.balance,
        creditsGranted: credits.totalGranted,
        creditsSpent: credits.totalSpent
      })),
      stop
    }
    return worker
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Partial<WorkerOptions> = {}): Layer.Layer<Worker, never, Transport> =>
  Layer.scoped(Worker, make(options))
