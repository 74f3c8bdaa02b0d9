/**
 * Kerberos inside SPNEGO for SESSION_SETUP (RFC 4121, RFC 4178, MS-KILE 3.2.5.2), as an
 * Authenticator: the service ticket is obtained beforehand (Kerberos.serviceTicket, the only
 * part that talks to the network), so the state machine stays synchronous like NTLM's.
 *
 * ```
 * initialToken()      -> NegTokenInit(mechTypes [MS-KRB5, KRB5], GSS(AP-REQ, mutual-required))
 * next(server token)  <- NegTokenResp(accept-incomplete, GSS(AP-REP), mechListMIC)
 *                     -> NegTokenResp(mechListMIC)
 * verifyFinal(token)  <- NegTokenResp(accept-completed[, GSS(AP-REP), mechListMIC])
 * ```
 *
 * Mutual authentication: the AP-REP must decrypt with the ticket's session key and echo our
 * authenticator's ctime/cusec; a final response without one fails. The SMB session key is the
 * acceptor's subkey from the AP-REP when it sends one, else our authenticator's subkey (the GSS
 * context key), cut or zero-padded to 16 bytes (MS-SMB2 3.2.5.3.1). With AES keys the SPNEGO
 * mechListMIC is an RFC 4121 MIC token (HMAC-SHA1-96, key usages 23/25): the server's is checked
 * whenever sent; ours is sent when the server asks for one (accept-incomplete with a MIC). With
 * an RC4 context key the MIC is the older RFC 1964 token with RFC 4757's HMAC-MD5 signature and
 * RC4-encrypted sequence number (MS-KILE 3.4.5.4), framed like an initial context token.
 *
 * @since 0.1.0
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import * as Either from "effect/Either"
import { NodeInspectSymbol } from "effect/Inspectable"
import { AuthenticationFailed } from "../errors.js"
import type { Authenticator, AuthenticatorStep, FinalOptions } from "./Authenticator.js"
import { rc4 } from "./Rc4.js"
import type { Key } from "./kerberos/Crypto.js"
import { checksum, decrypt, EncType, encrypt, isSupported, randomKey } from "./kerberos/Crypto.js"
import * as Der from "./kerberos/Der.js"
import type { ServiceTicket } from "./kerberos/Kerberos.js"
import { AP_MUTUAL_REQUIRED, decodeApRep, decodeEncApRepPart, encodeApReq, encodeAuthenticator, KeyUsage } from "./kerberos/Messages.js"
import { decodeNegTokenResp, encodeMechTypeList, encodeNegTokenInit, encodeNegTokenResp, NegState } from "./Spnego.js"

/** @since 0.1.0 @category constants */
export const KRB5_OID = "1.2.840.113554.1.2.2"
/** The OID Windows uses for Kerberos in SPNEGO (MS-KILE 3.1.5.11). @since 0.1.0 @category constants */
export const MS_KRB5_OID = "1.2.840.48018.1.2.2"

const MECH_TYPES = [MS_KRB5_OID, KRB5_OID]
const MECH_TYPE_LIST = encodeMechTypeList(MECH_TYPES)

// GSS checksum flags (RFC 4121 4.1.1.1): mutual, replay, sequence, confidentiality, integrity.
const GSS_FLAGS = 2 | 4 | 8 | 16 | 32
const GSS_CHECKSUM_TYPE = 0x8003
const KG_USAGE_ACCEPTOR_SIGN = 23
const KG_USAGE_INITIATOR_SIGN = 25
const FLAG_SENT_BY_ACCEPTOR = 0x01
const FLAG_ACCEPTOR_SUBKEY = 0x04

/** @since 0.1.0 @category models */
export interface KerberosAuthenticatorOptions {
  readonly ticket: ServiceTicket
  /** Added to our clock in the authenticator's time (as KerberosOptions.clockOffsetMillis). */
  readonly clockOffsetMillis?: number | undefined
}

const failed = (reason: AuthenticationFailed["reason"], detail: string, cause?: unknown) =>
  new AuthenticationFailed({ reason, detail, ...(cause === undefined ? {} : { cause }) })

/** GSS-API InitialContextToken framing (RFC 2743 3.1) around a Kerberos token with its TOK_ID. */
const gssWrap = (tokId: number, inner: Uint8Array): Uint8Array =>
  Der.tlv(Der.application(0), Der.oid(KRB5_OID), new Uint8Array([tokId >> 8, tokId & 0xff]), inner)

const gssUnwrap = (token: Uint8Array): Either.Either<{ readonly tokId: number; readonly inner: Uint8Array }, AuthenticationFailed> => {
  try {
    const d = new Der.DerReader(token, "GSS token")
    const root = d.root(Der.application(0), "InitialContextToken")
    const mech = d.element(root.start, root.end, "thisMech")
    d.expect(mech, Der.Tag.OID, "thisMech")
    if (mech.end + 2 > root.end) return Either.left(failed("BadToken", "GSS token without TOK_ID"))
    return Either.right({ tokId: (token[mech.end]! << 8) | token[mech.end + 1]!, inner: token.subarray(mech.end + 2, root.end) })
  } catch (cause) {
    return Either.left(failed("BadToken", "undecodable GSS token", cause))
  }
}

const u32le = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n >>> 0, true)
  return out
}

/** The RFC 4121 4.1.1 authenticator checksum: no channel bindings, the context flags. */
const gssChecksum = (): Uint8Array => {
  const out = new Uint8Array(24)
  out.set(u32le(16), 0)
  out.set(u32le(GSS_FLAGS), 20)
  return out
}

/**
 * An RFC 4121 4.2.6.1 MIC token over `message` (exported for tests).
 *
 * @since 0.1.0
 * @category internals
 */
export const micToken = (key: Key, usage: number, flags: number, sequence: number, message: Uint8Array): Uint8Array => {
  const header = new Uint8Array(16)
  header.set([0x04, 0x04, flags, 0xff, 0xff, 0xff, 0xff, 0xff])
  new DataView(header.buffer).setUint32(12, sequence >>> 0)
  const data = new Uint8Array(message.byteLength + 16)
  data.set(message)
  data.set(header, message.byteLength)
  const sum = checksum(key, usage, data)
  const out = new Uint8Array(16 + sum.byteLength)
  out.set(header)
  out.set(sum, 16)
  return out
}

// RFC 4757 7.2: key usage 15 for the signature; SGN_ALG 0x0011 (HMAC-MD5).
const KG_USAGE_RC4_SIGN = 15
const RC4_MIC_HEADER = [0x01, 0x01, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff]

const hmacMd5 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac("md5", key).update(data).digest())

/**
 * An RC4-HMAC MIC token (RFC 4757 7.2 over RFC 1964 1.2.1): header, the sequence number (big
 * endian, then four direction bytes: 00 from the initiator, ff from the acceptor) encrypted with
 * RC4 under a key derived from the checksum, and the first 8 bytes of the HMAC-MD5 checksum of
 * header and message; inside the GSS framing with the Kerberos OID.
 *
 * @since 0.1.0
 * @category encoding
 */
export const rc4MicToken = (key: Key, sentByAcceptor: boolean, sequence: number, message: Uint8Array): Uint8Array => {
  const header = new Uint8Array(RC4_MIC_HEADER)
  const signed = new Uint8Array(header.byteLength + message.byteLength)
  signed.set(header)
  signed.set(message, header.byteLength)
  const sgnCksum = checksum(key, KG_USAGE_RC4_SIGN, signed).subarray(0, 8)
  const seq = new Uint8Array(8).fill(sentByAcceptor ? 0xff : 0x00)
  new DataView(seq.buffer).setUint32(0, sequence >>> 0)
  const kseq = hmacMd5(hmacMd5(key.value, new Uint8Array(4)), sgnCksum)
  const body = new Uint8Array(24)
  body.set(header)
  body.set(rc4(kseq, seq), 8)
  body.set(sgnCksum, 16)
  return Der.tlv(Der.application(0), Der.oid(KRB5_OID), body)
}

type State = "Initial" | "ApReqSent" | "MicSent" | "Done" | "Failed"

class KerberosAuthenticator implements Authenticator {
  readonly kind = "user" as const
  readonly #ticket: ServiceTicket
  readonly #offset: number
  #state: State = "Initial"
  #initialToken: Uint8Array | undefined
  #subkey: Key
  readonly #sequence: number
  #ctime = new Date(0)
  #cusec = 0
  #acceptorSubkey: Key | undefined
  #acceptorSequence = 0
  #apRepVerified = false
  #serverMicVerified = false

  constructor(options: KerberosAuthenticatorOptions) {
    this.#ticket = options.ticket
    this.#offset = options.clockOffsetMillis ?? 0
    this.#subkey = randomKey(options.ticket.key.etype)
    this.#sequence = randomBytes(4).readUInt32BE(0) & 0x3fffffff
  }

  initialToken(): Uint8Array {
    if (this.#initialToken === undefined) {
      const now = new Date(Date.now() + this.#offset)
      this.#ctime = new Date(Math.floor(now.getTime() / 1000) * 1000)
      this.#cusec = (now.getTime() % 1000) * 1000
      const ticket = this.#ticket
      const authenticator = encodeAuthenticator({
        crealm: ticket.crealm,
        cname: ticket.cname,
        checksum: { type: GSS_CHECKSUM_TYPE, value: gssChecksum() },
        ctime: this.#ctime,
        cusec: this.#cusec,
        subkey: { keytype: this.#subkey.etype, value: this.#subkey.value },
        seqNumber: this.#sequence
      })
      const apReq = encodeApReq(AP_MUTUAL_REQUIRED, ticket.ticket, {
        etype: ticket.key.etype,
        cipher: encrypt(ticket.key, KeyUsage.AP_REQ_AUTHENTICATOR, authenticator)
      })
      this.#initialToken = encodeNegTokenInit({ mechTypes: MECH_TYPES, mechToken: gssWrap(0x0100, apReq) })
      this.#state = "ApReqSent"
    }
    return this.#initialToken
  }

  /** Checks the AP-REP: our ctime/cusec echoed under the ticket's session key. */
  #verifyApRep(token: Uint8Array): Either.Either<void, AuthenticationFailed> {
    const unwrapped = gssUnwrap(token)
    if (Either.isLeft(unwrapped)) return Either.left(unwrapped.left)
    if (unwrapped.right.tokId !== 0x0200) {
      if (unwrapped.right.tokId === 0x0300) return Either.left(failed("Refused", "the server answered the AP-REQ with a KRB-ERROR"))
      return Either.left(failed("BadToken", `unexpected GSS TOK_ID 0x${unwrapped.right.tokId.toString(16)}`))
    }
    const apRep = decodeApRep(unwrapped.right.inner)
    if (Either.isLeft(apRep)) return Either.left(failed("BadToken", "undecodable AP-REP", apRep.left))
    if ("code" in apRep.right) return Either.left(failed("Refused", `the server refused the ticket (Kerberos error ${apRep.right.code})`))
    const plain = decrypt(this.#ticket.key, KeyUsage.AP_REP_ENC_PART, apRep.right.cipher)
    if (Either.isLeft(plain)) return Either.left(failed("MicMismatch", "the AP-REP does not decrypt with the ticket's session key"))
    const part = decodeEncApRepPart(plain.right)
    if (Either.isLeft(part)) return Either.left(failed("BadToken", "undecodable EncAPRepPart", part.left))
    if (part.right.ctime.getTime() !== this.#ctime.getTime() || part.right.cusec !== this.#cusec) {
      return Either.left(failed("MicMismatch", "the AP-REP does not echo our authenticator's time"))
    }
    const subkey = part.right.subkey
    if (subkey !== undefined) {
      if (!isSupported(subkey.keytype)) return Either.left(failed("Unsupported", `acceptor subkey of enctype ${subkey.keytype}`))
      this.#acceptorSubkey = { etype: subkey.keytype, value: subkey.value }
    }
    this.#acceptorSequence = part.right.seqNumber ?? 0
    this.#apRepVerified = true
    return Either.void
  }

  #contextKey(): Key {
    return this.#acceptorSubkey ?? this.#subkey
  }

  #micFlags(sentByAcceptor: boolean): number {
    return (sentByAcceptor ? FLAG_SENT_BY_ACCEPTOR : 0) | (this.#acceptorSubkey === undefined ? 0 : FLAG_ACCEPTOR_SUBKEY)
  }

  #verifyServerMic(mic: Uint8Array): Either.Either<void, AuthenticationFailed> {
    const key = this.#contextKey()
    const expected = key.etype === EncType.RC4_HMAC
      ? rc4MicToken(key, true, this.#acceptorSequence, MECH_TYPE_LIST)
      : micToken(key, KG_USAGE_ACCEPTOR_SIGN, this.#micFlags(true), this.#acceptorSequence, MECH_TYPE_LIST)
    if (mic.byteLength !== expected.byteLength || !timingSafeEqual(mic, expected)) {
      return Either.left(failed("MicMismatch", "server mechListMIC does not verify"))
    }
    this.#serverMicVerified = true
    return Either.void
  }

  #handle(serverToken: Uint8Array, final: boolean): Either.Either<AuthenticatorStep, AuthenticationFailed> {
    const response = decodeNegTokenResp(serverToken)
    if (Either.isLeft(response)) return Either.left(failed("BadToken", "server token is not a NegTokenResp", response.left))
    const { negState, supportedMech, responseToken, mechListMIC } = response.right
    if (negState === NegState.Reject) return Either.left(failed("Refused", "server rejected the Kerberos logon"))
    if (supportedMech !== undefined && supportedMech !== KRB5_OID && supportedMech !== MS_KRB5_OID) {
      return Either.left(failed("NoMechanism", `server chose ${supportedMech}, not Kerberos`))
    }
    if (responseToken !== undefined && !this.#apRepVerified) {
      const verified = this.#verifyApRep(responseToken)
      if (Either.isLeft(verified)) return Either.left(verified.left)
    }
    if (!this.#apRepVerified) return Either.left(failed("MicMismatch", "no AP-REP: the server did not authenticate itself"))
    if (mechListMIC !== undefined && !this.#serverMicVerified) {
      const verified = this.#verifyServerMic(mechListMIC)
      if (Either.isLeft(verified)) return Either.left(verified.left)
    }
    if (final) {
      if (negState !== undefined && negState !== NegState.AcceptCompleted) {
        return Either.left(failed("BadToken", `final negState is ${negState}, not accept-completed`))
      }
      return Either.right({ token: undefined, done: true })
    }
    // The server wants more: our mechListMIC (it sent its own, or asks with request-mic).
    const key = this.#contextKey()
    const ours = key.etype === EncType.RC4_HMAC
      ? rc4MicToken(key, false, this.#sequence, MECH_TYPE_LIST)
      : micToken(key, KG_USAGE_INITIATOR_SIGN, this.#micFlags(false), this.#sequence, MECH_TYPE_LIST)
    return Either.right({ token: encodeNegTokenResp({ mechListMIC: ours }), done: true })
  }

  next(serverToken: Uint8Array): Either.Either<AuthenticatorStep, AuthenticationFailed> {
    if (this.#state !== "ApReqSent") return Either.left(failed("BadToken", `server token not expected in state ${this.#state}`))
    const result = this.#handle(serverToken, false)
    this.#state = Either.isRight(result) ? "MicSent" : "Failed"
    return result
  }

  verifyFinal(serverToken: Uint8Array, options: FinalOptions = {}): Either.Either<void, AuthenticationFailed> {
    if (this.#state !== "ApReqSent" && this.#state !== "MicSent") {
      return Either.left(failed("BadToken", `final server token not expected in state ${this.#state}`))
    }
    if (options.keyed === false) {
      this.#state = "Failed"
      return Either.left(failed("Refused", "a Kerberos logon came back as a guest or null session"))
    }
    const result = serverToken.byteLength === 0 && this.#apRepVerified
      ? Either.right({ token: undefined, done: true })
      : this.#handle(serverToken, true)
    this.#state = Either.isRight(result) ? "Done" : "Failed"
    return Either.map(result, () => undefined)
  }

  sessionKey(): Uint8Array {
    if (!this.#apRepVerified) return new Uint8Array(0)
    const key = this.#contextKey().value
    const out = new Uint8Array(16)
    out.set(key.subarray(0, 16))
    return out
  }

  toJSON(): unknown {
    return {
      _tag: "Authenticator",
      mechanism: "Kerberos",
      state: this.#state,
      client: `${this.#ticket.cname.components.join("/")}@${this.#ticket.crealm}`,
      source: this.#ticket.source
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
 * A Kerberos logon with a service ticket for the server.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeKerberosAuthenticator = (options: KerberosAuthenticatorOptions): Authenticator => new KerberosAuthenticator(options)

/** @since 0.1.0 */
export { MECH_TYPES as KERBEROS_MECH_TYPES }
