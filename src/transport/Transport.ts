/**
 * The byte stream under a connection, cut into SMB2 frames. Implementations: direct TCP with the
 * 4-byte session header (`TcpTransport`), and an in-memory pair for tests (`MemoryTransport`).
 *
 * Receiving is an effect that yields the next frame rather than a Stream: the single worker reads
 * exactly one frame per awaited response and the backends' receive loops pull in a tight loop, so a
 * pull is the primitive both need, without a Stream's chunking and fiber hops per frame.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { TransportError } from "../errors.js"

/**
 * One frame to send: a single buffer, or parts written back to back as one frame (so a large WRITE
 * payload is not copied to sit behind its header).
 *
 * @since 0.1.0
 * @category models
 */
export type Frame = Uint8Array | ReadonlyArray<Uint8Array>

/**
 * @since 0.1.0
 * @category models
 */
export interface TransportShape {
  /**
   * Writes one frame; the transport adds the 4-byte session header. The frame is handed over
   * before the effect's first interruption point (so a message id is never lost to an
   * interruption); what follows, the wait for backpressure, may be interrupted.
   */
  readonly send: (frame: Frame) => Effect.Effect<void, TransportError>
  /**
   * Optional: `send` without the effect around it, for callers that must not spend fiber steps
   * per frame. Hands the frame over at once and returns undefined when nothing is left to wait
   * for, or the effect to await (backpressure, or the failure). A transport that has it sends as
   * `Effect.suspend(() => write(frame) ?? Effect.void)`; a wrapper that changes `send` must drop it.
   *
   * `onWritten`, when given, is called once the frame's bytes have left its buffers (they are with
   * the OS, or copied), so that its owner may reuse or hand them on; which can be after `write`
   * returned undefined. It is not called when the write fails.
   */
  readonly write?: (frame: Frame, onWritten?: () => void) => Effect.Effect<void, TransportError> | undefined
  /**
   * The next received frame, without its session header. Once the stream has ended or failed,
   * every call fails with the same TransportError.
   */
  readonly receive: Effect.Effect<Uint8Array, TransportError>
  /** Closes the stream; idempotent. Pending and later receives fail with reason "Closed". */
  readonly close: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("effect-smb/Transport")<Transport, TransportShape>() {}

/** The largest frame direct TCP can carry: a 24-bit length. @since 0.1.0 @category constants */
export const MAX_DIRECT_TCP_FRAME = 0xffffff

/** @since 0.1.0 */
export const frameLength = (frame: Frame): number => {
  if (frame instanceof Uint8Array) return frame.byteLength
  let n = 0
  for (const part of frame) n += part.byteLength
  return n
}
