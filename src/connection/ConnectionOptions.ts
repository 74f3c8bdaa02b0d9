/**
 * What a caller chooses about a connection, with names as users write them ("3.1.1",
 * "AES-128-GCM"), their wire values, and an Effect `Config` that reads the same options from the
 * environment (SMB_HOST, SMB_PORT, SMB_MIN_DIALECT, ...).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import type { CipherName, SigningName } from "../wire/NegotiateContext.js"
import { byName, byValue } from "../wire/NegotiateContext.js"
import { Dialect } from "../wire/Negotiate.js"

// The cipher and signing names live with their wire values; re-exported for option users.
export type { CipherName, SigningName } from "../wire/NegotiateContext.js"
export { cipherName, ciphers, cipherValue, signingAlgorithms, signingName, signingValue } from "../wire/NegotiateContext.js"

/** @since 0.1.0 @category models */
export type DialectName = "2.0.2" | "2.1" | "3.0" | "3.0.2" | "3.1.1"
/** In ascending order. @since 0.1.0 @category constants */
export const dialects: ReadonlyArray<readonly [DialectName, number]> = [
  ["2.0.2", Dialect.SMB_2_0_2],
  ["2.1", Dialect.SMB_2_1],
  ["3.0", Dialect.SMB_3_0],
  ["3.0.2", Dialect.SMB_3_0_2],
  ["3.1.1", Dialect.SMB_3_1_1]
]
/** @since 0.1.0 */
export const dialectValue = byName(dialects)
/** @since 0.1.0 */
export const dialectName = byValue(dialects)

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectionOptions {
  readonly host: string
  /** Default 445. */
  readonly port?: number
  /** Default "2.0.2". */
  readonly minDialect?: DialectName
  /** Default "3.1.1". */
  readonly maxDialect?: DialectName
  /** Start with an SMB1 NEGOTIATE carrying the SMB2 dialects (for servers that need it). Default false. */
  readonly multiProtocol?: boolean
  /** "required": sign every message of every authenticated session. "auto" (default): when the server requires it. */
  readonly signing?: "required" | "auto"
  /**
   * "required": encrypt every message of every session after authentication, and fail where that
   * is impossible. "auto" (default): when the server asks (session or share). "off": never offer
   * it (a server that requires encryption will refuse the session).
   */
  readonly encryption?: "required" | "auto" | "off"
  /** Preference order offered to 3.1.1 servers. Default GCM before CCM, 128 before 256 bits. */
  readonly ciphers?: ReadonlyArray<CipherName>
  /** Preference order offered to 3.1.1 servers. Default GMAC, CMAC, HMAC-SHA256. */
  readonly signingAlgorithms?: ReadonlyArray<SigningName>
  /**
   * The worker that runs the connection. "fiber" (default): many requests in flight, loops as
   * fibers on the main thread. "thread": the same, with the socket, the loops and signing and
   * encryption in a worker thread. "single": one request at a time, no background work.
   */
  readonly worker?: "single" | "fiber" | "thread"
  /** The worker thread's entry module for `worker: "thread"`; default the package's built one. */
  readonly threadEntry?: URL | string
  /** Default wait for a response, and for credits. Default 30 seconds. */
  readonly timeout?: Duration.DurationInput
  /**
   * When a first response does not come within its timeout, also stop the connection (every
   * other request fails with ConnectionStopped "Unresponsive"), as Windows clients do: a server
   * that went silent mid-frame cannot carry the requests behind it. Default true.
   */
  readonly disconnectOnTimeout?: boolean
  /** Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput
  /** Credits to keep in hand. Default 128. */
  readonly creditBacklog?: number
}

/**
 * The same options from the environment: SMB_HOST (required), SMB_PORT, SMB_MIN_DIALECT,
 * SMB_MAX_DIALECT, SMB_SIGNING, SMB_ENCRYPTION, SMB_WORKER, SMB_TIMEOUT (a duration such as
 * "30 seconds"), SMB_CREDIT_BACKLOG.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<ConnectionOptions> = Config.all({
  host: Config.string("SMB_HOST"),
  port: Config.integer("SMB_PORT").pipe(Config.withDefault(445)),
  minDialect: Config.literal("2.0.2", "2.1", "3.0", "3.0.2", "3.1.1")("SMB_MIN_DIALECT").pipe(Config.withDefault("2.0.2" as const)),
  maxDialect: Config.literal("2.0.2", "2.1", "3.0", "3.0.2", "3.1.1")("SMB_MAX_DIALECT").pipe(Config.withDefault("3.1.1" as const)),
  signing: Config.literal("required", "auto")("SMB_SIGNING").pipe(Config.withDefault("auto" as const)),
  encryption: Config.literal("required", "auto", "off")("SMB_ENCRYPTION").pipe(Config.withDefault("auto" as const)),
  worker: Config.literal("single", "fiber", "thread")("SMB_WORKER").pipe(Config.withDefault("fiber" as const)),
  timeout: Config.duration("SMB_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30))),
  creditBacklog: Config.integer("SMB_CREDIT_BACKLOG").pipe(Config.withDefault(128))
})
