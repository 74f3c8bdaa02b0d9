import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { CloseFlags, decodeCloseRequest, decodeCloseResponse, encodeCloseRequest, encodeCloseResponse } from "../../src/wire/Close.js"
import { FileAttributes } from "../../src/wire/Create.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes16, expectLeft, expectRight, u16 } from "../support/codec.js"
import { fuzz, message, networkOpenFields, roundTrip } from "./bodyCodecTesting.js"

const closeRequest = FastCheck.record({ flags: u16, fileId: bytes16 })

const closeResponse = FastCheck.record({ flags: u16, ...networkOpenFields })

describe("CLOSE request", () => {
  it("lays out Flags and FileId (MS-SMB2 2.2.15)", () => {
    const request = { flags: CloseFlags.POSTQUERY_ATTRIB, fileId: fromHex("0102030405060708" + "090a0b0c0d0e0f10") }
    const body = "1800" + "0100" + "00000000" + "0102030405060708" + "090a0b0c0d0e0f10"
    expect(toHex(encodeCloseRequest(request))).toBe(body)
    expect(expectRight(decodeCloseRequest(message(fromHex(body))))).toEqual(request)
  })

  it("rejects a wrong StructureSize and a cut FileId", () => {
    const body = encodeCloseRequest({ flags: 0, fileId: new Uint8Array(16) })
    expect(expectLeft(decodeCloseRequest(message(body.map((b, i) => (i === 0 ? 25 : b))))).field).toBe("StructureSize")
    expect(expectLeft(decodeCloseRequest(message(body.subarray(0, 20)))).field).toBe("FileId")
  })

  roundTrip("CloseRequest", closeRequest, (x) => message(encodeCloseRequest(x)), decodeCloseRequest)

  fuzz({
    name: "decodeCloseRequest",
    decode: decodeCloseRequest,
    encode: encodeCloseRequest,
    valid: closeRequest.map((x) => message(encodeCloseRequest(x))),
    structureSize: 24
  })
})

describe("CLOSE response", () => {
  it("carries the attributes asked for with POSTQUERY_ATTRIB (MS-SMB2 2.2.16)", () => {
    const response = {
      flags: CloseFlags.POSTQUERY_ATTRIB,
      creationTime: 1n,
      lastAccessTime: 2n,
      lastWriteTime: 3n,
      changeTime: 4n,
      allocationSize: 4096n,
      endOfFile: 23n,
      fileAttributes: FileAttributes.ARCHIVE
    }
    const body =
      "3c00" + "0100" + "00000000" + "0100000000000000" + "0200000000000000" + "0300000000000000" +
      "0400000000000000" + "0010000000000000" + "1700000000000000" + "20000000"
    expect(toHex(encodeCloseResponse(response))).toBe(body)
    expect(expectRight(decodeCloseResponse(message(fromHex(body))))).toEqual(response)
  })

  it("rejects a wrong StructureSize and a cut body", () => {
    const body = encodeCloseResponse({
      flags: 0,
      creationTime: 0n,
      lastAccessTime: 0n,
      lastWriteTime: 0n,
      changeTime: 0n,
      allocationSize: 0n,
      endOfFile: 0n,
      fileAttributes: 0
    })
    expect(expectLeft(decodeCloseResponse(message(body.map((b, i) => (i === 0 ? 24 : b))))).field).toBe("StructureSize")
    expect(expectLeft(decodeCloseResponse(message(body.subarray(0, 59)))).field).toBe("Body")
  })

  roundTrip("CloseResponse", closeResponse, (x) => message(encodeCloseResponse(x)), decodeCloseResponse)

  fuzz({
    name: "decodeCloseResponse",
    decode: decodeCloseResponse,
    encode: encodeCloseResponse,
    valid: closeResponse.map((x) => message(encodeCloseResponse(x))),
    structureSize: 60
  })
})
