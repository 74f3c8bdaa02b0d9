/**
 * Reconnect: what a connection built by `Connection.layer` does when its transport fails (DESIGN.md
 * "Reconnect", invariant 10). The connection owns a generation: transport, worker and handler,
 * negotiated with the same ClientGuid. When a request on the current generation fails because the
 * connection was lost (ConnectionStopped, or a first response overdue with `disconnectOnTimeout`),
 * one reconnect starts: the old generation is closed (its waiters fail and wait for the new one),
 * a new one is built and negotiated (the same dialect, signing and cipher, or it fails typed), and
 * the recoveries that the layers above registered run in order: sessions (SESSION_SETUP with
 * PreviousSessionId, authenticated again), trees (TREE_CONNECT), then durable handles (CREATE with
 * DH2C). Then every waiting request is re-sent on the new generation.
 *
 * Requests are not re-encoded from scratch: the upper layers keep the ids of the first
 * generation (a session's, tree's and file's ids never change for their users), and the
 * connection's handler re-addresses each request to the current ids as it sends it: SessionId and
 * TreeId in the header, the FileId at its fixed place in the body (wire/FileIdOffset), copying the
 * body's first part only when an id changed. A re-sent request carries
 * SMB2_FLAGS_REPLAY_OPERATION on 3.x. A request on a handle that did not come back fails with
 * HandleLost ("NotDurable" or "ReopenFailed"); when the policy is spent everything fails with
 * ConnectionStopped("ReconnectFailed") naming the last cause. A request that meets
 * STATUS_NETWORK_SESSION_EXPIRED waits while its session authenticates again, and is sent again.
 *
 * Credits, message ids, signing and encryption keys and the preauth hash belong to a generation:
 * none of them, nor a waiter or a fiber, crosses into the next one.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as PreauthHash from "../crypto/PreauthHash.js"
import type { ClientNegotiation, Negotiated } from "./Connection.js"
import type { ResolvedConnectionOptions } from "./ConnectionOptions.js"
import type { MessageHandlerShape } from "./MessageHandler.js"

/**
 * What a reconnect did, as it happens.
 *
 * @since 0.1.0
 * @category models
 */
export type ReconnectEvent =
  | { readonly _tag: "Disconnected"; readonly generation: number; readonly cause: unknown }
  | { readonly _tag: "Reconnecting"; readonly generation: number; readonly attempt: number }
  | {
    readonly _tag: "Reconnected"
    readonly generation: number
    readonly attempt: number
    /** From the loss being noticed to the recovered connection. */
    readonly millis: number
    readonly handlesRecovered: number
    readonly handlesLost: number
    /** Where the time went, in milliseconds. */
    readonly phases: ReconnectPhases
  }
  | { readonly _tag: "GaveUp"; readonly generation: number; readonly cause: unknown }

/**
 * The parts of a successful reconnect, in milliseconds: from the loss being noticed to the try
 * that succeeded (backoff and failed tries), its transport and NEGOTIATE, then each level of
 * recovery (SESSION_SETUP, TREE_CONNECT, the DH2C of every durable handle).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconnectPhases {
  readonly waited: number
  readonly negotiate: number
  readonly session: number
  readonly tree: number
  readonly handle: number
}

/**
 * Counters since the connection was built.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconnectStats {
  /** The current generation, 0 for the first connection. */
  readonly generation: number
  readonly reconnects: number
  /** Tries that did not produce a connection. */
  readonly failedAttempts: number
  readonly handlesRecovered: number
  readonly handlesLost: number
  /** Requests sent again on a new generation. */
  readonly resent: number
  /** Milliseconds each successful reconnect took, in order (the last 100). */
  readonly reconnectMillis: ReadonlyArray<number>
  /** Sessions authenticated again after STATUS_NETWORK_SESSION_EXPIRED. */
  readonly reauthentications: number
}

/**
 * What a recovery gets: the new generation, and the id maps it completes.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecoveryTarget {
  readonly generation: number
  readonly host: string
  readonly options: ResolvedConnectionOptions
  /** The new generation's handler; it re-addresses ids as far as they are recovered already. */
  readonly handler: MessageHandlerShape
  readonly negotiated: Negotiated
  readonly negotiation: ClientNegotiation
  readonly preauthHash: PreauthHash.PreauthHash | undefined
  /** The new generation's NEGOTIATE security buffer (the mechanisms SPNEGO may pick from). */
  readonly securityBuffer: Uint8Array
  /** The id the server knew last for the session first established as `original`. */
  readonly currentSessionId: (original: bigint) => bigint
  readonly setSessionId: (original: bigint, current: bigint) => void
  readonly setTreeId: (originalSession: bigint, originalTree: number, current: number) => void
  /** The FileId the server knew last for the open first returned as `original`. */
  readonly currentFileId: (original: Uint8Array) => Uint8Array
  /** The open is back under `current`. */
  readonly setFileId: (original: Uint8Array, current: Uint8Array) => void
  /** The open could not be reopened: its requests fail with HandleLost("ReopenFailed"). */
  readonly loseFile: (original: Uint8Array, cause: unknown, detail?: string) => void
}

/**
 * The order recoveries run in.
 *
 * @since 0.1.0
 * @category models
 */
export type RecoveryLevel = "session" | "tree" | "handle"

/**
 * @since 0.1.0
 * @category models
 */
export interface ReconnectShape {
  /**
   * Runs `recover` on each new generation, at its level, for as long as the Scope. A failure of
   * a session or tree recovery fails that try (the next one starts over); a handle recovery
   * reports a lost handle through `loseFile` instead.
   */
  readonly register: (
    level: RecoveryLevel,
    recover: (target: RecoveryTarget) => Effect.Effect<void, unknown>
  ) => Effect.Effect<void, never, Scope.Scope>
  /**
   * How to authenticate the session first established as `sessionId` again on the current
   * generation, for as long as the Scope: a request that fails with
   * STATUS_NETWORK_SESSION_EXPIRED runs it (once for all the requests that meet the expiry
   * together) and is sent again (MS-SMB2 3.2.4.2.3.1, 3.2.5.1.6).
   */
  readonly registerReauthentication: (
    sessionId: bigint,
    reauthenticate: Effect.Effect<void, unknown>
  ) => Effect.Effect<void, never, Scope.Scope>
  /** The events from the moment the stream starts. */
  readonly events: Stream.Stream<ReconnectEvent>
  readonly stats: Effect.Effect<ReconnectStats>
}
