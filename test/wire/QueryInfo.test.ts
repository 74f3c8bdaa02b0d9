import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { FileInformationClass, InfoType, SecurityInformation } from "../../src/wire/FileInformation.js"
import {
  decodeQueryInfoRequest,
  decodeQueryInfoResponse,
  encodeQueryInfoRequest,
  encodeQueryInfoResponse
} from "../../src/wire/QueryInfo.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u32, u8 } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const queryInfoRequest = FastCheck.record({
  infoType: u8,
  fileInfoClass: u8,
  outputBufferLength: u32,
  additionalInformation: u32,
  flags: u32,
  fileId: bytes16,
  input: bytes(64)
})

const queryInfoResponse = FastCheck.record({ output: bytes(200) })

describe("QUERY_INFO request", () => {
  it("lays out a FileAllInformation query (MS-SMB2 2.2.37)", () => {
    const request = {
      infoType: InfoType.FILE,
      fileInfoClass: FileInformationClass.FileAllInformation,
      outputBufferLength: 4096,
      additionalInformation: 0,
      flags: 0,
      fileId: fromHex("aa".repeat(16)),
      input: new Uint8Array(0)
    }
    const body =
      "2900" + "01" + "12" + "00100000" + "0000" + "0000" + "00000000" + "00000000" + "00000000" + "aa".repeat(16) + "00"
    expect(toHex(encodeQueryInfoRequest(request))).toBe(body)
    expect(expectRight(decodeQueryInfoRequest(message(fromHex(body))))).toEqual(request)
  })

  it("places an input buffer at 104", () => {
    const body = encodeQueryInfoRequest({
      infoType: InfoType.SECURITY,
      fileInfoClass: 0,
      outputBufferLength: 0,
      additionalInformation: SecurityInformation.OWNER | SecurityInformation.DACL,
      flags: 0,
      fileId: new Uint8Array(16),
      input: fromHex("01020304")
    })
    expect(toHex(body.subarray(8, 20))).toBe("6800" + "0000" + "04000000" + "05000000")
    expect(toHex(body.subarray(40))).toBe("01020304")
  })

  it("rejects a wrong StructureSize and an input past the message", () => {
    const body = encodeQueryInfoRequest({
      infoType: 1,
      fileInfoClass: 4,
      outputBufferLength: 40,
      additionalInformation: 0,
      flags: 0,
      fileId: new Uint8Array(16),
      input: fromHex("01")
    })
    expect(expectLeft(decodeQueryInfoRequest(message(body.map((b, i) => (i === 0 ? 40 : b))))).field).toBe("StructureSize")
    expect(expectLeft(decodeQueryInfoRequest(message(body.map((b, i) => (i === 12 ? 2 : b))))).field).toBe("Input")
  })

  roundTrip("QueryInfoRequest", queryInfoRequest, (x) => message(encodeQueryInfoRequest(x)), decodeQueryInfoRequest)

  fuzz({
    name: "decodeQueryInfoRequest",
    decode: decodeQueryInfoRequest,
    encode: encodeQueryInfoRequest,
    valid: queryInfoRequest.map((x) => message(encodeQueryInfoRequest(x))),
    structureSize: 41
  })
})

describe("QUERY_INFO response", () => {
  it("lays out the output buffer at 72 (MS-SMB2 2.2.38) and returns a view of it", () => {
    const body = "0900" + "4800" + "04000000" + "0a0b0c0d"
    expect(toHex(encodeQueryInfoResponse({ output: fromHex("0a0b0c0d") }))).toBe(body)
    const whole = message(fromHex(body))
    const output = expectRight(decodeQueryInfoResponse(whole)).output
    expect(output).toEqual(fromHex("0a0b0c0d"))
    expect(output.buffer).toBe(whole.buffer)
  })

  it("rejects an output past the message", () => {
    expect(expectLeft(decodeQueryInfoResponse(message(fromHex("0900" + "4800" + "05000000" + "0a0b0c0d")))).field).toBe("Buffer")
  })

  roundTrip("QueryInfoResponse", queryInfoResponse, (x) => message(encodeQueryInfoResponse(x)), decodeQueryInfoResponse)

  fuzz({
    name: "decodeQueryInfoResponse",
    decode: decodeQueryInfoResponse,
    encode: encodeQueryInfoResponse,
    valid: queryInfoResponse.map((x) => message(encodeQueryInfoResponse(x))),
    structureSize: 9
  })
})
