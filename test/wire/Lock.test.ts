import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { decodeLockRequest, decodeLockResponse, encodeLockRequest, encodeLockResponse, LockFlags } from "../../src/wire/Lock.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes16, expectLeft, expectRight, u32, u64 } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const lockRequest = FastCheck.record({
  fileId: bytes16,
  lockSequence: u32,
  locks: FastCheck.array(
    FastCheck.record({
      offset: u64,
      length: u64,
      flags: FastCheck.constantFrom(LockFlags.SHARED, LockFlags.EXCLUSIVE | LockFlags.FAIL_IMMEDIATELY, LockFlags.UNLOCK)
    }),
    { minLength: 1, maxLength: 4 }
  )
})

describe("LOCK", () => {
  it("lays out the request (MS-SMB2 2.2.26, one SMB2_LOCK_ELEMENT 2.2.26.1) and the response (2.2.27)", () => {
    const fileId = fromHex("11".repeat(8) + "22".repeat(8))
    const body = "3000" + "0100" + "00000000" + "11".repeat(8) + "22".repeat(8) +
      "0004000000000000" + "0001000000000000" + "12000000" + "00000000"
    const request = { fileId, lockSequence: 0, locks: [{ offset: 1024n, length: 256n, flags: LockFlags.EXCLUSIVE | LockFlags.FAIL_IMMEDIATELY }] }
    expect(toHex(encodeLockRequest(request))).toBe(body)
    expect(expectRight(decodeLockRequest(message(fromHex(body))))).toEqual(request)
    expect(toHex(encodeLockResponse({}))).toBe("04000000")
    expect(expectRight(decodeLockResponse(message(fromHex("04000000"))))).toEqual({})
  })

  it("rejects a wrong StructureSize, no elements, and elements cut short", () => {
    expect(expectLeft(decodeLockRequest(message(fromHex("3100" + "00".repeat(46))))).field).toBe("StructureSize")
    expect(expectLeft(decodeLockRequest(message(fromHex("3000" + "0000" + "00".repeat(44))))).field).toBe("LockCount")
    expect(expectLeft(decodeLockRequest(message(fromHex("3000" + "0200" + "00".repeat(44))))).reason).toBe("Truncated")
    expect(expectLeft(decodeLockResponse(message(fromHex("0500")))).field).toBe("StructureSize")
  })

  roundTrip("LockRequest", lockRequest, (x) => message(encodeLockRequest(x)), decodeLockRequest)

  fuzz({
    name: "decodeLockRequest",
    decode: decodeLockRequest,
    encode: encodeLockRequest,
    valid: lockRequest.map((x) => message(encodeLockRequest(x))),
    structureSize: 48
  })
  fuzz({
    name: "decodeLockResponse",
    decode: decodeLockResponse,
    encode: encodeLockResponse,
    valid: FastCheck.constant(message(encodeLockResponse({}))),
    structureSize: 4
  })
})
