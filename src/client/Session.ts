/**
 * Session: an authenticated user on a connection (MS-SMB2 3.2.4.2.3, 3.2.5.3). Authentication is
 * Kerberos or NTLMv2 inside SPNEGO (or anonymous, or guest), over as many SESSION_SETUP rounds as
 * the mechanism needs; `auth` picks the mechanism, and Kerberos's service ticket is fetched from
 * the KDC before the first SESSION_SETUP. For 3.1.1 every SESSION_SETUP request and every non-final response extends the
 * connection's preauth integrity hash, whose value is the KDF context of the session's keys.
 *
 * Once the keys are derived, the final response's signature is checked here (it may have been
 * routed before the transformer knew the keys), then the keys go to the transformer, which signs,
 * encrypts and verifies everything that follows. Closing the Scope logs off.
 *
 * What a man in the middle must not decide (MS-SMB2 3.2.5.3.1): on 3.1.1 the final response of a
 * keyed session must be signed, whatever the signing mode, since that signature is what binds the
 * preauth hash (and so the whole negotiation) to the key. A guest or null session has no key, so
 * it is refused where the client requires signing or encryption; and since IS_GUEST/IS_NULL come
 * in a response that cannot be verified, a user's logon that comes back as guest or null is
 * refused too unless `allowGuestFallback` says the caller accepts that (as Windows refuses
 * "insecure guest logons" by default). Asking for Guest or Anonymous credentials is consent.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import type * as Scope from "effect/Scope"
import type { Authenticator, AuthenticatorStep } from "../auth/Authenticator.js"
import { makeAnonymousAuthenticator, makeGuestAuthenticator, makeNtlmAuthenticator } from "../auth/Authenticator.js"
import type { KerberosOptions } from "../auth/kerberos/Kerberos.js"
import * as Kerberos from "../auth/kerberos/Kerberos.js"
import { KRB5_OID, makeKerberosAuthenticator, MS_KRB5_OID } from "../auth/KerberosAuthenticator.js"
import { decodeNegTokenInit } from "../auth/Spnego.js"
import type { Connection, ConnectionShape } from "../connection/Connection.js"
import * as ConnectionModule from "../connection/Connection.js"
import { cipherValue, signingValue } from "../connection/ConnectionOptions.js"
import type { IncomingMessage, SendResult } from "../connection/Message.js"
import type { SessionSecurity } from "../connection/Transformer.js"
import type { CipherId } from "../crypto/Encryption.js"
import type { PreauthHash } from "../crypto/PreauthHash.js"
import { deriveSessionKeys } from "../crypto/SessionKeys.js"
import type { SigningAlgorithmId } from "../crypto/Signing.js"
import * as Signing from "../crypto/Signing.js"
import type { RequestError } from "../errors.js"
import { AuthenticationFailed, TransformFailed } from "../errors.js"
import { Command } from "../wire/Command.js"
import { HeaderFlags } from "../wire/Header.js"
import { encodeLogoffRequest } from "../wire/Logoff.js"
import { Dialect, SecurityMode } from "../wire/Negotiate.js"
import { decodeServerNotification, NotificationType } from "../wire/ServerNotification.js"
import type { SessionSetupResponse } from "../wire/SessionSetup.js"
import { decodeSessionSetupResponse, encodeSessionSetupRequest, SessionFlags } from "../wire/SessionSetup.js"
import { Status } from "../wire/Status.js"

/**
 * Who to log on as. The password is Redacted from the moment it enters.
 *
 * @since 0.1.0
 * @category models
 */
export type Credentials =
  | { readonly _tag: "User"; readonly user: string; readonly password: Redacted.Redacted<string>; readonly domain?: string }
  | { readonly _tag: "Guest" }
  | { readonly _tag: "Anonymous" }

/** @since 0.1.0 @category constructors */
export const user = (user: string, password: string | Redacted.Redacted<string>, domain = ""): Credentials => ({
  _tag: "User",
  user,
  password: Redacted.isRedacted(password) ? password : Redacted.make(password),
  domain
})
/** @since 0.1.0 @category constructors */
export const guest: Credentials = { _tag: "Guest" }
/** @since 0.1.0 @category constructors */
export const anonymous: Credentials = { _tag: "Anonymous" }

/**
 * @since 0.1.0
 * @category models
 */
export interface SessionOptions {
  /**
   * Accept a user's logon that the server turns into a guest (or null) session: unsigned and
   * unencrypted, and indistinguishable from a downgrade by a man in the middle. Never allowed
   * where signing or encryption is required. Default false.
   */
  readonly allowGuestFallback?: boolean | undefined
  /**
   * The mechanism for a user's logon. "kerberos": Kerberos only (a ticket for cifs/<host> from
   * the password, or from the ticket cache when the password is empty). "ntlm": NTLMv2 only.
   * "auto" (default): Kerberos when a realm is named (user@REALM, `kerberos.realm` or `.kdc`)
   * or a ticket cache exists, and the server offers Kerberos in its SPNEGO hint; NTLM otherwise,
   * and also when getting the ticket fails and there is a password to fall back on.
   */
  readonly auth?: "kerberos" | "ntlm" | "auto" | undefined
  /** Where Kerberos finds its realm, KDC and tickets. */
  readonly kerberos?: KerberosOptions | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SessionShape {
  readonly id: bigint
  readonly connection: ConnectionShape
  /** SMB2_SESSION_FLAG_* of the final SESSION_SETUP response. */
  readonly flags: number
  readonly isGuest: boolean
  readonly isAnonymous: boolean
  /** The mechanism that authenticated the session (guest and anonymous logons are "ntlm"). */
  readonly auth: "kerberos" | "ntlm"
  /** Every message of this session is signed (and checked). */
  readonly signingRequired: boolean
  /** Every message of this session is encrypted. */
  readonly encrypted: boolean
  /** The server closed the session (SMB2_NOTIFY_SESSION_CLOSED); its requests now fail. */
  readonly closedByServer: Effect.Effect<boolean>
  /** Logs off; idempotent. Also done when the Scope closes. */
  readonly logoff: Effect.Effect<void, RequestError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Session extends Context.Tag("effect-smb/Session")<Session, SessionShape>() {}

// The SPN names the server we mean to reach (MsvAvTargetName), so a server that checks it
// refuses a logon relayed to it from elsewhere.
const authenticatorFor = (credentials: Credentials, host: string): Authenticator => {
  switch (credentials._tag) {
    case "User":
      return makeNtlmAuthenticator({
        user: credentials.user,
        domain: credentials.domain ?? "",
        password: credentials.password,
        spn: `cifs/${host}`
      })
    case "Guest":
      return makeGuestAuthenticator()
    case "Anonymous":
      return makeAnonymousAuthenticator()
  }
}

const offersKerberos = (connection: Pick<ConnectionShape, "securityBuffer">): boolean => {
  const hint = decodeNegTokenInit(connection.securityBuffer)
  return Either.isRight(hint) && hint.right.mechTypes.some((mech) => mech === KRB5_OID || mech === MS_KRB5_OID)
}

// The Kerberos principal for a user: "user@REALM" as given, else the domain when it looks like a
// realm (has a dot), else the realm from the options or krb5.conf.
const principalOf = (credentials: Extract<Credentials, { _tag: "User" }>): string =>
  credentials.user.includes("@") || credentials.domain === undefined || !credentials.domain.includes(".")
    ? credentials.user
    : `${credentials.user}@${credentials.domain.toUpperCase()}`

/** Picks the mechanism and, for Kerberos, gets the service ticket first. */
const chooseAuthenticator = (
  connection: Pick<ConnectionShape, "securityBuffer" | "host" | "options">,
  credentials: Credentials,
  options: SessionOptions
): Effect.Effect<{ readonly authenticator: Authenticator; readonly auth: "kerberos" | "ntlm" }, AuthenticationFailed> => {
  const ntlm = Effect.sync(() => ({ authenticator: authenticatorFor(credentials, connection.host), auth: "ntlm" as const }))
  if (credentials._tag !== "User") return ntlm
  const mode = options.auth ?? "auto"
  if (mode === "ntlm") return ntlm
  const kerberosOptions = options.kerberos ?? {}
  const principal = principalOf(credentials)
  if (mode === "auto" && !(offersKerberos(connection) && Kerberos.configured(principal, kerberosOptions))) return ntlm
  const kerberos = Kerberos.serviceTicket(
    { user: principal, password: credentials.password, host: connection.host, hosts: connection.options.hosts },
    kerberosOptions
  ).pipe(
    Effect.map((ticket) => ({
      authenticator: makeKerberosAuthenticator({ ticket, clockOffsetMillis: kerberosOptions.clockOffsetMillis }),
      auth: "kerberos" as const
    }))
  )
  const hasPassword = Redacted.value(credentials.password) !== ""
  if (mode === "auto" && hasPassword) return Effect.orElse(kerberos, () => ntlm)
  // The KDC's answer stays the cause, so that callers can switch on its reason.
  return Effect.mapError(kerberos, (cause) => new AuthenticationFailed({ reason: "Kerberos", detail: cause.message, cause }))
}

/** What `establish` needs of a connection: a Connection, or a new generation of one being recovered. */
type SetupTarget = Pick<ConnectionShape, "handler" | "negotiated" | "preauthHash" | "options" | "host" | "securityBuffer">

/**
 * SESSION_SETUP rounds until the session is established, its keys checked and handed to the
 * transformer. `previousSessionId` names the session a reconnect replaces (MS-SMB2 3.2.4.2.3).
 * `existing`: the session is authenticated again (its expiry, MS-SMB2 3.2.4.2.3.1): the rounds
 * carry its id and its keys stay as they are (3.2.5.3.2).
 */
const establish = (
  connection: SetupTarget,
  credentials: Credentials,
  options: SessionOptions,
  previousSessionId: bigint,
  existing?: bigint
) =>
  Effect.gen(function*() {
    const { handler, negotiated } = connection
    const { auth, authenticator } = yield* chooseAuthenticator(connection, credentials, options)
    const dialect = negotiated.dialectRevision
    const securityMode = connection.options.signing === "required"
      ? SecurityMode.SIGNING_ENABLED | SecurityMode.SIGNING_REQUIRED
      : SecurityMode.SIGNING_ENABLED
    let preauth: PreauthHash | undefined = existing === undefined ? connection.preauthHash : undefined
    let sessionId = existing ?? 0n
    let token: Uint8Array | undefined = authenticator.initialToken()
    let final: IncomingMessage | undefined
    let sessionFlags = 0

    while (final === undefined) {
      if (token === undefined) {
        return yield* new AuthenticationFailed({ reason: "BadToken", detail: "the server wants more, the mechanism has nothing" })
      }
      const sent: SendResult = yield* handler.sendo({
        command: Command.SESSION_SETUP,
        sessionId,
        body: encodeSessionSetupRequest({
          flags: 0,
          securityMode,
          capabilities: 0,
          channel: 0,
          previousSessionId,
          securityBuffer: token
        }),
        returnRaw: true
      })
      preauth = preauth?.update(sent.raw!)
      const reply: IncomingMessage = yield* handler.recvo({
        messageId: sent.messageId,
        command: Command.SESSION_SETUP,
        status: [Status.SUCCESS, Status.MORE_PROCESSING_REQUIRED]
      })
      sessionId = reply.header.sessionId
      const response: SessionSetupResponse = yield* decodeSessionSetupResponse(reply.message)
      if (reply.header.status === Status.SUCCESS) {
        final = reply
        sessionFlags = response.sessionFlags
        const keyed = (response.sessionFlags & (SessionFlags.IS_GUEST | SessionFlags.IS_NULL)) === 0
        yield* authenticator.verifyFinal(response.securityBuffer, { keyed })
      } else {
        preauth = preauth?.update(reply.message)
        const step: AuthenticatorStep = yield* authenticator.next(response.securityBuffer)
        token = step.token
      }
    }

    const isGuest = (sessionFlags & SessionFlags.IS_GUEST) !== 0
    const isAnonymous = (sessionFlags & SessionFlags.IS_NULL) !== 0 || credentials._tag === "Anonymous"
    const hasKey = !isGuest && !isAnonymous
    const kind = isAnonymous ? "an anonymous (null)" : "a guest"
    if (!hasKey && (connection.options.signing === "required" || connection.options.encryption === "required")) {
      const required = connection.options.encryption === "required" ? "encryption" : "signing"
      return yield* new AuthenticationFailed({ reason: "Refused", detail: `${required} required, but ${kind} session has no key` })
    }
    if (!hasKey && credentials._tag === "User" && options.allowGuestFallback !== true) {
      return yield* new AuthenticationFailed({
        reason: "Refused",
        detail: `the logon as ${credentials.user} came back as ${kind} session (unsigned; allowGuestFallback accepts it)`
      })
    }
    const cipher = negotiated.encryption === null ? undefined : cipherValue(negotiated.encryption) as CipherId
    const encryptData = hasKey && cipher !== undefined &&
      ((sessionFlags & SessionFlags.ENCRYPT_DATA) !== 0 || connection.options.encryption === "required")
    if (connection.options.encryption === "required" && !encryptData) {
      return yield* new AuthenticationFailed({ reason: "Refused", detail: "encryption required, but this session cannot encrypt" })
    }
    const signingRequired = hasKey && negotiated.signingRequired

    if (hasKey && existing === undefined) {
      const keys = dialect === Dialect.SMB_3_1_1
        ? deriveSessionKeys({ dialect, sessionKey: authenticator.sessionKey(), preauthHash: preauth!.value, cipher })
        : deriveSessionKeys({ dialect: dialect as 0x0202, sessionKey: authenticator.sessionKey() })
      const signingAlgorithm = signingValue(negotiated.signing) as SigningAlgorithmId
      // The final response is signed with the new key (3.2.5.3.1); when signing is required, and
      // on 3.1.1 always, it must be.
      if ((final.header.flags & HeaderFlags.SIGNED) !== 0 || signingRequired || dialect === Dialect.SMB_3_1_1) {
        if ((final.header.flags & HeaderFlags.SIGNED) === 0) {
          return yield* new TransformFailed({ reason: "Unsigned", messageId: final.header.messageId })
        }
        if (!Signing.verify(signingAlgorithm, keys.signingKey, final.message)) {
          return yield* new TransformFailed({ reason: "BadSignature", messageId: final.header.messageId })
        }
      }
      const security: SessionSecurity = {
        sessionId,
        signingAlgorithm,
        signingKey: keys.signingKey,
        signingRequired,
        encryptData,
        ...(cipher === undefined || keys.encryptionKey === undefined || keys.decryptionKey === undefined
          ? {}
          : { encryption: { cipher, encryptionKey: keys.encryptionKey, decryptionKey: keys.decryptionKey } })
      }
      yield* handler.updateTransformer({ _tag: "SessionEstablished", session: security })
    }

    return { sessionId, sessionFlags, isGuest, isAnonymous, signingRequired, encryptData, auth }
  })

/**
 * Authenticates on `connection`; the session lives until the Scope closes (then logs off).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  connection: ConnectionShape,
  credentials: Credentials,
  options: SessionOptions = {}
): Effect.Effect<SessionShape, RequestError | AuthenticationFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const { handler } = connection
    const { auth, sessionId, sessionFlags, isGuest, isAnonymous, signingRequired, encryptData } = yield* establish(
      connection,
      credentials,
      options,
      0n
    )
    // After a reconnect the session is set up again, as the same user, with the same protection.
    if (connection.reconnect !== undefined) {
      yield* connection.reconnect.register("session", (target) =>
        Effect.flatMap(establish(target, credentials, options, target.currentSessionId(sessionId)), (again) =>
          again.signingRequired === signingRequired && again.encryptData === encryptData && again.isGuest === isGuest
            ? Effect.sync(() => target.setSessionId(sessionId, again.sessionId))
            : Effect.fail(new AuthenticationFailed({ reason: "Refused", detail: "the session came back with other protection after a reconnect" }))))
      // An expired session is authenticated again on the generation of the moment, keys kept.
      yield* connection.reconnect.registerReauthentication(sessionId, Effect.asVoid(establish(connection, credentials, options, 0n, sessionId)))
    }

    // A server that closes the session says so (3.1.1); forget its keys and skip the logoff.
    let closedByServer = false
    const notifications = yield* handler.subscribe
    yield* notifications.pipe(
      Stream.filter((m) => m.header.command === Command.SERVER_TO_CLIENT_NOTIFICATION && m.header.sessionId === sessionId),
      Stream.filter((m) => {
        const decoded = decodeServerNotification(m.message)
        return Either.isRight(decoded) && decoded.right.notificationType === NotificationType.SESSION_CLOSED
      }),
      Stream.take(1),
      Stream.runForEach(() =>
        Effect.zipRight(
          Effect.sync(() => (closedByServer = true)),
          Effect.ignore(handler.updateTransformer({ _tag: "SessionEnded", sessionId }))
        )
      ),
      Effect.forkScoped
    )

    let loggedOff = false
    const logoff = Effect.suspend(() => {
      if (loggedOff || closedByServer) return Effect.void
      loggedOff = true
      return handler.sendRecv({ command: Command.LOGOFF, sessionId, body: encodeLogoffRequest() }, { command: Command.LOGOFF }).pipe(
        Effect.zipRight(handler.updateTransformer({ _tag: "SessionEnded", sessionId })),
        Effect.asVoid
      )
    })
    yield* Effect.addFinalizer(() => Effect.ignore(logoff))
    const session: SessionShape = {
      id: sessionId,
      connection,
      flags: sessionFlags,
      isGuest,
      isAnonymous,
      auth,
      signingRequired,
      encrypted: encryptData,
      closedByServer: Effect.sync(() => closedByServer),
      logoff
    }
    return session
  }).pipe(Effect.withSpan("smb.session_setup"))

/**
 * A session on the Connection in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  credentials: Credentials,
  options: SessionOptions = {}
): Layer.Layer<Session, RequestError | AuthenticationFailed, Connection> =>
  Layer.scoped(Session, Effect.flatMap(ConnectionModule.Connection, (connection) => make(connection, credentials, options)))
