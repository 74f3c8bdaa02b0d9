import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Redacted from "effect/Redacted"
import { createHash, createHmac } from "node:crypto"
import { md4 } from "../../src/auth/Md4.js"
import type { ChallengeMessage } from "../../src/auth/Ntlm.js"
import {
  authenticate,
  AvId,
  avPairString,
  CLIENT_FLAGS,
  computeMic,
  decodeChallenge,
  deriveNtlmKeys,
  encodeAvPairs,
  encodeNegotiate,
  NegotiateFlags,
  ntlmV2Response,
  ntowfv2,
  sign
} from "../../src/auth/Ntlm.js"
import { Rc4, rc4 } from "../../src/auth/Rc4.js"
import { decodeNegTokenInit, decodeNegTokenResp, encodeMechTypeList, NTLMSSP_OID } from "../../src/auth/Spnego.js"
import { encodeUtf16 } from "../../src/wire/Reader.js"
import { fromHex, toUpperHex } from "../support/bytes.js"
import { ANATOMY_NTLM, DOMAIN, PASSWORD, SESSIONS_311, USER } from "../crypto/msblog.js"
import { AUTHENTICATE, authenticateFlags, ntlmField, securityBuffer } from "./messages.js"
import { NLMP_AUTHENTICATE, NLMP_CHALLENGE } from "./nlmp.js"

// MS-NLMP 4.2.4 "NTLMv2 Authentication" example values:
// 4.2.4.1.1 NTOWFv2 (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/7795bd0e-fd5e-43ec-bd9c-994704d8ee26),
// 4.2.4.1.3 temp (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/946f54bd-76b5-4b18-ace8-6e8c992d5847),
// 4.2.4.2.2 NTLMv2 response (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/fa2bc0f0-9efa-40d7-a165-adfccd7f6da7),
// 4.2.4.2.1 LMv2 response (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/7e2b35f9-fe90-49fb-8c9d-30639a899160),
// 4.2.4.1.2 session base key (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/54973495-20d2-49e8-9925-c399a403ed4a),
// 4.2.4.2.3 encrypted session key (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/4a84eb20-870a-421e-984f-29a842cd6504).
const NLMP = {
  user: "User",
  domain: "Domain",
  password: Redacted.make("Password"),
  workstation: "COMPUTER",
  randomSessionKey: fromHex("55555555555555555555555555555555"),
  clientChallenge: fromHex("AAAAAAAAAAAAAAAA"),
  serverChallenge: fromHex("0123456789ABCDEF"),
  time: new Uint8Array(8),
  targetInfo: fromHex("02000C0044006F006D00610069006E0001000C0053006500720076006500720000000000"),
  ntowfv2: "0C868A403BFD7A93A3001EF22EF02E3F",
  temp:
    "01010000000000000000000000000000AAAAAAAAAAAAAAAA0000000002000C0044006F006D00610069006E0001000C" +
    "005300650072007600650072000000000000000000",
  ntProofStr: "68CD0AB851E51C96AABC927BEBEF6A1C",
  lmv2: "86C35097AC9CEC102554764A57CCCC19AAAAAAAAAAAAAAAA",
  sessionBaseKey: "8DE40CCADBC14A82F15CB0AD0DE95CA3",
  encryptedRandomSessionKey: "C5DAD2544FC9799094CE1CE90BC9D03E"
}

// MS-NLMP 4.2.4.4 GSS_WrapEx example (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/9cdb7bb2-17e6-409c-99cc-04590db064d4)
// and SEALKEY/SIGNKEY (3.4.5.2, 3.4.5.3).
const NLMP_SEAL = {
  plaintext: encodeUtf16("Plaintext"),
  clientSealKey: "59F600973CC4960A25480A7C196E4C58",
  clientSignKey: "4788DC861B4782F35D43FD98FE1A2D39",
  sealed: "54E50165BF1936DC996020C1811B0F06FB5F",
  signature: "010000007FB38EC5C55D497600000000"
}

const challengeOf = (hexMessage: string): ChallengeMessage => Either.getOrThrow(decodeChallenge(fromHex(hexMessage)))

const MECH_TYPE_LIST = encodeMechTypeList([NTLMSSP_OID])

describe("NTLMv2 (MS-NLMP 4.2.4)", () => {
  it("NTOWFv2", () => {
    expect(toUpperHex(ntowfv2(NLMP.password, NLMP.user, NLMP.domain))).toBe(NLMP.ntowfv2)
  })

  it("NTLMv2 and LMv2 responses, session base key, encrypted random session key", () => {
    const response = ntlmV2Response({
      responseKey: ntowfv2(NLMP.password, NLMP.user, NLMP.domain),
      serverChallenge: NLMP.serverChallenge,
      clientChallenge: NLMP.clientChallenge,
      time: NLMP.time,
      targetInfo: NLMP.targetInfo
    })
    expect(toUpperHex(response.ntProofStr)).toBe(NLMP.ntProofStr)
    expect(toUpperHex(response.ntChallengeResponse)).toBe(NLMP.ntProofStr + NLMP.temp)
    expect(toUpperHex(response.lmChallengeResponse)).toBe(NLMP.lmv2)
    expect(toUpperHex(response.sessionBaseKey)).toBe(NLMP.sessionBaseKey)
    expect(toUpperHex(rc4(response.sessionBaseKey, NLMP.randomSessionKey))).toBe(NLMP.encryptedRandomSessionKey)
  })

  it("4.2.4.3: decodes the CHALLENGE_MESSAGE", () => {
    const challenge = challengeOf(NLMP_CHALLENGE)
    expect(challenge.flags).toBe(0xe28a8233)
    expect(toUpperHex(challenge.serverChallenge)).toBe("0123456789ABCDEF")
    expect(challenge.targetName).toBe("Server")
    expect(avPairString(challenge.targetInfo, AvId.NbDomainName)).toBe("Domain")
    expect(avPairString(challenge.targetInfo, AvId.NbComputerName)).toBe("Server")
    expect(challenge.timestamp).toBeUndefined()
    expect(challenge.version).toEqual({ major: 6, minor: 0, build: 6000, revision: 15 })
    expect(toUpperHex(encodeAvPairs(challenge.targetInfo))).toBe(toUpperHex(NLMP.targetInfo))
  })

  it("4.2.4.3: reproduces the AUTHENTICATE_MESSAGE byte for byte", () => {
    const result = Either.getOrThrow(authenticate({
      negotiate: encodeNegotiate(),
      challenge: challengeOf(NLMP_CHALLENGE),
      credentials: { _tag: "User", user: NLMP.user, domain: NLMP.domain, password: NLMP.password },
      workstation: NLMP.workstation,
      version: { major: 5, minor: 1, build: 2600, revision: 15 },
      clientChallenge: NLMP.clientChallenge,
      randomSessionKey: NLMP.randomSessionKey,
      time: 0n
    }))
    expect(toUpperHex(result.message)).toBe(NLMP_AUTHENTICATE)
    expect(result.flags).toBe(0xe2888235)
    expect(result.mic).toBe(false)
    expect(toUpperHex(result.exportedSessionKey)).toBe(toUpperHex(NLMP.randomSessionKey))
  })

  it("4.2.4.4: sealing and signing keys, sealed message and its signature", () => {
    const flags = NegotiateFlags.EXTENDED_SESSIONSECURITY | NegotiateFlags.NEGOTIATE_128 | NegotiateFlags.KEY_EXCH
    const { client, server } = deriveNtlmKeys(NLMP.randomSessionKey, flags)
    expect(toUpperHex(client.sealingKey)).toBe(NLMP_SEAL.clientSealKey)
    expect(toUpperHex(client.signingKey)).toBe(NLMP_SEAL.clientSignKey)
    // GSS_WrapEx seals with the handle first, then encrypts the checksum with the same handle.
    const handle = new Rc4(client.sealingKey)
    expect(toUpperHex(handle.update(NLMP_SEAL.plaintext))).toBe(NLMP_SEAL.sealed)
    expect(toUpperHex(sign(client, NLMP_SEAL.plaintext, 0, handle))).toBe(NLMP_SEAL.signature)
    expect(toUpperHex(server.sealingKey)).not.toBe(toUpperHex(client.sealingKey))
    expect(toUpperHex(server.signingKey)).not.toBe(toUpperHex(client.signingKey))
  })

  // MS-NLMP 3.4.5.3 SEALKEY: MD5(session key cut to 7 bytes (56-bit) or 5 bytes (40-bit) || magic constant).
  it("56- and 40-bit sealing keys use 7 and 5 bytes of the session key", () => {
    const magic = new TextEncoder().encode("session key to client-to-server sealing key magic constant\0")
    const md5 = (...parts: ReadonlyArray<Uint8Array>) => toUpperHex(parts.reduce((h, p) => h.update(p), createHash("md5")).digest())
    const ess = NegotiateFlags.EXTENDED_SESSIONSECURITY | NegotiateFlags.KEY_EXCH
    const k56 = deriveNtlmKeys(NLMP.randomSessionKey, ess | NegotiateFlags.NEGOTIATE_56)
    const k40 = deriveNtlmKeys(NLMP.randomSessionKey, ess)
    expect(toUpperHex(k56.client.sealingKey)).toBe(md5(NLMP.randomSessionKey.subarray(0, 7), magic))
    expect(toUpperHex(k40.client.sealingKey)).toBe(md5(NLMP.randomSessionKey.subarray(0, 5), magic))
    expect(toUpperHex(k56.client.signingKey)).toBe(NLMP_SEAL.clientSignKey)
  })

  // MS-NLMP 3.4.4.2: without KEY_EXCH the checksum is the plain HMAC-MD5 prefix.
  it("without key exchange the checksum is not encrypted", () => {
    const flags = NegotiateFlags.EXTENDED_SESSIONSECURITY | NegotiateFlags.NEGOTIATE_128
    const { client } = deriveNtlmKeys(NLMP.randomSessionKey, flags)
    expect(client.keyExchange).toBe(false)
    const checksum = createHmac("md5", client.signingKey).update(new Uint8Array(4)).update(NLMP_SEAL.plaintext).digest()
    expect(toUpperHex(sign(client, NLMP_SEAL.plaintext, 0))).toBe("01000000" + toUpperHex(checksum.subarray(0, 8)) + "00000000")
  })

  it("NEGOTIATE_MESSAGE: 40 bytes, our flags, no domain or workstation", () => {
    const negotiate = encodeNegotiate()
    expect(negotiate.length).toBe(40)
    expect(toUpperHex(negotiate.subarray(0, 16))).toBe("4E544C4D53535000" + "01000000" + "358208E2")
    expect(CLIENT_FLAGS).toBe(0xe2088235)
    expect(toUpperHex(negotiate.subarray(16, 32))).toBe("00".repeat(16))
  })
})

describe("NTLMv2 against Windows (Microsoft blog traces)", () => {
  const master = SESSIONS_311[0]!

  // https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
  // ("NTLMv2 SessionKey calculation example").
  it("anatomy master: NT hash, NTOWFv2, NTProofStr, key exchange, MIC, session security keys", () => {
    const password = Redacted.make(PASSWORD)
    expect(toUpperHex(md4(encodeUtf16(PASSWORD)))).toBe(ANATOMY_NTLM.ntHash)
    const responseKey = ntowfv2(password, USER, DOMAIN)
    expect(toUpperHex(responseKey)).toBe(ANATOMY_NTLM.ntowfv2)

    const auth = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupRequest2))).responseToken!
    const challenge = Either.getOrThrow(decodeChallenge(Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse1))).responseToken!))
    const nt = ntlmField(auth, AUTHENTICATE.ntChallengeResponse)
    const temp = nt.subarray(16)
    const response = ntlmV2Response({
      responseKey,
      serverChallenge: challenge.serverChallenge,
      clientChallenge: temp.subarray(16, 24),
      time: temp.subarray(8, 16),
      targetInfo: temp.subarray(28, temp.length - 4)
    })
    expect(toUpperHex(response.ntProofStr)).toBe(ANATOMY_NTLM.ntProofStr)
    expect(toUpperHex(response.ntChallengeResponse)).toBe(toUpperHex(nt))
    expect(toUpperHex(response.sessionBaseKey)).toBe(ANATOMY_NTLM.keyExchangeKey)
    expect(toUpperHex(ntlmField(auth, AUTHENTICATE.encryptedRandomSessionKey))).toBe(ANATOMY_NTLM.encryptedRandomSessionKey)
    const exported = rc4(response.sessionBaseKey, fromHex(ANATOMY_NTLM.encryptedRandomSessionKey))
    expect(toUpperHex(exported)).toBe(master.sessionKey)

    const keys = deriveNtlmKeys(exported, authenticateFlags(auth))
    expect(toUpperHex(keys.client.signingKey)).toBe(ANATOMY_NTLM.clientSigningKey)
    expect(toUpperHex(keys.client.sealingKey)).toBe(ANATOMY_NTLM.clientSealingKey)
    expect(toUpperHex(keys.server.signingKey)).toBe(ANATOMY_NTLM.serverSigningKey)
    expect(toUpperHex(keys.server.sealingKey)).toBe(ANATOMY_NTLM.serverSealingKey)
    expect(toUpperHex(auth.subarray(72, 88))).toBe(ANATOMY_NTLM.mic)
  })

  it.each(SESSIONS_311)("$name: the session key, the MIC and both mechListMICs", (session) => {
    const clientToken = Either.getOrThrow(decodeNegTokenResp(securityBuffer(session.sessionSetupRequest2)))
    const auth = clientToken.responseToken!
    const ntlmNegotiate = Either.getOrThrow(decodeNegTokenInit(securityBuffer(session.sessionSetupRequest1))).mechToken!
    const challengeBytes = Either.getOrThrow(decodeNegTokenResp(securityBuffer(session.sessionSetupResponse1))).responseToken!
    const challenge = Either.getOrThrow(decodeChallenge(challengeBytes))
    const nt = ntlmField(auth, AUTHENTICATE.ntChallengeResponse)
    const temp = nt.subarray(16)
    const { sessionBaseKey } = ntlmV2Response({
      responseKey: ntowfv2(Redacted.make(PASSWORD), USER, DOMAIN),
      serverChallenge: challenge.serverChallenge,
      clientChallenge: temp.subarray(16, 24),
      time: temp.subarray(8, 16),
      targetInfo: temp.subarray(28, temp.length - 4)
    })
    const exported = rc4(sessionBaseKey, ntlmField(auth, AUTHENTICATE.encryptedRandomSessionKey))
    expect(toUpperHex(exported)).toBe(session.sessionKey)

    const zeroed = auth.slice()
    zeroed.fill(0, 72, 88)
    expect(toUpperHex(computeMic(exported, ntlmNegotiate, challengeBytes, zeroed))).toBe(toUpperHex(auth.subarray(72, 88)))

    const keys = deriveNtlmKeys(exported, authenticateFlags(auth))
    expect(toUpperHex(clientToken.mechListMIC!)).toBe(session.clientMechListMIC)
    expect(toUpperHex(sign(keys.client, MECH_TYPE_LIST, 0))).toBe(session.clientMechListMIC)
    expect(toUpperHex(sign(keys.server, MECH_TYPE_LIST, 0))).toBe(session.serverMechListMIC)
  })

  it("decodes Windows Server 2016's CHALLENGE_MESSAGE", () => {
    const challenge = Either.getOrThrow(decodeChallenge(Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse1))).responseToken!))
    expect(challenge.flags).toBe(0xe28a8215)
    expect(challenge.targetName).toBe("SUT311")
    expect(avPairString(challenge.targetInfo, AvId.NbComputerName)).toBe("SUT311")
    expect(avPairString(challenge.targetInfo, AvId.DnsDomainName)).toBe("SUT311")
    expect(challenge.timestamp).toBe(0x01d0aecbadf5a1a1n)
    expect(challenge.version).toEqual({ major: 10, minor: 0, build: 0x2792, revision: 15 })
  })
})

describe("AUTHENTICATE_MESSAGE construction", () => {
  const master = SESSIONS_311[0]!
  const challengeBytes = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse1))).responseToken!
  const challenge = Either.getOrThrow(decodeChallenge(challengeBytes))
  const negotiate = encodeNegotiate()
  const input = {
    negotiate,
    challenge,
    credentials: { _tag: "User", user: USER, domain: DOMAIN, password: Redacted.make(PASSWORD) },
    workstation: "CLIENT",
    version: { major: 10, minor: 0, build: 0, revision: 15 },
    clientChallenge: fromHex("0102030405060708"),
    randomSessionKey: fromHex(master.sessionKey),
    time: 0x01020304050607n
  } as const

  it("with a server timestamp: MIC, MsvAvFlags, LMv2 zeroed, the server's time in the blob", () => {
    const result = Either.getOrThrow(authenticate(input))
    const message = result.message
    expect(result.mic).toBe(true)
    expect(result.flags).toBe(0xe2888215)
    expect(toUpperHex(ntlmField(message, AUTHENTICATE.lmChallengeResponse))).toBe("00".repeat(24))
    const temp = ntlmField(message, AUTHENTICATE.ntChallengeResponse).subarray(16)
    expect(new DataView(temp.buffer, temp.byteOffset).getBigUint64(8, true)).toBe(challenge.timestamp)
    expect(toUpperHex(temp.subarray(16, 24))).toBe("0102030405060708")
    const info = Either.getOrThrow(decodeChallenge(withTargetInfo(temp.subarray(28, temp.length - 4)))).targetInfo
    expect(info.slice(0, challenge.targetInfo.length)).toEqual(challenge.targetInfo)
    expect(info.find((p) => p.id === AvId.Flags)?.value).toEqual(new Uint8Array([2, 0, 0, 0]))

    const zeroed = message.slice()
    zeroed.fill(0, 72, 88)
    expect(toUpperHex(message.subarray(72, 88))).toBe(toUpperHex(computeMic(result.exportedSessionKey, negotiate, challengeBytes, zeroed)))
    expect(toUpperHex(result.exportedSessionKey)).toBe(master.sessionKey)
    expect(new TextDecoder("utf-16le").decode(ntlmField(message, AUTHENTICATE.userName))).toBe(USER)
    expect(new TextDecoder("utf-16le").decode(ntlmField(message, AUTHENTICATE.workstation))).toBe("CLIENT")
  })

  it("the server can check the response: NTProofStr recomputes from the blob, the key decrypts", () => {
    const result = Either.getOrThrow(authenticate(input))
    const nt = ntlmField(result.message, AUTHENTICATE.ntChallengeResponse)
    const temp = nt.subarray(16)
    const recomputed = ntlmV2Response({
      responseKey: ntowfv2(Redacted.make(PASSWORD), USER, DOMAIN),
      serverChallenge: challenge.serverChallenge,
      clientChallenge: temp.subarray(16, 24),
      time: temp.subarray(8, 16),
      targetInfo: temp.subarray(28, temp.length - 4)
    })
    expect(toUpperHex(recomputed.ntChallengeResponse)).toBe(toUpperHex(nt))
    const encrypted = ntlmField(result.message, AUTHENTICATE.encryptedRandomSessionKey)
    expect(toUpperHex(rc4(recomputed.sessionBaseKey, encrypted))).toBe(master.sessionKey)
  })

  it("adds MsvAvTargetName when an SPN is given", () => {
    const result = Either.getOrThrow(authenticate({ ...input, spn: "cifs/SUT311" }))
    const temp = ntlmField(result.message, AUTHENTICATE.ntChallengeResponse).subarray(16)
    const info = Either.getOrThrow(decodeChallenge(withTargetInfo(temp.subarray(28, temp.length - 4)))).targetInfo
    expect(avPairString(info, AvId.TargetName)).toBe("cifs/SUT311")
  })

  it("anonymous: empty NT response, LM Z(1), ANONYMOUS flag, no MIC, key exchanged under Z(16)", () => {
    const result = Either.getOrThrow(authenticate({ ...input, credentials: { _tag: "Anonymous" } }))
    const message = result.message
    expect(result.mic).toBe(false)
    expect(result.flags & NegotiateFlags.ANONYMOUS).toBe(NegotiateFlags.ANONYMOUS)
    expect(ntlmField(message, AUTHENTICATE.ntChallengeResponse).length).toBe(0)
    expect(toUpperHex(ntlmField(message, AUTHENTICATE.lmChallengeResponse))).toBe("00")
    expect(ntlmField(message, AUTHENTICATE.userName).length).toBe(0)
    expect(ntlmField(message, AUTHENTICATE.domainName).length).toBe(0)
    expect(toUpperHex(ntlmField(message, AUTHENTICATE.encryptedRandomSessionKey))).toBe(toUpperHex(rc4(new Uint8Array(16), input.randomSessionKey)))
  })

  it("never computes an LM or NTLMv1 response: without a timestamp the LM field is LMv2", () => {
    const result = Either.getOrThrow(authenticate({ ...input, challenge: challengeOf(NLMP_CHALLENGE) }))
    const lm = ntlmField(result.message, AUTHENTICATE.lmChallengeResponse)
    expect(toUpperHex(lm.subarray(16))).toBe("0102030405060708")
    expect(ntlmField(result.message, AUTHENTICATE.ntChallengeResponse).length).toBeGreaterThan(24)
  })

  it("a field over 65535 bytes is a Left", () => {
    const result = authenticate({ ...input, workstation: "W".repeat(40_000) })
    expect(Either.isLeft(result) && result.left.reason).toBe("Unsupported")
  })
})

/** Wraps AV pairs in a minimal CHALLENGE_MESSAGE so the decoder can read them back. */
const withTargetInfo = (info: Uint8Array): Uint8Array => {
  const message = new Uint8Array(48 + info.length)
  message.set(fromHex("4E544C4D53535000" + "02000000"))
  const view = new DataView(message.buffer)
  view.setUint32(20, NegotiateFlags.UNICODE, true)
  view.setUint16(40, info.length, true)
  view.setUint16(42, info.length, true)
  view.setUint32(44, 48, true)
  message.set(info, 48)
  return message
}

describe("decodeChallenge robustness", () => {
  const valid = fromHex(NLMP_CHALLENGE)

  it("rejects a wrong signature, message type, or out-of-bounds buffers", () => {
    const cases: Array<[number, number]> = [[0, 0x4f], [8, 3], [16, 0xff], [44, 0x80], [40, 0xff]]
    for (const [at, value] of cases) {
      const bad = valid.slice()
      bad[at] = value
      expect(Either.isLeft(decodeChallenge(bad))).toBe(true)
    }
    for (const length of [0, 7, 23, 47]) expect(Either.isLeft(decodeChallenge(valid.subarray(0, length)))).toBe(true)
  })

  it.prop(
    "random bytes: a Left or a Right, never a throw",
    [FastCheck.uint8Array({ maxLength: 300 })],
    ([bytes]) => {
      const withHeader = bytes.slice()
      if (withHeader.length >= 12) withHeader.set(fromHex("4E544C4D53535000" + "02000000"))
      expect(Either.isEither(decodeChallenge(bytes))).toBe(true)
      expect(Either.isEither(decodeChallenge(withHeader))).toBe(true)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )

  it.prop(
    "a mutated valid challenge: a Left or a Right, never a throw",
    [FastCheck.array(FastCheck.tuple(FastCheck.nat(), FastCheck.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), FastCheck.nat()],
    ([mutations, cut]) => {
      const bytes = valid.slice(0, valid.length - (cut % 8))
      for (const [at, value] of mutations) bytes[at % bytes.length] = value
      expect(Either.isEither(decodeChallenge(bytes))).toBe(true)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )
})
