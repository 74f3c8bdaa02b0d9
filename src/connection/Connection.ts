/**
 * Connection: one negotiated connection to a server. Building its Layer opens the transport,
 * starts the chosen worker and negotiates (MS-SMB2 3.2.4.2): SMB2-only, or multi-protocol (an SMB1
 * NEGOTIATE answered with the wildcard dialect 0x02FF, then SMB2 NEGOTIATE with message id 1).
 * For 3.1.1 it offers the preauth integrity, encryption and signing contexts and starts the
 * SHA-512 preauth hash over the NEGOTIATE request and response; sessions continue it.
 *
 * The negotiated properties are plain data on the service (`negotiated`).
 *
 * `layer` reconnects by default (see Reconnect.ts): its service's `handler` carries requests
 * across the generations of the connection, and `negotiation`, `preauthHash` and
 * `securityBuffer` are the current generation's. `make` over a handler in context never does.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as PreauthHashModule from "../crypto/PreauthHash.js"
import type { ConnectionStopped, RequestError, TransportError } from "../errors.js"
import { NegotiationFailed } from "../errors.js"
import * as TcpTransport from "../transport/TcpTransport.js"
import type { Transport } from "../transport/Transport.js"
import { Command } from "../wire/Command.js"
import { encodeEchoRequest } from "../wire/Echo.js"
import { Capabilities, decodeNegotiateResponse, Dialect, encodeNegotiateRequest, SecurityMode } from "../wire/Negotiate.js"
import type { NegotiateResponse } from "../wire/Negotiate.js"
import type { NegotiateContext } from "../wire/NegotiateContext.js"
import { Cipher, HashAlgorithm, SigningAlgorithm } from "../wire/NegotiateContext.js"
import { encodeSmb1NegotiateRequest, multiProtocolNegotiateRequest } from "../wire/Smb1Negotiate.js"
import * as FiberBackend from "./FiberBackend.js"
import type { CipherName, ConnectionOptions, DialectName, ResolvedConnectionOptions, SigningName } from "./ConnectionOptions.js"
import * as Options from "./ConnectionOptions.js"
import { hostAddress } from "../transport/hosts.js"
import { MessageHandler, type MessageHandlerShape } from "./MessageHandler.js"
import * as MessageHandlerModule from "./MessageHandler.js"
import * as ParallelWorker from "./ParallelWorker.js"
import * as SingleWorker from "./SingleWorker.js"
import * as ThreadBackend from "./ThreadBackend.js"
import type { Worker } from "./Worker.js"
import * as Reconnecting from "./internal/reconnecting.js"
import type { ReconnectShape } from "./Reconnect.js"

/**
 * What negotiation decided, as users read it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Negotiated {
  readonly dialect: DialectName
  readonly dialectRevision: number
  /** The server's SecurityMode (bit 0: signing enabled, bit 1: signing required). */
  readonly securityMode: number
  /** Signing is required by the server or by the client's options. */
  readonly signingRequired: boolean
  /** Multi-credit requests (SMB2_GLOBAL_CAP_LARGE_MTU on 2.1 and later). */
  readonly largeMtu: boolean
  /** What authenticated sessions sign with. */
  readonly signing: SigningName
  /** The cipher sessions can encrypt with; null when the server offers none (or 2.x). */
  readonly encryption: CipherName | null
  readonly capabilities: number
  readonly maxTransactSize: number
  readonly maxReadSize: number
  readonly maxWriteSize: number
  /** The server GUID as 32 hex digits. */
  readonly serverGuid: string
  /** The server's clock at negotiation. */
  readonly systemTime: Date
}

/**
 * What the client sent, kept for VALIDATE_NEGOTIATE_INFO (3.0, 3.0.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientNegotiation {
  readonly clientGuid: Uint8Array
  readonly securityMode: number
  readonly capabilities: number
  readonly dialects: ReadonlyArray<number>
  readonly serverGuid: Uint8Array
  readonly serverSecurityMode: number
  readonly serverCapabilities: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectionShape {
  readonly host: string
  /** The options with their defaults, as the connection uses them. */
  readonly options: ResolvedConnectionOptions
  readonly negotiated: Negotiated
  /** The negotiation as sent and answered, for VALIDATE_NEGOTIATE_INFO. */
  readonly negotiation: ClientNegotiation
  /** The connection's preauth integrity hash after NEGOTIATE (3.1.1); sessions continue from it. */
  readonly preauthHash: PreauthHashModule.PreauthHash | undefined
  /** The server's SPNEGO hint from the NEGOTIATE response. */
  readonly securityBuffer: Uint8Array
  readonly handler: MessageHandlerShape
  /** ECHO round trip. */
  readonly echo: Effect.Effect<void, RequestError>
  /** Present when the connection reconnects (see Reconnect.ts): its events, stats and recoveries. */
  readonly reconnect?: ReconnectShape
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Connection extends Context.Tag("effect-smb/Connection")<Connection, ConnectionShape>() {}

const FILETIME_UNIX_EPOCH = 116444736000000000n
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

const invalid = (detail: string) => new NegotiationFailed({ reason: "Invalid", detail })

const decodeOrFail = <A>(value: Either.Either<A, unknown>) =>
  Either.isRight(value) ? Effect.succeed(value.right) : Effect.fail(invalid(`undecodable response: ${String(value.left)}`))

/**
 * Negotiates over the handler in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const negotiate = (options: ResolvedConnectionOptions, clientGuidToUse?: Uint8Array) =>
  Effect.gen(function*() {
    const handler = yield* MessageHandler
    const min = Options.dialectValue(options.minDialect)
    const max = Options.dialectValue(options.maxDialect)
    const offered = Options.dialects.map(([, value]) => value).filter((d) => d >= min && d <= max)
    if (offered.length === 0) return yield* new NegotiationFailed({ reason: "NoCommonDialect", detail: "empty dialect range" })
    const encryptionMode = options.encryption
    const signingRequired = options.signing === "required"
    const securityMode = SecurityMode.SIGNING_ENABLED | (signingRequired ? SecurityMode.SIGNING_REQUIRED : 0)
    const capabilities = Capabilities.LARGE_MTU |
      (encryptionMode !== "off" && max >= Dialect.SMB_3_0 ? Capabilities.ENCRYPTION : 0)
    // A reconnect presents the same ClientGuid: the server finds its durable handles by it.
    const clientGuid = clientGuidToUse ?? new Uint8Array(randomBytes(16))
    const cipherPreference = options.ciphers.map(Options.cipherValue)
    const signingPreference = options.signingAlgorithms.map(Options.signingValue)
    const contexts: Array<NegotiateContext> = [
      { _tag: "PreauthIntegrity", hashAlgorithms: [HashAlgorithm.SHA_512], salt: new Uint8Array(randomBytes(32)) },
      ...(encryptionMode === "off" ? [] : [{ _tag: "Encryption" as const, ciphers: cipherPreference }]),
      { _tag: "Signing", algorithms: signingPreference }
    ]

    if (options.multiProtocol) {
      const { messageId } = yield* handler.sendo({
        command: Command.NEGOTIATE,
        body: encodeSmb1NegotiateRequest(multiProtocolNegotiateRequest),
        smb1: true
      })
      const first = yield* handler.recvo({ messageId, command: Command.NEGOTIATE })
      const response = yield* decodeOrFail(decodeNegotiateResponse(first.message))
      if (response.dialectRevision !== Dialect.SMB_2_WILDCARD) {
        return yield* finish(response, undefined)
      }
    }

    const request = encodeNegotiateRequest({ securityMode, capabilities, clientGuid, dialects: offered, negotiateContexts: contexts })
    const sent = yield* handler.sendo({ command: Command.NEGOTIATE, body: request, returnRaw: true })
    const reply = yield* handler.recvo({ messageId: sent.messageId, command: Command.NEGOTIATE })
    const response = yield* decodeOrFail(decodeNegotiateResponse(reply.message))
    const hash = response.dialectRevision === Dialect.SMB_3_1_1
      ? PreauthHashModule.PreauthHash.initial.update(sent.raw!).update(reply.message)
      : undefined
    return yield* finish(response, hash)

    function finish(response: NegotiateResponse, preauthHash: PreauthHashModule.PreauthHash | undefined) {
      return Effect.gen(function*() {
        const dialect = response.dialectRevision
        const name = Options.dialectName(dialect)
        if (name === undefined || !offered.includes(dialect)) {
          return yield* new NegotiationFailed({ reason: "NoCommonDialect", detail: `server chose 0x${dialect.toString(16)}` })
        }
        let cipher: number | undefined
        let signing: number = dialect >= Dialect.SMB_3_0 ? SigningAlgorithm.AES_CMAC : SigningAlgorithm.HMAC_SHA256
        if (dialect === Dialect.SMB_3_1_1) {
          const preauth = response.negotiateContexts.find((c) => c._tag === "PreauthIntegrity")
          if (preauth?._tag !== "PreauthIntegrity" || !preauth.hashAlgorithms.includes(HashAlgorithm.SHA_512)) {
            return yield* invalid("3.1.1 response without SHA-512 preauth integrity")
          }
          const encryption = response.negotiateContexts.find((c) => c._tag === "Encryption")
          if (encryption?._tag === "Encryption" && encryption.ciphers[0] !== undefined && encryption.ciphers[0] !== 0) {
            if (!cipherPreference.includes(encryption.ciphers[0])) return yield* invalid("server chose a cipher not offered")
            cipher = encryption.ciphers[0]
          }
          const signingContext = response.negotiateContexts.find((c) => c._tag === "Signing")
          if (signingContext?._tag === "Signing" && signingContext.algorithms[0] !== undefined) {
            if (!signingPreference.includes(signingContext.algorithms[0])) {
              return yield* invalid("server chose a signing algorithm not offered")
            }
            signing = signingContext.algorithms[0]
          }
        } else if (
          dialect >= Dialect.SMB_3_0 && (response.capabilities & Capabilities.ENCRYPTION) !== 0 && encryptionMode !== "off" &&
          cipherPreference.includes(Cipher.AES_128_CCM)
        ) {
          // 3.0 and 3.0.2 know one cipher; a user's list without it means no encryption here.
          cipher = Cipher.AES_128_CCM
        }
        if (encryptionMode === "required" && cipher === undefined) {
          return yield* new NegotiationFailed({ reason: "Unsupported", detail: `encryption required, but ${name} negotiated none` })
        }
        const largeMtu = dialect >= Dialect.SMB_2_1 && (response.capabilities & Capabilities.LARGE_MTU) !== 0
        yield* handler.setNegotiated({ dialect, largeMtu })
        const negotiated: Negotiated = {
          dialect: name,
          dialectRevision: dialect,
          securityMode: response.securityMode,
          signingRequired: signingRequired || (response.securityMode & SecurityMode.SIGNING_REQUIRED) !== 0,
          largeMtu,
          signing: Options.signingName(signing)!,
          encryption: cipher === undefined ? null : Options.cipherName(cipher)!,
          capabilities: response.capabilities,
          maxTransactSize: response.maxTransactSize,
          maxReadSize: response.maxReadSize,
          maxWriteSize: response.maxWriteSize,
          serverGuid: hex(response.serverGuid),
          systemTime: new Date(Number((response.systemTime - FILETIME_UNIX_EPOCH) / 10000n))
        }
        const negotiation: ClientNegotiation = {
          clientGuid,
          securityMode,
          capabilities,
          dialects: offered,
          serverGuid: response.serverGuid,
          serverSecurityMode: response.securityMode,
          serverCapabilities: response.capabilities
        }
        return { negotiated, negotiation, preauthHash, securityBuffer: response.securityBuffer }
      })
    }
  })

/**
 * Negotiates on the handler in context and returns the service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: ConnectionOptions) =>
  Effect.gen(function*() {
    const options = Options.resolve(input)
    const handler = yield* MessageHandler
    const result = yield* negotiate(options)
    const connection: ConnectionShape = {
      host: options.host,
      options,
      ...result,
      handler,
      echo: Effect.asVoid(handler.sendRecv({ command: Command.ECHO, body: encodeEchoRequest() }, { command: Command.ECHO }))
    }
    return connection
  })

/**
 * Keeps `connection` alive for as long as the Scope: while no request is in flight, an ECHO every
 * `options.keepAlive` (see ConnectionOptions.keepAlive). Ends when the connection has stopped.
 * Not on the single worker, which cannot tell whether a user's request is in flight.
 *
 * @since 0.1.0
 * @category constructors
 */
export const keepAlive = (connection: ConnectionShape): Effect.Effect<void, never, Scope.Scope> => {
  const interval = connection.options.keepAlive
  // The single worker serves one request at a time: an ECHO of its own could take a user's turn.
  if (interval === undefined || connection.handler.maxInFlight === 1) return Effect.void
  const beat = Effect.flatMap(connection.handler.stats, (stats) => stats.inFlight === 0 ? connection.echo : Effect.void)
  return Effect.sleep(interval).pipe(
    Effect.zipRight(beat),
    // A timed-out ECHO is the connection's own affair (disconnectOnTimeout); a stopped one ends this.
    Effect.catchIf((error) => error._tag !== "ConnectionStopped", () => Effect.void),
    Effect.forever,
    Effect.ignore,
    Effect.forkScoped,
    Effect.asVoid
  )
}

/**
 * The worker and handler stack for the options, over the Transport in context (single and fiber
 * workers).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHandler = (input: ConnectionOptions) => {
  const options = Options.resolve(input)
  const settings = workerSettings(options)
  const worker: Layer.Layer<Worker, never, Transport> = options.worker === "single"
    ? SingleWorker.layer(settings)
    : ParallelWorker.layer(settings).pipe(Layer.provide(FiberBackend.layer), Layer.orDie)
  return handlerLayer(options).pipe(Layer.provideMerge(worker))
}

const workerSettings = (options: ResolvedConnectionOptions) => ({
  timeout: options.timeout,
  disconnectOnTimeout: options.disconnectOnTimeout
})

const handlerLayer = (options: ResolvedConnectionOptions) =>
  MessageHandlerModule.layer({ timeout: options.timeout, creditBacklog: options.creditBacklog })

const tcpOptions = (options: ResolvedConnectionOptions): TcpTransport.Options => ({
  host: hostAddress(options.hosts, options.host) ?? options.host,
  port: options.port,
  connectTimeout: options.connectTimeout
})

/**
 * The whole stack under a Connection: transport, worker and handler, as the options choose.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStack = (
  input: ConnectionOptions
): Layer.Layer<MessageHandler | Worker, TransportError | ConnectionStopped> => stackOn(Options.resolve(input))

/** The stack; a thread worker takes its thread from `threads` when given (a reconnect's generations). */
const stackOn = (
  options: ResolvedConnectionOptions,
  threads?: ThreadBackend.Threads
): Layer.Layer<MessageHandler | Worker, TransportError | ConnectionStopped> => {
  if (options.worker !== "thread") return layerHandler(options).pipe(Layer.provide(TcpTransport.layer(tcpOptions(options))))
  const backend = ThreadBackend.layer({
    ...tcpOptions(options),
    entry: options.threadEntry,
    threads
  })
  return handlerLayer(options).pipe(
    Layer.provideMerge(ParallelWorker.layer(workerSettings(options))),
    Layer.provide(backend)
  )
}

/**
 * A negotiated connection over TCP: transport, worker, handler and negotiation in one Layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: ConnectionOptions
): Layer.Layer<Connection, NegotiationFailed | RequestError | TransportError | ConnectionStopped> => {
  const resolved = Options.resolve(options)
  if (resolved.reconnect === undefined) {
    return Layer.scoped(Connection, Effect.tap(make(options), keepAlive)).pipe(Layer.provide(layerStack(options)))
  }
  return Layer.scoped(Connection, Effect.tap(makeReconnecting(resolved, resolved.reconnect), keepAlive))
}

/**
 * A connection that reconnects (see Reconnect.ts): each generation is the stack of `layerStack`,
 * negotiated with the first one's ClientGuid.
 */
const makeReconnecting = (options: ResolvedConnectionOptions, policy: Options.ResolvedReconnectPolicy) =>
  Effect.gen(function*() {
    // The thread worker's generations take turns on one thread: a reconnect opens a socket on it.
    const threads = options.worker === "thread" ? yield* ThreadBackend.makeThreads(options.threadEntry) : undefined
    const stack = stackOn(options, threads)
    const service = yield* Reconnecting.make(options, policy, (scope, clientGuid) =>
      Effect.gen(function*() {
        const context = yield* Layer.buildWithScope(stack, scope)
        const handler = Context.get(context, MessageHandler)
        const result = yield* Effect.provideService(negotiate(options, clientGuid), MessageHandler, handler)
        return { handler, ...result }
      }))
    const { handler } = service
    const connection: ConnectionShape = {
      host: options.host,
      options,
      negotiated: service.first.negotiated,
      // A session set up after a reconnect continues the current generation's negotiation.
      get negotiation() {
        return service.latest().negotiation
      },
      get preauthHash() {
        return service.latest().preauthHash
      },
      get securityBuffer() {
        return service.latest().securityBuffer
      },
      handler,
      echo: Effect.asVoid(handler.sendRecv({ command: Command.ECHO, body: encodeEchoRequest() }, { command: Command.ECHO })),
      reconnect: service.reconnect
    }
    return connection
  })

/**
 * The same, with the options read from a `Config` (such as `ConnectionOptions.config`, the
 * environment's SMB_HOST, SMB_PORT, ...), as `@effect/sql`'s `layerConfig` do.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<ConnectionOptions>
): Layer.Layer<Connection, ConfigError.ConfigError | NegotiationFailed | RequestError | TransportError | ConnectionStopped> =>
  Layer.unwrapEffect(Effect.map(config, layer))
