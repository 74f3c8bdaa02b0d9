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
import { byName, byValue, ciphers as cipherTable, signingAlgorithms as signingTable } from "../wire/NegotiateContext.js"
import { Dialect } from "../wire/Negotiate.js"
import { defaults as tcpDefaults } from "../transport/TcpTransport.js"
import { defaultHandlerOptions } from "./MessageHandler.js"

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
  readonly port?: number | undefined
  /** Default "2.0.2". */
  readonly minDialect?: DialectName | undefined
  /** Default "3.1.1". */
  readonly maxDialect?: DialectName | undefined
  /** Start with an SMB1 NEGOTIATE carrying the SMB2 dialects (for servers that need it). Default false. */
  readonly multiProtocol?: boolean | undefined
  /** "required": sign every message of every authenticated session. "auto" (default): when the server requires it. */
  readonly signing?: "required" | "auto" | undefined
  /**
   * "required": encrypt every message of every session after authentication, and fail where that
   * is impossible. "auto" (default): when the server asks (session or share). "off": never offer
   * it (a server that requires encryption will refuse the session).
   */
  readonly encryption?: "required" | "auto" | "off" | undefined
  /** Preference order offered to 3.1.1 servers. Default GCM before CCM, 128 before 256 bits. */
  readonly ciphers?: ReadonlyArray<CipherName> | undefined
  /** Preference order offered to 3.1.1 servers. Default GMAC, CMAC, HMAC-SHA256. */
  readonly signingAlgorithms?: ReadonlyArray<SigningName> | undefined
  /**
   * The worker that runs the connection. "fiber" (default): many requests in flight, loops as
   * fibers on the main thread. "thread": the same, with the socket, the loops and signing and
   * encryption in a worker thread. "single": one request at a time, no background work.
   */
  readonly worker?: "single" | "fiber" | "thread" | undefined
  /** The worker thread's entry module for `worker: "thread"`; default the package's built one. */
  readonly threadEntry?: URL | string | undefined
  /** Default wait for a response, and for credits. Default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * When a first response does not come within its timeout, also stop the connection (every
   * other request fails with ConnectionStopped "Unresponsive"), as Windows clients do: a server
   * that went silent mid-frame cannot carry the requests behind it. Default true.
   */
  readonly disconnectOnTimeout?: boolean | undefined
  /** Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Credits to keep in hand. Default 128. */
  readonly creditBacklog?: number | undefined
  /**
   * While no request is in flight, send an ECHO this often, so that a dead server or path is
   * found (the ECHO times out, and with `disconnectOnTimeout` the connection stops) before a
   * user's next request waits for it. `false` turns it off. Default 60 seconds. Only the
   * connection built by `Connection.layer` keeps alive (`Connection.keepAlive` for others), and
   * not with the single worker.
   */
  readonly keepAlive?: Duration.DurationInput | false | undefined
  /**
   * Host names mapped to addresses, looked up before DNS: by the TCP transport for `host`, and by
   * Kerberos for the KDC. For names in no DNS (a test domain) or reached through a tunnel. The
   * name, not the address, is what the server is asked for (the Kerberos SPN cifs/<host>).
   * Names match case-insensitively, as DNS names do.
   */
  readonly hosts?: Readonly<Record<string, string>> | undefined
  /**
   * When the transport fails, reconnect to the same server and carry on (see Reconnect.ts):
   * negotiate again, re-establish sessions and trees, reopen durable handles and re-send the
   * requests in flight. `false` turns it off (a lost connection fails everything on it with
   * ConnectionStopped, as before). Default on, with the default policy. Only the connection
   * built by `Connection.layer` reconnects.
   */
  readonly reconnect?: ReconnectPolicy | false | undefined
}

/**
 * How hard a connection tries to come back. Every reconnect counts toward `attempts`, and the
 * count starts over only once a new connection has completed a request of the caller's: a link
 * that drops every connection before anything gets through ends in ConnectionStopped
 * ("ReconnectFailed") after `attempts` tries rather than looping for ever.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconnectPolicy {
  /** Reconnects in a row without progress before giving up. Default 5. */
  readonly attempts?: number | undefined
  /** Wait before the second try; doubled per try after it (the first is immediate). Default 100 ms. */
  readonly backoff?: Duration.DurationInput | undefined
  /** Longest wait between tries. Default 5 seconds. */
  readonly maxBackoff?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ResolvedReconnectPolicy {
  readonly attempts: number
  readonly backoff: Duration.Duration
  readonly maxBackoff: Duration.Duration
}

/**
 * The options with every default filled in: resolved once, where a connection is built, so no
 * other module repeats a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedConnectionOptions {
  readonly host: string
  readonly port: number
  readonly minDialect: DialectName
  readonly maxDialect: DialectName
  readonly multiProtocol: boolean
  readonly signing: "required" | "auto"
  readonly encryption: "required" | "auto" | "off"
  readonly ciphers: ReadonlyArray<CipherName>
  readonly signingAlgorithms: ReadonlyArray<SigningName>
  readonly worker: "single" | "fiber" | "thread"
  readonly threadEntry: URL | string | undefined
  readonly timeout: Duration.Duration
  readonly disconnectOnTimeout: boolean
  readonly connectTimeout: Duration.Duration
  readonly creditBacklog: number
  /** Undefined: off. */
  readonly keepAlive: Duration.Duration | undefined
  readonly hosts: Readonly<Record<string, string>>
  /** Undefined: off. */
  readonly reconnect: ResolvedReconnectPolicy | undefined
}

/**
 * Fills in the defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: ConnectionOptions): ResolvedConnectionOptions => ({
  host: options.host,
  port: options.port ?? tcpDefaults.port,
  minDialect: options.minDialect ?? "2.0.2",
  maxDialect: options.maxDialect ?? "3.1.1",
  multiProtocol: options.multiProtocol ?? false,
  signing: options.signing ?? "auto",
  encryption: options.encryption ?? "auto",
  ciphers: options.ciphers ?? cipherTable.map(([name]) => name),
  signingAlgorithms: options.signingAlgorithms ?? signingTable.map(([name]) => name),
  worker: options.worker ?? "fiber",
  threadEntry: options.threadEntry,
  timeout: Duration.decode(options.timeout ?? defaultHandlerOptions.timeout),
  disconnectOnTimeout: options.disconnectOnTimeout ?? true,
  connectTimeout: Duration.decode(options.connectTimeout ?? tcpDefaults.connectTimeout),
  creditBacklog: options.creditBacklog ?? defaultHandlerOptions.creditBacklog,
  keepAlive: options.keepAlive === false ? undefined : Duration.decode(options.keepAlive ?? Duration.seconds(60)),
  hosts: options.hosts ?? {},
  reconnect: options.reconnect === false ? undefined : {
    attempts: Math.max(1, options.reconnect?.attempts ?? 5),
    backoff: Duration.decode(options.reconnect?.backoff ?? Duration.millis(100)),
    maxBackoff: Duration.decode(options.reconnect?.maxBackoff ?? Duration.seconds(5))
  }
})

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
  port: Config.integer("SMB_PORT").pipe(Config.withDefault(tcpDefaults.port)),
  minDialect: Config.literal("2.0.2", "2.1", "3.0", "3.0.2", "3.1.1")("SMB_MIN_DIALECT").pipe(Config.withDefault("2.0.2" as const)),
  maxDialect: Config.literal("2.0.2", "2.1", "3.0", "3.0.2", "3.1.1")("SMB_MAX_DIALECT").pipe(Config.withDefault("3.1.1" as const)),
  signing: Config.literal("required", "auto")("SMB_SIGNING").pipe(Config.withDefault("auto" as const)),
  encryption: Config.literal("required", "auto", "off")("SMB_ENCRYPTION").pipe(Config.withDefault("auto" as const)),
  worker: Config.literal("single", "fiber", "thread")("SMB_WORKER").pipe(Config.withDefault("fiber" as const)),
  timeout: Config.duration("SMB_TIMEOUT").pipe(Config.withDefault(defaultHandlerOptions.timeout)),
  creditBacklog: Config.integer("SMB_CREDIT_BACKLOG").pipe(Config.withDefault(defaultHandlerOptions.creditBacklog))
})
