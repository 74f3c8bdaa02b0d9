/**
 * The machinery behind Reconnect.ts: the generations of a connection, the handler that sends
 * each request on the current one (re-addressed and re-sent across a reconnect), and the
 * reconnect loop with its policy.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as PreauthHash from "../../crypto/PreauthHash.js"
import type { RequestError } from "../../errors.js"
import { ConnectionStopped, HandleLost, NegotiationFailed, ServerError } from "../../errors.js"
import { Command } from "../../wire/Command.js"
import { createResponseFileId, requestFileIdOffset } from "../../wire/FileIdOffset.js"
import { encodeEchoRequest } from "../../wire/Echo.js"
import { HeaderFlags } from "../../wire/Header.js"
import { Dialect } from "../../wire/Negotiate.js"
import { Status } from "../../wire/Status.js"
import type { ClientNegotiation, Negotiated } from "../Connection.js"
import type { ResolvedConnectionOptions, ResolvedReconnectPolicy } from "../ConnectionOptions.js"
import type { IncomingMessage } from "../Message.js"
import type { CompoundOptions, CompoundRequest, MessageHandlerShape, Request } from "../MessageHandler.js"
import { Notifications } from "../Notifications.js"
import type { ReconnectEvent, ReconnectShape, ReconnectStats, RecoveryLevel, RecoveryTarget } from "../Reconnect.js"
import type { TransformerUpdate } from "../Transformer.js"

/**
 * One negotiated connection, as `connect` builds it in the scope it is given.
 *
 * @internal
 */
export interface Negotiation {
  readonly handler: MessageHandlerShape
  readonly negotiated: Negotiated
  readonly negotiation: ClientNegotiation
  readonly preauthHash: PreauthHash.PreauthHash | undefined
  readonly securityBuffer: Uint8Array
}

/** Builds the stack in `scope` and negotiates; the ClientGuid given, or a new one. @internal */
export type Connect<E> = (scope: Scope.Scope, clientGuid: Uint8Array | undefined) => Effect.Effect<Negotiation, E>

interface Generation extends Negotiation {
  readonly number: number
  readonly scope: Scope.CloseableScope
  /** Requests of the caller's completed on it (the policy's measure of progress). */
  progress: number
}

type State =
  | { readonly _tag: "Live"; readonly generation: Generation }
  | { readonly _tag: "Reconnecting"; readonly done: Deferred.Deferred<void, ConnectionStopped> }
  | { readonly _tag: "Dead"; readonly error: ConnectionStopped }

interface FileRecord {
  generation: number
  current: Uint8Array
  lost: HandleLost | undefined
}

const LEVELS: ReadonlyArray<RecoveryLevel> = ["session", "tree", "handle"]
const MAX_TIMINGS = 100
const HANDLE_CONCURRENCY = 16
/** Tries of one request across re-authentications and reconnects, before an expiry is final. */
const MAX_REAUTHENTICATED_TRIES = 8
const NOTIFICATION_BUFFER = 256

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

/** Requests that set up a generation itself; never re-sent with the replay flag. */
const SETUP: ReadonlySet<number> = new Set([Command.NEGOTIATE, Command.SESSION_SETUP, Command.ECHO, Command.CANCEL])

const isFatal = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error &&
  (error._tag === "NegotiationFailed" || error._tag === "AuthenticationFailed")

/**
 * The service of a reconnecting connection: the first generation is built (its failure is the
 * caller's), then `handler` carries every request over the generations that follow.
 *
 * @internal
 */
export const make = <E>(options: ResolvedConnectionOptions, policy: ResolvedReconnectPolicy, connect: Connect<E>) =>
  Effect.gen(function*() {
    const connectionScope = yield* Effect.scope
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()

    const firstScope = yield* Scope.fork(connectionScope, ExecutionStrategy.sequential)
    const first = yield* Effect.onError(connect(firstScope, undefined), (cause) => Scope.close(firstScope, Exit.failCause(cause)))
    const clientGuid = first.negotiation.clientGuid
    const notifications = new Notifications(NOTIFICATION_BUFFER)
    const events = yield* PubSub.sliding<ReconnectEvent>(64)
    let state: State = { _tag: "Live", generation: { ...first, number: 0, scope: firstScope, progress: 0 } }
    let latest: Generation = (state as { generation: Generation }).generation
    let closing = false

    const stats = {
      generation: 0,
      reconnects: 0,
      failedAttempts: 0,
      handlesRecovered: 0,
      handlesLost: 0,
      resent: 0,
      reconnectMillis: [] as Array<number>,
      reauthentications: 0
    }

    // -------------------------------------------------------------------------------------------
    // Ids: the first ones a caller saw, and the current ones

    const sessions = new Map<bigint, bigint>()
    const trees = new Map<string, number>()
    const files = new Map<string, FileRecord>()
    // Nothing to re-address before the first reconnect.
    let remapped = false
    const treeKey = (session: bigint, tree: number) => `${session}:${tree}`

    const readdress = (request: Request, replay: boolean): Either.Either<Request, HandleLost> => {
      let changed: { -readonly [K in keyof Request]: Request[K] } | undefined
      if (remapped && request.sessionId !== undefined) {
        const session = sessions.get(request.sessionId)
        if (session !== undefined) {
          changed = { ...request, sessionId: session }
          const tree = request.treeId === undefined ? undefined : trees.get(treeKey(request.sessionId, request.treeId))
          if (tree !== undefined) changed.treeId = tree
        }
      }
      if (remapped) {
        const body = request.body
        const head = body instanceof Uint8Array ? body : body[0]
        const offset = head === undefined ? undefined : requestFileIdOffset(request.command, head)
        if (head !== undefined && offset !== undefined) {
          const record = files.get(hex(head.subarray(offset, offset + 16)))
          if (record?.lost !== undefined) return Either.left(record.lost)
          if (record !== undefined && !sameBytes(record.current, head.subarray(offset, offset + 16))) {
            const copy = head.slice()
            copy.set(record.current, offset)
            changed ??= { ...request }
            changed.body = body instanceof Uint8Array ? copy : [copy, ...body.slice(1)]
          }
        }
      }
      if (replay && !SETUP.has(request.command) && latestDialect() >= Dialect.SMB_3_0) {
        changed ??= { ...request }
        changed.flags = (request.flags ?? 0) | HeaderFlags.REPLAY_OPERATION
      }
      // The thread worker takes over a whole large body buffer (ThreadBackend): it is given a copy,
      // so the data is still here when the request must be sent again.
      if (options.worker === "thread" && request.command === Command.WRITE && !(request.body instanceof Uint8Array)) {
        const parts = (changed ?? request).body as ReadonlyArray<Uint8Array>
        if (parts.some((p) => p.byteLength >= 65536 && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength)) {
          changed ??= { ...request }
          changed.body = parts.map((p) => p.byteLength >= 65536 && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength ? p.slice() : p)
        }
      }
      return Either.right(changed ?? request)
    }

    const latestDialect = () => latest.negotiated.dialectRevision

    const readdressUpdate = (update: TransformerUpdate): TransformerUpdate => {
      if (!remapped) return update
      switch (update._tag) {
        case "SessionEstablished":
          return update
        case "SessionEnded":
          return { ...update, sessionId: sessions.get(update.sessionId) ?? update.sessionId }
        case "TreeEncryption":
          return {
            ...update,
            sessionId: sessions.get(update.sessionId) ?? update.sessionId,
            treeId: trees.get(treeKey(update.sessionId, update.treeId)) ?? update.treeId
          }
      }
    }

    // CREATE and CLOSE keep the open files known: each one's first id and generation.
    const bookkeep = (request: Request, reply: IncomingMessage, generation: Generation): void => {
      if (request.command === Command.CREATE) {
        const fileId = createResponseFileId(reply.message)
        if (fileId !== undefined) files.set(hex(fileId), { generation: generation.number, current: fileId.slice(), lost: undefined })
      } else if (request.command === Command.CLOSE) {
        forgetFile(request)
      }
    }
    const forgetFile = (request: Request): void => {
      const head = request.body instanceof Uint8Array ? request.body : request.body[0]
      const offset = head === undefined ? undefined : requestFileIdOffset(request.command, head)
      if (head !== undefined && offset !== undefined) files.delete(hex(head.subarray(offset, offset + 16)))
    }

    // -------------------------------------------------------------------------------------------
    // Recoveries registered by sessions, trees and handles

    const recoveries: Record<RecoveryLevel, Set<(target: RecoveryTarget) => Effect.Effect<void, unknown>>> = {
      session: new Set(),
      tree: new Set(),
      handle: new Set()
    }

    const register: ReconnectShape["register"] = (level, recover) =>
      Effect.asVoid(Effect.acquireRelease(
        Effect.sync(() => recoveries[level].add(recover)),
        () => Effect.sync(() => recoveries[level].delete(recover))
      ))

    // -------------------------------------------------------------------------------------------
    // Generations

    /**
     * The handler of one generation, for recoveries: re-addressing ids, never re-sending, and
     * keeping no book of opens (a reopened handle is known by its first id).
     */
    const generationHandler = (generation: Generation): MessageHandlerShape => {
      const { handler } = generation
      const send = <A>(request: Request, run: (request: Request) => Effect.Effect<A, RequestError>) => {
        const readdressed = readdress(request, false)
        return Either.isLeft(readdressed) ? Effect.fail(readdressed.left) : run(readdressed.right)
      }
      return {
        ...handler,
        sendo: (request) => send(request, handler.sendo),
        sendRecv: (request, receive) => send(request, (r) => handler.sendRecv(r, receive)),
        sendRecvDecode: (request, decode, receive) => send(request, (r) => handler.sendRecvDecode(r, decode, receive)),
        cancel: (target) =>
          handler.cancel(target.sessionId === undefined ? target : { ...target, sessionId: sessions.get(target.sessionId) ?? target.sessionId }),
        updateTransformer: (update) => handler.updateTransformer(readdressUpdate(update))
      }
    }

    const forward = (generation: Generation) =>
      Effect.flatMap(Scope.extend(generation.handler.subscribe, generation.scope), (stream) =>
        Effect.forkIn(Stream.runForEach(stream, (message) => Effect.sync(() => notifications.publish(message))), generation.scope))

    /**
     * A request that went async (STATUS_PENDING) waits without a time limit, so a path that goes
     * silent behind async requests would never be noticed: while requests are in flight and no
     * response has come for a whole `timeout`, an ECHO goes out. Its own timeout gives the
     * generation up (disconnectOnTimeout), and the requests are carried to the next one. Not on
     * the single worker, where an ECHO would have to wait for the request in flight.
     */
    const watch = (generation: Generation) => {
      if (generation.handler.maxInFlight === 1 || !options.disconnectOnTimeout) return Effect.void
      const echo = generation.handler.sendRecv({ command: Command.ECHO, body: encodeEchoRequest() }, { command: Command.ECHO })
      let seen = -1
      const check: Effect.Effect<boolean> = Effect.flatMap(generation.handler.stats, (stats) => {
        const stalled = stats.inFlight > 0 && stats.creditsGranted === seen
        seen = stats.creditsGranted
        if (!stalled) return Effect.succeed(true)
        return Effect.matchEffect(echo, {
          onSuccess: () => Effect.succeed(true),
          onFailure: (error) => isLoss(error) ? Effect.as(Effect.ignore(replace(generation, error)), false) : Effect.succeed(true)
        })
      })
      return Effect.sleep(options.timeout).pipe(
        Effect.zipRight(check),
        Effect.repeat({ while: (going) => going }),
        Effect.interruptible,
        Effect.forkIn(generation.scope),
        Effect.asVoid
      )
    }

    yield* forward(latest)
    yield* watch(latest)

    const target = (generation: Generation): RecoveryTarget => ({
      generation: generation.number,
      host: options.host,
      options,
      handler: generationHandler(generation),
      negotiated: generation.negotiated,
      negotiation: generation.negotiation,
      preauthHash: generation.preauthHash,
      securityBuffer: generation.securityBuffer,
      currentSessionId: (original) => sessions.get(original) ?? original,
      setSessionId: (original, current) => void sessions.set(original, current),
      setTreeId: (session, tree, current) => void trees.set(treeKey(session, tree), current),
      currentFileId: (original) => files.get(hex(original))?.current ?? original,
      setFileId: (original, current) => {
        const record = files.get(hex(original))
        if (record === undefined) return
        record.current = current.slice()
        record.generation = generation.number
        stats.handlesRecovered++
      },
      loseFile: (original, cause, detail) => {
        const record = files.get(hex(original))
        if (record === undefined || record.lost !== undefined) return
        record.lost = new HandleLost({ reason: "ReopenFailed", cause, ...(detail === undefined ? {} : { detail }) })
        stats.handlesLost++
      }
    })

    const same = (before: Negotiated, after: Negotiated): string | undefined => {
      if (after.dialectRevision !== before.dialectRevision) return `dialect ${after.dialect}, ${before.dialect} before`
      if (after.signing !== before.signing) return `signing ${after.signing}, ${before.signing} before`
      if (after.encryption !== before.encryption) return `cipher ${after.encryption}, ${before.encryption} before`
      if (after.serverGuid !== before.serverGuid) return "another server (its GUID changed)"
      return undefined
    }

    /** Builds generation `number` and runs the recoveries on it. */
    const establish = (number: number) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(connectionScope, ExecutionStrategy.sequential)
        const phases = { waited: 0, negotiate: 0, session: 0, tree: 0, handle: 0 }
        let mark = now()
        const lap = (phase: keyof typeof phases) => {
          const at = now()
          phases[phase] = at - mark
          mark = at
        }
        const exit = yield* Effect.exit(Effect.gen(function*() {
          const negotiation = yield* connect(scope, clientGuid)
          lap("negotiate")
          const changed = same(first.negotiated, negotiation.negotiated)
          if (changed !== undefined) {
            return yield* new NegotiationFailed({ reason: "Unsupported", detail: `the reconnect negotiated ${changed}` })
          }
          const generation: Generation = { ...negotiation, number, scope, progress: 0 }
          yield* forward(generation)
          yield* watch(generation)
          remapped = true
          const recovering = target(generation)
          const recoveredBefore = stats.handlesRecovered
          const lostBefore = stats.handlesLost
          for (const level of LEVELS) {
            // Handles are independent of each other: their DH2Cs go out together, a few at a time.
            yield* Effect.forEach([...recoveries[level]], (recover) => recover(recovering), {
              concurrency: level === "handle" ? HANDLE_CONCURRENCY : 1,
              discard: true
            })
            lap(level)
          }
          // What no recovery brought back was not durable.
          for (const record of files.values()) {
            if (record.generation < number && record.lost === undefined) {
              record.lost = new HandleLost({ reason: "NotDurable", detail: "the server dropped it with the connection" })
              stats.handlesLost++
            }
          }
          return { generation, recovered: stats.handlesRecovered - recoveredBefore, lost: stats.handlesLost - lostBefore, phases }
        }))
        if (Exit.isFailure(exit)) yield* Scope.close(scope, exit)
        return yield* exit
      })

    let strikes = 0

    const reconnect = (failed: Generation, cause: unknown, done: Deferred.Deferred<void, ConnectionStopped>) =>
      Effect.gen(function*() {
        const started = now()
        // Its worker has stopped already (that is how the loss was seen): what is left is cleanup,
        // which need not delay the next generation.
        yield* Effect.forkIn(Scope.close(failed.scope, Exit.void), connectionScope)
        yield* PubSub.publish(events, { _tag: "Disconnected", generation: failed.number, cause })
        if (failed.progress > 0) strikes = 0
        let last = cause
        while (strikes < policy.attempts && !closing) {
          if (strikes > 0) {
            const wait = Math.min(Duration.toMillis(policy.backoff) * 2 ** (strikes - 1), Duration.toMillis(policy.maxBackoff))
            yield* Effect.sleep(Duration.millis(wait))
          }
          strikes++
          const number = stats.generation + 1
          yield* PubSub.publish(events, { _tag: "Reconnecting", generation: number, attempt: strikes })
          const exit = yield* Effect.exit(Effect.withSpan(establish(number), "smb.reconnect", { attributes: { generation: number, attempt: strikes } }))
          if (Exit.isSuccess(exit)) {
            const { generation, lost, phases, recovered } = exit.value
            const millis = now() - started
            const waited = millis - phases.negotiate - phases.session - phases.tree - phases.handle
            latest = generation
            state = { _tag: "Live", generation }
            stats.generation = number
            stats.reconnects++
            stats.reconnectMillis.push(millis)
            if (stats.reconnectMillis.length > MAX_TIMINGS) stats.reconnectMillis.shift()
            yield* PubSub.publish(events, {
              _tag: "Reconnected",
              generation: number,
              attempt: strikes,
              millis,
              handlesRecovered: recovered,
              handlesLost: lost,
              phases: { ...phases, waited }
            })
            yield* Deferred.succeed(done, undefined)
            return
          }
          stats.failedAttempts++
          last = Cause.squash(exit.cause)
          if (isFatal(last)) break
        }
        const error = new ConnectionStopped({ reason: closing ? "Stopped" : "ReconnectFailed", cause: last })
        state = { _tag: "Dead", error }
        yield* PubSub.publish(events, { _tag: "GaveUp", generation: stats.generation, cause: last })
        yield* Deferred.fail(done, error)
      })

    /** The generation `failed` is lost: waits for the next one (starting the reconnect if first). */
    const replace = (failed: Generation, cause: unknown): Effect.Effect<void, ConnectionStopped> =>
      Effect.uninterruptibleMask((restore) => {
        switch (state._tag) {
          case "Dead":
            return Effect.fail(state.error)
          case "Reconnecting":
            return restore(Deferred.await(state.done))
          case "Live": {
            if (state.generation !== failed) return Effect.void
            const done = Deferred.unsafeMake<void, ConnectionStopped>(FiberId.none)
            state = { _tag: "Reconnecting", done }
            // Forked from this uninterruptible region, the loop (and what it forks) would inherit it.
            return Effect.zipRight(Effect.forkIn(Effect.interruptible(reconnect(failed, cause, done)), connectionScope), restore(Deferred.await(done)))
          }
        }
      })

    /** A failure that means the generation is gone, not that the request failed. */
    const isLoss = (error: RequestError): boolean =>
      !closing && (
        error._tag === "ConnectionStopped" ||
        (error._tag === "OperationTimeout" && error.reason === "Receive" && options.disconnectOnTimeout)
      )

    const current: Effect.Effect<Generation, ConnectionStopped> = Effect.suspend(() => {
      switch (state._tag) {
        case "Live":
          return Effect.succeed(state.generation)
        case "Reconnecting":
          return Effect.zipRight(Deferred.await(state.done), current)
        case "Dead":
          return Effect.fail(state.error)
      }
    })

    // -------------------------------------------------------------------------------------------
    // Sessions that expire (STATUS_NETWORK_SESSION_EXPIRED): authenticated again, once at a time

    const reauthentications = new Map<bigint, Effect.Effect<void, unknown>>()
    const reauthenticating = new Map<bigint, Deferred.Deferred<void, unknown>>()

    const registerReauthentication = (sessionId: bigint, reauthenticate: Effect.Effect<void, unknown>) =>
      Effect.acquireRelease(
        Effect.sync(() => void reauthentications.set(sessionId, reauthenticate)),
        () => Effect.sync(() => void reauthentications.delete(sessionId))
      )

    /** The session's re-authentication, or the one already running; its failure fails with `expired`. */
    const reauthenticate = (sessionId: bigint, expired: ServerError): Effect.Effect<void, ServerError> =>
      Effect.suspend(() => {
        const running = reauthenticating.get(sessionId)
        if (running !== undefined) return Effect.mapError(Deferred.await(running), (cause) => new ServerError({ ...expired, cause }))
        const done = Deferred.unsafeMake<void, unknown>(FiberId.none)
        reauthenticating.set(sessionId, done)
        const run = reauthentications.get(sessionId)!
        return Effect.onExit(run, (exit) =>
          Effect.zipRight(
            Effect.sync(() => {
              reauthenticating.delete(sessionId)
              if (Exit.isSuccess(exit)) stats.reauthentications++
            }),
            Deferred.done(done, exit)
          )).pipe(Effect.mapError((cause) => new ServerError({ ...expired, cause })))
      })

    const expiredSession = (error: RequestError, sessionId: bigint | undefined): sessionId is bigint =>
      error._tag === "ServerError" && error.status === Status.NETWORK_SESSION_EXPIRED && sessionId !== undefined &&
      reauthentications.has(sessionId)

    /**
     * Sends on the current generation what `prepare` re-addresses (flagged as a replay once it may
     * have reached a server before); a lost generation is replaced and the same sent again, an
     * expired session authenticated again and the same sent again. `done` books the reply.
     */
    const carry = <R, A>(
      prepare: (replay: boolean) => Either.Either<R, HandleLost>,
      run: (handler: MessageHandlerShape, readdressed: R) => Effect.Effect<A, RequestError>,
      done: (a: A, generation: Generation) => void,
      sessionId: bigint | undefined,
      tries: number,
      replay: boolean
    ): Effect.Effect<A, RequestError> =>
      Effect.flatMap(current, (generation) => {
        const readdressed = prepare(replay)
        if (Either.isLeft(readdressed)) return Effect.fail(readdressed.left)
        if (tries > 0) stats.resent++
        return Effect.matchEffect(run(generation.handler, readdressed.right), {
          onSuccess: (a) => {
            generation.progress++
            done(a, generation)
            return Effect.succeed(a)
          },
          onFailure: (error) => {
            if (isLoss(error)) return Effect.zipRight(replace(generation, error), carry(prepare, run, done, sessionId, tries + 1, true))
            // The server did not carry it out: sent again as it was, once the session is back.
            if (expiredSession(error, sessionId) && tries < MAX_REAUTHENTICATED_TRIES) {
              return Effect.zipRight(reauthenticate(sessionId, error as ServerError), carry(prepare, run, done, sessionId, tries + 1, replay))
            }
            return Effect.fail(error)
          }
        })
      })

    /** One request, its open or close booked; a CLOSE of a handle already lost forgets it. */
    const carryOne = <A>(
      request: Request,
      run: (handler: MessageHandlerShape, request: Request) => Effect.Effect<A, RequestError>,
      replyOf: (a: A) => IncomingMessage
    ): Effect.Effect<A, RequestError> =>
      carry(
        (replay) => {
          const readdressed = readdress(request, replay)
          if (Either.isLeft(readdressed) && request.command === Command.CLOSE) forgetFile(request)
          return readdressed
        },
        run,
        (a, generation) => bookkeep(request, replyOf(a), generation),
        request.sessionId,
        0,
        false
      )

    // A chain goes as a whole, every element re-addressed. A chain whose CREATE and CLOSE travel
    // together leaves no open to book; one that opens and does not close (CREATE with a listing's
    // first round) leaves its open booked, as a lone CREATE does.
    const carryCompound = (elements: ReadonlyArray<CompoundRequest>, compound: CompoundOptions) =>
      carry(
        (replay) => Either.all(elements.map((element) => Either.map(readdress(element.request, replay), (request) => ({ ...element, request })))),
        (handler, readdressed) => handler.sendRecvCompound(readdressed, compound),
        (replies, generation) => {
          if (elements.some((element) => element.request.command === Command.CLOSE)) return
          elements.forEach((element, i) => {
            if (element.request.command === Command.CREATE && replies[i] !== undefined) bookkeep(element.request, replies[i], generation)
          })
        },
        elements[0]?.request.sessionId,
        0,
        false
      )

    const onCurrent = <A, E>(use: (generation: Generation) => Effect.Effect<A, E>): Effect.Effect<A, E | ConnectionStopped> =>
      Effect.flatMap(current, use)

    const handler: MessageHandlerShape = {
      sendo: (request) =>
        onCurrent((generation) => {
          const readdressed = readdress(request, false)
          return Either.isLeft(readdressed) ? Effect.fail(readdressed.left) : generation.handler.sendo(readdressed.right)
        }),
      recvo: (receive) => onCurrent((generation) => generation.handler.recvo(receive)),
      sendRecv: (request, receive) => carryOne(request, (h, r) => h.sendRecv(r, receive), (reply) => reply),
      sendRecvDecode: (request, decode, receive) => carryOne(request, (h, r) => h.sendRecvDecode(r, decode, receive), (result) => result.message),
      sendRecvCompound: carryCompound,
      cancel: (cancelled) => onCurrent((generation) => generationHandler(generation).cancel(cancelled)),
      setNegotiated: (negotiated) => Effect.ignore(onCurrent((generation) => generation.handler.setNegotiated(negotiated))),
      updateTransformer: (update) => onCurrent((generation) => generation.handler.updateTransformer(readdressUpdate(update))),
      subscribe: notifications.subscribe,
      stats: Effect.suspend(() => latest.handler.stats),
      maxInFlight: first.handler.maxInFlight
    }

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closing = true
        const pending = state._tag === "Reconnecting" ? state.done : undefined
        const error = new ConnectionStopped({ reason: "Stopped" })
        state = { _tag: "Dead", error }
        return Effect.zipRight(
          pending === undefined ? Effect.void : Deferred.fail(pending, error),
          notifications.shutdown()
        )
      })
    )

    const reconnectShape: ReconnectShape = {
      register,
      registerReauthentication,
      events: Stream.fromPubSub(events),
      stats: Effect.sync((): ReconnectStats => ({ ...stats, reconnectMillis: [...stats.reconnectMillis] }))
    }
    return {
      first,
      handler,
      reconnect: reconnectShape,
      latest: () => latest
    }
  })
