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

type Taker = (next: Effect.Effect<Uint8Array, TransportError>) => void

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: { readonly maxFrameSize?: number | undefined }): Effect.Effect<FrameInbox> =>
  Effect.sync(() => {
    const deframer = makeDeframer(options)
    // Frames not taken yet, from `head` on; receivers wait only while there are none. Lighter
    // than a Mailbox, whose take runs twice per wake-up behind an interruptible wait of its own.
    // Every waiting receiver is woken to take for itself: one interrupted in between leaves the
    // frame to the others, and one interrupted while it waited, whose wake-up is a no-op, needs
    // no canceler (an uninterruptible region per receive) to leave the list.
    const frames: Array<Uint8Array> = []
    let head = 0
    const takers: Array<Taker> = []
    let ending: TransportError | undefined
    let closed = false
    const wakeAll = (): void => {
      if (takers.length === 0) return
      for (const taker of takers.splice(0)) taker(receive)
    }
    const offer = (frame: Uint8Array): void => {
      frames.push(frame)
      wakeAll()
    }
    const end = (error: TransportError): void => {
      if (ending !== undefined) return
      ending = error
      wakeAll()
    }
    const endOnFault = (error: TransportError | undefined): TransportError | undefined => {
      if (error !== undefined) end(error)
      return error
    }
    const next = (): Uint8Array => {
      const frame = frames[head]!
      if (++head === frames.length) {
        frames.length = 0
        head = 0
      }
      return frame
    }
    const take = Effect.async<Uint8Array, TransportError>((resume) => {
      takers.push(resume)
    })
    const receive: Effect.Effect<Uint8Array, TransportError> = Effect.suspend(() =>
      closed
        ? Exit.fail(closedError)
        : head < frames.length
        ? Exit.succeed(next())
        : ending !== undefined
        ? Exit.fail(ending)
        : take
    )
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
      close: Effect.sync(() => {
        if (closed) return
        closed = true
        ending = closedError
        frames.length = 0
        head = 0
        wakeAll()
      }),
      ended: () => ending,
      receive
    }
  })
