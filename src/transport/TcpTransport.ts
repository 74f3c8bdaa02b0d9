/**
 * Direct TCP transport (MS-SMB2 2.1): one TCP connection, frames behind the 4-byte session header.
 *
 * Built on @effect/platform's Socket (`NodeSocket.fromDuplex`): the connection opens inside
 * `socket.run`, whose fiber owns it, so closing the Scope interrupts that fiber and closes the
 * socket. Reading goes through `net`'s `onread` straight into memory the deframer supplies (the
 * rest of a large frame in place, otherwise one reused scratch buffer), synchronously and in order;
 * the `run` handler only sees chunks when a custom `connect` ignores `onread`. We open the
 * `net.Socket` ourselves rather than through `NodeSocket.makeNet` for four reasons: `onread`, to
 * tell a refused connection from a timed-out one, to set TCP_NODELAY, and to write a frame as its
 * header plus its parts, and the frames of one event-loop turn, in one corked `writev` (the
 * platform writer writes one buffer per call and would need a copy or a lock to keep a frame's
 * parts together; a 4-byte header written alone would also go out as its own TCP segment).
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Net from "node:net"
import { TransportError } from "../errors.js"
import { closedError } from "./FrameInbox.js"
import * as FrameInbox from "./FrameInbox.js"
import { checkOutgoing, encodePrefix, PREFIX_SIZE, writeFrame } from "./Framing.js"
import { type Frame, frameLength, Transport, type TransportShape } from "./Transport.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly host: string
  /** Default 445. */
  readonly port?: number | undefined
  /** Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** The largest frame accepted from the server; default and maximum 0xFFFFFF. */
  readonly maxFrameSize?: number | undefined
  /** TCP_NODELAY; default true (SMB2 is request/response: Nagle only adds latency). */
  readonly noDelay?: boolean | undefined
  /**
   * Creates the socket (it must not be connected yet); default `net.createConnection`. For
   * proxies, custom lookups and tests.
   */
  readonly connect?: (options: Net.NetConnectOpts) => Net.Socket
}

/**
 * The defaults of `Options`, shared with the thread backend, which opens its socket in the thread.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  port: 445,
  connectTimeout: Duration.seconds(10),
  noDelay: true
} as const

/**
 * Frames up to this size (a request without bulk data) are written as one buffer with their
 * session header; within Node's Buffer pool, so the copy costs no allocation of its own.
 */
const SMALL_FRAME = 4096 - PREFIX_SIZE

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MILLIS = 1000

const resetCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"])
const errorCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

/** Ends a connected socket after what was written has been flushed, within a bounded time. */
const release = (socket: Net.Socket, connected: boolean): void => {
  if (socket.destroyed) return
  if (!connected) {
    socket.destroy()
    return
  }
  socket.end(() => socket.destroy())
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MILLIS).unref()
}

/**
 * Connects and returns the transport once the connection is open. Closing the Scope closes it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<TransportShape, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const host = options.host
    const port = options.port ?? defaults.port
    const noDelay = options.noDelay ?? defaults.noDelay
    const connect = options.connect ?? Net.createConnection
    let conn: Net.Socket | undefined
    let connected = false
    let closing = false

    const open = Effect.scopeWith((scope) =>
      Effect.zipRight(
        Scope.addFinalizer(scope, Effect.sync(() => conn !== undefined && release(conn, connected))),
        Effect.async<Net.Socket, Socket.SocketError>((resume) => {
          // Reads go where the deframer says: the rest of a large frame in place, anything else
          // into its reused scratch buffer, instead of a new 64 KiB buffer per read. A `connect`
          // that drops `onread` still works: its 'data' chunks reach the `run` handler below.
          const socket = connect({
            host,
            port,
            noDelay,
            onread: {
              buffer: inbox.readTarget,
              callback: (n, read) => {
                if (inbox.commit(read, n) !== undefined) socket.destroy()
                return true
              }
            }
          })
          conn = socket
          socket.once("connect", () => {
            connected = true
            // Also passed as an option above; set here too for `connect` functions that ignore it.
            socket.setNoDelay(noDelay)
            resume(Effect.succeed(socket))
          })
          // Stays attached for the socket's life: an 'error' with no listener would crash the
          // process, and the platform's own listener is removed before our graceful close.
          socket.on("error", (cause) => {
            if (!connected) resume(Effect.fail(new Socket.SocketGenericError({ reason: "Open", cause })))
          })
        })
      ).pipe(
        Effect.timeoutFail({
          duration: options.connectTimeout ?? defaults.connectTimeout,
          onTimeout: () => new Socket.SocketGenericError({ reason: "OpenTimeout", cause: undefined })
        })
      )
    )

    const inbox = yield* FrameInbox.make({ maxFrameSize: options.maxFrameSize })
    const socket = yield* NodeSocket.fromDuplex(open)
    const opened = yield* Deferred.make<void, TransportError>()

    const onRunExit = (exit: Exit.Exit<void, Socket.SocketError>): Effect.Effect<void> => {
      if (Exit.isSuccess(exit)) {
        inbox.peerClosed()
      } else {
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) return Effect.zipRight(inbox.close, Deferred.fail(opened, closedError))
        const error = failure.value
        const code = errorCode(error.cause)
        if (error.reason === "Open") {
          inbox.fail(
            new TransportError({
              reason: "Refused",
              detail: `cannot connect to ${host}:${port}${code === undefined ? "" : ` (${code})`}`,
              cause: error.cause
            })
          )
        } else if (error.reason === "OpenTimeout") {
          inbox.fail(new TransportError({ reason: "ConnectTimeout", detail: `cannot connect to ${host}:${port}` }))
        } else if (error.reason === "Read" && !resetCodes.has(code ?? "")) {
          inbox.fail(new TransportError({ reason: "Read", cause: error.cause }))
        } else if (closing) {
          return Effect.zipRight(inbox.close, Deferred.fail(opened, closedError))
        } else {
          inbox.peerClosed(error.reason === "Read" ? error.cause : undefined)
        }
      }
      return Deferred.fail(opened, inbox.ended() ?? closedError)
    }

    const runFiber = yield* socket.run((chunk) => {
      if (inbox.push(chunk) !== undefined) conn?.destroy()
    }, { onOpen: Deferred.succeed(opened, undefined) }).pipe(
      Effect.onExit(onRunExit),
      Effect.forkScoped
    )

    const close: Effect.Effect<void> = Effect.suspend(() => {
      if (closing) return Effect.void
      closing = true
      return Effect.zipRight(inbox.close, Fiber.interrupt(runFiber))
    })
    yield* Effect.addFinalizer(() => close)
    // Interrupted or failed while connecting: release the socket now, not when the Scope closes.
    yield* Deferred.await(opened).pipe(Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : close))

    let corked = false
    const uncork = (socket: Net.Socket): void => {
      corked = false
      socket.uncork()
    }

    // The frame is in the socket's buffer when `write` returns (so when `send`'s first step does):
    // a sender interrupted afterwards, while it waits for the socket to drain, has still sent it.
    const write = (frame: Frame, onWritten?: () => void): Effect.Effect<void, TransportError> | undefined => {
      const ended = closing ? closedError : inbox.ended()
      if (ended !== undefined || conn === undefined) return Effect.fail(ended ?? closedError)
      const length = frameLength(frame)
      const tooLarge = checkOutgoing(length)
      if (tooLarge !== undefined) return Effect.fail(tooLarge)
      const socket = conn
      let outcome: Effect.Effect<void, TransportError> | undefined
      let waiting: ((outcome: Effect.Effect<void, TransportError>) => void) | undefined
      const done = (cause: Error | null | undefined): void => {
        if (outcome !== undefined) return
        outcome = cause ? Effect.fail(new TransportError({ reason: "Write", cause })) : Effect.void
        if (!cause) onWritten?.()
        waiting?.(outcome)
      }
      // Corked until the end of this turn of the event loop, so that the header and every part,
      // and every other frame sent in the same turn, leave in one writev; only the last write's
      // callback is awaited (a failure fails every pending callback).
      if (!corked) {
        corked = true
        socket.cork()
        process.nextTick(uncork, socket)
      }
      let accepted: boolean
      if (length <= SMALL_FRAME) {
        // One pooled Buffer, copied into: one write through the stream instead of one per part
        // (and no Uint8Array-to-Buffer wrapping per part).
        const joined = Buffer.allocUnsafe(PREFIX_SIZE + length)
        writeFrame(joined, frame, length)
        accepted = socket.write(joined, done)
      } else if (frame instanceof Uint8Array) {
        const prefix = encodePrefix(length)
        socket.write(prefix)
        accepted = socket.write(frame, done)
      } else {
        const prefix = encodePrefix(length)
        const last = frame.length - 1
        accepted = socket.write(prefix, last < 0 ? done : undefined)
        for (let i = 0; i <= last; i++) accepted = socket.write(frame[i]!, i === last ? done : undefined)
      }
      // Below the high-water mark there is no backpressure to wait for: done now, one async hop
      // saved per frame. A later write error destroys the socket, so the receive side ends the
      // connection and every waiter fails (ConnectionStopped): the error still reaches its caller.
      if (accepted && !socket.destroyed) return undefined
      if (outcome !== undefined) return outcome
      return Effect.interruptible(Effect.async<void, TransportError>((resume) => {
        if (outcome !== undefined) resume(outcome)
        else waiting = resume
      }))
    }

    const send = (frame: Frame): Effect.Effect<void, TransportError> => Effect.suspend(() => write(frame) ?? Effect.void)

    return { send, write, receive: inbox.receive, close } satisfies TransportShape
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Transport, TransportError> =>
  Layer.scoped(Transport, make(options))
