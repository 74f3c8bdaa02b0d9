/**
 * An in-memory connected pair for tests: a client `TransportShape` and the server's end of the
 * byte stream. The two ends exchange bytes, not frames, and the client runs the same deframer as
 * the TCP transport, so a test can push garbage, truncated or split frames through memory exactly
 * as through a socket. Writes are copied (as a socket would), so a writer may reuse its buffers.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import { TransportError } from "../errors.js"
import { closedError } from "./FrameInbox.js"
import * as FrameInbox from "./FrameInbox.js"
import { checkOutgoing, encodeFrame } from "./Framing.js"
import { type Frame, frameLength, Transport, type TransportShape } from "./Transport.js"
import { copyBytes } from "../wire/Reader.js"

/**
 * One end of a raw byte stream (no framing): what a server sees of a connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface ByteEndpoint {
  /** Writes bytes to the stream as they are (no session header added). */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /**
   * The next chunk received. After the other side closed, chunks already sent are still
   * delivered, then every read fails with ClosedByPeer; after our own close, with Closed.
   */
  readonly read: Effect.Effect<Uint8Array, TransportError>
  /** Closes this end; idempotent. The other side sees ClosedByPeer once it has read what was sent. */
  readonly close: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PairOptions {
  /** The largest frame the client end accepts; default and maximum 0xFFFFFF. */
  readonly maxFrameSize?: number
}

const peerClosedError = new TransportError({ reason: "ClosedByPeer", detail: "the peer closed the connection" })

/**
 * A connected pair: the client transport and the server's byte endpoint. Closing the Scope closes
 * both ends.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePair = (
  options?: PairOptions
): Effect.Effect<readonly [client: TransportShape, server: ByteEndpoint], never, Scope.Scope> =>
  Effect.gen(function*() {
    const inbox = yield* FrameInbox.make({ maxFrameSize: options?.maxFrameSize })
    const toServer = yield* Mailbox.make<Uint8Array, TransportError>()
    let clientClosed = false
    let serverClosed = false

    // The client end is gone once it closed or its deframer rejected the stream (as a TCP client
    // drops the connection on a framing fault).
    const clientGone = (): boolean => clientClosed || inbox.ended() !== undefined

    const closeClient: Effect.Effect<void> = Effect.suspend(() => {
      if (clientClosed) return Effect.void
      clientClosed = true
      toServer.unsafeDone(Exit.fail(peerClosedError))
      return inbox.close
    })

    const write = (frame: Frame, onWritten?: () => void): Effect.Effect<void, TransportError> | undefined => {
      const ended = clientClosed ? closedError : inbox.ended()
      if (ended !== undefined) return Effect.fail(ended)
      const tooLarge = checkOutgoing(frameLength(frame))
      if (tooLarge !== undefined) return Effect.fail(tooLarge)
      if (serverClosed) return Effect.fail(peerClosedError)
      toServer.unsafeOffer(encodeFrame(frame))
      onWritten?.()
      return undefined
    }

    const client: TransportShape = {
      send: (frame: Frame) => Effect.suspend(() => write(frame) ?? Effect.void),
      write,
      receive: inbox.receive,
      close: closeClient
    }

    const server: ByteEndpoint = {
      write: (bytes) =>
        Effect.suspend(() => {
          if (serverClosed) return Effect.fail(closedError)
          if (clientGone()) return Effect.fail(peerClosedError)
          if (bytes.byteLength > 0 && inbox.push(copyBytes(bytes)) !== undefined) {
            toServer.unsafeDone(Exit.fail(peerClosedError))
          }
          return Effect.void
        }),
      read: Effect.suspend(() =>
        serverClosed
          ? Effect.fail(closedError)
          : Effect.catchTag(toServer.take, "NoSuchElementException", () => Effect.fail(closedError))
      ),
      close: Effect.suspend(() => {
        if (serverClosed) return Effect.void
        serverClosed = true
        inbox.peerClosed()
        return Effect.asVoid(Effect.zipRight(Effect.ignore(toServer.clear), toServer.fail(closedError)))
      })
    }

    yield* Effect.addFinalizer(() => Effect.zipRight(closeClient, server.close))
    return [client, server] as const
  })

/**
 * The client end of a fresh pair as the Transport, with the server end handed to `server` (which
 * runs in the layer's scope, e.g. a test peer's loop).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(
  server: (endpoint: ByteEndpoint) => Effect.Effect<void, E, R | Scope.Scope>,
  options?: PairOptions
): Layer.Layer<Transport, E, Exclude<R, Scope.Scope>> =>
  Layer.scoped(
    Transport,
    Effect.flatMap(makePair(options), ([client, endpoint]) => Effect.as(server(endpoint), client))
  )
