/**
 * The typed errors of effect-smb, in one module so that a caller can see every way a request can
 * fail. Each error has a `reason` (a small literal union a program can switch on), a `cause` (the
 * underlying failure, when there is one) and a readable `message`. None of them ever carries a
 * password or key material.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * A wire structure could not be decoded: too short, an offset or length outside the buffer, or a
 * value the protocol forbids. Names the structure and the field.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly reason: "Truncated" | "OutOfBounds" | "Invalid"
  readonly structure: string
  readonly field: string
  readonly offset?: number
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const at = this.offset === undefined ? "" : ` at offset ${this.offset}`
    const detail = this.detail === undefined ? "" : `: ${this.detail}`
    return `${this.structure}.${this.field}: ${this.reason}${at}${detail}`
  }
}

/**
 * The byte stream under the connection failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "Refused" | "ConnectTimeout" | "ClosedByPeer" | "FrameTooLarge" | "Malformed" | "Write" | "Read" | "Closed"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail === undefined ? `transport: ${this.reason}` : `transport: ${this.reason}: ${this.detail}`
  }
}

/**
 * The connection stopped (transport failure, explicit stop, or scope closed) while a request was
 * in flight or was about to be sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionStopped extends Data.TaggedError("ConnectionStopped")<{
  /**
   * "Unresponsive": a first response was overdue and the worker was told to give the connection
   * up (MS-SMB2 3.2.6.1); the cause is that request's OperationTimeout. "ReconnectFailed": the
   * connection was lost and its reconnect policy is spent (or the server could not be reached in
   * the same way); the cause is the last failure.
   */
  readonly reason: "Stopped" | "TransportFailed" | "WorkerFailed" | "Unresponsive" | "ReconnectFailed"
  readonly cause?: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `connection stopped (${this.reason})${cause}`
  }
}

/**
 * A wait exceeded its time limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class OperationTimeout extends Data.TaggedError("OperationTimeout")<{
  readonly reason: "Receive" | "Connect" | "Credits" | "Send"
  readonly millis: number
  readonly messageId?: bigint
  readonly cause?: unknown
}> {
  override get message(): string {
    const id = this.messageId === undefined ? "" : ` (message id ${this.messageId})`
    return `timed out after ${this.millis} ms waiting for ${this.reason}${id}`
  }
}

/**
 * The next frame was not the one awaited (single worker), or a response came for an id nobody
 * sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedMessageId extends Data.TaggedError("UnexpectedMessageId")<{
  readonly reason: "NotAwaited" | "Unknown"
  readonly expected?: bigint
  readonly received: bigint
  readonly cause?: unknown
}> {
  override get message(): string {
    const expected = this.expected === undefined ? "" : `expected message id ${this.expected}, `
    return `${expected}received message id ${this.received}`
  }
}

/**
 * A response had the wrong command, or was not marked as a response.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedCommand extends Data.TaggedError("UnexpectedCommand")<{
  readonly reason: "WrongCommand" | "NotAResponse" | "AsyncNotAllowed"
  readonly expected?: string
  readonly received: string
  readonly messageId: bigint
  readonly cause?: unknown
}> {
  override get message(): string {
    switch (this.reason) {
      case "NotAResponse":
        return `message id ${this.messageId} (${this.received}) is not marked as a response`
      case "AsyncNotAllowed":
        return `message id ${this.messageId} (${this.received}) went async (STATUS_PENDING) but async was not allowed`
      default:
        return `message id ${this.messageId}: expected ${this.expected ?? "?"}, received ${this.received}`
    }
  }
}

/**
 * The server answered with an error status (or one the caller did not expect). `reason` is the
 * NTSTATUS name (e.g. `STATUS_LOGON_FAILURE`); `status` keeps the number, so an unknown status is
 * never lost.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Data.TaggedError("ServerError")<{
  readonly reason: string
  readonly status: number
  readonly command: string
  readonly messageId: bigint
  /** The share and the share-relative path the request was about, when it was about one. */
  readonly share?: string | undefined
  readonly path?: string | undefined
  /** What was being done to the path, where the command does not say it (an IOCTL that copies: "copy to"). */
  readonly verb?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const status = `${this.reason} (0x${this.status.toString(16).padStart(8, "0")})`
    if (this.path === undefined) return `${this.command} failed: ${status}`
    const where = this.share === undefined ? this.path : `${this.share}/${this.path}`
    return `cannot ${this.verb ?? verbs[this.command] ?? this.command} '${where}': ${status}`
  }
}

// What a user was doing, by the command that failed.
const verbs: Record<string, string> = {
  CREATE: "open",
  CLOSE: "close",
  READ: "read",
  WRITE: "write",
  FLUSH: "flush",
  LOCK: "lock",
  IOCTL: "control",
  QUERY_DIRECTORY: "list",
  CHANGE_NOTIFY: "watch",
  QUERY_INFO: "stat",
  SET_INFO: "change"
}


/**
 * A frame could not be transformed: signing, verification, encryption, decryption, compression or
 * decoding failed. Fails only the waiter whose frame it was.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransformFailed extends Data.TaggedError("TransformFailed")<{
  readonly reason:
    | "Encode"
    | "Decode"
    | "Sign"
    | "BadSignature"
    | "Unsigned"
    | "Encrypt"
    | "Decrypt"
    | "Plaintext"
    | "Compress"
    | "Decompress"
    | "NoKey"
    /** The response names another session than the request it answers (MS-SMB2 3.2.5.1.3). */
    | "SessionMismatch"
    /** The session was logged off or closed by the server: nothing more is sent on it. */
    | "SessionEnded"
  readonly messageId?: bigint
  readonly cause?: unknown
}> {
  override get message(): string {
    const id = this.messageId === undefined ? "" : ` (message id ${this.messageId})`
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `transform failed: ${this.reason}${id}${cause}`
  }
}

/**
 * A request was cancelled (SMB2 CANCEL sent, or the server answered STATUS_CANCELLED).
 *
 * @since 0.1.0
 * @category errors
 */
export class Cancelled extends Data.TaggedError("Cancelled")<{
  readonly reason: "Interrupted" | "ServerCancelled"
  readonly messageId: bigint
  readonly asyncId?: bigint
  readonly cause?: unknown
}> {
  override get message(): string {
    return `message id ${this.messageId} cancelled (${this.reason})`
  }
}

/**
 * An operation was asked for in a state that does not allow it (e.g. a request before
 * negotiation, a second negotiate, a tree on a logged-off session).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidState extends Data.TaggedError("InvalidState")<{
  readonly reason:
    /** The handle was closed before the operation. */
    | "Closed"
    /** An offset or length out of range. */
    | "BadRange"
    /** The receiver of a response already has a waiter. */
    | "AlreadyAwaited"
    /** A message id is in flight already (a second request with it would be misrouted). */
    | "DuplicateMessageId"
    /** The stash of early responses was full: this response was dropped. */
    | "StashFull"
    /** The server wrote fewer bytes than asked, and the rest cannot be sent again. */
    | "ShortWrite"
    /** Started twice. */
    | "AlreadyStarted"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail === undefined ? `invalid state: ${this.reason}` : `invalid state: ${this.reason}: ${this.detail}`
  }
}

/**
 * Authentication failed on the client side (bad server token, missing MIC, unsupported mechanism).
 * A server's refusal is a ServerError carrying STATUS_LOGON_FAILURE instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationFailed extends Data.TaggedError("AuthenticationFailed")<{
  /** "Kerberos": no service ticket; the cause is the KerberosFailed that says why. */
  readonly reason: "BadToken" | "NoMechanism" | "MicMismatch" | "Unsupported" | "Refused" | "Kerberos"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail === undefined ? `authentication failed: ${this.reason}` : `authentication failed: ${this.reason}: ${this.detail}`
  }
}

/**
 * A negotiation failed or its result could not be trusted (no common dialect, preauth hash or
 * validate-negotiate mismatch, a required feature the server does not offer).
 *
 * @since 0.1.0
 * @category errors
 */
export class NegotiationFailed extends Data.TaggedError("NegotiationFailed")<{
  readonly reason: "NoCommonDialect" | "Tampered" | "Unsupported" | "Invalid"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail === undefined ? `negotiation failed: ${this.reason}` : `negotiation failed: ${this.reason}: ${this.detail}`
  }
}

/**
 * A DFS path could not be followed (MS-DFSC): no referral target could be reached
 * ("Unreachable", with the last target's failure as `cause`), the referrals went round more
 * than the hop limit ("TooManyHops"), the server's referral names nothing usable
 * ("BadReferral"), or a rename would move a file across a link ("CrossLink").
 *
 * @since 0.1.0
 * @category errors
 */
export class DfsFailed extends Data.TaggedError("DfsFailed")<{
  readonly reason: "Unreachable" | "TooManyHops" | "BadReferral" | "CrossLink"
  /** The DFS path, \\server\share\path. */
  readonly path: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error && this.cause.message !== "" ? `: ${this.cause.message}` : ""
    return `DFS: ${this.path}: ${this.detail}${cause}`
  }
}

/**
 * A file handle did not survive a reconnect: "NotDurable", it was not a durable handle (the
 * server dropped it with the old connection); "ReopenFailed", the server refused to reopen it (it
 * dropped the durable handle, for instance after a restart or a lease break while away).
 *
 * @since 0.1.0
 * @category errors
 */
export class HandleLost extends Data.TaggedError("HandleLost")<{
  readonly reason: "NotDurable" | "ReopenFailed"
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `file handle lost in a reconnect (${this.reason})${this.detail === undefined ? "" : `: ${this.detail}`}${cause}`
  }
}

/**
 * Every error a request on the connection core can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type RequestError =
  | ConnectionStopped
  | OperationTimeout
  | UnexpectedMessageId
  | UnexpectedCommand
  | ServerError
  | TransformFailed
  | DecodeError
  | Cancelled
  | InvalidState
  | DfsFailed
  | HandleLost

/**
 * Kerberos could not produce a ticket for the server: the KDC refused (its error code is kept),
 * could not be reached, or answered something that does not check out. `skewMillis` is the KDC's
 * clock minus ours, measured from its KRB-ERROR, when the reason is ClockSkew.
 *
 * @since 0.1.0
 * @category errors
 */
export class KerberosFailed extends Data.TaggedError("KerberosFailed")<{
  readonly reason:
    | "WrongPassword"
    | "UnknownPrincipal"
    | "UnknownService"
    | "ClockSkew"
    | "NoKdc"
    | "KdcError"
    | "BadResponse"
    | "NoCredentials"
    | "Unsupported"
  readonly detail?: string
  /** The KRB-ERROR error-code, when the KDC sent one. */
  readonly code?: number
  readonly skewMillis?: number
  readonly cause?: unknown
}> {
  override get message(): string {
    const code = this.code === undefined ? "" : ` (KDC error ${this.code})`
    const skew = this.skewMillis === undefined ? "" : ` (the KDC's clock minus ours: ${Math.round(this.skewMillis / 1000)} s)`
    return `kerberos: ${this.reason}${code}${skew}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}
