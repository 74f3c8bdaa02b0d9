/**
 * What crosses the Worker boundary: an outgoing message (header + body parts, plus transform
 * hints), an incoming message (decoded header + the plaintext message bytes), and the options of
 * a receive.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Header } from "../wire/Header.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface OutgoingMessage {
  /** The header with its message id already assigned (by `sendo`). */
  readonly header: Header
  /** The body, as one buffer or as parts sent back to back (a WRITE's data is not copied). */
  readonly body: Uint8Array | ReadonlyArray<Uint8Array>
  /** Return the message bytes as sent (signed, before encryption): the preauth hash needs them. */
  readonly returnRaw?: boolean | undefined
  /** Sign even when the session does not require it (e.g. VALIDATE_NEGOTIATE_INFO). */
  readonly sign?: boolean | undefined
  /** Encrypt even when neither session nor tree requires it. */
  readonly encrypt?: boolean | undefined
  /**
   * The body is a complete SMB1 message (the NEGOTIATE that starts multi-protocol negotiation):
   * no SMB2 header is written; `header` only carries the message id it is tracked under.
   */
  readonly smb1?: boolean | undefined
}

/**
 * Several requests sent as one compound (MS-SMB2 3.2.4.1.4), in one frame: each element keeps its
 * own header (message id, credit charge) and is signed on its own, or the whole chain is encrypted
 * in one TRANSFORM_HEADER. The transform sets NextCommand, the 8-byte padding and, when `related`,
 * RELATED_OPERATIONS on every element after the first. `returnRaw` and `smb1` do not apply.
 *
 * @since 0.1.0
 * @category models
 */
export interface OutgoingCompound {
  readonly messages: ReadonlyArray<OutgoingMessage>
  /** The elements after the first act on the first's session, tree and (FileId all ones) file. */
  readonly related: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SendResult {
  readonly messageId: bigint
  /** Present when `returnRaw` was asked for. */
  readonly raw?: Uint8Array
}

/**
 * A received message after the transform (decrypted, verified, split from its compound).
 *
 * @since 0.1.0
 * @category models
 */
export interface IncomingMessage {
  readonly header: Header
  /** The plaintext SMB2 message: header and body. */
  readonly message: Uint8Array
  /** `message` without its 64-byte header. */
  readonly body: Uint8Array
  /** The signature was checked and matched. */
  readonly verified: boolean
  /** It arrived inside a TRANSFORM_HEADER. */
  readonly encrypted: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AsyncInfo {
  readonly messageId: bigint
  readonly asyncId: bigint
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReceiveOptions {
  readonly messageId: bigint
  /** The command the response must carry. */
  readonly command?: number
  /** Statuses accepted as success; default STATUS_SUCCESS only. */
  readonly status?: number | ReadonlyArray<number>
  /**
   * Accept an interim STATUS_PENDING and keep waiting for the final response. Without it, an
   * async response fails with UnexpectedCommand("AsyncNotAllowed") (and the request is cancelled).
   */
  readonly allowAsync?: boolean
  /** Told the (message id, async id) pair once the request goes async, so it can be cancelled. */
  readonly onAsync?: (info: AsyncInfo) => Effect.Effect<void>
  /**
   * How long to wait for the first response (interim or final). Once a request has gone async
   * the wait for its final response is unbounded: interrupt it to cancel. Defaults to the
   * connection's configured timeout.
   */
  readonly timeout?: Duration.DurationInput
}
