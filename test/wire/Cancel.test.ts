import { describe, expect, it } from "@effect/vitest"
import { Command } from "../../src/wire/Command.js"
import {
  decodeCancelRequest,
  encodeCancelRequest
} from "../../src/wire/Cancel.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// MS-SMB2 2.2.30: StructureSize 4, Reserved 0.
const BODY = "04000000"

const message = (body: Uint8Array): Uint8Array => withHeader(Command.CANCEL, body)

describe("CANCEL", () => {
  it("encodes the request body", () => {
    expect(toHex(encodeCancelRequest())).toBe(BODY)
    expect(toHex(encodeCancelRequest({}))).toBe(BODY)
  })

  it("decodes the request body and ignores Reserved", () => {
    expect(expectRight(decodeCancelRequest(message(fromHex(BODY))))).toEqual({})
    expect(expectRight(decodeCancelRequest(message(fromHex("0400ffff"))))).toEqual({})
  })

  it("rejects a request with a wrong StructureSize or cut short", () => {
    expect(expectLeft(decodeCancelRequest(message(fromHex("09000000")))).field).toBe("StructureSize")
    expect(expectLeft(decodeCancelRequest(message(fromHex("0400")))).field).toBe("Reserved")
    expect(expectLeft(decodeCancelRequest(new Uint8Array(64))).reason).toBe("Truncated")
  })

  fuzzDecoder("decodeCancelRequest", decodeCancelRequest, {
    seeds: [message(encodeCancelRequest())],
    numRuns: 400,
    reencode: (value) => message(encodeCancelRequest(value)),
    prefix: bodyPrefix(4)
  })
})
