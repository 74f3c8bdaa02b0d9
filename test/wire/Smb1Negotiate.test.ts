import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  decodeSmb1NegotiateRequest,
  encodeSmb1NegotiateRequest,
  multiProtocolNegotiateRequest,
  Smb1Dialect
} from "../../src/wire/Smb1Negotiate.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u16, u32, u8 } from "../support/codec.js"
import { fuzzDecoder } from "./wireTestKit.js"

// The SMB1 header of MS-CIFS 2.2.3.1 and the SMB_COM_NEGOTIATE request of MS-CIFS 2.2.4.52.1,
// written out for the multi-protocol negotiate of MS-SMB2 3.2.4.2.2.1 (header values as in the
// Windows trace of MS-SMB2 4.2: Flags 0x18, TID 0xFFFF, PID 0xFEFF).
const MULTI_PROTOCOL_NEGOTIATE =
  "ff534d42" + "72" + "00000000" + "18" + "01c8" + "0000" + "0000000000000000" + "0000" +
  "ffff" + "fffe" + "0000" + "0000" +
  "00" + "2200" +
  ("02" + "4e54204c4d20302e3132" + "00") +
  ("02" + "534d4220322e303032" + "00") +
  ("02" + "534d4220322e3f3f3f" + "00")

const printable = FastCheck.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))
const dialect = FastCheck.string({ unit: printable, maxLength: 20 })

const smb1NegotiateRequest = FastCheck.record({
  flags: u8,
  flags2: u16,
  processId: u32,
  treeId: u16,
  userId: u16,
  multiplexId: u16,
  dialects: FastCheck.array(dialect, { maxLength: 10 })
})

describe("SMB1 NEGOTIATE request", () => {
  it("encodes the multi-protocol negotiate: NT LM 0.12, SMB 2.002, SMB 2.???", () => {
    expect(multiProtocolNegotiateRequest.dialects).toEqual([
      Smb1Dialect.NT_LM_0_12,
      Smb1Dialect.SMB_2_002,
      Smb1Dialect.SMB_2_WILDCARD
    ])
    expect(toHex(encodeSmb1NegotiateRequest(multiProtocolNegotiateRequest))).toBe(MULTI_PROTOCOL_NEGOTIATE)
  })

  it("decodes it back", () => {
    expect(expectRight(decodeSmb1NegotiateRequest(fromHex(MULTI_PROTOCOL_NEGOTIATE)))).toEqual(
      multiProtocolNegotiateRequest
    )
  })

  it("rejects what is not an SMB1 NEGOTIATE request", () => {
    const smb2 = fromHex(MULTI_PROTOCOL_NEGOTIATE)
    smb2[0] = 0xfe
    expect(expectLeft(decodeSmb1NegotiateRequest(smb2)).field).toBe("Protocol")
    const command = fromHex(MULTI_PROTOCOL_NEGOTIATE)
    command[4] = 0x73
    expect(expectLeft(decodeSmb1NegotiateRequest(command)).field).toBe("Command")
    const words = fromHex(MULTI_PROTOCOL_NEGOTIATE)
    words[32] = 1
    expect(expectLeft(decodeSmb1NegotiateRequest(words)).field).toBe("WordCount")
  })

  it("bounds the dialect strings by ByteCount", () => {
    const format = fromHex(MULTI_PROTOCOL_NEGOTIATE)
    format[35] = 0x03
    expect(expectLeft(decodeSmb1NegotiateRequest(format)).field).toBe("BufferFormat")
    const unterminated = fromHex(MULTI_PROTOCOL_NEGOTIATE)
    unterminated[33] = 0x21
    expect(expectLeft(decodeSmb1NegotiateRequest(unterminated)).field).toBe("DialectString")
    const long = fromHex(MULTI_PROTOCOL_NEGOTIATE)
    long[33] = 0x23
    expect(expectLeft(decodeSmb1NegotiateRequest(long)).field).toBe("Bytes")
  })

  it.prop("round-trips", { request: smb1NegotiateRequest }, ({ request }) => {
    expect(expectRight(decodeSmb1NegotiateRequest(encodeSmb1NegotiateRequest(request)))).toEqual(request)
  }, { fastCheck: { seed: 42, numRuns: 300 } })

  fuzzDecoder("decodeSmb1NegotiateRequest", decodeSmb1NegotiateRequest, {
    seeds: [fromHex(MULTI_PROTOCOL_NEGOTIATE)],
    numRuns: 800,
    reencode: encodeSmb1NegotiateRequest,
    prefix: fromHex("ff534d4272")
  })
})
