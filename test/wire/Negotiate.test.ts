import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command } from "../../src/wire/Command.js"
import { decodeHeader, HEADER_SIZE } from "../../src/wire/Header.js"
import {
  Capabilities,
  decodeNegotiateRequest,
  decodeNegotiateResponse,
  Dialect,
  encodeNegotiateRequest,
  encodeNegotiateResponse,
  type NegotiateRequest,
  type NegotiateResponse,
  SecurityMode
} from "../../src/wire/Negotiate.js"
import { Cipher, HashAlgorithm } from "../../src/wire/NegotiateContext.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, fixedBytes, u16, u32, u64 } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, negotiateContext, withHeader } from "./wireTestKit.js"

// Windows 10 NEGOTIATE request and Windows Server 2016 response (SMB 3.1.1, master session) from
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
// (Appendix: key derivation examples).
const ANATOMY_REQUEST = fromHex(
  "FE534D4240000100000000000000800000000000000000000100000000000000FFFE00000000000000000000000000000000000000000000" +
    "000000000000000024000500000000003F000000ECD86F326276024F9F7752B89BB33F3A7000000002000000020210020003020311030000" +
    "0100260000000000010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF00000200060000000000" +
    "020002000100"
)
const ANATOMY_RESPONSE = fromHex(
  "FE534D4240000100000000000000010001000000000000000100000000000000FFFE00000000000000000000000000000000000000000000" +
    "0000000000000000410001001103020039CBCAF329714942BDCE5D60F09AB3FB2F000000000080000000800000008000D8DAE5ADCBAED001" +
    "09094AB095AED00180004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B06010401823702021E060A2B06" +
    "010401823702020AA282010C048201084E45474F45585453010000000000000060000000700000007C7CC0FD06D6362D02DDE1CF343BFE29" +
    "2900F49750B4AA97934D9C4296B26E51FD370471B235E15A50DAE15BD5489C87000000000000000060000000010000000000000000000000" +
    "5C33530DEAF90D4DB2EC4AE3786EC3084E45474F45585453030000000100000040000000980000007C7CC0FD06D6362D02DDE1CF343BFE29" +
    "5C33530DEAF90D4DB2EC4AE3786EC30840000000580000003056A05430523027802530233121301F06035504031318546F6B656E20536967" +
    "6E696E67205075626C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075626C6963204B6579" +
    "010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C483CA5B65385A251117BEB30712E500000200040000000000" +
    "01000200"
)

// NEGOTIATE request of appendix A.1 (AES-128-GCM) and response of appendix A.2 (AES-128-CCM) of
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10
const GCM_REQUEST = fromHex(
  "FE534D4240000100000000000000010000000000000000000000000000000000FFFE00000000000000000000000000000000000000000000" +
    "00000000000000002400050001000000660000004F0D7FA009F5B246B2EF62551D7D7C097000000002000000020210020003020311030000" +
    "0100260000000000010020000100D1709D7196E1BD0B6EBF95213D76553435763514392649FD6F216ED8BF269CD800000200060000000000" +
    "020002000100"
)
const CCM_RESPONSE = fromHex(
  "FE534D4240000100000000000000010001000000000000000000000000000000FFFE00000000000000000000000000000000000000000000" +
    "0000000000000000410001001103020039CBCAF329714942BDCE5D60F09AB3FB27000000000080000000800000008000D04C8443CCAED001" +
    "09094AB095AED00180004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B06010401823702021E060A2B06" +
    "010401823702020AA282010C048201084E45474F45585453010000000000000060000000700000007F7CC0FD06D6362D02DDE1CF343BFE29" +
    "73007DCF55CA793E082B7A257DEFE6E8E18291ABF112C0599108C772F55CBB2A000000000000000060000000010000000000000000000000" +
    "5C33530DEAF90D4DB2EC4AE3786EC3084E45474F45585453030000000100000040000000980000007F7CC0FD06D6362D02DDE1CF343BFE29" +
    "5C33530DEAF90D4DB2EC4AE3786EC30840000000580000003056A05430523027802530233121301F06035504031318546F6B656E20536967" +
    "6E696E67205075626C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075626C6963204B6579" +
    "010026000000000001002000010088AFA422ECC239CB16F30BA641AE4B6EE79F5A4AF74FE18A301E9790515D07F700000200040000000000" +
    "01000100"
)

const WINDOWS_10_DIALECTS = [Dialect.SMB_2_0_2, Dialect.SMB_2_1, Dialect.SMB_3_0, Dialect.SMB_3_0_2, Dialect.SMB_3_1_1]

/** The capture's header followed by a re-encoded body. */
const reencoded = (capture: Uint8Array, body: Uint8Array): string =>
  toHex(capture.subarray(0, HEADER_SIZE)) + toHex(body)

const negotiateRequest: FastCheck.Arbitrary<NegotiateRequest> = FastCheck.record({
  securityMode: u16,
  capabilities: u32,
  clientGuid: fixedBytes(16),
  dialects: FastCheck.array(u16.filter((d) => d !== Dialect.SMB_3_1_1), { maxLength: 8 }),
  offers311: FastCheck.boolean(),
  contexts: FastCheck.array(negotiateContext, { maxLength: 5 })
}).map(({ contexts, offers311, ...request }) => ({
  ...request,
  dialects: offers311 ? [...request.dialects, Dialect.SMB_3_1_1] : request.dialects,
  negotiateContexts: offers311 ? contexts : []
}))

const negotiateResponse: FastCheck.Arbitrary<NegotiateResponse> = FastCheck.record({
  securityMode: u16,
  dialectRevision: FastCheck.oneof(FastCheck.constant(Dialect.SMB_3_1_1), u16),
  serverGuid: fixedBytes(16),
  capabilities: u32,
  maxTransactSize: u32,
  maxReadSize: u32,
  maxWriteSize: u32,
  systemTime: u64,
  serverStartTime: u64,
  securityBuffer: bytes(300),
  contexts: FastCheck.array(negotiateContext, { maxLength: 5 })
}).map(({ contexts, ...response }) => ({
  ...response,
  negotiateContexts: response.dialectRevision === Dialect.SMB_3_1_1 ? contexts : []
}))

describe("NEGOTIATE request", () => {
  it("decodes the Windows 10 request of the anatomy blog", () => {
    const header = expectRight(decodeHeader(ANATOMY_REQUEST))
    expect(header.command).toBe(Command.NEGOTIATE)
    expect(header.messageId).toBe(1n)
    const request = expectRight(decodeNegotiateRequest(ANATOMY_REQUEST))
    expect(request.dialects).toEqual(WINDOWS_10_DIALECTS)
    expect(request.securityMode).toBe(0)
    expect(request.capabilities).toBe(0x3f)
    expect(toHex(request.clientGuid)).toBe("ecd86f326276024f9f7752b89bb33f3a")
    expect(request.negotiateContexts).toEqual([
      {
        _tag: "PreauthIntegrity",
        hashAlgorithms: [HashAlgorithm.SHA_512],
        salt: fromHex("FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF")
      },
      { _tag: "Encryption", ciphers: [Cipher.AES_128_GCM, Cipher.AES_128_CCM] }
    ])
    expect(reencoded(ANATOMY_REQUEST, encodeNegotiateRequest(request))).toBe(toHex(ANATOMY_REQUEST))
  })

  it("decodes the request of the encryption blog (signing enabled, capabilities 0x66)", () => {
    const request = expectRight(decodeNegotiateRequest(GCM_REQUEST))
    expect(request.securityMode).toBe(SecurityMode.SIGNING_ENABLED)
    expect(request.capabilities).toBe(
      Capabilities.LEASING | Capabilities.LARGE_MTU | Capabilities.DIRECTORY_LEASING | Capabilities.ENCRYPTION
    )
    expect(request.dialects).toEqual(WINDOWS_10_DIALECTS)
    expect(request.negotiateContexts[0]).toEqual({
      _tag: "PreauthIntegrity",
      hashAlgorithms: [HashAlgorithm.SHA_512],
      salt: fromHex("D1709D7196E1BD0B6EBF95213D76553435763514392649FD6F216ED8BF269CD8")
    })
    expect(request.negotiateContexts[1]).toEqual({
      _tag: "Encryption",
      ciphers: [Cipher.AES_128_GCM, Cipher.AES_128_CCM]
    })
    expect(reencoded(GCM_REQUEST, encodeNegotiateRequest(request))).toBe(toHex(GCM_REQUEST))
  })

  it("places contexts 8-aligned after the dialects, and only when 3.1.1 is offered", () => {
    const contexts = [{ _tag: "Encryption" as const, ciphers: [Cipher.AES_256_GCM] }]
    const base = { securityMode: 1, capabilities: 0, clientGuid: new Uint8Array(16), negotiateContexts: contexts }
    const with311 = encodeNegotiateRequest({ ...base, dialects: [Dialect.SMB_3_0_2, Dialect.SMB_3_1_1] })
    // 36 + 2 dialects = 40 bytes; 64 + 40 = 104 is aligned already.
    expect(new DataView(with311.buffer).getUint32(28, true)).toBe(104)
    expect(with311.byteLength).toBe(40 + 8 + 4)
    const odd = encodeNegotiateRequest({ ...base, dialects: [Dialect.SMB_3_0, Dialect.SMB_3_0_2, Dialect.SMB_3_1_1] })
    expect(new DataView(odd.buffer).getUint32(28, true)).toBe(112)
    const without = encodeNegotiateRequest({ ...base, dialects: [Dialect.SMB_2_1, Dialect.SMB_3_0] })
    expect(without.byteLength).toBe(40)
    expect(toHex(without.subarray(28, 36))).toBe("0000000000000000")
    expect(expectRight(decodeNegotiateRequest(withHeader(Command.NEGOTIATE, without))).negotiateContexts).toEqual([])
  })

  it("ignores ClientStartTime when 3.1.1 is not offered", () => {
    const body = encodeNegotiateRequest({
      securityMode: 1,
      capabilities: 0,
      clientGuid: new Uint8Array(16),
      dialects: [Dialect.SMB_2_0_2],
      negotiateContexts: []
    })
    body.set([0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00], 28)
    expect(expectRight(decodeNegotiateRequest(withHeader(Command.NEGOTIATE, body))).negotiateContexts).toEqual([])
  })

  it("names the field that fails", () => {
    const wrongSize = Uint8Array.from(ANATOMY_REQUEST)
    wrongSize[64] = 35
    expect(expectLeft(decodeNegotiateRequest(wrongSize)).field).toBe("StructureSize")
    const tooManyDialects = Uint8Array.from(ANATOMY_REQUEST)
    tooManyDialects[66] = 200
    expect(expectLeft(decodeNegotiateRequest(tooManyDialects)).field).toBe("Dialects")
    const unaligned = Uint8Array.from(ANATOMY_REQUEST)
    unaligned[92] = 0x71
    expect(expectLeft(decodeNegotiateRequest(unaligned)).field).toBe("NegotiateContextOffset")
    const truncated = expectLeft(decodeNegotiateRequest(ANATOMY_REQUEST.subarray(0, ANATOMY_REQUEST.length - 1)))
    expect(truncated.structure).toBe("NegotiateRequest")
    expect(truncated.field).toBe("NegotiateContext.Data")
  })

  it.prop("round-trips", { request: negotiateRequest }, ({ request }) => {
    const body = encodeNegotiateRequest(request)
    expect(expectRight(decodeNegotiateRequest(withHeader(Command.NEGOTIATE, body)))).toEqual(request)
  }, { fastCheck: { seed: 42, numRuns: 500 } })

  fuzzDecoder("decodeNegotiateRequest", decodeNegotiateRequest, {
    seeds: [ANATOMY_REQUEST, GCM_REQUEST],
    numRuns: 2000,
    reencode: (request) => withHeader(Command.NEGOTIATE, encodeNegotiateRequest(request)),
    prefix: bodyPrefix(36)
  })
})

describe("NEGOTIATE response", () => {
  it("decodes the Windows Server 2016 response of the anatomy blog", () => {
    const header = expectRight(decodeHeader(ANATOMY_RESPONSE))
    expect(header.command).toBe(Command.NEGOTIATE)
    expect(header.flags).toBe(1)
    const response = expectRight(decodeNegotiateResponse(ANATOMY_RESPONSE))
    expect(response.securityMode).toBe(SecurityMode.SIGNING_ENABLED)
    expect(response.dialectRevision).toBe(Dialect.SMB_3_1_1)
    expect(toHex(response.serverGuid)).toBe("39cbcaf329714942bdce5d60f09ab3fb")
    expect(response.capabilities).toBe(
      Capabilities.DFS | Capabilities.LEASING | Capabilities.LARGE_MTU | Capabilities.MULTI_CHANNEL |
        Capabilities.DIRECTORY_LEASING
    )
    expect(response.maxTransactSize).toBe(8388608)
    expect(response.maxReadSize).toBe(8388608)
    expect(response.maxWriteSize).toBe(8388608)
    expect(response.systemTime).toBe(130796579012860632n)
    expect(response.serverStartTime).toBe(0x01d0ae95b04a0909n)
    expect(response.securityBuffer.byteLength).toBe(320)
    expect(toHex(response.securityBuffer.subarray(0, 8))).toBe("6082013c06062b06")
    expect(response.negotiateContexts).toEqual([
      {
        _tag: "PreauthIntegrity",
        hashAlgorithms: [HashAlgorithm.SHA_512],
        salt: fromHex("60A3C3B95C3C7CCD51EC536648D9B3AC74C483CA5B65385A251117BEB30712E5")
      },
      { _tag: "Encryption", ciphers: [Cipher.AES_128_GCM] }
    ])
    expect(reencoded(ANATOMY_RESPONSE, encodeNegotiateResponse(response))).toBe(toHex(ANATOMY_RESPONSE))
  })

  it("decodes the response of the encryption blog that selects AES-128-CCM", () => {
    const response = expectRight(decodeNegotiateResponse(CCM_RESPONSE))
    expect(response.capabilities).toBe(0x27)
    expect(response.systemTime).toBe(130796581523049680n)
    expect(response.negotiateContexts).toEqual([
      {
        _tag: "PreauthIntegrity",
        hashAlgorithms: [HashAlgorithm.SHA_512],
        salt: fromHex("88AFA422ECC239CB16F30BA641AE4B6EE79F5A4AF74FE18A301E9790515D07F7")
      },
      { _tag: "Encryption", ciphers: [Cipher.AES_128_CCM] }
    ])
    expect(reencoded(CCM_RESPONSE, encodeNegotiateResponse(response))).toBe(toHex(CCM_RESPONSE))
  })

  it("ignores NegotiateContextOffset/Count below 3.1.1, and keeps the security buffer zero-copy", () => {
    const body = encodeNegotiateResponse({
      securityMode: 1,
      dialectRevision: Dialect.SMB_2_WILDCARD,
      serverGuid: new Uint8Array(16),
      capabilities: 0,
      maxTransactSize: 65536,
      maxReadSize: 65536,
      maxWriteSize: 65536,
      systemTime: 0n,
      serverStartTime: 0n,
      securityBuffer: Uint8Array.of(1, 2, 3),
      negotiateContexts: [{ _tag: "Signing", algorithms: [1] }]
    })
    expect(body.byteLength).toBe(64 + 3)
    body.set([2, 0], 6)
    body.set([0xff, 0xff, 0, 0], 60)
    const message = withHeader(Command.NEGOTIATE, body)
    const response = expectRight(decodeNegotiateResponse(message))
    expect(response.negotiateContexts).toEqual([])
    expect(response.securityBuffer.buffer).toBe(message.buffer)
  })

  it("keeps the byte that StructureSize 65 counts when the security buffer is empty", () => {
    const body = encodeNegotiateResponse({
      securityMode: 1,
      dialectRevision: Dialect.SMB_2_1,
      serverGuid: new Uint8Array(16),
      capabilities: 0,
      maxTransactSize: 65536,
      maxReadSize: 65536,
      maxWriteSize: 65536,
      systemTime: 0n,
      serverStartTime: 0n,
      securityBuffer: new Uint8Array(0),
      negotiateContexts: []
    })
    expect(body.byteLength).toBe(65)
  })

  it("rejects a security buffer or a context past the end", () => {
    const buffer = Uint8Array.from(ANATOMY_RESPONSE)
    buffer[122] = 0xff
    expect(expectLeft(decodeNegotiateResponse(buffer)).field).toBe("SecurityBuffer")
    const context = expectLeft(decodeNegotiateResponse(ANATOMY_RESPONSE.subarray(0, 448)))
    expect(context.reason).toBe("Truncated")
    expect(context.field).toBe("NegotiateContext.ContextType")
  })

  it.prop("round-trips", { response: negotiateResponse }, ({ response }) => {
    const body = encodeNegotiateResponse(response)
    expect(expectRight(decodeNegotiateResponse(withHeader(Command.NEGOTIATE, body)))).toEqual(response)
  }, { fastCheck: { seed: 42, numRuns: 500 } })

  fuzzDecoder("decodeNegotiateResponse", decodeNegotiateResponse, {
    seeds: [ANATOMY_RESPONSE, CCM_RESPONSE],
    numRuns: 2000,
    reencode: (response) => withHeader(Command.NEGOTIATE, encodeNegotiateResponse(response)),
    prefix: bodyPrefix(65)
  })
})
