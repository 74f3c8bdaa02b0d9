/**
 * The receiving half of a client transport: received bytes go through the deframer into a queue of
 * frames that `receive` pulls from. Shared by the TCP and in-memory transports so that both end a
 * stream the same way:
 *
 * - the peer closed: frames already received are still delivered, then every receive fails with
 *   ClosedByPeer (saying so when the stream stopped inside a frame);
 * - a framing fault (Malformed, FrameTooLarge) or a read error: the same, with that error;
 * - our own close: buffered frames are dropped and every receive fails with Closed at once.
 *
 * The first ending wins, except that after our own close every receive fails with Closed.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import { TransportError } from "../errors.js"
import { makeDeframer } from "./Framing.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface FrameInbox {
  /** Feeds received bytes. Returns the framing error if they broke framing (the inbox has then ended). */
  readonly push: (chunk: Uint8Array) => TransportError | undefined
  /** Where the next read should go (see Deframer.readTarget); for `net`'s `onread`. */
  readonly readTarget: () => Uint8Array
  /** `read` (from `readTarget`) holds `n` received bytes; as `push`. */
  readonly commit: (read: Uint8Array, n: number) => TransportError | undefined
  /** The peer closed the stream (or reset it: pass the cause). */
  readonly peerClosed: (cause?: unknown) => void
  /** The stream failed with `error`; frames already received are delivered first. */
  readonly fail: (error: TransportError) => void
  /** Our own close: drops buffered frames; receives fail with Closed. */
  readonly close: Effect.Effect<void>
  /** How the stream ended, once it has. */
  readonly ended: () => TransportError | undefined
  readonly receive: Effect.Effect<Uint8Array, TransportError>
}

/**
 * What every receive fails with after our own close; the transports fail their sends with it too.
 *
 * @since 0.1.0
 */
export const closedError = new TransportError({ reason: "Closed", detail: "the transport was closed" })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: { readonly maxFrameSize?: number | undefined }): Effect.Effect<FrameInbox> =>
  Effect.map(Mailbox.make<Uint8Array, TransportError>(), (frames) => {
    const deframer = makeDeframer(options)
    let ending: TransportError | undefined
    let closed = false
    const offer = (frame: Uint8Array): void => {
      frames.unsafeOffer(frame)
    }
    const end = (error: TransportError): void => {
      if (ending !== undefined) return
      ending = error
      frames.unsafeDone(Exit.fail(error))
    }
    const endOnFault = (error: TransportError | undefined): TransportError | undefined => {
      if (error !== undefined) end(error)
      return error
    }
    return {
      push: (chunk) => ending === undefined ? endOnFault(deframer.push(chunk, offer)) : undefined,
      readTarget: deframer.readTarget,
      commit: (read, n) => ending === undefined ? endOnFault(deframer.commit(read, n, offer)) : undefined,
      peerClosed: (cause) => {
        const buffered = deframer.buffered()
        end(
          new TransportError({
            reason: "ClosedByPeer",
            detail: buffered === 0
              ? "the peer closed the connection"
              : `the peer closed the connection in the middle of a frame (${buffered} bytes received)`,
            ...(cause === undefined ? {} : { cause })
          })
        )
      },
      fail: end,
      close: Effect.suspend(() => {
        if (closed) return Effect.void
        closed = true
        ending = closedError
        // Cleared first: a failed mailbox would still hand out what it holds.
        return Effect.asVoid(Effect.zipRight(Effect.ignore(frames.clear), frames.fail(closedError)))
      }),
      ended: () => ending,
      receive: Effect.suspend(() =>
        closed
          ? Effect.fail(closedError)
          : Effect.catchTag(frames.take, "NoSuchElementException", () => Effect.fail(ending ?? closedError))
      )
    }
  })
