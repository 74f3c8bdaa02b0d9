/**
 * The client's side of SESSION_SETUP authentication: NTLMv2 inside SPNEGO, as a small state
 * machine the connection drives one round at a time.
 *
 * ```
 * initialToken()          -> NegTokenInit(mechTypes [NTLMSSP], NEGOTIATE_MESSAGE)     (request 1)
 * next(server token)      <- NegTokenResp(accept-incomplete, NTLMSSP, CHALLENGE_MESSAGE)
 *                         -> NegTokenResp(AUTHENTICATE_MESSAGE, mechListMIC)           (request 2)
 * verifyFinal(token)      <- NegTokenResp(accept-completed, mechListMIC?)              (final response)
 * sessionKey()            the ExportedSessionKey (16 bytes), input to the SMB key derivation
 * ```
 *
 * The mechListMIC is the NTLM signature (sequence number 0, fresh RC4 state) of the DER
 * MechTypeList we sent; we send one whenever the AUTHENTICATE_MESSAGE carries a MIC and the
 * NTLMSSP exchange negotiated NTLMSSP_NEGOTIATE_SIGN (as Windows and Samba do), and then require
 * the server's. Anonymous and guest logons have no key shared with the server, so they send no
 * mechListMIC and ignore the server's.
 *
 * Without SIGN the NTLM context cannot sign, and Samba's SPNEGO client (gensec_spnego: its
 * mechListMIC is produced and checked only when the mechanism "has" GENSEC_FEATURE_SIGN, which
 * NTLMSSP has only with NEGOTIATE_SIGN) then neither sends a mechListMIC nor expects one. A server
 * whose CHALLENGE leaves SIGN out (impacket's smbserver) answers with no mechListMIC, and Samba's
 * smbclient logs in; so do we. Dropping SIGN from the CHALLENGE in transit does not go unnoticed:
 * the AUTHENTICATE_MESSAGE's MIC covers the NEGOTIATE and CHALLENGE messages, and the server checks
 * it. With SIGN negotiated (Windows, Samba) the server's mechListMIC stays required.
 *
 * The password is Redacted from the moment it arrives and is read only to compute NTOWFv2. Error
 * messages name the failing step and structure, never a credential; JSON and inspect output show
 * the user, domain and state only.
 *
 * @since 0.1.0
 */
import { randomBytes, timingSafeEqual } from "node:crypto"
import * as Either from "effect/Either"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Redacted from "effect/Redacted"
import { AuthenticationFailed } from "../errors.js"
import type { DecodeError } from "../errors.js"
import { dateToFileTime } from "../wire/FileTime.js"
import type { NtlmCredentials, NtlmDirectionKeys, NtlmVersion } from "./Ntlm.js"
import {
  authenticate,
  DEFAULT_VERSION,
  decodeChallenge,
  deriveNtlmKeys,
  encodeNegotiate,
  NegotiateFlags,
  sign
} from "./Ntlm.js"
import {
  decodeNegTokenResp,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  NegState,
  NTLMSSP_OID
} from "./Spnego.js"

/**
 * One round's result: the token to send (if any) and whether the client has nothing more to
 * send (the next response should be the final one).
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthenticatorStep {
  readonly token: Uint8Array | undefined
  readonly done: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FinalOptions {
  /** False when the final response says the session is guest or null: it has no key. Default true. */
  readonly keyed?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Authenticator {
  readonly kind: "user" | "guest" | "anonymous"
  /** The first SESSION_SETUP security buffer. */
  initialToken(): Uint8Array
  /** Answers the server's token from a STATUS_MORE_PROCESSING_REQUIRED response. */
  next(serverToken: Uint8Array): Either.Either<AuthenticatorStep, AuthenticationFailed>
  /**
   * Checks the server's token in the final (STATUS_SUCCESS) response: its mechListMIC is required
   * once we sent ours, unless the server made the session keyless (guest or null).
   */
  verifyFinal(serverToken: Uint8Array, options?: FinalOptions): Either.Either<void, AuthenticationFailed>
  /** The ExportedSessionKey once the AUTHENTICATE_MESSAGE is built; empty before. */
  sessionKey(): Uint8Array
}

/**
 * Options shared by every variant. `random` and `now` exist for reproducible tests: `random(n)`
 * is asked for the 8-byte client challenge, then the 16-byte random session key; `now()` gives a
 * FILETIME (100 ns since 1601-01-01 UTC), used only when the server sends no timestamp.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonOptions {
  readonly workstation?: string | undefined
  /** Sent as MsvAvTargetName, e.g. "cifs/fileserver", for servers that validate SPNs. */
  readonly spn?: string | undefined
  readonly version?: NtlmVersion | undefined
  readonly random?: ((size: number) => Uint8Array) | undefined
  readonly now?: (() => bigint) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NtlmAuthenticatorOptions extends CommonOptions {
  readonly user: string
  readonly domain: string
  readonly password: Redacted.Redacted<string>
}

const systemFiletime = (): bigint => dateToFileTime(Date.now())

const MECH_TYPES = [NTLMSSP_OID]
const MECH_TYPE_LIST = encodeMechTypeList(MECH_TYPES)

type State = "Initial" | "NegotiateSent" | "AuthenticateSent" | "Done" | "Failed"

const badToken = (detail: string, cause?: DecodeError) =>
  new AuthenticationFailed({ reason: "BadToken", detail, ...(cause === undefined ? {} : { cause }) })

class NtlmAuthenticator implements Authenticator {
  readonly #credentials: NtlmCredentials
  readonly #options: CommonOptions
  #state: State = "Initial"
  #negotiate: Uint8Array | undefined
  #initialToken: Uint8Array | undefined
  #exportedSessionKey: Uint8Array = new Uint8Array(0)
  #serverKeys: NtlmDirectionKeys | undefined

  constructor(
    readonly kind: Authenticator["kind"],
    credentials: NtlmCredentials,
    options: CommonOptions
  ) {
    this.#credentials = credentials
    this.#options = options
  }

  initialToken(): Uint8Array {
    if (this.#initialToken === undefined) {
      this.#negotiate = encodeNegotiate(this.#options.version ?? DEFAULT_VERSION)
      this.#initialToken = encodeNegTokenInit({ mechTypes: MECH_TYPES, mechToken: this.#negotiate })
      this.#state = "NegotiateSent"
    }
    return this.#initialToken
  }

  next(serverToken: Uint8Array): Either.Either<AuthenticatorStep, AuthenticationFailed> {
    if (this.#state !== "NegotiateSent" || this.#negotiate === undefined) {
      return Either.left(badToken(`server token not expected in state ${this.#state}`))
    }
    const result = this.#answerChallenge(this.#negotiate, serverToken)
    this.#state = Either.isRight(result) ? "AuthenticateSent" : "Failed"
    return result
  }

  #answerChallenge(negotiate: Uint8Array, serverToken: Uint8Array): Either.Either<AuthenticatorStep, AuthenticationFailed> {
    const response = decodeNegTokenResp(serverToken)
    if (Either.isLeft(response)) return Either.left(badToken("server token is not a NegTokenResp", response.left))
    const { negState, supportedMech, responseToken } = response.right
    if (negState === NegState.Reject) return Either.left(new AuthenticationFailed({ reason: "Refused", detail: "server rejected the negotiation" }))
    if (supportedMech !== undefined && supportedMech !== NTLMSSP_OID) {
      return Either.left(new AuthenticationFailed({ reason: "NoMechanism", detail: `server chose ${supportedMech}, not NTLMSSP` }))
    }
    if (responseToken === undefined) return Either.left(badToken("NegTokenResp carries no CHALLENGE_MESSAGE"))
    const challenge = decodeChallenge(responseToken)
    if (Either.isLeft(challenge)) return Either.left(badToken("bad CHALLENGE_MESSAGE", challenge.left))
    const required = NegotiateFlags.UNICODE | NegotiateFlags.EXTENDED_SESSIONSECURITY
    if ((challenge.right.flags & required) !== required) {
      return Either.left(new AuthenticationFailed({ reason: "Unsupported", detail: "server did not grant Unicode and extended session security" }))
    }

    const random = this.#options.random ?? randomBytes
    const clientChallenge = random(8)
    const randomSessionKey = random(16)
    const built = authenticate({
      negotiate,
      challenge: challenge.right,
      credentials: this.#credentials,
      workstation: this.#options.workstation ?? "",
      version: this.#options.version ?? DEFAULT_VERSION,
      spn: this.#options.spn,
      clientChallenge,
      randomSessionKey,
      time: (this.#options.now ?? systemFiletime)()
    })
    if (Either.isLeft(built)) return Either.left(built.left)
    const { message, flags, exportedSessionKey, mic } = built.right
    this.#exportedSessionKey = exportedSessionKey

    let mechListMIC: Uint8Array | undefined
    if (mic && (flags & NegotiateFlags.SIGN) !== 0) {
      const keys = deriveNtlmKeys(exportedSessionKey, flags)
      this.#serverKeys = keys.server
      mechListMIC = sign(keys.client, MECH_TYPE_LIST, 0)
    }
    const token = encodeNegTokenResp({ negState: NegState.AcceptIncomplete, responseToken: message, mechListMIC })
    return Either.right({ token, done: true })
  }

  verifyFinal(serverToken: Uint8Array, options: FinalOptions = {}): Either.Either<void, AuthenticationFailed> {
    if (this.#state !== "AuthenticateSent") {
      return Either.left(badToken(`final server token not expected in state ${this.#state}`))
    }
    const result = this.#checkFinal(serverToken, options.keyed !== false)
    this.#state = Either.isRight(result) ? "Done" : "Failed"
    return result
  }

  #checkFinal(serverToken: Uint8Array, keyed: boolean): Either.Either<void, AuthenticationFailed> {
    // Having sent a mechListMIC, we require the server's (as Samba's client does): without it
    // nothing shows that the mechanism list we offered reached the server unchanged. A server
    // that made the logon a guest has no key to sign it with (the session refuses or accepts
    // that on its own terms).
    const micRequired = keyed && this.kind === "user" && this.#serverKeys !== undefined
    const noMic = () => Either.left(new AuthenticationFailed({ reason: "MicMismatch", detail: "server sent no mechListMIC" }))
    if (serverToken.byteLength === 0) return micRequired ? noMic() : Either.void
    const response = decodeNegTokenResp(serverToken)
    if (Either.isLeft(response)) return Either.left(badToken("final server token is not a NegTokenResp", response.left))
    const { negState, mechListMIC } = response.right
    if (negState === NegState.Reject) return Either.left(new AuthenticationFailed({ reason: "Refused", detail: "server rejected the authentication" }))
    if (negState !== undefined && negState !== NegState.AcceptCompleted) {
      return Either.left(badToken(`final negState is ${negState}, not accept-completed`))
    }
    if (!micRequired) return Either.void
    if (mechListMIC === undefined) return noMic()
    const expected = sign(this.#serverKeys!, MECH_TYPE_LIST, 0)
    if (mechListMIC.byteLength !== expected.byteLength || !timingSafeEqual(mechListMIC, expected)) {
      return Either.left(new AuthenticationFailed({ reason: "MicMismatch", detail: "server mechListMIC does not verify" }))
    }
    return Either.void
  }

  sessionKey(): Uint8Array {
    return this.#exportedSessionKey
  }

  toJSON(): unknown {
    const credentials = this.#credentials
    return {
      _tag: "Authenticator",
      mechanism: "NTLM",
      kind: this.kind,
      state: this.#state,
      ...(credentials._tag === "User" ? { user: credentials.user, domain: credentials.domain, password: "<redacted>" } : {})
    }
  }

  toString(): string {
    return JSON.stringify(this.toJSON())
  }

  [NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

/**
 * An NTLMv2 logon as `domain\user`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNtlmAuthenticator = (options: NtlmAuthenticatorOptions): Authenticator =>
  new NtlmAuthenticator(
    "user",
    { _tag: "User", user: options.user, domain: options.domain, password: options.password },
    options
  )

/**
 * A guest logon: NTLMv2 as `user` (default "Guest") with an empty password. The server grants
 * guest access (SMB2_SESSION_FLAG_IS_GUEST) without sharing a key, so nothing is verified.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeGuestAuthenticator = (
  options: CommonOptions & { readonly user?: string | undefined; readonly domain?: string | undefined } = {}
): Authenticator =>
  new NtlmAuthenticator(
    "guest",
    { _tag: "User", user: options.user ?? "Guest", domain: options.domain ?? "", password: Redacted.make("") },
    options
  )

/**
 * An anonymous logon (null session, MS-NLMP 3.3.2's anonymous case): no user, no password, no
 * shared key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAnonymousAuthenticator = (options: CommonOptions = {}): Authenticator =>
  new NtlmAuthenticator("anonymous", { _tag: "Anonymous" }, options)
