import { describe, expect, it } from "@effect/vitest"
import { Command } from "../../src/wire/Command.js"
import {
  decodeEchoRequest,
  decodeEchoResponse,
  encodeEchoRequest,
  encodeEchoResponse
} from "../../src/wire/Echo.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// MS-SMB2 2.2.28, 2.2.29: StructureSize 4, Reserved 0.
const BODY = "04000000"

const message = (body: Uint8Array): Uint8Array => withHeader(Command.ECHO, body)

describe("ECHO", () => {
  it("encodes the request body", () => {
    expect(toHex(encodeEchoRequest())).toBe(BODY)
    expect(toHex(encodeEchoRequest({}))).toBe(BODY)
  })

  it("decodes the request body and ignores Reserved", () => {
    expect(expectRight(decodeEchoRequest(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeEchoRequest(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a request with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeEchoRequest(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeEchoRequest(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeEchoRequest(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeEchoRequest", decodeEchoRequest, {
    seeds: [message(encodeEchoRequest())],
    numRuns: 400,
    reencode: (value) => message(encodeEchoRequest(value)),
    prefix: bodyPrefix(4)
  })

  it("encodes the response body", () => {
    expect(toHex(encodeEchoResponse())).toBe(BODY)
    expect(toHex(encodeEchoResponse({}))).toBe(BODY)
  })

  it("decodes the response body and ignores Reserved", () => {
    expect(expectRight(decodeEchoResponse(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeEchoResponse(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a response with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeEchoResponse(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeEchoResponse(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeEchoResponse(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeEchoResponse", decodeEchoResponse, {
    seeds: [message(encodeEchoResponse())],
    numRuns: 400,
    reencode: (value) => message(encodeEchoResponse(value)),
    prefix: bodyPrefix(4)
  })
})
