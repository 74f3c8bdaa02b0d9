import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  decodeCreateContexts,
  decodeDurableHandleReconnect,
  decodeDurableHandleReconnectV2,
  decodeDurableHandleRequestV2,
  decodeDurableHandleResponseV2,
  decodeLease,
  decodeMaximalAccessResponse,
  decodeQueryOnDiskIdResponse,
  DurableHandleFlags,
  encodeCreateContexts,
  encodeDurableHandleReconnect,
  encodeDurableHandleReconnectV2,
  encodeDurableHandleRequest,
  encodeDurableHandleRequestV2,
  encodeDurableHandleResponseV2,
  encodeLease,
  encodeMaximalAccessResponse,
  encodeQueryOnDiskIdResponse,
  findCreateContext,
  LeaseFlags,
  LeaseState
} from "../../src/wire/CreateContext.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes16, expectLeft, expectRight, u16, u32, u64 } from "../support/codec.js"
import { createContext, fuzz, roundTrip } from "./bodyCodecTesting.js"

const leaseV1 = FastCheck.record({
  _tag: FastCheck.constant("LeaseV1" as const),
  leaseKey: bytes16,
  leaseState: u32,
  leaseFlags: u32,
  leaseDuration: u64
})

const leaseV2 = FastCheck.record({
  _tag: FastCheck.constant("LeaseV2" as const),
  leaseKey: bytes16,
  leaseState: u32,
  leaseFlags: u32,
  leaseDuration: u64,
  parentLeaseKey: bytes16,
  epoch: u16
})

const durableRequest = FastCheck.record({ timeout: u32, flags: u32, createGuid: bytes16 })
const durableResponse = FastCheck.record({ timeout: u32, flags: u32 })
const durableReconnect = FastCheck.record({ fileId: bytes16, createGuid: bytes16, flags: u32 })
const maximalAccess = FastCheck.record({ queryStatus: u32, maximalAccess: u32 })
const onDiskId = FastCheck.record({ diskFileId: u64, volumeId: u64 })

describe("create context chain", () => {
  it("aligns every context and its data to 8 bytes and chains them with Next (MS-SMB2 2.2.13.2)", () => {
    const chain = encodeCreateContexts([
      { name: "MxAc", data: new Uint8Array(0) },
      { name: "DH2Q", data: fromHex("00000000" + "02000000" + "0000000000000000" + "11".repeat(16)) },
      { name: "QFid", data: new Uint8Array(0) }
    ])
    expect(toHex(chain)).toBe(
      // MxAc: Next 24, NameOffset 16, NameLength 4, Reserved, DataOffset 0, DataLength 0, name, padding
      "18000000" + "1000" + "0400" + "0000" + "0000" + "00000000" + "4d784163" + "00000000" +
        // DH2Q: Next 56, data at 24 (after the name's padding), 32 bytes
        "38000000" + "1000" + "0400" + "0000" + "1800" + "20000000" + "44483251" + "00000000" +
        "00000000" + "02000000" + "0000000000000000" + "11".repeat(16) +
        // QFid: last, so Next 0 and no trailing padding
        "00000000" + "1000" + "0400" + "0000" + "0000" + "00000000" + "51466964"
    )
    expect(expectRight(decodeCreateContexts(chain)).map((c) => c.name)).toEqual(["MxAc", "DH2Q", "QFid"])
  })

  it("keeps a GUID name byte for byte", () => {
    const guid = String.fromCharCode(...fromHex("45BCA66AEFA7F74A9008FA462E144D74"))
    const [context] = expectRight(decodeCreateContexts(encodeCreateContexts([{ name: guid, data: fromHex("01") }])))
    expect(context?.name).toBe(guid)
  })

  it("finds a context by name", () => {
    const contexts = [{ name: "MxAc", data: fromHex("00000000ff011f00") }]
    expect(findCreateContext(contexts, "MxAc")).toEqual(fromHex("00000000ff011f00"))
    expect(findCreateContext(contexts, "QFid")).toBeUndefined()
  })

  it("rejects a Next, name or data that leaves the chain", () => {
    const chain = encodeCreateContexts([
      { name: "MxAc", data: new Uint8Array(0) },
      { name: "QFid", data: new Uint8Array(0) }
    ])
    const next = Uint8Array.from(chain)
    next[0] = 0x40
    expect(expectLeft(decodeCreateContexts(next))).toMatchObject({ field: "CreateContexts[0].Next", reason: "OutOfBounds" })
    const name = Uint8Array.from(chain)
    name[30] = 0x20
    expect(expectLeft(decodeCreateContexts(name)).field).toBe("CreateContexts[1].NameOffset")
    const data = Uint8Array.from(chain)
    data[10] = 0x18
    data[12] = 1
    expect(expectLeft(decodeCreateContexts(data)).field).toBe("CreateContexts[0].DataOffset")
    expect(expectLeft(decodeCreateContexts(chain.subarray(0, 30))).field).toBe("CreateContexts[1].Next")
  })

  roundTrip(
    "CreateContexts",
    FastCheck.array(createContext, { maxLength: 5 }),
    encodeCreateContexts,
    decodeCreateContexts,
    200
  )

  fuzz({
    name: "decodeCreateContexts",
    decode: decodeCreateContexts,
    encode: encodeCreateContexts,
    valid: FastCheck.array(createContext, { minLength: 1, maxLength: 4 }).map(encodeCreateContexts)
  })
})

describe("lease contexts", () => {
  it("lays out a v2 lease request (MS-SMB2 2.2.13.2.10)", () => {
    const lease = {
      _tag: "LeaseV2" as const,
      leaseKey: new Uint8Array(16).fill(0xaa),
      leaseState: LeaseState.READ_CACHING | LeaseState.HANDLE_CACHING | LeaseState.WRITE_CACHING,
      leaseFlags: LeaseFlags.PARENT_LEASE_KEY_SET,
      leaseDuration: 0n,
      parentLeaseKey: new Uint8Array(16).fill(0xbb),
      epoch: 3
    }
    expect(toHex(encodeLease(lease))).toBe(
      "aa".repeat(16) + "07000000" + "04000000" + "0000000000000000" + "bb".repeat(16) + "0300" + "0000"
    )
    expect(expectRight(decodeLease(encodeLease(lease)))).toEqual(lease)
  })

  it("tells v1 (32 bytes) from v2 (52 bytes) by length and rejects shorter data", () => {
    expect(expectRight(decodeLease(new Uint8Array(32)))._tag).toBe("LeaseV1")
    expect(expectRight(decodeLease(new Uint8Array(52)))._tag).toBe("LeaseV2")
    expect(expectLeft(decodeLease(new Uint8Array(31))).structure).toBe("Lease")
  })

  roundTrip("LeaseV1", leaseV1, encodeLease, decodeLease)
  roundTrip("LeaseV2", leaseV2, encodeLease, decodeLease)

  fuzz({ name: "decodeLease", decode: decodeLease, encode: encodeLease, valid: FastCheck.oneof(leaseV1, leaseV2).map(encodeLease) })
})

describe("durable handle, maximal access and on-disk id contexts", () => {
  it("lays out a DH2Q request (MS-SMB2 2.2.13.2.11)", () => {
    const request = { timeout: 60_000, flags: DurableHandleFlags.PERSISTENT, createGuid: new Uint8Array(16).fill(0x42) }
    expect(toHex(encodeDurableHandleRequestV2(request))).toBe(
      "60ea0000" + "02000000" + "0000000000000000" + "42".repeat(16)
    )
  })

  it("reads an MxAc response (MS-SMB2 2.2.14.2.5)", () => {
    expect(expectRight(decodeMaximalAccessResponse(fromHex("00000000" + "ff011f00")))).toEqual({
      queryStatus: 0,
      maximalAccess: 0x001f01ff
    })
  })

  it("reads a QFid response (MS-SMB2 2.2.14.2.9)", () => {
    const data = fromHex("0100000000000100" + "0200000000000000" + "00".repeat(16))
    expect(expectRight(decodeQueryOnDiskIdResponse(data))).toEqual({ diskFileId: 0x0001_0000_0000_0001n, volumeId: 2n })
  })

  it("writes DHnQ as 16 zero bytes and DHnC as the FileId (MS-SMB2 2.2.13.2.3, 2.2.13.2.4)", () => {
    expect(toHex(encodeDurableHandleRequest())).toBe("00".repeat(16))
    const fileId = fromHex("0102030405060708" + "1112131415161718")
    expect(toHex(encodeDurableHandleReconnect(fileId))).toBe(toHex(fileId))
    expect(expectRight(decodeDurableHandleReconnect(encodeDurableHandleReconnect(fileId)))).toEqual({ fileId })
    expectLeft(decodeDurableHandleReconnect(fileId.subarray(0, 15)))
  })

  roundTrip("DurableHandleRequestV2", durableRequest, encodeDurableHandleRequestV2, decodeDurableHandleRequestV2)
  roundTrip("DurableHandleResponseV2", durableResponse, encodeDurableHandleResponseV2, decodeDurableHandleResponseV2)
  roundTrip("DurableHandleReconnectV2", durableReconnect, encodeDurableHandleReconnectV2, decodeDurableHandleReconnectV2)
  roundTrip("MaximalAccessResponse", maximalAccess, encodeMaximalAccessResponse, decodeMaximalAccessResponse)
  roundTrip("QueryOnDiskIdResponse", onDiskId, encodeQueryOnDiskIdResponse, decodeQueryOnDiskIdResponse)

  fuzz({
    name: "decodeDurableHandleRequestV2",
    decode: decodeDurableHandleRequestV2,
    encode: encodeDurableHandleRequestV2,
    valid: durableRequest.map(encodeDurableHandleRequestV2)
  })
  fuzz({
    name: "decodeDurableHandleResponseV2",
    decode: decodeDurableHandleResponseV2,
    encode: encodeDurableHandleResponseV2,
    valid: durableResponse.map(encodeDurableHandleResponseV2)
  })
  fuzz({
    name: "decodeDurableHandleReconnectV2",
    decode: decodeDurableHandleReconnectV2,
    encode: encodeDurableHandleReconnectV2,
    valid: durableReconnect.map(encodeDurableHandleReconnectV2)
  })
  fuzz({
    name: "decodeMaximalAccessResponse",
    decode: decodeMaximalAccessResponse,
    encode: encodeMaximalAccessResponse,
    valid: maximalAccess.map(encodeMaximalAccessResponse)
  })
  fuzz({
    name: "decodeQueryOnDiskIdResponse",
    decode: decodeQueryOnDiskIdResponse,
    encode: encodeQueryOnDiskIdResponse,
    valid: onDiskId.map(encodeQueryOnDiskIdResponse)
  })
})
