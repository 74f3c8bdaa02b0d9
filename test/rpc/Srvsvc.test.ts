/**
 * NetrShareEnum at level 1 in NDR (src/rpc/Srvsvc.ts, src/rpc/Ndr.ts): the stubs of a real
 * exchange with Samba 4.17 (test/rpc/fixtures.ts), round trips, and robustness against random and
 * mutated stubs, with counts that would have the decoder allocate more than the stub holds.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { NdrReader, NdrWriter } from "../../src/rpc/Ndr.js"
import { decodePdu } from "../../src/rpc/Pdu.js"
import * as Shares from "../../src/rpc/Shares.js"
import {
  decodeNetrShareEnumRequest,
  decodeNetrShareEnumResponse,
  encodeNetrShareEnumRequest,
  encodeNetrShareEnumResponse
} from "../../src/rpc/Srvsvc.js"
import { decode } from "../../src/wire/Reader.js"
import { toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u32 } from "../support/codec.js"
import { utf16 } from "../wire/bodyCodecTesting.js"
import { fuzzDecoder } from "../wire/wireTestKit.js"
import { SHARE_ENUM_REQUEST, SHARE_ENUM_RESPONSE } from "./fixtures.js"

const SEED = 42

const stubOf = (pdu: Uint8Array): Uint8Array => {
  const decoded = expectRight(decodePdu(pdu))
  if (decoded._tag !== "Request" && decoded._tag !== "Response") return expect.fail(`not a request or response: ${decoded._tag}`)
  return decoded.stub
}

const shareInfo = FastCheck.record({ netname: utf16(20), type: u32, remark: utf16(40) })
const optional = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })

describe("srvsvc NetrShareEnum: real stubs", () => {
  it("the request stub: unique ServerName, level 1 with an empty container, MAX_PREFERRED_LENGTH, resume handle", () => {
    const stub = encodeNetrShareEnumRequest({ serverName: "\\\\127.0.0.1", preferedMaximumLength: 0xffffffff, resumeHandle: 0 })
    expect(toHex(stub)).toBe(toHex(stubOf(SHARE_ENUM_REQUEST)))
    expect(expectRight(decodeNetrShareEnumRequest(stub))).toEqual({
      serverName: "\\\\127.0.0.1",
      preferedMaximumLength: 0xffffffff,
      resumeHandle: 0
    })
  })

  it("Samba's response: `share` (disk) and IPC$ (IPC, special) with their remarks", () => {
    const response = expectRight(decodeNetrShareEnumResponse(stubOf(SHARE_ENUM_RESPONSE)))
    expect(response).toEqual({
      level: 1,
      shares: [
        { netname: "share", type: 0, remark: "" },
        { netname: "IPC$", type: 0x80000003, remark: "IPC Service (smb test server)" }
      ],
      totalEntries: 2,
      resumeHandle: 0,
      status: 0
    })
    expect(response.shares!.map(Shares.fromShareInfo1)).toEqual([
      { name: "share", type: "disk", special: false, temporary: false, typeCode: 0, comment: "" },
      { name: "IPC$", type: "ipc", special: true, temporary: false, typeCode: 0x80000003, comment: "IPC Service (smb test server)" }
    ])
    // Encoding the decoded value gives Samba's bytes back (its referent ids differ, so compare decoded).
    expect(expectRight(decodeNetrShareEnumResponse(encodeNetrShareEnumResponse(response)))).toEqual(response)
  })

  it("share types: the low byte, with the special and temporary bits", () => {
    const share = (type: number) => Shares.fromShareInfo1({ netname: "x", type, remark: "" })
    expect(share(1)).toMatchObject({ type: "printer", special: false })
    expect(share(2)).toMatchObject({ type: "device" })
    expect(share(0x80000000)).toMatchObject({ type: "disk", special: true })
    expect(share(0x40000001)).toMatchObject({ type: "printer", temporary: true, special: false })
    expect(share(0x07)).toMatchObject({ type: "unknown", typeCode: 7 })
    expect(Shares.typeLabel(share(0x80000003))).toBe("IPC (special)")
    expect(Shares.typeLabel(share(0xc0000000))).toBe("Disk (special) (temporary)")
    expect(Shares.typeLabel(share(0x07))).toBe("0x7")
  })
})

describe("srvsvc NetrShareEnum: malformed stubs are typed errors", () => {
  const good = stubOf(SHARE_ENUM_RESPONSE)

  it("cut short anywhere: a DecodeError, Truncated (or OutOfBounds where a count no longer fits)", () => {
    for (let cut = 0; cut < good.length; cut++) {
      const error = expectLeft(decodeNetrShareEnumResponse(good.subarray(0, cut)))
      expect(error.structure).toBe("NetrShareEnumResponse")
      expect(["Truncated", "OutOfBounds"]).toContain(error.reason)
    }
  })

  it("an array count larger than the stub can hold fails before allocating", () => {
    const bytes = Uint8Array.from(good)
    // The conformant array's maximum count follows Level, Switch, Level1, EntriesRead, Buffer.
    new DataView(bytes.buffer).setUint32(20, 0x10000000, true)
    expect(expectLeft(decodeNetrShareEnumResponse(bytes))).toMatchObject({ reason: "OutOfBounds", field: "BufferCount" })
  })

  it("EntriesRead disagreeing with the array, another level, a bad string bound", () => {
    const entries = Uint8Array.from(good)
    new DataView(entries.buffer).setUint32(12, 3, true)
    expect(expectLeft(decodeNetrShareEnumResponse(entries))).toMatchObject({ reason: "Invalid", field: "BufferCount" })
    const level = Uint8Array.from(good)
    level[0] = 2
    expect(expectLeft(decodeNetrShareEnumResponse(level))).toMatchObject({ reason: "Invalid", field: "Level" })
    const string = Uint8Array.from(good)
    // The first string: max count 6 at 48, offset at 52, actual count at 56.
    new DataView(string.buffer).setUint32(56, 7, true)
    expect(expectLeft(decodeNetrShareEnumResponse(string))).toMatchObject({ reason: "Invalid", field: "shi1_netname" })
  })

  fuzzDecoder("decodeNetrShareEnumResponse", decodeNetrShareEnumResponse, {
    seeds: [
      good,
      encodeNetrShareEnumResponse({ level: 1, shares: [], totalEntries: 0, resumeHandle: undefined, status: 5 }),
      encodeNetrShareEnumResponse({ level: 1, shares: undefined, totalEntries: 0, resumeHandle: 1, status: 0 })
    ],
    numRuns: 1000,
    reencode: encodeNetrShareEnumResponse,
    prefix: new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0])
  })
  fuzzDecoder("decodeNetrShareEnumRequest", decodeNetrShareEnumRequest, {
    seeds: [stubOf(SHARE_ENUM_REQUEST)],
    numRuns: 500,
    reencode: encodeNetrShareEnumRequest
  })
})

describe("srvsvc NetrShareEnum: round trips", () => {
  const seeded = { fastCheck: { seed: SEED, numRuns: 300 } }
  it.prop(
    "request",
    { serverName: optional(utf16(30)), preferedMaximumLength: u32, resumeHandle: optional(u32) },
    (req) => {
      expect(expectRight(decodeNetrShareEnumRequest(encodeNetrShareEnumRequest(req)))).toEqual(req)
    },
    seeded
  )
  it.prop(
    "response",
    {
      shares: optional(FastCheck.array(shareInfo, { maxLength: 8 })),
      totalEntries: u32,
      resumeHandle: optional(u32),
      status: u32
    },
    (res) => {
      const value = { level: 1, ...res }
      expect(expectRight(decodeNetrShareEnumResponse(encodeNetrShareEnumResponse(value)))).toEqual(value)
    },
    seeded
  )
})

describe("NDR primitives", () => {
  it("aligns each primitive to its size, relative to the stream's start", () => {
    const bytes = new NdrWriter().u8(1).u16(2).u8(3).u32(4).finish()
    expect(toHex(bytes)).toBe("01000200" + "03000000" + "04000000")
  })

  it("strings: max count, offset, actual count, UTF-16 with the NUL; referent ids are unique and non-zero", () => {
    const w = new NdrWriter().pointer(true).pointer(false).pointer(true).string("é")
    expect(toHex(w.finish())).toBe("00000200" + "00000000" + "04000200" + "02000000" + "00000000" + "02000000" + "e9000000")
  })

  it("the reader checks every bound", () => {
    const read = (bytes: Uint8Array, f: (r: NdrReader) => unknown) => decode("T", () => f(new NdrReader(bytes, "T")))
    expect(Either.isLeft(read(new Uint8Array(3), (r) => r.u32("x")))).toBe(true)
    expect(expectLeft(read(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]), (r) => r.string("s")))).toMatchObject({
      reason: "Invalid",
      field: "s"
    })
    expect(expectLeft(read(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0x41, 0]), (r) => r.string("s")))).toMatchObject({
      reason: "Truncated",
      field: "s"
    })
    expect(expectLeft(read(new Uint8Array([1, 0, 0]), (r) => {
      r.u16("a")
      r.end("end")
    }))).toMatchObject({ reason: "Invalid", field: "end" })
  })
})
