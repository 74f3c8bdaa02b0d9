/**
 * What a caller chooses about a connection, with names as users write them ("3.1.1",
 * "AES-128-GCM"), their wire values, and an Effect `Config` that reads the same options from the
 * environment (SMB_HOST, SMB_PORT, SMB_MIN_DIALECT, ...).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import { Cipher, SigningAlgorithm } from "../wire/NegotiateContext.js"
import { Dialect } from "../wire/Negotiate.js"

/** @since 0.1.0 @category models */
export type DialectName = "2.0.2" | "2.1" | "3.0" | "3.0.2" | "3.1.1"
/** @since 0.1.0 @category models */
export type CipherName = "AES-128-CCM" | "AES-128-GCM" | "AES-256-CCM" | "AES-256-GCM"
/** @since 0.1.0 @category models */
export type SigningName = "HMAC-SHA256" | "AES-128-CMAC" | "AES-128-GMAC"

/** In ascending order. @since 0.1.0 @category constants */
export const dialects: ReadonlyArray<readonly [DialectName, number]> = [
  ["2.0.2", Dialect.SMB_2_0_2],
  ["2.1", Dialect.SMB_2_1],
  ["3.0", Dialect.SMB_3_0],
  ["3.0.2", Dialect.SMB_3_0_2],
  ["3.1.1", Dialect.SMB_3_1_1]
]
/** @since 0.1.0 @category constants */
export const ciphers: ReadonlyArray<readonly [CipherName, number]> = [
  ["AES-128-GCM", Cipher.AES_128_GCM],
  ["AES-128-CCM", Cipher.AES_128_CCM],
  ["AES-256-GCM", Cipher.AES_256_GCM],
  ["AES-256-CCM", Cipher.AES_256_CCM]
]
/** @since 0.1.0 @category constants */
export const signingAlgorithms: ReadonlyArray<readonly [SigningName, number]> = [
  ["AES-128-GMAC", SigningAlgorithm.AES_GMAC],
  ["AES-128-CMAC", SigningAlgorithm.AES_CMAC],
  ["HMAC-SHA256", SigningAlgorithm.HMAC_SHA256]
]

const byName = <N extends string>(table: ReadonlyArray<readonly [N, number]>) => (name: N): number =>
  table.find(([n]) => n === name)![1]
const byValue = <N extends string>(table: ReadonlyArray<readonly [N, number]>) => (value: number): N | undefined =>
  table.find(([, v]) => v === value)?.[0]

/** @since 0.1.0 */
export const dialectValue = byName(dialects)
/** @since 0.1.0 */
export const dialectName = byValue(dialects)
/** @since 0.1.0 */
export const cipherValue = byName(ciphers)
/** @since 0.1.0 */
export const cipherName = byValue(ciphers)
/** @since 0.1.0 */
export const signingValue = byName(signingAlgorithms)
/** @since 0.1.0 */
export const signingName = byValue(signingAlgorithms)

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
