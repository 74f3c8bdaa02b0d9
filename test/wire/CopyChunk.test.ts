import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  decodeCopyChunkCopy,
  decodeCopyChunkResponse,
  decodeResumeKey,
  encodeCopyChunkCopy,
  encodeCopyChunkResponse,
  encodeResumeKey,
  makeCopyChunkIoctl,
  makeRequestResumeKeyIoctl
} from "../../src/wire/CopyChunk.js"
import { CtlCode, decodeIoctlRequest, encodeIoctlRequest, IoctlFlags } from "../../src/wire/Ioctl.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, fixedBytes, u32, u64 } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const KEY = fromHex("00112233445566778899aabbccddeeff0102030405060708")
const FILE_ID = fromHex("0102030405060708090a0b0c0d0e0f10")

const chunk = FastCheck.record({ sourceOffset: u64, targetOffset: u64, length: u32 })
const copy = FastCheck.record({ sourceKey: fixedBytes(24), chunks: FastCheck.array(chunk, { maxLength: 6 }) })
const response = FastCheck.record({ chunksWritten: u32, chunkBytesWritten: u32, totalBytesWritten: u32 })
const resumeKey = FastCheck.record({ resumeKey: fixedBytes(24), context: bytes(16) })

describe("SRV_COPYCHUNK_COPY (MS-SMB2 2.2.31.1)", () => {
  it("is the source key, the chunk count, 4 reserved bytes, then 24 bytes per chunk", () => {
    const encoded = encodeCopyChunkCopy({
      sourceKey: KEY,
      chunks: [
        { sourceOffset: 0n, targetOffset: 0n, length: 0x100000 },
        { sourceOffset: 0x100000n, targetOffset: 0x200000n, length: 7 }
      ]
    })
    expect(toHex(encoded)).toBe(
      toHex(KEY) + "02000000" + "00000000" +
        "0000000000000000" + "0000000000000000" + "00001000" + "00000000" +
        "0000100000000000" + "0000200000000000" + "07000000" + "00000000"
    )
    expect(expectRight(decodeCopyChunkCopy(encoded)).chunks[1]).toEqual({ sourceOffset: 0x100000n, targetOffset: 0x200000n, length: 7 })
  })

  it("rejects a chunk count past the buffer", () => {
    const encoded = encodeCopyChunkCopy({ sourceKey: KEY, chunks: [{ sourceOffset: 0n, targetOffset: 0n, length: 1 }] })
    encoded[24] = 2
    expect(expectLeft(decodeCopyChunkCopy(encoded)).field).toBe("Chunks")
  })

  roundTrip("SrvCopychunkCopy", copy, encodeCopyChunkCopy, decodeCopyChunkCopy)
  fuzz({ name: "decodeCopyChunkCopy", decode: decodeCopyChunkCopy, encode: encodeCopyChunkCopy, valid: copy.map(encodeCopyChunkCopy) })
})

describe("SRV_COPYCHUNK_RESPONSE (MS-SMB2 2.2.32.1)", () => {
  it("is three counts; as limits: chunks, bytes per chunk, bytes per request", () => {
    // Samba's limits, as it answers a request over them
    const limits = fromHex("00010000" + "00001000" + "00000001")
    expect(expectRight(decodeCopyChunkResponse(limits))).toEqual({
      chunksWritten: 256,
      chunkBytesWritten: 1024 * 1024,
      totalBytesWritten: 16 * 1024 * 1024
    })
    expect(toHex(encodeCopyChunkResponse({ chunksWritten: 256, chunkBytesWritten: 1024 * 1024, totalBytesWritten: 16 * 1024 * 1024 })))
      .toBe(toHex(limits))
    expect(expectLeft(decodeCopyChunkResponse(limits.subarray(0, 11))).field).toBe("Buffer")
  })

  roundTrip("SrvCopychunkResponse", response, encodeCopyChunkResponse, decodeCopyChunkResponse)
  fuzz({ name: "decodeCopyChunkResponse", decode: decodeCopyChunkResponse, encode: encodeCopyChunkResponse, valid: response.map(encodeCopyChunkResponse) })
})

describe("SRV_REQUEST_RESUME_KEY (MS-SMB2 2.2.32.3)", () => {
  it("is the 24-byte key, the context length and the context", () => {
    const encoded = fromHex(toHex(KEY) + "00000000")
    expect(expectRight(decodeResumeKey(encoded))).toEqual({ resumeKey: KEY, context: new Uint8Array(0) })
    expect(toHex(encodeResumeKey({ resumeKey: KEY, context: fromHex("abcd") }))).toBe(toHex(KEY) + "02000000" + "abcd")
    expect(expectLeft(decodeResumeKey(fromHex(toHex(KEY) + "05000000" + "abcd"))).field).toBe("Context")
    expect(expectLeft(decodeResumeKey(KEY)).field).toBe("ResumeKey")
  })

  roundTrip("SrvRequestResumeKey", resumeKey, encodeResumeKey, decodeResumeKey)
  fuzz({ name: "decodeResumeKey", decode: decodeResumeKey, encode: encodeResumeKey, valid: resumeKey.map(encodeResumeKey) })
})

describe("the IOCTLs of a server-side copy", () => {
  it("asks the source for its resume key with an FSCTL and no input", () => {
    const request = expectRight(decodeIoctlRequest(message(encodeIoctlRequest(makeRequestResumeKeyIoctl(FILE_ID)))))
    expect(request).toMatchObject({ ctlCode: CtlCode.FSCTL_SRV_REQUEST_RESUME_KEY, fileId: FILE_ID, flags: IoctlFlags.IS_FSCTL })
    expect(request.input.length).toBe(0)
    expect(request.maxOutputResponse).toBeGreaterThanOrEqual(28)
  })

  it("sends the chunks to the target with FSCTL_SRV_COPYCHUNK_WRITE, asking for the 12-byte response", () => {
    const chunks = [{ sourceOffset: 5n, targetOffset: 9n, length: 100 }]
    const request = expectRight(decodeIoctlRequest(message(encodeIoctlRequest(makeCopyChunkIoctl(FILE_ID, { sourceKey: KEY, chunks })))))
    expect(request).toMatchObject({ ctlCode: 0x001480f2, fileId: FILE_ID, maxOutputResponse: 12, flags: IoctlFlags.IS_FSCTL })
    expect(expectRight(decodeCopyChunkCopy(request.input))).toEqual({ sourceKey: KEY, chunks })
  })

  it.prop("any target open and chunks survive the IOCTL", { fileId: bytes16, value: copy }, ({ fileId, value }) => {
    const request = expectRight(decodeIoctlRequest(message(encodeIoctlRequest(makeCopyChunkIoctl(fileId, value)))))
    expect(expectRight(decodeCopyChunkCopy(request.input))).toEqual(value)
  }, { fastCheck: { seed: 42, numRuns: 50 } })
})
