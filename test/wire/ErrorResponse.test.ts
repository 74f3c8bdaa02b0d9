import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command } from "../../src/wire/Command.js"
import { decodeErrorResponse, encodeErrorResponse, type ErrorResponse, ErrorId } from "../../src/wire/ErrorResponse.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, u32 } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// Layouts written out from MS-SMB2 2.2.2 and 2.2.2.1.
const EMPTY = "0900" + "00" + "00" + "00000000" + "00"
const BUFFER_TOO_SMALL = "0900" + "00" + "00" + "04000000" + "10000000"
const CONTEXTS =
  "0900" + "02" + "00" + "1c000000" +
  ("02000000" + "00000000" + "0003" + "000000000000") +
  ("04000000" + "53526472" + "aabbccdd")

const decodeBody = (hex: string) => decodeErrorResponse(withHeader(Command.CREATE, fromHex(hex)))

const errorResponse: FastCheck.Arbitrary<ErrorResponse> = FastCheck.oneof(
  FastCheck.record({ errorContexts: FastCheck.constant([]), errorData: bytes(64) }),
  FastCheck.record({
    errorContexts: FastCheck.array(FastCheck.record({ errorId: u32, data: bytes(40) }), { minLength: 1, maxLength: 6 }),
    errorData: FastCheck.constant(new Uint8Array(0))
  })
)

describe("ERROR response", () => {
  it("writes the one padding byte when ErrorData is empty, and accepts a body with or without it", () => {
    expect(toHex(encodeErrorResponse({ errorContexts: [], errorData: new Uint8Array(0) }))).toBe(EMPTY)
    const empty = { errorContexts: [], errorData: new Uint8Array(0) }
    expect(expectRight(decodeBody(EMPTY))).toEqual(empty)
    expect(expectRight(decodeBody(EMPTY.slice(0, -2)))).toEqual(empty)
  })

  it("keeps status-specific ErrorData raw (the size for STATUS_BUFFER_TOO_SMALL)", () => {
    const response = expectRight(decodeBody(BUFFER_TOO_SMALL))
    expect(toHex(response.errorData)).toBe("10000000")
    expect(toHex(encodeErrorResponse(response))).toBe(BUFFER_TOO_SMALL)
  })

  it("reads 3.1.1 error contexts, each 8-byte aligned", () => {
    const response = expectRight(decodeBody(CONTEXTS))
    expect(response).toEqual({
      errorContexts: [
        { errorId: ErrorId.DEFAULT, data: fromHex("0003") },
        { errorId: ErrorId.SHARE_REDIRECT, data: fromHex("aabbccdd") }
      ],
      errorData: new Uint8Array(0)
    })
    expect(toHex(encodeErrorResponse(response))).toBe(CONTEXTS)
  })

  it("names the field that fails", () => {
    expect(expectLeft(decodeBody("0900000005000000" + "10000000")).field).toBe("ErrorData")
    expect(expectLeft(decodeBody("0400" + "0000")).field).toBe("StructureSize")
    const context = expectLeft(decodeBody("0900" + "01" + "00" + "0c000000" + "05000000" + "00000000" + "aabbccdd"))
    expect([context.structure, context.field]).toEqual(["ErrorContext", "ErrorContextData"])
    const missing = expectLeft(decodeBody("0900" + "02" + "00" + "0c000000" + "04000000" + "00000000" + "aabbccdd"))
    expect([missing.field, missing.reason]).toEqual(["ErrorDataLength", "Truncated"])
  })

  it.prop("round-trips", { response: errorResponse }, ({ response }) => {
    const message = withHeader(Command.CREATE, encodeErrorResponse(response))
    expect(expectRight(decodeErrorResponse(message))).toEqual(response)
  }, { fastCheck: { seed: 42, numRuns: 500 } })

  fuzzDecoder("decodeErrorResponse", decodeErrorResponse, {
    seeds: [EMPTY, BUFFER_TOO_SMALL, CONTEXTS].map((hex) => withHeader(Command.CREATE, fromHex(hex))),
    numRuns: 1000,
    reencode: (response) => withHeader(Command.CREATE, encodeErrorResponse(response)),
    prefix: bodyPrefix(9)
  })
})
