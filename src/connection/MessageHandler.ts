/**
 * ConnectionMessageHandler: the request logic over a Worker.
 *
 * - `sendo` takes credits from the window (waiting, with a timeout, while it is short), assigns
 *   message ids (a request charged N credits consumes N ids), sets CreditCharge (large MTU) and
 *   CreditRequest (the charge plus what brings the window back to the configured backlog), and
 *   the 3.1.1 priority. Taking credits, assigning the id and handing the message to the worker
 *   happen without an interruption point in between, so an id is never skipped: a gap in the
 *   sequence would shrink the server's window for good.
 * - `recvo` waits through the worker (STATUS_PENDING included), then checks that the message is a
 *   response, carries the expected command and an accepted status; an ERROR response or another
 *   status becomes a ServerError carrying the NTSTATUS name (STATUS_CANCELLED becomes Cancelled).
 * - CANCEL bypasses the credits and the sequence: it reuses the id of the request it cancels.
 * - `sendRecvCompound` sends a chain as one compound (MS-SMB2 3.2.4.1.4): the chain's credits
 *   are taken at once and its elements get contiguous ids, each its own charge, in one step with
 *   the hand-over to the worker; each element's response is then received and checked on its own,
 *   and the caller gets them all or the first failure in chain order (invariant 9).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { DecodeError, RequestError } from "../errors.js"
import { Cancelled, OperationTimeout, ServerError, UnexpectedCommand } from "../errors.js"
import { Command, commandName } from "../wire/Command.js"
import { isResponse, makeHeader } from "../wire/Header.js"
import { Status, statusName } from "../wire/Status.js"
import type { IncomingMessage, OutgoingMessage, ReceiveOptions, SendResult } from "./Message.js"
import { cancelMessage } from "./internal/receive.js"
import { Worker } from "./Worker.js"
import type { WorkerShape } from "./Worker.js"

/**
 * A request as a caller describes it; the handler fills in the rest of the header.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly command: number
  readonly body: Uint8Array | ReadonlyArray<Uint8Array>
  readonly sessionId?: bigint
  readonly treeId?: number
  /** Extra header flags (e.g. DFS_OPERATIONS); the handler adds priority and SIGNED itself. */
  readonly flags?: number
  /** Request payload bytes (WRITE data, IOCTL input): part of the credit charge. */
  readonly payloadSize?: number
  /** Expected response payload bytes (READ length, IOCTL/QUERY_DIRECTORY output): part of the charge. */
  readonly responseSize?: number
  /** 0..7; sent only on 3.1.1 (MS-SMB2 3.2.4.1.1). */
  readonly priority?: number
  readonly returnRaw?: boolean
  readonly sign?: boolean
  readonly encrypt?: boolean
  /** The body is a complete SMB1 message (multi-protocol negotiation); see OutgoingMessage. */
  readonly smb1?: boolean
}

/**
 * One element of a compound: the request and how its response is checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompoundRequest {
  readonly request: Omit<Request, "returnRaw" | "smb1">
  readonly options?: Omit<ReceiveOptions, "messageId">
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CompoundOptions {
  /**
   * Related operations: each element after the first acts on the session, tree and file of the
   * one before (a FileId of all ones stands for the file the chain's CREATE opened).
   */
  readonly related: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface HandlerOptions {
  /** Credits the handler tries to keep in hand; each request asks for what brings it back. */
  readonly creditBacklog: number
  /** Longest wait for credits before OperationTimeout("Credits"). */
  readonly timeout: Duration.Duration
}

/** @since 0.1.0 @category constants */
export const defaultHandlerOptions: HandlerOptions = { creditBacklog: 128, timeout: Duration.seconds(30) }

/**
 * What negotiation decided that the handler needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Negotiated {
  readonly dialect: number
  /** Multi-credit requests (SMB2_GLOBAL_CAP_LARGE_MTU, 2.1 and later). */
  readonly largeMtu: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MessageHandlerShape {
  readonly sendo: (request: Request) => Effect.Effect<SendResult, RequestError>
  readonly recvo: (options: ReceiveOptions) => Effect.Effect<IncomingMessage, RequestError>
  readonly sendRecv: (
    request: Request,
    options?: Omit<ReceiveOptions, "messageId">
  ) => Effect.Effect<IncomingMessage, RequestError>
  readonly sendRecvDecode: <A>(
    request: Request,
    decode: (message: Uint8Array) => Either.Either<A, DecodeError>,
    options?: Omit<ReceiveOptions, "messageId">
  ) => Effect.Effect<{ readonly message: IncomingMessage; readonly value: A }, RequestError>
  /**
   * Sends the requests as one compound (MS-SMB2 3.2.4.1.4) and receives every element's response,
   * each checked against its own options; the responses in order, or the first element's failure
   * in chain order (a failed CREATE, not the statuses it cascades to the operations after it).
   */
  readonly sendRecvCompound: (
    elements: ReadonlyArray<CompoundRequest>,
    options: CompoundOptions
  ) => Effect.Effect<ReadonlyArray<IncomingMessage>, RequestError>
  /** Sends SMB2 CANCEL for a request (with its async id once it went async). */
  readonly cancel: (target: { readonly messageId: bigint; readonly asyncId?: bigint; readonly sessionId?: bigint }) => Effect.Effect<void, RequestError>
  readonly setNegotiated: (negotiated: Negotiated) => Effect.Effect<void>
  /** What the client layer needs of the worker beneath: no more, so the worker stays replaceable. */
  readonly updateTransformer: WorkerShape["updateTransformer"]
  readonly subscribe: WorkerShape["subscribe"]
  readonly stats: WorkerShape["stats"]
  /** How many requests may await responses at once (1 on the single worker): transfers stay within it. */
  readonly maxInFlight: WorkerShape["maxInFlight"]
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MessageHandler extends Context.Tag("effect-smb/MessageHandler")<MessageHandler, MessageHandlerShape>() {}

const MULTI_CREDIT: ReadonlySet<number> = new Set([Command.READ, Command.WRITE, Command.IOCTL, Command.QUERY_DIRECTORY])

/**
 * The credit charge of a request (MS-SMB2 3.1.5.2): one per started 64 KiB of the larger of
 * request and response payload for READ, WRITE, IOCTL and QUERY_DIRECTORY; one otherwise.
 *
 * @since 0.1.0
 */
export const creditCharge = (command: number, payloadSize = 0, responseSize = 0): number => {
  if (!MULTI_CREDIT.has(command)) return 1
  const size = Math.max(payloadSize, responseSize)
  return size <= 0 ? 1 : 1 + Math.floor((size - 1) / 65536)
}

const accepted = (status: ReceiveOptions["status"]): ReadonlyArray<number> =>
  status === undefined ? [Status.SUCCESS] : typeof status === "number" ? [status] : status

/**
 * Checks a final response against the options.
 *
 * @since 0.1.0
 */
export const checkResponse = (
  message: IncomingMessage,
  options: ReceiveOptions
): Effect.Effect<IncomingMessage, UnexpectedCommand | ServerError | Cancelled> => {
  const { header } = message
  if (!isResponse(header)) {
    return Effect.fail(
      new UnexpectedCommand({ reason: "NotAResponse", received: commandName(header.command), messageId: header.messageId })
    )
  }
  if (options.command !== undefined && header.command !== options.command) {
    return Effect.fail(
      new UnexpectedCommand({
        reason: "WrongCommand",
        expected: commandName(options.command),
        received: commandName(header.command),
        messageId: header.messageId
      })
    )
  }
  if (accepted(options.status).includes(header.status)) return Effect.succeed(message)
  if (header.status === Status.CANCELLED) {
    return Effect.fail(
      new Cancelled({
        reason: "ServerCancelled",
        messageId: header.messageId,
        ...(header.asyncId === 0n ? {} : { asyncId: header.asyncId })
      })
    )
  }
  return Effect.fail(
    new ServerError({
      reason: statusName(header.status),
      status: header.status,
      command: commandName(header.command),
      messageId: header.messageId
    })
  )
}

// A response the worker handed over as an Exit is checked without a step on top.
const settled = (rest: Exit.Exit<IncomingMessage, RequestError>, options: ReceiveOptions): Effect.Effect<IncomingMessage, RequestError> =>
  Exit.isSuccess(rest) ? checkResponse(rest.value, options) : rest

// Effect's default tracer (the one a fresh runtime has): its spans reach no exporter.
const untraced: Tracer.Tracer = Effect.runSync(Effect.tracer)

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Partial<HandlerOptions> = {}) =>
  Effect.gen(function*() {
    const settings: HandlerOptions = { ...defaultHandlerOptions, ...options }
    const worker = yield* Worker
    const credits = worker.credits
    let nextMessageId = 0n
    let negotiated: Negotiated = { dialect: 0, largeMtu: false }
    const timeoutMillis = Duration.toMillis(settings.timeout)
    const clock = yield* Effect.clock

    // The timeout is paid for only when the window is short.
    const takeCredits = (charge: number) =>
      Effect.suspend(() =>
        credits.tryAcquire(charge) ? Effect.void : credits.acquire(charge).pipe(
        Effect.timeoutFail({
          duration: settings.timeout,
          onTimeout: () => new OperationTimeout({ reason: "Credits", millis: timeoutMillis })
        })
      ))

    const chargeOf = (request: Request): number =>
      negotiated.largeMtu ? creditCharge(request.command, request.payloadSize, request.responseSize) : 1

    // Takes the next message ids for a request whose credits are taken. `topUp`: what it asks for
    // beyond its charge (a compound asks for the top-up once).
    const build = (request: Request, charge: number, topUp = Math.max(0, settings.creditBacklog - credits.balance)): OutgoingMessage => {
      const messageId = nextMessageId
      nextMessageId += BigInt(charge)
      const ask = Math.min(charge + topUp, 0xffff)
      let flags = request.flags ?? 0
      if (request.priority !== undefined && negotiated.dialect === 0x0311) {
        flags |= (request.priority & 7) << 4
      }
      return {
        header: makeHeader({
          command: request.command,
          messageId,
          creditCharge: negotiated.largeMtu ? charge : 0,
          credits: ask,
          flags,
          sessionId: request.sessionId ?? 0n,
          treeId: request.treeId ?? 0
        }),
        body: request.body,
        returnRaw: request.returnRaw,
        sign: request.sign,
        encrypt: request.encrypt,
        smb1: request.smb1
      }
    }

    // For a caller that is uninterruptible already: from taking credits to queueing the message
    // nothing may interrupt it (the credit wait and the wait for the write are interruptible
    // inside: CreditWindow, the worker). Credits at hand cost no effect of their own.
    const sendMasked = (request: Request): Effect.Effect<SendResult, RequestError> => Effect.suspend(() => {
      const charge = chargeOf(request)
      return credits.tryAcquire(charge)
        ? worker.send(build(request, charge))
        : Effect.zipRight(takeCredits(charge), Effect.suspend(() => worker.send(build(request, charge))))
    })

    const sendo = (request: Request): Effect.Effect<SendResult, RequestError> => Effect.uninterruptible(sendMasked(request))

    const recvo = (options: ReceiveOptions) =>
      Effect.flatMap(worker.receive(options), (message) => checkResponse(message, options))

    // Interrupted between the send and the start of the receive, the response must still be
    // dropped on arrival rather than stashed for a receiver that will never come.
    // The span is not made the parent of the work inside, which starts no spans of its own:
    // providing it would copy the fiber's context per request (a third of an ECHO's CPU, measured).
    // No stack capture either: it costs an Error per request and the span names the command.
    //
    // One uninterruptible region holds the span, the send and the receive (restored to
    // interruptible): Effect.useSpan, an onInterrupt and sendo's own region each cost a mask of
    // their own, which at ~80 fiber steps per request was a fifth of them (counted with
    // RuntimeFlags.OpSupervision).
    //
    // With a worker that has `exchange` and credits at hand, the request is one Effect.async: its
    // ids are taken, its frame written and its waiter set inside the register function, which
    // runs whole or not at all (interrupted before it, nothing was taken), and resumes with the
    // response. Otherwise: send uninterruptibly, then receive.
    //
    // Under Effect's default tracer, whose spans nobody can see (this one is nobody's parent), no
    // span is made: its two random ids and its attribute map were a fifth of an ECHO's CPU.
    const sendRecv = (request: Request, options: Omit<ReceiveOptions, "messageId"> = {}) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.withFiberRuntime<IncomingMessage, RequestError>((fiber) => {
          const run = (span: Tracer.Span | undefined) => {
            let sent: bigint | undefined
            // `interruptible` restores the receive to the caller's interruptibility.
            const inSteps = (interruptible: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
              Effect.flatMap(sendMasked(request), ({ messageId }) => {
                sent = messageId
                return interruptible(recvo({ ...options, messageId }))
              })
            const exchange = worker.exchange
            const oneStep = exchange === undefined ? inSteps(restore) : restore(Effect.async<IncomingMessage, RequestError>((resume) => {
              const charge = chargeOf(request)
              if (!credits.tryAcquire(charge)) return resume(Effect.uninterruptibleMask(inSteps))
              const message = build(request, charge)
              sent = message.header.messageId
              const receiveOptions = { ...options, messageId: sent }
              // Without the worker's canceler: interrupted, the request is abandoned below all
              // the same, and a canceler costs an uninterruptible region per request.
              exchange(message, receiveOptions, (rest) =>
                resume(
                  Exit.isExit(rest)
                    ? settled(rest as Exit.Exit<IncomingMessage, RequestError>, receiveOptions)
                    : Effect.flatMap(rest, (m) => checkResponse(m, receiveOptions))
                ))
            }))
            return Effect.matchCauseEffect(oneStep, {
              onSuccess: (message) => {
                const exit = Exit.succeed(message)
                span?.end(clock.unsafeCurrentTimeNanos(), exit)
                return exit
              },
              onFailure: (cause) => {
                const exit = Exit.failCause(cause)
                span?.end(clock.unsafeCurrentTimeNanos(), exit)
                return sent !== undefined && Exit.isInterrupted(exit) ? Effect.zipRight(worker.abandon(sent), exit) : exit
              }
            })
          }
          return fiber.currentTracer === untraced || !fiber.getFiberRef(FiberRef.currentTracerEnabled)
            ? run(undefined)
            : Effect.flatMap(
              Effect.makeSpan("smb.request", { attributes: { command: commandName(request.command) }, captureStackTrace: false }),
              run
            )
        })
      )

    // The chain's credits are taken at once and its ids assigned, contiguous, in the same
    // uninterruptible step that hands it to the worker. Then every element is received in order
    // (ParallelWorker stashes those answered first); interrupted, the elements not received yet
    // are abandoned (their responses counted, then dropped; an async one cancelled). A wait that
    // timed out or a stopped connection abandons the rest too: nothing more is coming.
    const sendRecvCompound = (
      elements: ReadonlyArray<CompoundRequest>,
      options: CompoundOptions
    ): Effect.Effect<ReadonlyArray<IncomingMessage>, RequestError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          const charges = elements.map(({ request }) => chargeOf(request))
          const total = charges.reduce((sum, charge) => sum + charge, 0)
          let ids: ReadonlyArray<bigint> = []
          const send = Effect.suspend(() => {
            const topUp = Math.max(0, settings.creditBacklog - credits.balance)
            const messages = elements.map(({ request }, i) => build(request, charges[i]!, i === 0 ? topUp : 0))
            ids = messages.map((message) => message.header.messageId)
            return worker.sendCompound({ messages, related: options.related })
          })
          const sent = credits.tryAcquire(total) ? send : Effect.zipRight(takeCredits(total), send)
          const receive = (i: number, exits: Array<Exit.Exit<IncomingMessage, RequestError>>): Effect.Effect<
            ReadonlyArray<Exit.Exit<IncomingMessage, RequestError>>
          > =>
            i === elements.length ? Effect.succeed(exits) : Effect.flatMap(
              Effect.exit(restore(recvo({ ...elements[i]!.options, messageId: ids[i]! }))),
              (exit) => {
                exits.push(exit)
                if (Exit.isSuccess(exit)) return receive(i + 1, exits)
                const gone = Exit.isInterrupted(exit) ||
                  Option.exists(Cause.failureOption(exit.cause), (e) => e._tag === "OperationTimeout" || e._tag === "ConnectionStopped")
                return gone
                  ? Effect.as(Effect.forEach(ids.slice(i), worker.abandon, { discard: true }), exits)
                  : receive(i + 1, exits)
              }
            )
          return Effect.flatMap(sent, () =>
            Effect.flatMap(receive(0, []), (exits): Effect.Effect<ReadonlyArray<IncomingMessage>, RequestError> => {
              const failed = exits.find(Exit.isFailure)
              return failed !== undefined
                ? Exit.failCause(failed.cause)
                : Effect.succeed(exits.map((exit) => (exit as Exit.Success<IncomingMessage, never>).value))
            }))
        })
      )

    const handler: MessageHandlerShape = {
      sendo,
      recvo,
      sendRecv,
      sendRecvCompound,
      sendRecvDecode: (request, decode, options) =>
        Effect.flatMap(sendRecv(request, options), (message) => {
          const value = decode(message.message)
          return Either.isLeft(value) ? Effect.fail(value.left) : Effect.succeed({ message, value: value.right })
        }),
      cancel: (target) => Effect.asVoid(worker.send(cancelMessage(target))),
      setNegotiated: (next) => Effect.sync(() => void (negotiated = next)),
      updateTransformer: worker.updateTransformer,
      subscribe: worker.subscribe,
      stats: worker.stats,
      maxInFlight: worker.maxInFlight
    }
    return handler
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Partial<HandlerOptions> = {}): Layer.Layer<MessageHandler, never, Worker> =>
  Layer.effect(MessageHandler, make(options))
