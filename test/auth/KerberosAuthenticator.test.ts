/**
 * The Kerberos Authenticator against a simulated acceptor: the AP-REQ it sends (mutual-required,
 * the RFC 4121 checksum, a subkey), mutual authentication (an AP-REP that does not decrypt with
 * the ticket's key, or does not echo our time, or is missing, fails), the session key (acceptor
 * subkey, else ours, 16 bytes), and the mechListMIC both ways. The MIC token is cross-checked
 * against impacket's GSSAPI_AES256/AES128.GSS_GetMIC (impacket 0.10, krb5/gssapi.py), computed
 * with the keys 00..1f / 00..0f over the DER MechTypeList [MS-KRB5, KRB5]; the RC4 one (RFC 4757
 * 7.2) against impacket's GSSAPI_RC4.GSS_GetMIC with the key 10..1f, sequence numbers 0x12345678
 * (direction 'init') and 99 ('accept').
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { decrypt, EncType, encrypt, randomKey } from "../../src/auth/kerberos/Crypto.js"
import type { Key } from "../../src/auth/kerberos/Crypto.js"
import * as Der from "../../src/auth/kerberos/Der.js"
import type { ServiceTicket } from "../../src/auth/kerberos/Kerberos.js"
import { encodeEncryptedData, encodeEncryptionKey, KeyUsage } from "../../src/auth/kerberos/Messages.js"
import { KRB5_OID, makeKerberosAuthenticator, micToken, MS_KRB5_OID, rc4MicToken } from "../../src/auth/KerberosAuthenticator.js"
import { decodeNegTokenInit, decodeNegTokenResp, encodeMechTypeList, encodeNegTokenResp, NegState } from "../../src/auth/Spnego.js"

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const MECH_TYPE_LIST = encodeMechTypeList([MS_KRB5_OID, KRB5_OID])

describe("RFC 4121 MIC token", () => {
  it("matches impacket's GSS_GetMIC (initiator, acceptor-subkey flag)", () => {
    const key256: Key = { etype: EncType.AES256_CTS_HMAC_SHA1_96, value: new Uint8Array(Array.from({ length: 32 }, (_, i) => i)) }
    const key128: Key = { etype: EncType.AES128_CTS_HMAC_SHA1_96, value: new Uint8Array(Array.from({ length: 16 }, (_, i) => i)) }
    expect(toHex(MECH_TYPE_LIST)).toBe("301606092a864882f71201020206092a864886f712010202")
    expect(toHex(micToken(key256, 25, 4, 0x12345678, MECH_TYPE_LIST))).toBe("040404ffffffffff000000001234567886003e7a691c386a7508b88b")
    expect(toHex(micToken(key128, 25, 4, 7, MECH_TYPE_LIST))).toBe("040404ffffffffff00000000000000075e2a8b3f33117efb2e29aeb9")
  })

  it("RC4 (RFC 4757): matches impacket's GSS_GetMIC from either side", () => {
    const key: Key = { etype: EncType.RC4_HMAC, value: new Uint8Array(Array.from({ length: 16 }, (_, i) => 0x10 + i)) }
    expect(toHex(rc4MicToken(key, false, 0x12345678, MECH_TYPE_LIST))).toBe(
      "602306092a864886f71201020201011100ffffffffa26f867e471682de148dfee860f2cbd0"
    )
    expect(toHex(rc4MicToken(key, true, 99, MECH_TYPE_LIST))).toBe("602306092a864886f71201020201011100ffffffffb05bd065b8e97d21148dfee860f2cbd0")
  })
})

const ticketKey: Key = randomKey(EncType.AES256_CTS_HMAC_SHA1_96)
const ticket: ServiceTicket = {
  ticket: Der.tlv(Der.application(1), Der.sequence(Der.field(0, Der.integer(5)))),
  key: ticketKey,
  crealm: "EXAMPLE.TEST",
  cname: { type: 1, components: ["kuser"] },
  source: "password"
}

/** What the acceptor reads out of our first token. */
const readApReq = (token: Uint8Array, key: Key = ticketKey) => {
  const init = Either.getOrThrow(decodeNegTokenInit(token))
  expect(init.mechTypes).toEqual([MS_KRB5_OID, KRB5_OID])
  const gss = init.mechToken!
  const g = new Der.DerReader(gss, "gss")
  const root = g.root(Der.application(0), "gss")
  const oid = g.element(root.start, root.end, "oid")
  expect(toHex(gss.subarray(oid.end, oid.end + 2))).toBe("0100")
  const apReq = gss.subarray(oid.end + 2)
  const d = new Der.DerReader(apReq, "AP-REQ")
  const seq = d.sequenceIn(d.root(Der.application(14), "AP-REQ"), "AP-REQ")
  const options = d.flags32(d.required(seq, 2, "ap-options"), "ap-options")
  const enc = d.sequenceIn({ ...d.children(seq, "x").find((c) => c.tag === Der.context(4))!, tag: 0 }, "enc")
  const cipher = d.octets(d.required(enc, 2, "cipher"), "cipher")
  const plain = Either.getOrThrow(decrypt(key, KeyUsage.AP_REQ_AUTHENTICATOR, cipher))
  const a = new Der.DerReader(plain, "Authenticator")
  const aseq = a.sequenceIn(a.root(Der.application(2), "Authenticator"), "Authenticator")
  const cksum = a.expect(a.required(aseq, 3, "cksum"), Der.Tag.SEQUENCE, "cksum")
  const subkey = a.expect(a.required(aseq, 6, "subkey"), Der.Tag.SEQUENCE, "subkey")
  return {
    options,
    checksumType: a.integer(a.required(cksum, 0, "t"), "t"),
    checksum: a.octets(a.required(cksum, 1, "c"), "c"),
    ctime: a.raw(a.required(aseq, 5, "ctime")),
    cusec: a.integer(a.required(aseq, 4, "cusec"), "cusec"),
    subkey: { etype: a.integer(a.required(subkey, 0, "k"), "k"), value: a.octets(a.required(subkey, 1, "v"), "v") } as Key,
    seq: a.integer(a.required(aseq, 7, "seq"), "seq") >>> 0
  }
}

const apRep = (key: Key, fields: { ctime: Uint8Array; cusec: number; subkey?: Key; seq?: number }) => {
  const part = Der.tlv(
    Der.application(27),
    Der.sequence(
      Der.field(0, fields.ctime),
      Der.field(1, Der.integer(fields.cusec)),
      Der.field(2, fields.subkey === undefined ? undefined : encodeEncryptionKey({ keytype: fields.subkey.etype, value: fields.subkey.value })),
      Der.field(3, fields.seq === undefined ? undefined : Der.integer(fields.seq))
    )
  )
  const rep = Der.tlv(
    Der.application(15),
    Der.sequence(
      Der.field(0, Der.integer(5)),
      Der.field(1, Der.integer(15)),
      Der.field(2, encodeEncryptedData({ etype: key.etype, cipher: encrypt(key, KeyUsage.AP_REP_ENC_PART, part) }))
    )
  )
  return Der.tlv(Der.application(0), Der.oid(KRB5_OID), new Uint8Array([2, 0]), rep)
}

describe("Kerberos authenticator", () => {
  it("sends an AP-REQ with mutual-required and the 0x8003 checksum; one round; the session key is our subkey", () => {
    const auth = makeKerberosAuthenticator({ ticket })
    const req = readApReq(auth.initialToken())
    expect(req.options).toBe(0x20000000)
    expect(req.checksumType).toBe(0x8003)
    expect(toHex(req.checksum)).toBe("10000000" + "00".repeat(16) + "3e000000")
    expect(auth.sessionKey()).toHaveLength(0)
    const final = encodeNegTokenResp({ negState: NegState.AcceptCompleted, supportedMech: MS_KRB5_OID, responseToken: apRep(ticketKey, req) })
    expect(Either.isRight(auth.verifyFinal(final))).toBe(true)
    expect(toHex(auth.sessionKey())).toBe(toHex(req.subkey.value.subarray(0, 16)))
  })

  it("an acceptor subkey and mechListMIC: checked, answered with ours; the session key is the acceptor's", () => {
    const auth = makeKerberosAuthenticator({ ticket })
    const req = readApReq(auth.initialToken())
    const acceptor = randomKey(EncType.AES256_CTS_HMAC_SHA1_96)
    const serverMic = micToken(acceptor, 23, 0x05, 99, MECH_TYPE_LIST)
    const token = encodeNegTokenResp({
      negState: NegState.AcceptIncomplete,
      supportedMech: MS_KRB5_OID,
      responseToken: apRep(ticketKey, { ...req, subkey: acceptor, seq: 99 }),
      mechListMIC: serverMic
    })
    const step = Either.getOrThrow(auth.next(token))
    const ours = Either.getOrThrow(decodeNegTokenResp(step.token!)).mechListMIC!
    expect(toHex(ours)).toBe(toHex(micToken(acceptor, 25, 0x04, req.seq, MECH_TYPE_LIST)))
    expect(Either.isRight(auth.verifyFinal(encodeNegTokenResp({ negState: NegState.AcceptCompleted })))).toBe(true)
    expect(toHex(auth.sessionKey())).toBe(toHex(acceptor.value.subarray(0, 16)))
  })

  it("with RC4 keys: the server's RFC 4757 mechListMIC checked and ours sent; a wrong one refused", () => {
    const rc4Ticket: ServiceTicket = { ...ticket, key: randomKey(EncType.RC4_HMAC) }
    const acceptor = randomKey(EncType.RC4_HMAC)
    const exchange = (serverMic: (seq: number) => Uint8Array) => {
      const auth = makeKerberosAuthenticator({ ticket: rc4Ticket })
      const req = readApReq(auth.initialToken(), rc4Ticket.key)
      const token = encodeNegTokenResp({
        negState: NegState.AcceptIncomplete,
        supportedMech: KRB5_OID,
        responseToken: apRep(rc4Ticket.key, { ...req, subkey: acceptor, seq: 99 }),
        mechListMIC: serverMic(99)
      })
      return { auth, req, step: auth.next(token) }
    }
    const { auth, req, step } = exchange((seq) => rc4MicToken(acceptor, true, seq, MECH_TYPE_LIST))
    const ours = Either.getOrThrow(decodeNegTokenResp(Either.getOrThrow(step).token!)).mechListMIC!
    expect(toHex(ours)).toBe(toHex(rc4MicToken(acceptor, false, req.seq, MECH_TYPE_LIST)))
    expect(Either.isRight(auth.verifyFinal(encodeNegTokenResp({ negState: NegState.AcceptCompleted })))).toBe(true)
    expect(toHex(auth.sessionKey())).toBe(toHex(acceptor.value))
    // Signed as if by the initiator (direction 00), or with another sequence number: refused.
    expect(exchange((seq) => rc4MicToken(acceptor, false, seq, MECH_TYPE_LIST)).step).toMatchObject({ _tag: "Left", left: { reason: "MicMismatch" } })
    expect(exchange((seq) => rc4MicToken(acceptor, true, seq + 1, MECH_TYPE_LIST)).step).toMatchObject({ _tag: "Left", left: { reason: "MicMismatch" } })
  })

  it("refuses a bad mechListMIC", () => {
    const auth = makeKerberosAuthenticator({ ticket })
    const req = readApReq(auth.initialToken())
    const acceptor = randomKey(EncType.AES256_CTS_HMAC_SHA1_96)
    const token = encodeNegTokenResp({
      negState: NegState.AcceptIncomplete,
      responseToken: apRep(ticketKey, { ...req, subkey: acceptor, seq: 99 }),
      mechListMIC: micToken(acceptor, 23, 0x05, 98, MECH_TYPE_LIST)
    })
    expect(auth.next(token)).toMatchObject({ _tag: "Left", left: { reason: "MicMismatch" } })
  })

  it("fails mutual authentication: an AP-REP under another key, one with another time, none at all", () => {
    const wrongKey = makeKerberosAuthenticator({ ticket })
    const req1 = readApReq(wrongKey.initialToken())
    const forged = encodeNegTokenResp({ negState: NegState.AcceptCompleted, responseToken: apRep(randomKey(EncType.AES256_CTS_HMAC_SHA1_96), req1) })
    expect(wrongKey.verifyFinal(forged)).toMatchObject({ _tag: "Left", left: { reason: "MicMismatch" } })

    const wrongTime = makeKerberosAuthenticator({ ticket })
    const req2 = readApReq(wrongTime.initialToken())
    const stale = encodeNegTokenResp({ negState: NegState.AcceptCompleted, responseToken: apRep(ticketKey, { ...req2, cusec: req2.cusec + 1 }) })
    expect(wrongTime.verifyFinal(stale)).toMatchObject({ _tag: "Left", left: { reason: "MicMismatch" } })

    const none = makeKerberosAuthenticator({ ticket })
    none.initialToken()
    expect(none.verifyFinal(encodeNegTokenResp({ negState: NegState.AcceptCompleted }))).toMatchObject({ _tag: "Left" })
    expect(none.sessionKey()).toHaveLength(0)
  })

  it("shows no key in its JSON", () => {
    const auth = makeKerberosAuthenticator({ ticket })
    expect(JSON.stringify(auth)).toBe('{"_tag":"Authenticator","mechanism":"Kerberos","state":"Initial","client":"kuser@EXAMPLE.TEST","source":"password"}')
  })
})
