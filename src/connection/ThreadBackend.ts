/**
 * ThreadBackend (the seed's `ThreadingBackend`): a MultiWorkerBackend whose socket, send loop,
 * receive loop and Transformer all run in one Node worker thread, so that the CPU-heavy transform
 * (signing, encryption, compression) stays off the main event loop. The main thread keeps only
 * the routing (ParallelWorker) and a small bridge.
 *
 * - The thread connects with TcpTransport itself, so the layer takes connection options, not a
 *   Transport; a connect failure fails the layer with the TransportError.
 * - `send` queues the message synchronously (no interruption point before it is queued) and
 *   waits for the thread to report the write; `update` is queued in the same ordered stream, so
 *   it reaches the thread before every later send, and applies on arrival there (as FiberBackend
 *   applies it on call: to every message not yet transformed). Items are batched into one postMessage per
 *   turn of the event loop (setImmediate), in both directions: with 64 requests in flight a
 *   postMessage carries ~50 items instead of one, which halves the CPU time per request.
 * - Bodies and received frames cross as transferred ArrayBuffers. A body part is transferred
 *   only when its view covers the whole of its buffer and it is at least 64 KiB: the caller's
 *   view is then detached, so `send` takes ownership of such a buffer. Smaller whole parts are
 *   copied (as cheap, and constants reused for every request stay intact); views into a larger
 *   buffer are copied once into their own buffer (a structured clone would copy the whole buffer).
 * - The semantics are FiberBackend's: a failed write fails its own sender with
 *   ConnectionStopped("TransportFailed") carrying the TransportError, then the connection stops;
 *   a transport failure calls the sink's onStopped once and fails every send not yet reported.
 * - A crash or exit of the thread stops the connection with ConnectionStopped("WorkerFailed") and
 *   fails every waiter. There is no respawn: the socket died with the thread. This is why the
 *   backend uses @effect/platform's low-level PlatformWorker (one `BackingWorker.run`, own
 *   routing of results by sequence number) rather than WorkerManager, which silently respawns a
 *   crashed worker; the low-level path is also the faster one.
 * - Received frames come from the thread's FramePool; when their consumer recycles them on this
 *   side, the buffer is transferred back to that pool, so this thread neither allocates nor
 *   frees the large frames of a download. The other way, a large transferred body that the
 *   thread has encrypted comes back to this thread's pool (an upload's next chunk reuses it).
 * - Closing the layer's Scope closes the worker; the thread then closes its socket and exits.
 *   Given `threads` (a reconnecting connection's generations, see Threads), a thread whose socket
 *   is closed and reported so goes back there instead, and the next generation connects from it.
 *
 * The thread's entry module is the compiled `threadEntry.js` next to this module. Code running
 * from the TypeScript sources (tests) must pass `entry`: a worker thread is plain Node and does
 * not load TypeScript. The build bundles that entry into one file (scripts/bundle-entries.mjs),
 * so a thread starts in ~100 ms rather than the ~0.5 s of loading effect's modules one by one:
 * one per connection, not one per reconnect.
 *
 * @since 0.1.0
 */
import * as PlatformWorker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as WorkerThreads from "node:worker_threads"
import type { TransformFailed } from "../errors.js"
import { ConnectionStopped, InvalidState, TransportError } from "../errors.js"
import * as FramePool from "../transport/FramePool.js"
import * as TcpTransport from "../transport/TcpTransport.js"
import type { FromThread, ToThread } from "./internal/threadProtocol.js"
import type { Batcher } from "./internal/threadProtocol.js"
import { decodeError, decodeStopped, encodeError, makeBatcher, packCompound, packOutgoing, unpackIncoming } from "./internal/threadProtocol.js"
import type { SendResult } from "./Message.js"
import type { BackendConnection, BackendSink, MultiWorkerBackendShape } from "./MultiWorkerBackend.js"
import { MultiWorkerBackend } from "./MultiWorkerBackend.js"

/**
 * Faults the thread injects into its own writes (counted from 1, every frame written). For tests
 * of this backend and of the code above it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Faults {
  /** That write fails with `error` instead of being written, as if the socket had failed. */
  readonly failWrite?: { readonly at: number; readonly error: TransportError }
  /** The thread dies instead of writing: an uncaught exception ("throw") or `process.exit(1)` ("exit"). */
  readonly crashOnWrite?: { readonly at: number; readonly mode: "throw" | "exit" }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<TcpTransport.Options, "connect"> {
  /** The worker thread's entry module; default the compiled `threadEntry.js` next to this module. */
  readonly entry?: URL | string | undefined
  readonly faults?: Faults | undefined
  /** Where the thread comes from and goes back to (see Threads); default a thread of its own. */
  readonly threads?: Threads | undefined
}

/** How long `stop` waits for the thread to confirm that its socket is closed. */
const STOP_GRACE = Duration.seconds(5)

/** One worker thread, serving the backends of a connection one at a time. */
interface Thread {
  /** Closing it ends the thread. */
  readonly scope: Scope.CloseableScope
  readonly toThread: Batcher<ToThread>
  /** The backend it serves now: everything the thread reports but returned buffers goes to it. */
  tenant: Tenant | undefined
  gone: boolean
}

interface Tenant {
  readonly receive: (item: FromThread) => void
  /** The thread is gone (crashed, exited, or closed): `cause` undefined when closed on purpose. */
  readonly lost: (cause: unknown) => void
}

/**
 * The worker threads of one connection. A thread whose connection has stopped (the thread has
 * closed the socket and said so) waits here for the next generation's backend, which then
 * opens its socket on it: a reconnect costs a socket rather than a thread start (~100 ms for
 * the bundled entry, more on a loaded machine). One idle thread is kept; closing the Scope ends
 * them all.
 *
 * @since 0.1.0
 * @category models
 */
export interface Threads {
  readonly [ThreadsTypeId]: ThreadsTypeId
}
const ThreadsTypeId: unique symbol = Symbol.for("effect-smb/ThreadBackend/Threads")
type ThreadsTypeId = typeof ThreadsTypeId

interface ThreadsImpl extends Threads {
  readonly take: Effect.Effect<Thread, ConnectionStopped>
  readonly release: (thread: Thread) => void
  readonly end: (thread: Thread) => void
}

/**
 * A place for the threads of one connection's generations (see Threads), closed with the Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeThreads = (entry?: URL | string | undefined): Effect.Effect<Threads, never, Scope.Scope> =>
  Effect.gen(function*() {
    const parent = yield* Effect.scope
    const workerEntry = entry ?? new URL("./threadEntry.js", import.meta.url)
    let idle: Thread | undefined
    let closed = false
    yield* Effect.addFinalizer(() => Effect.sync(() => (closed = true)))

    const end = (thread: Thread): void => {
      if (idle === thread) idle = undefined
      if (thread.gone) return
      thread.gone = true
      Effect.runFork(Scope.close(thread.scope, Exit.void))
    }

    const spawn = Effect.gen(function*() {
      const scope = yield* Scope.fork(parent, ExecutionStrategy.sequential)
      const backing = yield* Effect.flatMap(
        PlatformWorker.PlatformWorker,
        (platform) => platform.spawn<ReadonlyArray<ToThread>, ReadonlyArray<FromThread>>(0)
      ).pipe(
        Effect.provide(NodeWorker.layerPlatform(() => new WorkerThreads.Worker(workerEntry))),
        Scope.extend(scope),
        Effect.mapError((cause) => new ConnectionStopped({ reason: "WorkerFailed", cause })),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      const died = (cause: unknown): void => {
        if (idle === thread) idle = undefined
        thread.gone = true
        const tenant = thread.tenant
        thread.tenant = undefined
        tenant?.lost(cause)
      }
      // Items for the thread go in one postMessage per event-loop turn (see makeBatcher).
      const toThread = makeBatcher<ToThread>((items, list) => {
        const exit = Effect.runSyncExit(backing.send(items, list))
        // The thread may have missed a send or an update: it cannot go on.
        if (Exit.isFailure(exit)) died(Cause.squash(exit.cause))
      })
      const thread: Thread = { scope, toThread, tenant: undefined, gone: false }
      // One run for the life of the thread: when it ends the thread is gone, and nothing respawns it.
      yield* backing.run<void, never, never>((message) => {
        if (message[0] === 1) {
          try {
            for (const item of message[1]) {
              if (item._tag === "Returned") FramePool.restore(item.buffer)
              else thread.tenant?.receive(item)
            }
          } catch (defect) {
            return Effect.die(defect)
          }
        }
        return Effect.void
      }).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => died(Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? Cause.squash(exit.cause) : undefined))
        ),
        Effect.interruptible,
        Effect.forkIn(scope)
      )
      return thread
    })

    const threads: ThreadsImpl = {
      [ThreadsTypeId]: ThreadsTypeId,
      take: Effect.suspend(() => {
        const thread = idle
        idle = undefined
        return thread === undefined || thread.gone ? spawn : Effect.succeed(thread)
      }),
      release: (thread) => {
        thread.tenant = undefined
        if (closed || thread.gone || idle !== undefined) end(thread)
        else idle = thread
      },
      end
    }
    return threads
  })

/**
 * Takes a worker thread (an idle one of `options.threads`, else a new one) and connects from it;
 * closing the Scope ends the thread, or gives it back to `threads` once its socket is closed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<MultiWorkerBackendShape, TransportError | ConnectionStopped, Scope.Scope> =>
  Effect.gen(function*() {
    const threads = (options.threads ?? (yield* makeThreads(options.entry))) as ThreadsImpl
    const thread = yield* threads.take

    let sink: BackendSink | undefined
    let stopped: ConnectionStopped | undefined
    let lastSeq = 0
    /** The thread's id, as the thread reported it on connecting. */
    let threadId: number | undefined
    /** Sends not yet reported by the thread, by sequence number (a CANCEL shares its message id). */
    const pending = new Map<number, Deferred.Deferred<Uint8Array | undefined, ConnectionStopped | TransformFailed>>()
    const connected = Deferred.unsafeMake<void, TransportError | ConnectionStopped>(FiberId.none)
    /** The thread has reported Stopped, or is gone. */
    const threadDone = Deferred.unsafeMake<void>(FiberId.none)

    // Marks the connection stopped, tells the worker once, and fails everything still waiting.
    const markStopped = (error: ConnectionStopped): boolean => {
      if (stopped !== undefined) return false
      stopped = error
      sink?.onStopped(error)
      for (const done of pending.values()) Deferred.unsafeDone(done, Exit.fail(error))
      pending.clear()
      Deferred.unsafeDone(connected, Exit.fail(error))
      return true
    }

    const threadFailed = (cause: unknown): void => {
      markStopped(new ConnectionStopped({ reason: "WorkerFailed", cause }))
      Deferred.unsafeDone(threadDone, Exit.void)
    }

    // The thread has closed this connection's socket: from now on it serves the next one, and
    // nothing more is posted to it from here (every post below checks `stopped`).
    const finished = (): void => {
      if (thread.tenant !== tenant) return
      Deferred.unsafeDone(threadDone, Exit.void)
      threads.release(thread)
    }

    const post = thread.toThread.post
    // A frame's consumer is done with it (see FramePool): its buffer goes back to the thread's pool.
    const giveBack = (buffer: ArrayBuffer): void => {
      if (stopped !== undefined) return
      thread.toThread.transfers.add(buffer)
      post({ _tag: "Recycle", buffer })
    }

    const settle = (seq: number, exit: Exit.Exit<Uint8Array | undefined, ConnectionStopped | TransformFailed>): void => {
      const done = pending.get(seq)
      if (done === undefined) return
      pending.delete(seq)
      Deferred.unsafeDone(done, exit)
    }

    const receive = (item: FromThread): void => {
      switch (item._tag) {
        case "Connected":
          threadId = item.threadId
          Deferred.unsafeDone(connected, Exit.void)
          return
        case "ConnectFailed": {
          const error = decodeError(item.error)
          Deferred.unsafeDone(
            connected,
            Exit.fail(error instanceof TransportError ? error : new ConnectionStopped({ reason: "WorkerFailed", cause: error }))
          )
          markStopped(new ConnectionStopped({ reason: "TransportFailed", cause: error }))
          return finished()
        }
        case "Incoming": {
          if (stopped !== undefined) return
          const incoming = unpackIncoming(item.incoming)
          if (incoming._tag === "Message") FramePool.adopt(incoming.message.message, giveBack)
          sink?.onIncoming(incoming)
          return
        }
        case "Sent":
          return settle(item.seq, Exit.succeed(item.raw))
        case "Returned":
          return FramePool.restore(item.buffer)
        case "SendFailed":
          return settle(item.seq, Exit.fail(decodeError(item.error) as ConnectionStopped | TransformFailed))
        case "Stopped":
          markStopped(decodeStopped(item.error))
          return finished()
      }
    }
    const tenant: Tenant = {
      receive,
      lost: (cause) => {
        if (cause === undefined) markStopped(new ConnectionStopped({ reason: "Stopped" }))
        else threadFailed(cause)
        Deferred.unsafeDone(threadDone, Exit.void)
      }
    }
    thread.tenant = tenant
    // Runs last: a thread still serving this connection (its stop not confirmed) is not reused.
    yield* Effect.addFinalizer(() => Effect.sync(() => thread.tenant === tenant && threads.end(thread)))
    // Runs before that (finalizers run in reverse): waiters fail as Stopped.
    yield* Effect.addFinalizer(() => Effect.sync(() => markStopped(new ConnectionStopped({ reason: "Stopped" }))))

    post({
      _tag: "Connect",
      options: {
        host: options.host,
        port: options.port ?? TcpTransport.defaults.port,
        connectTimeoutMillis: Duration.toMillis(Duration.decode(options.connectTimeout ?? TcpTransport.defaults.connectTimeout)),
        noDelay: options.noDelay ?? TcpTransport.defaults.noDelay,
        maxFrameSize: options.maxFrameSize
      },
      faults: {
        ...(options.faults?.failWrite === undefined
          ? {}
          : { failWrite: { at: options.faults.failWrite.at, error: encodeError(options.faults.failWrite.error) } }),
        ...(options.faults?.crashOnWrite === undefined ? {} : { crashOnWrite: options.faults.crashOnWrite })
      }
    })
    yield* Deferred.await(connected)

    const stop: Effect.Effect<void> = Effect.suspend(() => {
      if (markStopped(new ConnectionStopped({ reason: "Stopped" }))) post({ _tag: "Stop" })
      return Effect.ignore(Effect.timeout(Deferred.await(threadDone), STOP_GRACE))
    }).pipe(Effect.uninterruptible)

    const connection: BackendConnection = {
      kind: "parallel-thread",
      ...(threadId === undefined ? {} : { threadId }),
      send: (message) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          const seq = ++lastSeq
          const done = Deferred.unsafeMake<Uint8Array | undefined, ConnectionStopped | TransformFailed>(FiberId.none)
          pending.set(seq, done)
          post({ _tag: "Send", seq, message: packOutgoing(message, thread.toThread.transfers) })
          const messageId = message.header.messageId
          return Effect.interruptible(
            Effect.map(Deferred.await(done), (raw): SendResult => (raw === undefined ? { messageId } : { messageId, raw }))
          )
        }),
      sendCompound: (compound) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          const seq = ++lastSeq
          const done = Deferred.unsafeMake<Uint8Array | undefined, ConnectionStopped | TransformFailed>(FiberId.none)
          pending.set(seq, done)
          post({ _tag: "SendCompound", seq, compound: packCompound(compound, thread.toThread.transfers) })
          return Effect.interruptible(Effect.asVoid(Deferred.await(done)))
        }),
      update: (update) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          post({ _tag: "Update", update })
          return Effect.void
        }),
      stop
    }

    return {
      start: (s: BackendSink) =>
        Effect.suspend(() => {
          if (stopped !== undefined) return Effect.fail(stopped)
          if (sink !== undefined) {
            return Effect.fail(
              new ConnectionStopped({ reason: "Stopped", cause: new InvalidState({ reason: "AlreadyStarted", detail: "the thread backend is already started" }) })
            )
          }
          sink = s
          post({ _tag: "Start" })
          return Effect.as(Effect.addFinalizer(() => stop), connection)
        })
    }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<MultiWorkerBackend, TransportError | ConnectionStopped> =>
  Layer.scoped(MultiWorkerBackend, make(options))
