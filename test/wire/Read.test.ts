import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  decodeReadRequest,
  decodeReadResponse,
  encodeReadRequest,
  encodeReadResponse,
  encodeReadResponseHead,
  ReadFlags
} from "../../src/wire/Read.js"
import { concatBytes } from "../../src/wire/Reader.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u16, u32, u64, u8 } from "../support/codec.js"
import { ascii, fuzz, message, reencode, roundTrip } from "./bodyCodecTesting.js"

// Plaintext READ requests and responses of the published encryption test vectors:
// SMB 3.0 (AES-128-CCM): https://learn.microsoft.com/en-us/archive/blogs/openspecification/encryption-in-smb-3-0-a-protocol-perspective (Test vector)
// SMB 3.1.1 (AES-128-GCM, A.1; AES-128-CCM, A.2): https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10 (Appendix A)
// Each reads back "Smb3 encryption testing" (23 bytes) from offset 0.
const CAPTURES = [
  {
    name: "SMB 3.0 (encryption-in-smb-3-0 test vector)",
    fileId: "15010000390000020100000039020000",
    request: fromHex(
      "FE534D4240000100000000000800400008000000000000000500000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000" +
        "3100000017000000000000000000000015010000390000020100000039020000" +
        "0000000000000000000000000000000000"
    ),
    response: fromHex(
      "FE534D4240000100000000000800210009000000000000000500000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000" +
        "11005000170000000000000000000000" +
        "536D623320656E6372797074696F6E2074657374696E67"
    )
  },
  {
    name: "SMB 3.1.1 AES-128-GCM (appendix A.1)",
    fileId: "06000000040000000100000004000000",
    request: fromHex(
      "FE534D4240000100000000000800010008000000000000000600000000000000FFFE000001000000250000000010000000000000000000000000000000000000" +
        "3100000017000000000000000000000006000000040000000100000004000000" +
        "0000000000000000000000000000000000"
    ),
    response: fromHex(
      "FE534D4240000100000000000800010001000000000000000600000000000000FFFE000001000000250000000010000000000000000000000000000000000000" +
        "11005000170000000000000000000000" +
        "536D623320656E6372797074696F6E2074657374696E67"
    )
  },
  {
    name: "SMB 3.1.1 AES-128-CCM (appendix A.2)",
    fileId: "05000000040000000100000004000000",
    request: fromHex(
      "FE534D4240000100000000000800010008000000000000000600000000000000FFFE000001000000210000000010000000000000000000000000000000000000" +
        "3100000017000000000000000000000005000000040000000100000004000000" +
        "0000000000000000000000000000000000"
    ),
    response: fromHex(
      "FE534D4240000100000000000800010001000000000000000600000000000000FFFE000001000000210000000010000000000000000000000000000000000000" +
        "11005000170000000000000000000000" +
        "536D623320656E6372797074696F6E2074657374696E67"
    )
  }
] as const

const readRequest = FastCheck.record({
  padding: u8,
  flags: u8,
  length: u32,
  offset: u64,
  fileId: bytes16,
  minimumCount: u32,
  channel: u32,
  remainingBytes: u32,
  readChannelInfoOffset: u16,
  readChannelInfoLength: FastCheck.constant(0)
})

const readResponse = FastCheck.record({ dataRemaining: u32, flags: u32, data: bytes(300) })

describe("READ request", () => {
  for (const capture of CAPTURES) {
    it(`decodes the ${capture.name} request and re-encodes it byte for byte`, () => {
      const request = expectRight(decodeReadRequest(capture.request))
      expect(request).toEqual({
        padding: 0,
        flags: 0,
        length: 23,
        offset: 0n,
        fileId: fromHex(capture.fileId),
        minimumCount: 0,
        channel: 0,
        remainingBytes: 0,
        readChannelInfoOffset: 0,
        readChannelInfoLength: 0
      })
      expect(reencode(capture.request, encodeReadRequest(request))).toEqual(capture.request)
    })
  }

  it("lays out the fields at their MS-SMB2 offsets", () => {
    const body = encodeReadRequest({
      padding: 0x50,
      flags: ReadFlags.UNBUFFERED,
      length: 0x10000,
      offset: 0x2_0000_0000n,
      fileId: new Uint8Array(16).fill(9),
      minimumCount: 1,
      channel: 0,
      remainingBytes: 2,
      readChannelInfoOffset: 0,
      readChannelInfoLength: 0
    })
    expect(toHex(body)).toBe(
      "3100" + "50" + "01" + "00000100" + "0000000002000000" + "09".repeat(16) + "01000000" + "00000000" + "02000000" +
        "0000" + "0000" + "00"
    )
  })

  it("rejects a wrong StructureSize, a cut body and channel info past the message", () => {
    const wrongSize = Uint8Array.from(CAPTURES[0].request)
    wrongSize[64] = 17
    expect(expectLeft(decodeReadRequest(wrongSize)).field).toBe("StructureSize")
    expect(expectLeft(decodeReadRequest(CAPTURES[0].request.subarray(0, 111))).field).toBe("Body")
    const channelInfo = Uint8Array.from(CAPTURES[0].request)
    channelInfo[108] = 0x70
    channelInfo[110] = 0x10
    expect(expectLeft(decodeReadRequest(channelInfo))).toMatchObject({ field: "ReadChannelInfo", reason: "OutOfBounds" })
  })

  roundTrip("ReadRequest", readRequest, (x) => message(encodeReadRequest(x)), decodeReadRequest)

  fuzz({
    name: "decodeReadRequest",
    decode: decodeReadRequest,
    encode: encodeReadRequest,
    valid: readRequest.map((x) => message(encodeReadRequest(x))),
    structureSize: 49
  })
})

describe("READ response", () => {
  for (const capture of CAPTURES) {
    it(`decodes the ${capture.name} response and re-encodes it byte for byte`, () => {
      const response = expectRight(decodeReadResponse(capture.response))
      expect(response.dataRemaining).toBe(0)
      expect(response.flags).toBe(0)
      expect(ascii(response.data)).toBe("Smb3 encryption testing")
      expect(reencode(capture.response, encodeReadResponse(response))).toEqual(capture.response)
      const parts = [capture.response.subarray(0, 64), encodeReadResponseHead(response, response.data.length), response.data]
      expect(concatBytes(parts)).toEqual(capture.response)
    })
  }

  it("returns the data as a view into the message, not a copy", () => {
    const response = expectRight(decodeReadResponse(CAPTURES[0].response))
    expect(response.data.buffer).toBe(CAPTURES[0].response.buffer)
    expect(response.data.byteOffset).toBe(CAPTURES[0].response.byteOffset + 80)
  })

  it("follows DataOffset wherever the server put the data", () => {
    const body = fromHex("1100" + "58" + "00" + "03000000" + "07000000" + "00000000" + "0000000000000000" + "616263")
    expect(expectRight(decodeReadResponse(message(body)))).toEqual({ dataRemaining: 7, flags: 0, data: fromHex("616263") })
  })

  it("pads an empty response to the StructureSize of 17", () => {
    const body = encodeReadResponse({ dataRemaining: 0, flags: 0, data: new Uint8Array(0) })
    expect(body.length).toBe(17)
    expect(expectRight(decodeReadResponse(message(body))).data.length).toBe(0)
  })

  it("rejects a wrong StructureSize and data past the message", () => {
    const wrongSize = Uint8Array.from(CAPTURES[0].response)
    wrongSize[64] = 16
    expect(expectLeft(decodeReadResponse(wrongSize)).field).toBe("StructureSize")
    const longer = Uint8Array.from(CAPTURES[0].response)
    longer[68] = 24
    expect(expectLeft(decodeReadResponse(longer))).toMatchObject({ structure: "ReadResponse", field: "Data", reason: "OutOfBounds" })
    expect(expectLeft(decodeReadResponse(CAPTURES[0].response.subarray(0, 90))).field).toBe("Data")
  })

  roundTrip("ReadResponse", readResponse, (x) => message(encodeReadResponse(x)), decodeReadResponse)

  fuzz({
    name: "decodeReadResponse",
    decode: decodeReadResponse,
    encode: encodeReadResponse,
    valid: readResponse.map((x) => message(encodeReadResponse(x))),
    structureSize: 17
  })
})
