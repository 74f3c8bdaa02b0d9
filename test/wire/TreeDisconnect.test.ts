import { describe, expect, it } from "@effect/vitest"
import { Command } from "../../src/wire/Command.js"
import {
  decodeTreeDisconnectRequest,
  decodeTreeDisconnectResponse,
  encodeTreeDisconnectRequest,
  encodeTreeDisconnectResponse
} from "../../src/wire/TreeDisconnect.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// MS-SMB2 2.2.11, 2.2.12: StructureSize 4, Reserved 0.
const BODY = "04000000"

const message = (body: Uint8Array): Uint8Array => withHeader(Command.TREE_DISCONNECT, body)

describe("TREE_DISCONNECT", () => {
  it("encodes the request body", () => {
    expect(toHex(encodeTreeDisconnectRequest())).toBe(BODY)
    expect(toHex(encodeTreeDisconnectRequest({}))).toBe(BODY)
  })

  it("decodes the request body and ignores Reserved", () => {
    expect(expectRight(decodeTreeDisconnectRequest(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeTreeDisconnectRequest(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a request with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeTreeDisconnectRequest(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeTreeDisconnectRequest(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeTreeDisconnectRequest(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeTreeDisconnectRequest", decodeTreeDisconnectRequest, {
    seeds: [message(encodeTreeDisconnectRequest())],
    numRuns: 400,
    reencode: (value) => message(encodeTreeDisconnectRequest(value)),
    prefix: bodyPrefix(4)
  })

  it("encodes the response body", () => {
    expect(toHex(encodeTreeDisconnectResponse())).toBe(BODY)
    expect(toHex(encodeTreeDisconnectResponse({}))).toBe(BODY)
  })

  it("decodes the response body and ignores Reserved", () => {
    expect(expectRight(decodeTreeDisconnectResponse(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeTreeDisconnectResponse(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a response with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeTreeDisconnectResponse(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeTreeDisconnectResponse(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeTreeDisconnectResponse(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeTreeDisconnectResponse", decodeTreeDisconnectResponse, {
    seeds: [message(encodeTreeDisconnectResponse())],
    numRuns: 400,
    reencode: (value) => message(encodeTreeDisconnectResponse(value)),
    prefix: bodyPrefix(4)
  })
})
