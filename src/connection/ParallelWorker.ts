/**
 * ParallelWorker (the seed's `ParallelWorker<B>`): many requests in flight on one connection over
 * a MultiWorkerBackend. It owns the routing state every backend shares:
 *
 * - `inFlight`: message id -> entry, created when the message is sent and removed when its final
 *   response is delivered (or dropped, for an abandoned request). An entry holds the waiter (the
 *   resume callback of its `Effect.async`: a Deferred per request costs measurably more), or the
 *   responses that came before anyone asked (the stash), or the mark that its
 *   waiter gave up.
 * - the credit window, fed on the receive path by every response header for a request we sent,
 *   interim and abandoned ones included (invariant 1);
 * - the notifications fan-out for MessageId 0xFFFFFFFFFFFFFFFF (invariant 5).
 *
 * Routing runs synchronously in the backend's receive loop: no queue or fiber between a received
 * frame and the Deferred of its waiter. Over a backend that writes synchronously (`sendNow`), the
 * worker also offers `exchange`: tracking, write and wait of a request in one synchronous call
 * from the MessageHandler's Effect.async, a third of the fiber steps of send then receive.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import type { DecodeError, RequestError } from "../errors.js"
import type { ConnectionStopped } from "../errors.js"
import { InvalidState, OperationTimeout, TransformFailed, UnexpectedMessageId } from "../errors.js"
import { Command } from "../wire/Command.js"
import { isResponse, UNSOLICITED_MESSAGE_ID } from "../wire/Header.js"
import { askOf, CreditWindow } from "./CreditWindow.js"
import type { IncomingMessage, OutgoingCompound, OutgoingMessage, ReceiveOptions, SendResult } from "./Message.js"
import { MultiWorkerBackend } from "./MultiWorkerBackend.js"
import { Notifications } from "./Notifications.js"
import type { Incoming } from "./Transformer.js"
import type { WorkerOptions, WorkerShape } from "./Worker.js"
import { defaultWorkerOptions, Worker } from "./Worker.js"
import type { AsyncTarget } from "./internal/receive.js"
import {
  afterFirstResponse,
  cancelMessage,
  isInterim,
  logDiscarded,
  receiveFollowingPending,
  receiveTimeout,
  unresponsive
} from "./internal/receive.js"

type DeliveryError = TransformFailed | DecodeError | ConnectionStopped | InvalidState | OperationTimeout

type Delivery = Exit.Exit<IncomingMessage, DeliveryError>

type Resume = (delivery: Delivery) => void

interface Entry {
  waiter: Resume | undefined
  /** When the waiter's wait ends with OperationTimeout (clock millis), if it has a timeout. */
  deadline: number | undefined
  timeout: Duration.Duration | undefined
  stash: Array<Delivery> | undefined
  abandoned: boolean
  /** Set once an interim response told us the request went async. */
  async: AsyncTarget | undefined
  cancelled: boolean
}

const isEntry = (tracked: Entry | ConnectionStopped | InvalidState): tracked is Entry => !(tracked instanceof Error)

const sizeOf = (delivery: Delivery): number => Exit.isSuccess(delivery) ? delivery.value.message.byteLength : 0

const isFinal = (delivery: Delivery): boolean => Exit.isFailure(delivery) || !isInterim(delivery.value)

/**
 * Builds a ParallelWorker on the backend in context; the backend's loops live as long as the
 * Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Partial<WorkerOptions> = {}) =>
  Effect.gen(function*() {
    const settings: WorkerOptions = { ...defaultWorkerOptions, ...options }
    const backend = yield* MultiWorkerBackend
    const inFlight = new Map<bigint, Entry>()
    const credits = new CreditWindow()
    const notifications = new Notifications(settings.notificationBuffer)
    const nextWaiters: Array<Deferred.Deferred<IncomingMessage, DeliveryError>> = []
    let stashed = 0
    let stashedBytes = 0
    let unknown = 0
    let undeliverable = 0
    let stopped: ConnectionStopped | undefined

    // An abandoned request that went async is cancelled, once; its CANCEL is written by the
    // backend's send loop (fire and forget: the server does not answer a CANCEL).
    const cancelIfAsync = (messageId: bigint, entry: Entry): void => {
      if (entry.async === undefined || entry.cancelled) return
      entry.cancelled = true
      runFork(connection.send(cancelMessage({ messageId, ...entry.async })))
    }

    const abandon = (messageId: bigint): void => {
      const entry = inFlight.get(messageId)
      if (entry === undefined) return
      entry.waiter = undefined
      if (entry.stash !== undefined) {
        stashed -= entry.stash.length
        for (const delivery of entry.stash) stashedBytes -= sizeOf(delivery)
        const hadFinal = entry.stash.some(isFinal)
        entry.stash = undefined
        if (hadFinal) {
          inFlight.delete(messageId)
          return
        }
      }
      entry.abandoned = true
      cancelIfAsync(messageId, entry)
    }

    const stashDelivery = (messageId: bigint, entry: Entry, delivery: Delivery): void => {
      const waiter = nextWaiters.shift()
      if (waiter !== undefined) {
        if (isFinal(delivery)) inFlight.delete(messageId)
        Deferred.unsafeDone(waiter, delivery)
        return
      }
      if (stashed >= settings.maxStash || stashedBytes + sizeOf(delivery) > settings.maxStashBytes) {
        // Bounded memory: the request loses its responses and its receiver gets a typed error.
        for (const dropped of entry.stash ?? []) {
          stashed--
          stashedBytes -= sizeOf(dropped)
        }
        entry.stash = [Exit.fail(new InvalidState({ reason: "StashFull", detail: `the response to message id ${messageId} was dropped` }))]
        stashed++
        return
      }
      ;(entry.stash ??= []).push(delivery)
      stashed++
      stashedBytes += sizeOf(delivery)
    }

    const takeStashed = (messageId: bigint, entry: Entry): Delivery | undefined => {
      const early = entry.stash?.shift()
      if (early === undefined) return undefined
      stashed--
      stashedBytes -= sizeOf(early)
      if (entry.stash!.length === 0) entry.stash = undefined
      if (isFinal(early)) inFlight.delete(messageId)
      return early
    }

    const deliver = (messageId: bigint, entry: Entry, delivery: Delivery): void => {
      const final = isFinal(delivery)
      if (!final) {
        const { asyncId, sessionId } = (delivery as Exit.Success<IncomingMessage, DeliveryError>).value.header
        entry.async = { asyncId, sessionId }
      }
      if (entry.waiter !== undefined) {
        const waiter = entry.waiter
        entry.waiter = undefined
        if (final) inFlight.delete(messageId)
        waiter(delivery)
      } else if (entry.abandoned) {
        if (final) inFlight.delete(messageId)
        else cancelIfAsync(messageId, entry)
      } else {
        stashDelivery(messageId, entry, delivery)
      }
    }

    const discard = (incoming: Extract<Incoming, { _tag: "Failure" }>): void => {
      undeliverable++
      runFork(logDiscarded(incoming.header, incoming.error))
    }

    // Credits are counted for every response to a request in flight, before routing; unsolicited
    // messages answer no request and grant nothing, and messages for ids nobody sent are not
    // responses and count nothing.
    const onIncoming = (incoming: Incoming): void => {
      const header = incoming._tag === "Failure" ? incoming.header : incoming.message.header
      if (header === undefined) return discard(incoming as Extract<Incoming, { _tag: "Failure" }>)
      if (incoming._tag === "Message" && header.messageId === UNSOLICITED_MESSAGE_ID) {
        notifications.publish(incoming.message)
        return
      }
      const entry = inFlight.get(header.messageId)
      if (entry === undefined) {
        if (incoming._tag === "Failure") discard(incoming)
        else unknown++
        return
      }
      if (isResponse(header)) credits.grant(header.credits)
      deliver(header.messageId, entry, incoming._tag === "Failure" ? Exit.fail(incoming.error) : Exit.succeed(incoming.message))
    }

    const onStopped = (error: ConnectionStopped): void => {
      if (stopped !== undefined) return
      stopped = error
      credits.stop(error)
      for (const entry of inFlight.values()) {
        const waiter = entry.waiter
        entry.waiter = undefined
        if (waiter !== undefined) waiter(Exit.fail(error))
      }
      inFlight.clear()
      stashed = 0
      stashedBytes = 0
      for (const waiter of nextWaiters.splice(0)) Deferred.unsafeDone(waiter, Exit.fail(error))
    }

    const runFork = yield* FiberSet.makeRuntime<never, unknown, unknown>()
    const connection = yield* backend.start({ onIncoming, onStopped })
    yield* Effect.addFinalizer(() => Effect.zipRight(connection.stop, notifications.shutdown()))

    // A first response overdue: with disconnectOnTimeout, every other waiter learns why at once
    // and the backend closes the socket (its own "Stopped" then finds the worker stopped already).
    const overdue = (error: OperationTimeout): void => {
      if (!settings.disconnectOnTimeout || stopped !== undefined) return
      onStopped(unresponsive(error))
      runFork(connection.stop)
    }

    // Enters a request about to be sent in `inFlight`; a failure when it cannot be sent.
    const track = (messageId: bigint): Entry | ConnectionStopped | InvalidState => {
      if (stopped !== undefined) return stopped
      if (inFlight.has(messageId)) {
        return new InvalidState({ reason: "DuplicateMessageId", detail: `message id ${messageId} is in flight` })
      }
      const entry: Entry = {
        waiter: undefined,
        deadline: undefined,
        timeout: undefined,
        stash: undefined,
        abandoned: false,
        async: undefined,
        cancelled: false
      }
      inFlight.set(messageId, entry)
      return entry
    }

    // The rest of a tracked send: interrupted while the write was queued, it is still written, so
    // its response will come and must be counted; a failed write: nothing will come.
    const settleSend = (messageId: bigint, sending: Effect.Effect<SendResult, ConnectionStopped | TransformFailed>) =>
      Effect.onExit(sending, (exit) =>
        Effect.sync(() => {
          if (Exit.isSuccess(exit)) return
          if (Exit.isInterrupted(exit)) abandon(messageId)
          else inFlight.delete(messageId)
        }))

    const send = (message: OutgoingMessage) =>
      Effect.suspend((): Effect.Effect<SendResult, ConnectionStopped | TransformFailed | InvalidState> => {
        if (message.header.command === Command.CANCEL) return stopped !== undefined ? Effect.fail(stopped) : connection.send(message)
        const tracked = track(message.header.messageId)
        if (!isEntry(tracked)) return Effect.fail(tracked)
        credits.ask(askOf(message))
        return settleSend(message.header.messageId, connection.send(message))
      })

    // Every element is tracked before the frame is handed over (or none is): each response then
    // finds its entry, whichever order and frames the server answers in.
    const sendCompound = (compound: OutgoingCompound) =>
      Effect.suspend((): Effect.Effect<void, ConnectionStopped | TransformFailed | InvalidState> => {
        const ids: Array<bigint> = []
        for (const message of compound.messages) {
          const tracked = track(message.header.messageId)
          if (!isEntry(tracked)) {
            for (const id of ids) inFlight.delete(id)
            return Effect.fail(tracked)
          }
          ids.push(message.header.messageId)
        }
        for (const message of compound.messages) credits.ask(askOf(message))
        return Effect.onExit(connection.sendCompound(compound), (exit) =>
          Effect.sync(() => {
            if (Exit.isSuccess(exit)) return
            for (const id of ids) {
              if (Exit.isInterrupted(exit)) abandon(id)
              else inFlight.delete(id)
            }
          }))
      })

    // Timeouts: rather than a timer race per request (two forked fibers and a timer each), a
    // waiter records its deadline and one timer fiber, running only while some waiter has a
    // deadline, sleeps until the earliest one and fails the expired waiters. A new deadline
    // earlier than the one it sleeps for wakes it to re-arm.
    const clock = yield* Effect.clock
    const armed = yield* Effect.makeLatch(false)
    const rearm = yield* Effect.makeLatch(false)
    let wakeAt = Infinity
    const expire = Effect.sync(() => {
      const now = clock.unsafeCurrentTimeMillis()
      let next = Infinity
      let expired: OperationTimeout | undefined
      for (const [messageId, entry] of inFlight) {
        if (entry.waiter === undefined || entry.deadline === undefined) continue
        if (now < entry.deadline) {
          next = Math.min(next, entry.deadline)
          continue
        }
        const waiter = entry.waiter
        entry.waiter = undefined
        entry.deadline = undefined
        const error = receiveTimeout(messageId, entry.timeout!)
        expired ??= error
        waiter(Exit.fail(error))
        // Its response is not awaited any more (receiveFollowingPending leaves this to us).
        abandon(messageId)
      }
      if (expired !== undefined) {
        overdue(expired)
        if (stopped !== undefined) next = Infinity
      }
      wakeAt = next
      rearm.unsafeClose()
      if (next === Infinity) armed.unsafeClose()
      return next === Infinity ? 0 : next - now
    })
    yield* armed.await.pipe(
      Effect.zipRight(expire),
      Effect.flatMap((millis) => millis === 0 ? Effect.void : Effect.raceFirst(Effect.sleep(millis), rearm.await)),
      Effect.forever,
      Effect.interruptible,
      Effect.forkScoped
    )

    const waitFor = (messageId: bigint, timeout?: Duration.Duration) =>
      Effect.suspend((): Effect.Effect<IncomingMessage, DeliveryError | UnexpectedMessageId | OperationTimeout> => {
        if (stopped !== undefined) return Effect.fail(stopped)
        const entry = inFlight.get(messageId)
        if (entry === undefined) return Effect.fail(new UnexpectedMessageId({ reason: "Unknown", received: messageId }))
        if (entry.waiter !== undefined) {
          return Effect.fail(new InvalidState({ reason: "AlreadyAwaited", detail: `message id ${messageId}` }))
        }
        const early = takeStashed(messageId, entry)
        if (early !== undefined) return early
        entry.abandoned = false
        return Effect.async<IncomingMessage, DeliveryError | OperationTimeout>((resume) => startWait(messageId, entry, timeout, resume))
      })

    // Starts the wait for `messageId`'s next message: `resume` gets it, or the timeout.
    const startWait = (messageId: bigint, entry: Entry, timeout: Duration.Duration | undefined, resume: Resume): Effect.Effect<void> => {
      entry.waiter = resume
      entry.timeout = timeout
      entry.deadline = timeout === undefined ? undefined : clock.unsafeCurrentTimeMillis() + Duration.toMillis(timeout)
      if (entry.deadline !== undefined) {
        armed.unsafeOpen()
        if (entry.deadline < wakeAt) rearm.unsafeOpen()
      }
      // Interrupted even after an interim response was handed over: abandoning then cancels.
      return Effect.sync(() => abandon(messageId))
    }

    const receiveOps = {
      waitFor: (messageId: bigint, timeout?: Duration.Duration) => waitFor(messageId, timeout),
      abandon: (messageId: bigint) => Effect.sync(() => abandon(messageId)),
      abandonsFirstWait: true
    }

    // Send and first wait in one step (see WorkerShape.exchange): the entry is tracked, the frame
    // written and the waiter set before anything else runs, so the response cannot come first.
    const exchange = (sendNow: NonNullable<typeof connection.sendNow>) =>
    (
      message: OutgoingMessage,
      options: ReceiveOptions,
      resume: (rest: Effect.Effect<IncomingMessage, RequestError>) => void
    ): Effect.Effect<void> | undefined => {
      const { messageId } = options
      const tracked = track(messageId)
      if (!isEntry(tracked)) {
        resume(Effect.fail(tracked))
        return undefined
      }
      credits.ask(askOf(message))
      const sent = sendNow(message)
      if (Effect.isEffect(sent)) {
        resume(Effect.zipRight(settleSend(messageId, sent), receiveFollowingPending(options, settings, receiveOps)))
        return undefined
      }
      const timeout = options.timeout === undefined ? settings.timeout : Duration.decode(options.timeout)
      // A final response (or a failure) is handed over as the Exit it is: no step on top.
      return startWait(messageId, tracked, timeout, (delivery) =>
        resume(
          Exit.isFailure(delivery) || !isInterim(delivery.value)
            ? delivery
            : Effect.flatMap(delivery, (first) => afterFirstResponse(first, options, receiveOps))
        ))
    }

    const receiveNext = (opts?: { readonly timeout?: Duration.DurationInput }) =>
      Effect.suspend((): Effect.Effect<IncomingMessage, DeliveryError> => {
        if (stopped !== undefined) return Effect.fail(stopped)
        for (const [messageId, entry] of inFlight) {
          const early = takeStashed(messageId, entry)
          if (early !== undefined) return early
        }
        const waiter = Deferred.unsafeMake<IncomingMessage, DeliveryError>(FiberId.none)
        nextWaiters.push(waiter)
        return Deferred.await(waiter).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              const index = nextWaiters.indexOf(waiter)
              if (index >= 0) nextWaiters.splice(index, 1)
            })
          )
        )
      }).pipe(
        Effect.timeoutFail({
          duration: opts?.timeout ?? settings.timeout,
          onTimeout: () => {
            const millis = Duration.toMillis(Duration.decode(opts?.timeout ?? settings.timeout))
            return new OperationTimeout({ reason: "Receive", millis })
          }
        }),
        Effect.tapErrorTag("OperationTimeout", (error) => Effect.sync(() => overdue(error)))
      )

    const worker: WorkerShape = {
      send,
      sendCompound,
      receive: (receiveOptions) => receiveFollowingPending(receiveOptions, settings, receiveOps),
      ...(connection.sendNow === undefined ? {} : { exchange: exchange(connection.sendNow) }),
      maxInFlight: Number.POSITIVE_INFINITY,
      abandon: (messageId) => Effect.sync(() => abandon(messageId)),
      receiveNext: (opts) => receiveNext(opts),
      notifications: notifications.stream,
      subscribe: notifications.subscribe,
      credits,
      updateTransformer: (update) => (stopped !== undefined ? Effect.fail(stopped) : connection.update(update)),
      stats: Effect.sync(() => {
        let awaiting = 0
        let abandoned = 0
        for (const entry of inFlight.values()) {
          if (entry.waiter !== undefined) awaiting++
          if (entry.abandoned) abandoned++
        }
        return {
          kind: connection.kind,
          ...(connection.threadId === undefined ? {} : { threadId: connection.threadId }),
          inFlight: inFlight.size,
          awaiting,
          stashed,
          abandoned,
          unknown,
          undeliverable,
          droppedNotifications: notifications.dropped,
          creditBalance: credits.balance,
          creditsGranted: credits.totalGranted,
          creditsSpent: credits.totalSpent
        }
      }),
      stop: Effect.zipRight(connection.stop, notifications.shutdown())
    }
    return worker
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Partial<WorkerOptions> = {}): Layer.Layer<Worker, ConnectionStopped, MultiWorkerBackend> =>
  Layer.scoped(Worker, make(options))
