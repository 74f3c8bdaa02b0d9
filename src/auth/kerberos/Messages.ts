/**
 * The Kerberos V5 messages a client sends and reads (RFC 4120 5): AS-REQ/AS-REP, TGS-REQ/TGS-REP,
 * AP-REQ/AP-REP, KRB-ERROR, and the parts inside them (PA-DATA, ETYPE-INFO2, EncKDCRepPart,
 * Authenticator, EncAPRepPart). Pure codecs over Der.ts; decoders return Either<_, DecodeError>.
 * Tickets are carried as their DER bytes: a client never looks inside one.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../../errors.js"
import { decode } from "../../wire/Reader.js"
import type { Element } from "./Der.js"
import * as Der from "./Der.js"

/** @since 0.1.0 @category constants */
export const MessageType = { AS_REQ: 10, AS_REP: 11, TGS_REQ: 12, TGS_REP: 13, AP_REQ: 14, AP_REP: 15, KRB_ERROR: 30 } as const

/** @since 0.1.0 @category constants */
export const PaType = { TGS_REQ: 1, ENC_TIMESTAMP: 2, ETYPE_INFO2: 19, PAC_REQUEST: 128 } as const

/** @since 0.1.0 @category constants */
export const NameType = { PRINCIPAL: 1, SRV_INST: 2, SRV_HST: 3 } as const

/** Key usages (RFC 4120 7.5.1). @since 0.1.0 @category constants */
export const KeyUsage = {
  PA_ENC_TIMESTAMP: 1,
  AS_REP_ENC_PART: 3,
  TGS_REQ_BODY_CHECKSUM: 6,
  TGS_REQ_AUTHENTICATOR: 7,
  TGS_REP_ENC_PART_SESSION_KEY: 8,
  TGS_REP_ENC_PART_SUBKEY: 9,
  AP_REQ_AUTHENTICATOR: 11,
  AP_REP_ENC_PART: 12
} as const

/** KRB-ERROR codes this client tells apart. @since 0.1.0 @category constants */
export const ErrorCode = {
  C_PRINCIPAL_UNKNOWN: 6,
  S_PRINCIPAL_UNKNOWN: 7,
  ETYPE_NOSUPP: 14,
  CLIENT_REVOKED: 18,
  KEY_EXPIRED: 23,
  PREAUTH_FAILED: 24,
  PREAUTH_REQUIRED: 25,
  BAD_INTEGRITY: 31,
  SKEW: 37,
  RESPONSE_TOO_BIG: 52,
  GENERIC: 60
} as const

/** @since 0.1.0 @category models */
export interface PrincipalName {
  readonly type: number
  readonly components: ReadonlyArray<string>
}

/** @since 0.1.0 @category models */
export interface PaData {
  readonly type: number
  readonly value: Uint8Array
}

/** @since 0.1.0 @category models */
export interface EncryptedData {
  readonly etype: number
  readonly kvno?: number | undefined
  readonly cipher: Uint8Array
}

/** @since 0.1.0 @category models */
export interface EncryptionKey {
  readonly keytype: number
  readonly value: Uint8Array
}

// --- encoding -----------------------------------------------------------------------------

/** @since 0.1.0 @category encoding */
export const encodePrincipalName = (name: PrincipalName): Uint8Array =>
  Der.sequence(Der.field(0, Der.integer(name.type)), Der.field(1, Der.sequenceOf(name.components.map(Der.generalString))))

/** @since 0.1.0 @category encoding */
export const encodeEncryptedData = (data: EncryptedData): Uint8Array =>
  Der.sequence(
    Der.field(0, Der.integer(data.etype)),
    Der.field(1, data.kvno === undefined ? undefined : Der.integer(data.kvno)),
    Der.field(2, Der.octetString(data.cipher))
  )

/** @since 0.1.0 @category encoding */
export const encodeEncryptionKey = (key: EncryptionKey): Uint8Array =>
  Der.sequence(Der.field(0, Der.integer(key.keytype)), Der.field(1, Der.octetString(key.value)))

const encodePaData = (pa: PaData): Uint8Array => Der.sequence(Der.field(1, Der.integer(pa.type)), Der.field(2, Der.octetString(pa.value)))

/** PA-ENC-TS-ENC (to be encrypted with key usage 1). @since 0.1.0 @category encoding */
export const encodePaEncTsEnc = (now: Date): Uint8Array =>
  Der.sequence(Der.field(0, Der.time(now)), Der.field(1, Der.integer((now.getTime() % 1000) * 1000)))

/** KERB-PA-PAC-REQUEST (MS-KILE 2.2.3): ask for a PAC, which Windows and Samba servers need. @since 0.1.0 @category encoding */
export const encodePacRequest = (include: boolean): Uint8Array =>
  Der.sequence(Der.field(0, Der.tlv(Der.Tag.BOOLEAN, new Uint8Array([include ? 0xff : 0]))))

/** @since 0.1.0 @category models */
export interface KdcReqBody {
  readonly options: number
  readonly cname?: PrincipalName | undefined
  readonly realm: string
  readonly sname: PrincipalName
  readonly till: Date
  readonly nonce: number
  readonly etypes: ReadonlyArray<number>
}

/** KDC-REQ-BODY: also what a TGS-REQ's authenticator checksums. @since 0.1.0 @category encoding */
export const encodeKdcReqBody = (body: KdcReqBody): Uint8Array =>
  Der.sequence(
    Der.field(0, Der.flags32(body.options)),
    Der.field(1, body.cname === undefined ? undefined : encodePrincipalName(body.cname)),
    Der.field(2, Der.generalString(body.realm)),
    Der.field(3, encodePrincipalName(body.sname)),
    Der.field(5, Der.time(body.till)),
    Der.field(7, Der.integer(body.nonce >>> 0)),
    Der.field(8, Der.sequenceOf(body.etypes.map((e) => Der.integer(e))))
  )

/** AS-REQ or TGS-REQ around an encoded body. @since 0.1.0 @category encoding */
export const encodeKdcReq = (msgType: 10 | 12, padata: ReadonlyArray<PaData>, body: Uint8Array): Uint8Array =>
  Der.tlv(
    Der.application(msgType),
    Der.sequence(
      Der.field(1, Der.integer(5)),
      Der.field(2, Der.integer(msgType)),
      Der.field(3, padata.length === 0 ? undefined : Der.sequenceOf(padata.map(encodePaData))),
      Der.field(4, body)
    )
  )

/** @since 0.1.0 @category models */
export interface Checksum {
  readonly type: number
  readonly value: Uint8Array
}

/** @since 0.1.0 @category models */
export interface AuthenticatorFields {
  readonly crealm: string
  readonly cname: PrincipalName
  readonly checksum?: Checksum | undefined
  readonly ctime: Date
  readonly cusec: number
  readonly subkey?: EncryptionKey | undefined
  readonly seqNumber?: number | undefined
}

/** Authenticator ([APPLICATION 2]), to be encrypted. @since 0.1.0 @category encoding */
export const encodeAuthenticator = (a: AuthenticatorFields): Uint8Array =>
  Der.tlv(
    Der.application(2),
    Der.sequence(
      Der.field(0, Der.integer(5)),
      Der.field(1, Der.generalString(a.crealm)),
      Der.field(2, encodePrincipalName(a.cname)),
      Der.field(3, a.checksum === undefined ? undefined : Der.sequence(Der.field(0, Der.integer(a.checksum.type)), Der.field(1, Der.octetString(a.checksum.value)))),
      Der.field(4, Der.integer(a.cusec)),
      Der.field(5, Der.time(a.ctime)),
      Der.field(6, a.subkey === undefined ? undefined : encodeEncryptionKey(a.subkey)),
      Der.field(7, a.seqNumber === undefined ? undefined : Der.integer(a.seqNumber >>> 0))
    )
  )

/** AP-OPTIONS mutual-required (bit 2). @since 0.1.0 @category constants */
export const AP_MUTUAL_REQUIRED = 0x20000000

/** AP-REQ around a ticket (its DER) and an encrypted authenticator. @since 0.1.0 @category encoding */
export const encodeApReq = (options: number, ticket: Uint8Array, authenticator: EncryptedData): Uint8Array =>
  Der.tlv(
    Der.application(14),
    Der.sequence(
      Der.field(0, Der.integer(5)),
      Der.field(1, Der.integer(MessageType.AP_REQ)),
      Der.field(2, Der.flags32(options)),
      Der.field(3, ticket),
      Der.field(4, encodeEncryptedData(authenticator))
    )
  )

// --- decoding -----------------------------------------------------------------------------

const readPrincipalName = (d: Der.DerReader, e: Element, name: string): PrincipalName => {
  const seq = d.expect(e, Der.Tag.SEQUENCE, name)
  const list = d.expect(d.required(seq, 1, name), Der.Tag.SEQUENCE, name)
  return { type: d.integer(d.required(seq, 0, name), name), components: d.children(list, name).map((c) => d.string(c, name)) }
}

const readEncryptedData = (d: Der.DerReader, e: Element, name: string): EncryptedData => {
  const seq = d.expect(e, Der.Tag.SEQUENCE, name)
  const kvno = d.optional(seq, 1, name)
  return {
    etype: d.integer(d.required(seq, 0, name), name),
    kvno: kvno === undefined ? undefined : d.integer(kvno, name),
    cipher: d.octets(d.required(seq, 2, name), name)
  }
}

const readEncryptionKey = (d: Der.DerReader, e: Element, name: string): EncryptionKey => {
  const seq = d.expect(e, Der.Tag.SEQUENCE, name)
  return { keytype: d.integer(d.required(seq, 0, name), name), value: d.octets(d.required(seq, 1, name), name) }
}

const readPaDataList = (d: Der.DerReader, e: Element, name: string): Array<PaData> =>
  d.children(d.expect(e, Der.Tag.SEQUENCE, name), name).map((pa) => {
    const seq = d.expect(pa, Der.Tag.SEQUENCE, name)
    return { type: d.integer(d.required(seq, 1, name), name), value: d.octets(d.required(seq, 2, name), name) }
  })

/** @since 0.1.0 @category models */
export interface KrbError {
  readonly _tag: "KrbError"
  readonly code: number
  readonly stime: Date
  readonly susec: number
  readonly text: string | undefined
  readonly edata: Uint8Array | undefined
}

/** @since 0.1.0 @category models */
export interface KdcRep {
  readonly _tag: "KdcRep"
  readonly msgType: number
  readonly padata: ReadonlyArray<PaData>
  readonly crealm: string
  readonly cname: PrincipalName
  /** The Ticket's DER, to be sent back as it is. */
  readonly ticket: Uint8Array
  readonly encPart: EncryptedData
}

const readKrbError = (d: Der.DerReader, root: Element): KrbError => {
  const seq = d.sequenceIn(root, "KRB-ERROR")
  const text = d.optional(seq, 11, "e-text")
  const edata = d.optional(seq, 12, "e-data")
  return {
    _tag: "KrbError",
    code: d.integer(d.required(seq, 6, "error-code"), "error-code"),
    stime: d.time(d.required(seq, 4, "stime"), "stime"),
    susec: d.integer(d.required(seq, 5, "susec"), "susec"),
    text: text === undefined ? undefined : d.string(text, "e-text"),
    edata: edata === undefined ? undefined : d.octets(edata, "e-data")
  }
}

/**
 * A KDC's answer: AS-REP, TGS-REP or KRB-ERROR.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeKdcResponse = (bytes: Uint8Array): Either.Either<KdcRep | KrbError, DecodeError> =>
  decode("Kerberos KDC reply", () => {
    const d = new Der.DerReader(bytes, "Kerberos KDC reply")
    const root = d.element(0, bytes.byteLength, "reply")
    if (root.tag === Der.application(30)) return readKrbError(d, root)
    if (root.tag !== Der.application(11) && root.tag !== Der.application(13)) d.fail("reply", `unexpected tag 0x${root.tag.toString(16)}`, 0)
    const seq = d.sequenceIn(root, "KDC-REP")
    const padata = d.optional(seq, 2, "padata")
    return {
      _tag: "KdcRep",
      msgType: d.integer(d.required(seq, 1, "msg-type"), "msg-type"),
      padata: padata === undefined ? [] : readPaDataList(d, padata, "padata"),
      crealm: d.string(d.required(seq, 3, "crealm"), "crealm"),
      cname: readPrincipalName(d, d.required(seq, 4, "cname"), "cname"),
      ticket: d.raw(d.required(seq, 5, "ticket")),
      encPart: readEncryptedData(d, d.required(seq, 6, "enc-part"), "enc-part")
    }
  })

/** @since 0.1.0 @category models */
export interface EtypeInfo2Entry {
  readonly etype: number
  readonly salt: string | undefined
  /** The AES iteration count (RFC 3962 4: s2kparams is a big-endian 32-bit count). */
  readonly iterations: number | undefined
}

/**
 * The ETYPE-INFO2 out of a METHOD-DATA (a KRB-ERROR's e-data) or an AS-REP's padata.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeEtypeInfo2 = (padata: ReadonlyArray<PaData>): Either.Either<ReadonlyArray<EtypeInfo2Entry>, DecodeError> =>
  decode("ETYPE-INFO2", () => {
    const pa = padata.find((p) => p.type === PaType.ETYPE_INFO2)
    if (pa === undefined) return []
    const d = new Der.DerReader(pa.value, "ETYPE-INFO2")
    return d.children(d.root(Der.Tag.SEQUENCE, "ETYPE-INFO2"), "entry").map((entry) => {
      const seq = d.expect(entry, Der.Tag.SEQUENCE, "entry")
      const salt = d.optional(seq, 1, "salt")
      const params = d.optional(seq, 2, "s2kparams")
      const p = params === undefined ? undefined : d.octets(params, "s2kparams")
      return {
        etype: d.integer(d.required(seq, 0, "etype"), "etype"),
        salt: salt === undefined ? undefined : d.string(salt, "salt"),
        iterations: p === undefined || p.byteLength !== 4 ? undefined : new DataView(p.buffer, p.byteOffset, 4).getUint32(0)
      }
    })
  })

/** METHOD-DATA (SEQUENCE OF PA-DATA), as in a PREAUTH_REQUIRED error's e-data. @since 0.1.0 @category decoding */
export const decodeMethodData = (bytes: Uint8Array): Either.Either<ReadonlyArray<PaData>, DecodeError> =>
  decode("METHOD-DATA", () => {
    const d = new Der.DerReader(bytes, "METHOD-DATA")
    return readPaDataList(d, d.root(Der.Tag.SEQUENCE, "METHOD-DATA"), "METHOD-DATA")
  })

/** @since 0.1.0 @category models */
export interface EncKdcRepPart {
  readonly key: EncryptionKey
  readonly nonce: number
  readonly flags: number
  readonly authtime: Date
  readonly starttime: Date | undefined
  readonly endtime: Date
  readonly renewTill: Date | undefined
  readonly srealm: string
  readonly sname: PrincipalName
}

/**
 * The decrypted EncASRepPart or EncTGSRepPart (some KDCs send [APPLICATION 25] for both).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeEncKdcRepPart = (bytes: Uint8Array): Either.Either<EncKdcRepPart, DecodeError> =>
  decode("EncKDCRepPart", () => {
    const d = new Der.DerReader(bytes, "EncKDCRepPart")
    const root = d.element(0, bytes.byteLength, "EncKDCRepPart")
    if (root.tag !== Der.application(25) && root.tag !== Der.application(26)) d.fail("EncKDCRepPart", `tag 0x${root.tag.toString(16)}`, 0)
    const seq = d.sequenceIn(root, "EncKDCRepPart")
    const starttime = d.optional(seq, 6, "starttime")
    const renewTill = d.optional(seq, 8, "renew-till")
    return {
      key: readEncryptionKey(d, d.required(seq, 0, "key"), "key"),
      nonce: d.integer(d.required(seq, 2, "nonce"), "nonce") >>> 0,
      flags: d.flags32(d.required(seq, 4, "flags"), "flags"),
      authtime: d.time(d.required(seq, 5, "authtime"), "authtime"),
      starttime: starttime === undefined ? undefined : d.time(starttime, "starttime"),
      endtime: d.time(d.required(seq, 7, "endtime"), "endtime"),
      renewTill: renewTill === undefined ? undefined : d.time(renewTill, "renew-till"),
      srealm: d.string(d.required(seq, 9, "srealm"), "srealm"),
      sname: readPrincipalName(d, d.required(seq, 10, "sname"), "sname")
    }
  })

/** AP-REP's encrypted part. @since 0.1.0 @category models */
export interface EncApRepPart {
  readonly ctime: Date
  readonly cusec: number
  readonly subkey: EncryptionKey | undefined
  readonly seqNumber: number | undefined
}

/** An AP-REP (or a KRB-ERROR in its place). @since 0.1.0 @category decoding */
export const decodeApRep = (bytes: Uint8Array): Either.Either<EncryptedData | KrbError, DecodeError> =>
  decode("AP-REP", () => {
    const d = new Der.DerReader(bytes, "AP-REP")
    const root = d.element(0, bytes.byteLength, "AP-REP")
    if (root.tag === Der.application(30)) return readKrbError(d, root)
    d.expect(root, Der.application(15), "AP-REP")
    const seq = d.sequenceIn(root, "AP-REP")
    return readEncryptedData(d, d.required(seq, 2, "enc-part"), "enc-part")
  })

/** @since 0.1.0 @category decoding */
export const decodeEncApRepPart = (bytes: Uint8Array): Either.Either<EncApRepPart, DecodeError> =>
  decode("EncAPRepPart", () => {
    const d = new Der.DerReader(bytes, "EncAPRepPart")
    const seq = d.sequenceIn(d.root(Der.application(27), "EncAPRepPart"), "EncAPRepPart")
    const subkey = d.optional(seq, 2, "subkey")
    const seqNumber = d.optional(seq, 3, "seq-number")
    return {
      ctime: d.time(d.required(seq, 0, "ctime"), "ctime"),
      cusec: d.integer(d.required(seq, 1, "cusec"), "cusec"),
      subkey: subkey === undefined ? undefined : readEncryptionKey(d, subkey, "subkey"),
      seqNumber: seqNumber === undefined ? undefined : d.integer(seqNumber, "seq-number") >>> 0
    }
  })
