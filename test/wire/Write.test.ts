import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { concatBytes } from "../../src/wire/Reader.js"
import {
  decodeWriteRequest,
  decodeWriteResponse,
  encodeWriteRequest,
  encodeWriteRequestHead,
  encodeWriteResponse,
  WriteFlags
} from "../../src/wire/Write.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u16, u32, u64 } from "../support/codec.js"
import { ascii, fuzz, message, reencode, roundTrip } from "./bodyCodecTesting.js"

// Plaintext WRITE requests and responses of the published encryption test vectors:
// SMB 3.0 (AES-128-CCM): https://learn.microsoft.com/en-us/archive/blogs/openspecification/encryption-in-smb-3-0-a-protocol-perspective (Test vector)
// SMB 3.1.1 (AES-128-GCM, A.1; AES-128-CCM, A.2): https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10 (Appendix A)
// Each writes "Smb3 encryption testing" (23 bytes) at offset 0.
const CAPTURES = [
  {
    name: "SMB 3.0 (encryption-in-smb-3-0 test vector)",
    fileId: "15010000390000020100000039020000",
    request: fromHex(
      "FE534D4240000100000000000900400008000000000000000400000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000" +
      "3100700017000000000000000000000015010000390000020100000039020000" +
      "00000000000000007000000000000000536D623320656E6372797074696F6E20" +
      "74657374696E67"
    ),
    response: fromHex(
      "FE534D4240000100000000000900210009000000000000000400000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000" +
      "11000000170000000000000000000000"
    )
  },
  {
    name: "SMB 3.1.1 AES-128-GCM (appendix A.1)",
    fileId: "06000000040000000100000004000000",
    request: fromHex(
      "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000250000000010000000000000000000000000000000000000" +
      "3100700017000000000000000000000006000000040000000100000004000000" +
      "00000000000000007000000000000000536D623320656E6372797074696F6E20" +
      "74657374696E67"
    ),
    response: fromHex(
      "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000250000000010000000000000000000000000000000000000" +
      "11000000170000000000000000000000"
    )
  },
  {
    name: "SMB 3.1.1 AES-128-CCM (appendix A.2)",
    fileId: "05000000040000000100000004000000",
    request: fromHex(
      "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000210000000010000000000000000000000000000000000000" +
      "3100700017000000000000000000000005000000040000000100000004000000" +
      "00000000000000007000000000000000536D623320656E6372797074696F6E20" +
      "74657374696E67"
    ),
    response: fromHex(
      "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000210000000010000000000000000000000000000000000000" +
      "11000000170000000000000000000000"
    )
  }
] as const

const writeRequest = FastCheck.record({
  offset: u64,
  fileId: bytes16,
  channel: u32,
  remainingBytes: u32,
  writeChannelInfoOffset: u16,
  writeChannelInfoLength: FastCheck.constant(0),
  flags: u32,
  data: bytes(300)
})

const writeResponse = FastCheck.record({ count: u32, remaining: u32 })

describe("WRITE request", () => {
  for (const capture of CAPTURES) {
    it(`decodes the ${capture.name} request and re-encodes it byte for byte`, () => {
      const request = expectRight(decodeWriteRequest(capture.request))
      expect(request.offset).toBe(0n)
      expect(toHex(request.fileId)).toBe(capture.fileId)
      expect(request.channel).toBe(0)
      expect(request.remainingBytes).toBe(0)
      expect(request.writeChannelInfoOffset).toBe(0x70)
      expect(request.writeChannelInfoLength).toBe(0)
      expect(request.flags).toBe(0)
      expect(ascii(request.data)).toBe("Smb3 encryption testing")
      expect(reencode(capture.request, encodeWriteRequest(request))).toEqual(capture.request)
      const parts = [capture.request.subarray(0, 64), encodeWriteRequestHead(request, request.data.length), request.data]
      expect(concatBytes(parts)).toEqual(capture.request)
    })
  }

  it("returns the data as a view into the message, not a copy", () => {
    const request = expectRight(decodeWriteRequest(CAPTURES[0].request))
    expect(request.data.buffer).toBe(CAPTURES[0].request.buffer)
    expect(request.data.byteOffset).toBe(CAPTURES[0].request.byteOffset + 112)
  })

  it("lays out the 48-byte head with DataOffset 112 and the data length", () => {
    const head = encodeWriteRequestHead(
      {
        offset: 0x1_0000_0000n,
        fileId: new Uint8Array(16).fill(7),
        channel: 0,
        remainingBytes: 0,
        writeChannelInfoOffset: 0,
        writeChannelInfoLength: 0,
        flags: WriteFlags.WRITE_THROUGH
      },
      1 << 20
    )
    expect(toHex(head)).toBe(
      "3100" + "7000" + "00001000" + "0000000001000000" + "07".repeat(16) + "00000000" + "00000000" + "0000" + "0000" +
        "01000000"
    )
  })

  it("pads an empty write to the StructureSize of 49", () => {
    const body = encodeWriteRequest({
      offset: 5n,
      fileId: new Uint8Array(16),
      channel: 0,
      remainingBytes: 0,
      writeChannelInfoOffset: 0,
      writeChannelInfoLength: 0,
      flags: 0,
      data: new Uint8Array(0)
    })
    expect(body.length).toBe(49)
    expect(expectRight(decodeWriteRequest(message(body))).data.length).toBe(0)
  })

  it("rejects a wrong StructureSize, data past the message, and a cut body", () => {
    const wrongSize = Uint8Array.from(CAPTURES[0].request)
    wrongSize[64] = 48
    expect(expectLeft(decodeWriteRequest(wrongSize)).field).toBe("StructureSize")
    const longer = Uint8Array.from(CAPTURES[0].request)
    longer[68] = 24
    expect(expectLeft(decodeWriteRequest(longer))).toMatchObject({ structure: "WriteRequest", field: "Data", reason: "OutOfBounds" })
    expect(expectLeft(decodeWriteRequest(CAPTURES[0].request.subarray(0, 100))).field).toBe("Body")
    const channelInfo = Uint8Array.from(CAPTURES[0].request)
    channelInfo[106] = 0xff
    expect(expectLeft(decodeWriteRequest(channelInfo)).field).toBe("WriteChannelInfo")
  })

  roundTrip("WriteRequest", writeRequest, (x) => message(encodeWriteRequest(x)), decodeWriteRequest)

  fuzz({
    name: "decodeWriteRequest",
    decode: decodeWriteRequest,
    encode: encodeWriteRequest,
    valid: writeRequest.map((x) => message(encodeWriteRequest(x))),
    structureSize: 49
  })
})

describe("WRITE response", () => {
  for (const capture of CAPTURES) {
    it(`decodes the ${capture.name} response and re-encodes it byte for byte`, () => {
      const response = expectRight(decodeWriteResponse(capture.response))
      expect(response).toEqual({ count: 23, remaining: 0 })
      expect(reencode(capture.response, encodeWriteResponse(response))).toEqual(capture.response)
    })
  }

  it("rejects a wrong StructureSize and a cut body", () => {
    const wrongSize = Uint8Array.from(CAPTURES[0].response)
    wrongSize[64] = 16
    expect(expectLeft(decodeWriteResponse(wrongSize)).field).toBe("StructureSize")
    expect(expectLeft(decodeWriteResponse(CAPTURES[0].response.subarray(0, 75))).reason).toBe("OutOfBounds")
  })

  roundTrip("WriteResponse", writeResponse, (x) => message(encodeWriteResponse(x)), decodeWriteResponse)

  fuzz({
    name: "decodeWriteResponse",
    decode: decodeWriteResponse,
    encode: encodeWriteResponse,
    valid: writeResponse.map((x) => message(encodeWriteResponse(x))),
    structureSize: 17
  })
})
