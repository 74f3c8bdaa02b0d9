/**
 * The client side of NTLMv2 (MS-NLMP): NEGOTIATE_MESSAGE encoding, CHALLENGE_MESSAGE decoding,
 * the NTLMv2 response and AUTHENTICATE_MESSAGE encoding (with key exchange and MIC), and the
 * session security needed by SPNEGO (signing/sealing keys and MS-NLMP 3.4.4.2 signatures with
 * extended session security).
 *
 * Deliberately absent: NTLMv1 and LM responses. Nothing here computes them, so a downgrade can
 * never make us send one. The only non-NTLMv2 form is anonymous authentication (empty NT
 * response, LM response Z(1), MS-NLMP 3.3.2), which carries no credential at all.
 *
 * Everything is pure: randomness (client challenge, random session key) and time come in as
 * values, so MS-NLMP 4.2.4 can be reproduced byte for byte. The password is only read (through
 * Redacted) to compute NTOWFv2 and never stored or echoed.
 *
 * node:crypto supplies MD5 and HMAC-MD5; MD4 and RC4 are in Md4.ts and Rc4.ts (OpenSSL 3 dropped
 * them from its default provider).
 *
 * @since 0.1.0
 */
import { createHash, createHmac } from "node:crypto"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type { DecodeError } from "../errors.js"
import { AuthenticationFailed } from "../errors.js"
import { copyBytes, decode, decodeUtf16, encodeUtf16, Reader } from "../wire/Reader.js"
import { md4 } from "./Md4.js"
import { Rc4, rc4 } from "./Rc4.js"

/**
 * NegotiateFlags bits used by this client (MS-NLMP 2.2.2.5).
 *
 * @since 0.1.0
 * @category constants
 */
export const NegotiateFlags = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ANONYMOUS: 0x00000800,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  NEGOTIATE_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  NEGOTIATE_56: 0x80000000
} as const

/**
 * The flags of our NEGOTIATE_MESSAGE: NTLM with extended session security, 128- and 56-bit,
 * key exchange, signing and sealing, Unicode, target request and version (0xE2088235).
 *
 * @since 0.1.0
 * @category constants
 */
export const CLIENT_FLAGS =
  (NegotiateFlags.NEGOTIATE_56 |
    NegotiateFlags.KEY_EXCH |
    NegotiateFlags.NEGOTIATE_128 |
    NegotiateFlags.VERSION |
    NegotiateFlags.EXTENDED_SESSIONSECURITY |
    NegotiateFlags.ALWAYS_SIGN |
    NegotiateFlags.NTLM |
    NegotiateFlags.SEAL |
    NegotiateFlags.SIGN |
    NegotiateFlags.REQUEST_TARGET |
    NegotiateFlags.UNICODE) >>>
  0

/**
 * AV_PAIR ids (MS-NLMP 2.2.2.1).
 *
 * @since 0.1.0
 * @category constants
 */
export const AvId = {
  EOL: 0x0000,
  NbComputerName: 0x0001,
  NbDomainName: 0x0002,
  DnsComputerName: 0x0003,
  DnsDomainName: 0x0004,
  DnsTreeName: 0x0005,
  Flags: 0x0006,
  Timestamp: 0x0007,
  SingleHost: 0x0008,
  TargetName: 0x0009,
  ChannelBindings: 0x000a
} as const

/** MsvAvFlags bit: the AUTHENTICATE_MESSAGE carries a MIC. */
const AV_FLAG_MIC = 0x00000002

/**
 * @since 0.1.0
 * @category models
 */
export interface AvPair {
  readonly id: number
  readonly value: Uint8Array
}

/**
 * The VERSION structure (MS-NLMP 2.2.2.10); informational only.
 *
 * @since 0.1.0
 * @category models
 */
export interface NtlmVersion {
  readonly major: number
  readonly minor: number
  readonly build: number
  /** NTLMRevisionCurrent: 15 for NTLMSSP_REVISION_W2K3. */
  readonly revision: number
}

/**
 * What we put in Version fields: MS-NLMP says the value is for debugging only, so a plain 10.0.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_VERSION: NtlmVersion = { major: 10, minor: 0, build: 0, revision: 15 }

const SIGNATURE = new Uint8Array([0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00])

const encodeVersion = (version: NtlmVersion): Uint8Array => {
  const out = new Uint8Array(8)
  out[0] = version.major
  out[1] = version.minor
  new DataView(out.buffer).setUint16(2, version.build, true)
  out[7] = version.revision
  return out
}

const u32 = (value: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value >>> 0, true)
  return out
}

const u64 = (value: bigint): Uint8Array => {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, value), true)
  return out
}

const hmacMd5 = (key: Uint8Array, ...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const hmac = createHmac("md5", key)
  for (const part of parts) hmac.update(part)
  return new Uint8Array(hmac.digest())
}

const md5 = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const hash = createHash("md5")
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}

const zeros = (length: number): Uint8Array => new Uint8Array(length)

/**
 * Our NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1): CLIENT_FLAGS, no domain or workstation, Version.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegotiate = (version: NtlmVersion = DEFAULT_VERSION): Uint8Array => {
  const out = new Uint8Array(40)
  out.set(SIGNATURE, 0)
  out.set(u32(1), 8)
  out.set(u32(CLIENT_FLAGS), 12)
  out.set(encodeVersion(version), 32)
  return out
}

/**
 * A decoded CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2). `raw` is the message as received (a private
 * copy), which the MIC covers.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChallengeMessage {
  readonly flags: number
  readonly serverChallenge: Uint8Array
  readonly targetName: string
  /** The AV pairs in server order, without the terminating MsvAvEOL. */
  readonly targetInfo: ReadonlyArray<AvPair>
  /** MsvAvTimestamp (FILETIME: 100 ns since 1601-01-01 UTC), when the server sent one. */
  readonly timestamp: bigint | undefined
  /** MsvAvFlags, when present. */
  readonly avFlags: number | undefined
  readonly version: NtlmVersion | undefined
  readonly raw: Uint8Array
}

const CHALLENGE = "NTLM CHALLENGE_MESSAGE"
const latin1 = new TextDecoder("latin1")

const expectHeader = (r: Reader, messageType: number): void => {
  const signature = r.bytesAt(0, 8, "Signature")
  if (!signature.every((byte, i) => byte === SIGNATURE[i])) r.fail("Signature", "Invalid", "not NTLMSSP")
  const type = r.u32(8, "MessageType")
  if (type !== messageType) r.fail("MessageType", "Invalid", `expected ${messageType}, got ${type}`)
}

const readAvPairs = (bytes: Uint8Array): Array<AvPair> => {
  const r = new Reader(bytes, CHALLENGE)
  const pairs: Array<AvPair> = []
  let at = 0
  while (at < bytes.byteLength) {
    const id = r.u16(at, "TargetInfo.AvId")
    const length = r.u16(at + 2, "TargetInfo.AvLen")
    if (id === AvId.EOL) break
    const value = r.bytesAt(at + 4, length, "TargetInfo.Value")
    if (id === AvId.Timestamp && length !== 8) r.fail("TargetInfo.MsvAvTimestamp", "Invalid", `length ${length}`, at)
    if (id === AvId.Flags && length !== 4) r.fail("TargetInfo.MsvAvFlags", "Invalid", `length ${length}`, at)
    pairs.push({ id, value })
    at += 4 + length
  }
  return pairs
}

const valueView = (pair: AvPair | undefined) =>
  pair === undefined ? undefined : new DataView(pair.value.buffer, pair.value.byteOffset, pair.value.byteLength)

/**
 * Decodes a CHALLENGE_MESSAGE, checking every offset and length against the buffer.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeChallenge = (bytes: Uint8Array): Either.Either<ChallengeMessage, DecodeError> =>
  decode(CHALLENGE, () => {
    const raw = copyBytes(bytes)
    const r = new Reader(raw, CHALLENGE)
    expectHeader(r, 2)
    const nameLength = r.u16(12, "TargetNameLen")
    const nameOffset = r.u32(16, "TargetNameBufferOffset")
    const flags = r.u32(20, "NegotiateFlags")
    const serverChallenge = r.bytesAt(24, 8, "ServerChallenge")
    const infoLength = r.u16(40, "TargetInfoLen")
    const infoOffset = r.u32(44, "TargetInfoBufferOffset")
    const targetName = (flags & NegotiateFlags.UNICODE) !== 0
      ? (nameLength === 0 ? "" : r.utf16At(nameOffset, nameLength, "TargetName"))
      : latin1.decode(r.buffer(nameOffset, nameLength, "TargetName"))
    const targetInfo = readAvPairs(r.buffer(infoOffset, infoLength, "TargetInfo"))
    const version = (flags & NegotiateFlags.VERSION) !== 0 && raw.byteLength >= 56
      ? {
        major: r.u8(48, "Version.ProductMajorVersion"),
        minor: r.u8(49, "Version.ProductMinorVersion"),
        build: r.u16(50, "Version.ProductBuild"),
        revision: r.u8(55, "Version.NTLMRevisionCurrent")
      }
      : undefined
    const timestamp = valueView(targetInfo.find((p) => p.id === AvId.Timestamp))?.getBigUint64(0, true)
    const avFlags = valueView(targetInfo.find((p) => p.id === AvId.Flags))?.getUint32(0, true)
    return { flags, serverChallenge, targetName, targetInfo, timestamp, avFlags, version, raw }
  })

/**
 * The text of a string-valued AV pair (names are UTF-16LE), if present.
 *
 * @since 0.1.0
 * @category decoding
 */
export const avPairString = (pairs: ReadonlyArray<AvPair>, id: number): string | undefined => {
  const pair = pairs.find((p) => p.id === id)
  return pair === undefined ? undefined : decodeUtf16(pair.value)
}

/**
 * Encodes AV pairs followed by MsvAvEOL.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeAvPairs = (pairs: ReadonlyArray<AvPair>): Uint8Array => {
  let length = 4
  for (const pair of pairs) length += 4 + pair.value.byteLength
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  let at = 0
  for (const pair of pairs) {
    view.setUint16(at, pair.id, true)
    view.setUint16(at + 2, pair.value.byteLength, true)
    out.set(pair.value, at + 4)
    at += 4 + pair.value.byteLength
  }
  return out
}

/**
 * NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)) (MS-NLMP 3.3.2).
 * It is both ResponseKeyNT and ResponseKeyLM.
 *
 * @since 0.1.0
 * @category ntlmv2
 */
export const ntowfv2 = (password: Redacted.Redacted<string>, user: string, domain: string): Uint8Array =>
  hmacMd5(md4(encodeUtf16(Redacted.value(password))), encodeUtf16(user.toUpperCase() + domain))

/**
 * @since 0.1.0
 * @category models
 */
export interface NtlmV2Response {
  readonly ntProofStr: Uint8Array
  /** NTProofStr || temp. */
  readonly ntChallengeResponse: Uint8Array
  /** LMv2: HMAC-MD5(key, ServerChallenge || ClientChallenge) || ClientChallenge. */
  readonly lmChallengeResponse: Uint8Array
  readonly sessionBaseKey: Uint8Array
}

/**
 * The NTLMv2 computation of MS-NLMP 3.3.2 with temp = 0x01 0x01 Z(6) Time ClientChallenge Z(4)
 * TargetInfo Z(4), where `time` is the 8-byte FILETIME and `targetInfo` the encoded AV pairs
 * (ending with MsvAvEOL).
 *
 * @since 0.1.0
 * @category ntlmv2
 */
export const ntlmV2Response = (input: {
  readonly responseKey: Uint8Array
  readonly serverChallenge: Uint8Array
  readonly clientChallenge: Uint8Array
  readonly time: Uint8Array
  readonly targetInfo: Uint8Array
}): NtlmV2Response => {
  const temp = new Uint8Array(28 + input.targetInfo.byteLength + 4)
  temp[0] = 1
  temp[1] = 1
  temp.set(input.time, 8)
  temp.set(input.clientChallenge, 16)
  temp.set(input.targetInfo, 28)
  const ntProofStr = hmacMd5(input.responseKey, input.serverChallenge, temp)
  const ntChallengeResponse = new Uint8Array(16 + temp.byteLength)
  ntChallengeResponse.set(ntProofStr, 0)
  ntChallengeResponse.set(temp, 16)
  const lmChallengeResponse = new Uint8Array(24)
  lmChallengeResponse.set(hmacMd5(input.responseKey, input.serverChallenge, input.clientChallenge), 0)
  lmChallengeResponse.set(input.clientChallenge, 16)
  return { ntProofStr, ntChallengeResponse, lmChallengeResponse, sessionBaseKey: hmacMd5(input.responseKey, ntProofStr) }
}

/**
 * MIC = HMAC-MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE), the AUTHENTICATE
 * message taken with its MIC field zero (MS-NLMP 3.1.5.1.2).
 *
 * @since 0.1.0
 * @category ntlmv2
 */
export const computeMic = (
  exportedSessionKey: Uint8Array,
  negotiate: Uint8Array,
  challenge: Uint8Array,
  authenticate: Uint8Array
): Uint8Array => hmacMd5(exportedSessionKey, negotiate, challenge, authenticate)

/**
 * Who authenticates: a user (a guest logon is a user with an empty password) or nobody
 * (anonymous, a null session).
 *
 * @since 0.1.0
 * @category models
 */
export type NtlmCredentials =
  | {
    readonly _tag: "User"
    readonly user: string
    readonly domain: string
    readonly password: Redacted.Redacted<string>
  }
  | { readonly _tag: "Anonymous" }

/**
 * @since 0.1.0
 * @category models
 */
export interface AuthenticateInput {
  /** Our NEGOTIATE_MESSAGE as sent (the MIC covers it). */
  readonly negotiate: Uint8Array
  readonly challenge: ChallengeMessage
  readonly credentials: NtlmCredentials
  readonly workstation: string
  readonly version: NtlmVersion
  /** Added as MsvAvTargetName (e.g. "cifs/server") for servers that check the SPN. */
  readonly spn?: string | undefined
  /** 8 random bytes. */
  readonly clientChallenge: Uint8Array
  /** 16 random bytes: the ExportedSessionKey when key exchange is negotiated. */
  readonly randomSessionKey: Uint8Array
  /** Our clock as a FILETIME, used only when the server sent no MsvAvTimestamp. */
  readonly time: bigint
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AuthenticateResult {
  readonly message: Uint8Array
  /** The negotiated flags, as sent in the message. */
  readonly flags: number
  readonly exportedSessionKey: Uint8Array
  /** Whether the message carries a MIC (the server sent MsvAvTimestamp). */
  readonly mic: boolean
}

/**
 * The flags of our AUTHENTICATE_MESSAGE: ours that the server granted, TARGET_INFO when the server
 * used it, REQUEST_TARGET as we asked (Windows and MS-NLMP 4.2.4.3 both keep it), ANONYMOUS for a
 * null session.
 */
const negotiatedFlags = (challengeFlags: number, anonymous: boolean): number =>
  ((CLIENT_FLAGS & challengeFlags) |
    (challengeFlags & NegotiateFlags.TARGET_INFO) |
    NegotiateFlags.REQUEST_TARGET |
    (anonymous ? NegotiateFlags.ANONYMOUS : 0)) >>>
  0

/** The server's AV pairs plus MsvAvFlags (MIC present) and MsvAvTargetName as asked. */
const responseTargetInfo = (pairs: ReadonlyArray<AvPair>, mic: boolean, spn: string | undefined): Uint8Array => {
  const out = pairs.filter((p) => !(mic && p.id === AvId.Flags) && !(spn !== undefined && p.id === AvId.TargetName))
  if (mic) {
    const existing = valueView(pairs.find((p) => p.id === AvId.Flags))?.getUint32(0, true) ?? 0
    out.push({ id: AvId.Flags, value: u32(existing | AV_FLAG_MIC) })
  }
  if (spn !== undefined) out.push({ id: AvId.TargetName, value: encodeUtf16(spn) })
  return encodeAvPairs(out)
}

const MIC_OFFSET = 72

/**
 * Builds the AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3, 3.1.5.1.2) for a decoded challenge.
 *
 * NTLMv2: the temp blob uses the server's MsvAvTimestamp as Time when present, and then the
 * message carries a MIC, MsvAvFlags says so and the LMv2 response is Z(24). Key exchange
 * whenever the server granted KEY_EXCH: ExportedSessionKey = `randomSessionKey`, sent as
 * RC4(SessionBaseKey, ExportedSessionKey). Anonymous: NT response empty, LM response Z(1),
 * SessionBaseKey Z(16), no MIC.
 *
 * MS-NLMP's client side (3.1.5.1.2) exchanges keys only when SIGN or SEAL was negotiated too, but
 * its server side (3.2.5.1.2) decrypts EncryptedRandomSessionKey whenever KEY_EXCH is set, and so
 * do Samba's and impacket's servers; Samba's client exchanges keys whenever KEY_EXCH is set. The
 * two rules differ only with a server that grants KEY_EXCH without SIGN or SEAL: impacket's
 * smbserver does, and with the MS-NLMP client rule it decrypted the absent key into an empty one
 * and signed the final SESSION_SETUP response with it (BadSignature here).
 *
 * Fails only when a field would not fit its 16-bit length.
 *
 * @since 0.1.0
 * @category encoding
 */
export const authenticate = (input: AuthenticateInput): Either.Either<AuthenticateResult, AuthenticationFailed> => {
  const { challenge, credentials } = input
  const anonymous = credentials._tag === "Anonymous"
  const flags = negotiatedFlags(challenge.flags, anonymous)
  let user = ""
  let domain = ""
  let lm: Uint8Array
  let nt: Uint8Array
  let sessionBaseKey: Uint8Array
  let mic = false
  if (credentials._tag === "Anonymous") {
    lm = zeros(1)
    nt = zeros(0)
    sessionBaseKey = zeros(16)
  } else {
    user = credentials.user
    domain = credentials.domain
    mic = challenge.timestamp !== undefined
    const response = ntlmV2Response({
      responseKey: ntowfv2(credentials.password, user, domain),
      serverChallenge: challenge.serverChallenge,
      clientChallenge: input.clientChallenge,
      time: u64(challenge.timestamp ?? input.time),
      targetInfo: responseTargetInfo(challenge.targetInfo, mic, input.spn)
    })
    lm = mic ? zeros(24) : response.lmChallengeResponse
    nt = response.ntChallengeResponse
    sessionBaseKey = response.sessionBaseKey
  }

  // Whenever KEY_EXCH was granted, as Samba's client does (see the doc comment above).
  const keyExchange = (flags & NegotiateFlags.KEY_EXCH) !== 0
  const exportedSessionKey = keyExchange ? input.randomSessionKey : sessionBaseKey
  const encryptedRandomSessionKey = keyExchange ? rc4(sessionBaseKey, exportedSessionKey) : zeros(0)

  // Header descriptor order (LM, NT, Domain, User, Workstation, Key) differs from payload order.
  const payload = [encodeUtf16(domain), encodeUtf16(user), encodeUtf16(input.workstation), lm, nt, encryptedRandomSessionKey]
  const descriptorAt = [28, 36, 44, 12, 20, 52]
  if (payload.some((field) => field.byteLength > 0xffff)) {
    return Either.left(new AuthenticationFailed({ reason: "Unsupported", detail: "an AUTHENTICATE_MESSAGE field exceeds 65535 bytes" }))
  }
  const headerLength = MIC_OFFSET + (mic ? 16 : 0)
  const message = new Uint8Array(payload.reduce((n, field) => n + field.byteLength, headerLength))
  const view = new DataView(message.buffer)
  message.set(SIGNATURE, 0)
  view.setUint32(8, 3, true)
  let at = headerLength
  payload.forEach((field, i) => {
    const descriptor = descriptorAt[i]!
    view.setUint16(descriptor, field.byteLength, true)
    view.setUint16(descriptor + 2, field.byteLength, true)
    view.setUint32(descriptor + 4, at, true)
    message.set(field, at)
    at += field.byteLength
  })
  view.setUint32(60, flags, true)
  if ((flags & NegotiateFlags.VERSION) !== 0) message.set(encodeVersion(input.version), 64)
  if (mic) message.set(computeMic(exportedSessionKey, input.negotiate, challenge.raw, message), MIC_OFFSET)
  return Either.right({ message, flags, exportedSessionKey, mic })
}

/**
 * The signing and sealing keys of one direction (MS-NLMP 3.4.5.2, 3.4.5.3), and whether key
 * exchange was negotiated (then signature checksums are RC4-encrypted).
 *
 * @since 0.1.0
 * @category models
 */
export interface NtlmDirectionKeys {
  readonly signingKey: Uint8Array
  readonly sealingKey: Uint8Array
  readonly keyExchange: boolean
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const CLIENT_SIGNING = ascii("session key to client-to-server signing key magic constant\0")
const SERVER_SIGNING = ascii("session key to server-to-client signing key magic constant\0")
const CLIENT_SEALING = ascii("session key to client-to-server sealing key magic constant\0")
const SERVER_SEALING = ascii("session key to server-to-client sealing key magic constant\0")

/**
 * Both directions' keys with extended session security. The sealing key is derived from 16, 7
 * or 5 bytes of the session key for 128-bit, 56-bit and 40-bit sealing.
 *
 * @since 0.1.0
 * @category session security
 */
export const deriveNtlmKeys = (
  exportedSessionKey: Uint8Array,
  flags: number
): { readonly client: NtlmDirectionKeys; readonly server: NtlmDirectionKeys } => {
  const sealBase = (flags & NegotiateFlags.NEGOTIATE_128) !== 0
    ? exportedSessionKey
    : exportedSessionKey.subarray(0, (flags & NegotiateFlags.NEGOTIATE_56) !== 0 ? 7 : 5)
  const keyExchange = (flags & NegotiateFlags.KEY_EXCH) !== 0
  return {
    client: {
      signingKey: md5(exportedSessionKey, CLIENT_SIGNING),
      sealingKey: md5(sealBase, CLIENT_SEALING),
      keyExchange
    },
    server: {
      signingKey: md5(exportedSessionKey, SERVER_SIGNING),
      sealingKey: md5(sealBase, SERVER_SEALING),
      keyExchange
    }
  }
}

/**
 * An NTLM signature with extended session security (MS-NLMP 3.4.4.2): Version 1 ||
 * Checksum(8) || SeqNum, Checksum = HMAC-MD5(SigningKey, SeqNum || message)[0..8], RC4-encrypted
 * with the direction's sealing handle when key exchange was negotiated. Without `handle` a fresh
 * one is used, which is the state SPNEGO's mechListMIC is computed in (MS-SPNG 3.3.5.1).
 *
 * @since 0.1.0
 * @category session security
 */
export const sign = (keys: NtlmDirectionKeys, message: Uint8Array, seqNum: number, handle?: Rc4): Uint8Array => {
  const seq = u32(seqNum)
  const checksum = hmacMd5(keys.signingKey, seq, message).subarray(0, 8)
  const out = new Uint8Array(16)
  out[0] = 1
  out.set(keys.keyExchange ? (handle ?? new Rc4(keys.sealingKey)).update(checksum) : checksum, 4)
  out.set(seq, 12)
  return out
}
