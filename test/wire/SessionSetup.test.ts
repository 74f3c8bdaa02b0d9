import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command } from "../../src/wire/Command.js"
import { decodeHeader, HEADER_SIZE, HeaderFlags } from "../../src/wire/Header.js"
import { Capabilities, SecurityMode } from "../../src/wire/Negotiate.js"
import {
  decodeSessionSetupRequest,
  decodeSessionSetupResponse,
  encodeSessionSetupRequest,
  encodeSessionSetupResponse,
  SessionFlags,
  SessionSetupFlags
} from "../../src/wire/SessionSetup.js"
import { Status } from "../../src/wire/Status.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, u16, u32, u64, u8 } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// The SESSION_SETUP exchange of the SMB 3.1.1 master session and the first request of the session
// binding (second channel) in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
// (Appendix: key derivation examples).
const REQUEST_1 = fromHex(
  "FE534D4240000100000000000100800000000000000000000200000000000000FFFE00000000000000000000000000000000000000000000" +
    "000000000000000019000001010000000000000058004A000000000000000000604806062B0601050502A03E303CA00E300C060A2B060104" +
    "01823702020AA22A04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000000F"
)
const RESPONSE_1 = fromHex(
  "FE534D4240000100160000C00100010001000000000000000200000000000000FFFE00000000000019000000001000000000000000000000" +
    "0000000000000000090000004800B300A181B03081ADA0030A0101A10C060A2B06010401823702020AA281970481944E544C4D5353500002" +
    "0000000C000C003800000015828AE20D1D8BA31179D008000000000000000050005000440000000A0092270000000F530055005400330031" +
    "00310002000C0053005500540033003100310001000C0053005500540033003100310004000C0053005500540033003100310003000C0053" +
    "005500540033003100310007000800A1A1F5ADCBAED00100000000"
)
const REQUEST_2 = fromHex(
  "FE534D4240000100000000000100800000000000000000000300000000000000FFFE00000000000019000000001000000000000000000000" +
    "00000000000000001900000101000000000000005800CF010000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C" +
    "4D53535000030000001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E00000010001000960100" +
    "00158288E2060380250000000FECAC77A5F385A8BF9C38C706EEEDDCD3530055005400330031003100610064006D0069006E006900730074" +
    "007200610074006F00720044005200490056004500520033003100310000000000000000000000000000000000000000000000000063078E" +
    "B639FE03E20A231C3AE3BF23080101000000000000A1A1F5ADCBAED001BC4AD05F223CC90F0000000002000C005300550054003300310031" +
    "0001000C0053005500540033003100310004000C0053005500540033003100310003000C0053005500540033003100310007000800A1A1F5" +
    "ADCBAED00106000400020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B8E0EBA5A6DFD9D07" +
    "A31D11B548F8C9D0CC0A001000000000000000000000000000000000000900160063006900660073002F0053005500540033003100310000" +
    "00000000000000000000003B9BDFF38F5EE8F9663F11A0F4C03A78A31204100100000063775A9A5FD97F0600000000"
)
const RESPONSE_2 = fromHex(
  "FE534D4240000100000000000100800009000000000000000300000000000000FFFE0000000000001900000000100000EBE146DA120BA25F" +
    "C3376A49DFE31BC10900000048001D00A11B3019A0030A0100A3120410010000003B453CDC3524164200000000"
)
const BINDING_REQUEST_1 = fromHex(
  "FE534D4240000100000000000100800008000000000000000200000000000000FFFE000000000000190000000010000068BD0C58F613CE13" +
    "34B1EB51C68D39EA19000101010000000000000058004A000000000000000000604806062B0601050502A03E303CA00E300C060A2B060104" +
    "01823702020AA22A04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000000F"
)

const SESSION_ID = 0x100000000019n

const reencoded = (capture: Uint8Array, body: Uint8Array): string =>
  toHex(capture.subarray(0, HEADER_SIZE)) + toHex(body)

const sessionSetupRequest = FastCheck.record({
  flags: u8,
  securityMode: u8,
  capabilities: u32,
  channel: u32,
  previousSessionId: u64,
  securityBuffer: bytes(600)
})

const sessionSetupResponse = FastCheck.record({ sessionFlags: u16, securityBuffer: bytes(600) })

describe("SESSION_SETUP request", () => {
  it("decodes the first request (SPNEGO NegTokenInit with NTLM NEGOTIATE)", () => {
    const request = expectRight(decodeSessionSetupRequest(REQUEST_1))
    expect(request).toMatchObject({
      flags: 0,
      securityMode: SecurityMode.SIGNING_ENABLED,
      capabilities: Capabilities.DFS,
      channel: 0,
      previousSessionId: 0n
    })
    expect(request.securityBuffer.byteLength).toBe(74)
    expect(toHex(request.securityBuffer.subarray(0, 4))).toBe("60480606")
    expect(request.securityBuffer.buffer).toBe(REQUEST_1.buffer)
    expect(reencoded(REQUEST_1, encodeSessionSetupRequest(request))).toBe(toHex(REQUEST_1))
  })

  it("decodes the second request (NTLM AUTHENTICATE)", () => {
    expect(expectRight(decodeHeader(REQUEST_2)).sessionId).toBe(SESSION_ID)
    const request = expectRight(decodeSessionSetupRequest(REQUEST_2))
    expect(request.securityMode).toBe(SecurityMode.SIGNING_ENABLED)
    expect(request.securityBuffer.byteLength).toBe(463)
    expect(toHex(request.securityBuffer.subarray(0, 4))).toBe("a18201cb")
    expect(reencoded(REQUEST_2, encodeSessionSetupRequest(request))).toBe(toHex(REQUEST_2))
  })

  it("decodes a signed session-binding request", () => {
    const header = expectRight(decodeHeader(BINDING_REQUEST_1))
    expect(header.flags).toBe(HeaderFlags.SIGNED)
    expect(header.sessionId).toBe(SESSION_ID)
    expect(toHex(header.signature)).toBe("68bd0c58f613ce1334b1eb51c68d39ea")
    const request = expectRight(decodeSessionSetupRequest(BINDING_REQUEST_1))
    expect(request.flags).toBe(SessionSetupFlags.BINDING)
    expect(request.securityBuffer.byteLength).toBe(74)
    expect(reencoded(BINDING_REQUEST_1, encodeSessionSetupRequest(request))).toBe(toHex(BINDING_REQUEST_1))
  })

  it("keeps the byte that StructureSize 25 counts when the buffer is empty", () => {
    const body = encodeSessionSetupRequest({
      flags: 0,
      securityMode: 1,
      capabilities: 0,
      channel: 0,
      previousSessionId: 0n,
      securityBuffer: new Uint8Array(0)
    })
    expect(body.byteLength).toBe(25)
    expect(expectRight(decodeSessionSetupRequest(withHeader(Command.SESSION_SETUP, body))).securityBuffer).toEqual(
      new Uint8Array(0)
    )
  })

  it("rejects a wrong StructureSize and a buffer past the end", () => {
    expect(expectLeft(decodeSessionSetupRequest(RESPONSE_1)).field).toBe("StructureSize")
    const error = expectLeft(decodeSessionSetupRequest(REQUEST_1.subarray(0, 161)))
    expect([error.field, error.reason]).toEqual(["SecurityBuffer", "OutOfBounds"])
  })

  it.prop("round-trips", { request: sessionSetupRequest }, ({ request }) => {
    const body = encodeSessionSetupRequest(request)
    expect(expectRight(decodeSessionSetupRequest(withHeader(Command.SESSION_SETUP, body)))).toEqual(request)
  }, { fastCheck: { seed: 42, numRuns: 300 } })

  fuzzDecoder("decodeSessionSetupRequest", decodeSessionSetupRequest, {
    seeds: [REQUEST_1, REQUEST_2, BINDING_REQUEST_1],
    numRuns: 1000,
    reencode: (request) => withHeader(Command.SESSION_SETUP, encodeSessionSetupRequest(request)),
    prefix: bodyPrefix(25)
  })
})

describe("SESSION_SETUP response", () => {
  it("decodes the interim response (MORE_PROCESSING_REQUIRED, NTLM CHALLENGE)", () => {
    const header = expectRight(decodeHeader(RESPONSE_1))
    expect(header.status).toBe(Status.MORE_PROCESSING_REQUIRED)
    expect(header.sessionId).toBe(SESSION_ID)
    const response = expectRight(decodeSessionSetupResponse(RESPONSE_1))
    expect(response.sessionFlags).toBe(0)
    expect(response.securityBuffer.byteLength).toBe(179)
    expect(toHex(response.securityBuffer.subarray(0, 4))).toBe("a181b030")
    expect(reencoded(RESPONSE_1, encodeSessionSetupResponse(response))).toBe(toHex(RESPONSE_1))
  })

  it("decodes the final signed response", () => {
    const header = expectRight(decodeHeader(RESPONSE_2))
    expect(header.status).toBe(Status.SUCCESS)
    expect(header.flags).toBe(HeaderFlags.SERVER_TO_REDIR | HeaderFlags.SIGNED)
    expect(toHex(header.signature)).toBe("ebe146da120ba25fc3376a49dfe31bc1")
    const response = expectRight(decodeSessionSetupResponse(RESPONSE_2))
    expect(response.sessionFlags).toBe(0)
    expect(toHex(response.securityBuffer)).toBe("a11b3019a0030a0100a3120410010000003b453cdc3524164200000000")
    expect(reencoded(RESPONSE_2, encodeSessionSetupResponse(response))).toBe(toHex(RESPONSE_2))
  })

  it("carries the session flags", () => {
    const body = encodeSessionSetupResponse({
      sessionFlags: SessionFlags.ENCRYPT_DATA,
      securityBuffer: new Uint8Array(0)
    })
    expect(toHex(body)).toBe("090004004800000000")
    const guest = expectRight(
      decodeSessionSetupResponse(withHeader(Command.SESSION_SETUP, fromHex("090001000000000000")))
    )
    expect(guest).toEqual({ sessionFlags: SessionFlags.IS_GUEST, securityBuffer: new Uint8Array(0) })
  })

  it.prop("round-trips", { response: sessionSetupResponse }, ({ response }) => {
    const body = encodeSessionSetupResponse(response)
    expect(expectRight(decodeSessionSetupResponse(withHeader(Command.SESSION_SETUP, body)))).toEqual(response)
  }, { fastCheck: { seed: 42, numRuns: 300 } })

  fuzzDecoder("decodeSessionSetupResponse", decodeSessionSetupResponse, {
    seeds: [RESPONSE_1, RESPONSE_2],
    numRuns: 1000,
    reencode: (response) => withHeader(Command.SESSION_SETUP, encodeSessionSetupResponse(response)),
    prefix: bodyPrefix(9)
  })
})
