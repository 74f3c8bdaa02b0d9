import { describe, expect, it } from "@effect/vitest"
import { Command } from "../../src/wire/Command.js"
import {
  decodeLogoffRequest,
  decodeLogoffResponse,
  encodeLogoffRequest,
  encodeLogoffResponse
} from "../../src/wire/Logoff.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// MS-SMB2 2.2.7, 2.2.8: StructureSize 4, Reserved 0.
const BODY = "04000000"

const message = (body: Uint8Array): Uint8Array => withHeader(Command.LOGOFF, body)

describe("LOGOFF", () => {
  it("encodes the request body", () => {
    expect(toHex(encodeLogoffRequest())).toBe(BODY)
    expect(toHex(encodeLogoffRequest({}))).toBe(BODY)
  })

  it("decodes the request body and ignores Reserved", () => {
    expect(expectRight(decodeLogoffRequest(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeLogoffRequest(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a request with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeLogoffRequest(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeLogoffRequest(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeLogoffRequest(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeLogoffRequest", decodeLogoffRequest, {
    seeds: [message(encodeLogoffRequest())],
    numRuns: 400,
    reencode: (value) => message(encodeLogoffRequest(value)),
    prefix: bodyPrefix(4)
  })

  it("encodes the response body", () => {
    expect(toHex(encodeLogoffResponse())).toBe(BODY)
    expect(toHex(encodeLogoffResponse({}))).toBe(BODY)
  })

  it("decodes the response body and ignores Reserved", () => {
    expect(expectRight(decodeLogoffResponse(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeLogoffResponse(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a response with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeLogoffResponse(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeLogoffResponse(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeLogoffResponse(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeLogoffResponse", decodeLogoffResponse, {
    seeds: [message(encodeLogoffResponse())],
    numRuns: 400,
    reencode: (value) => message(encodeLogoffResponse(value)),
    prefix: bodyPrefix(4)
  })
})
