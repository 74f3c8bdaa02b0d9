import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { decodeFlushRequest, decodeFlushResponse, encodeFlushRequest, encodeFlushResponse } from "../../src/wire/Flush.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes16, expectLeft, expectRight } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const flushRequest = FastCheck.record({ fileId: bytes16 })

describe("FLUSH", () => {
  it("lays out the request (MS-SMB2 2.2.17) and the response (2.2.18)", () => {
    const fileId = fromHex("11".repeat(8) + "22".repeat(8))
    const body = "1800" + "0000" + "00000000" + "11".repeat(8) + "22".repeat(8)
    expect(toHex(encodeFlushRequest({ fileId }))).toBe(body)
    expect(expectRight(decodeFlushRequest(message(fromHex(body))))).toEqual({ fileId })
    expect(toHex(encodeFlushResponse({}))).toBe("04000000")
    expect(expectRight(decodeFlushResponse(message(fromHex("04000000"))))).toEqual({})
  })

  it("rejects a wrong StructureSize and a cut request", () => {
    expect(expectLeft(decodeFlushRequest(message(fromHex("1900" + "00".repeat(22))))).field).toBe("StructureSize")
    expect(expectLeft(decodeFlushRequest(message(fromHex("1800" + "00".repeat(10))))).field).toBe("FileId")
    expect(expectLeft(decodeFlushResponse(message(fromHex("0500")))).field).toBe("StructureSize")
    expect(expectLeft(decodeFlushResponse(new Uint8Array(64))).reason).toBe("Truncated")
  })

  roundTrip("FlushRequest", flushRequest, (x) => message(encodeFlushRequest(x)), decodeFlushRequest)

  fuzz({
    name: "decodeFlushRequest",
    decode: decodeFlushRequest,
    encode: encodeFlushRequest,
    valid: flushRequest.map((x) => message(encodeFlushRequest(x))),
    structureSize: 24
  })
  fuzz({
    name: "decodeFlushResponse",
    decode: decodeFlushResponse,
    encode: encodeFlushResponse,
    valid: FastCheck.constant(message(encodeFlushResponse({}))),
    structureSize: 4
  })
})
