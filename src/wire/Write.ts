/**
 * SMB2 WRITE request and response (MS-SMB2 2.2.21, 2.2.22).
 *
 * Built for throughput: `encodeWriteRequestHead` returns only the fixed 48 bytes (DataOffset 112)
 * so that the caller sends [header, head, data] as parts and the data is never copied; the
 * request decoder returns the data as a view into the message. The RDMA channel fields are carried
 * as raw numbers (zero over TCP; Windows still sets WriteChannelInfoOffset) so that captured
 * messages re-encode byte for byte; the channel-info buffer itself is never read.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const WriteFlags = {
  WRITE_THROUGH: 0x00000001,
  WRITE_UNBUFFERED: 0x00000002
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface WriteRequest {
  readonly offset: bigint
  /** 16 bytes. */
  readonly fileId: Uint8Array
  readonly channel: number
  readonly remainingBytes: number
  readonly writeChannelInfoOffset: number
  readonly writeChannelInfoLength: number
  readonly flags: number
  /** Decoded: a view into the message, not a copy. */
  readonly data: Uint8Array
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WriteResponse {
  /** Bytes written. */
  readonly count: number
  readonly remaining: number
}

const REQUEST_FIXED = 48
/** Where the request data starts, from the header start. */
const REQUEST_DATA_OFFSET = HEADER_SIZE + REQUEST_FIXED
const RESPONSE_FIXED = 16

/**
 * The fixed 48 bytes of a WRITE request whose `dataLength` bytes of data follow it directly
 * (DataOffset 112). For an empty write use `encodeWriteRequest`, which adds the one buffer byte
 * the StructureSize of 49 promises.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeWriteRequestHead = (req: Omit<WriteRequest, "data">, dataLength: number): Uint8Array => {
  const out = new Uint8Array(REQUEST_FIXED)
  const v = viewOf(out)
  v.setUint16(0, 49, true)
  v.setUint16(2, REQUEST_DATA_OFFSET, true)
  v.setUint32(4, dataLength, true)
  v.setBigUint64(8, req.offset, true)
  out.set(req.fileId.subarray(0, 16), 16)
  v.setUint32(32, req.channel, true)
  v.setUint32(36, req.remainingBytes, true)
  v.setUint16(40, req.writeChannelInfoOffset, true)
  v.setUint16(42, req.writeChannelInfoLength, true)
  v.setUint32(44, req.flags, true)
  return out
}

/** @since 0.1.0 @category encoding */
export const encodeWriteRequest = (req: WriteRequest): Uint8Array => {
  const out = new Uint8Array(REQUEST_FIXED + Math.max(req.data.length, 1))
  out.set(encodeWriteRequestHead(req, req.data.length), 0)
  out.set(req.data, REQUEST_FIXED)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeWriteRequest = (message: Uint8Array): Either.Either<WriteRequest, DecodeError> =>
  decode("WriteRequest", () => {
    const r = new Reader(message, "WriteRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 49)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    const dataOffset = r.u16(HEADER_SIZE + 2, "DataOffset")
    const length = r.u32(HEADER_SIZE + 4, "Length")
    const writeChannelInfoOffset = r.u16(HEADER_SIZE + 40, "WriteChannelInfoOffset")
    const writeChannelInfoLength = r.u16(HEADER_SIZE + 42, "WriteChannelInfoLength")
    if (writeChannelInfoLength > 0) r.need(writeChannelInfoOffset, writeChannelInfoLength, "WriteChannelInfo")
    return {
      offset: r.u64(HEADER_SIZE + 8, "Offset"),
      fileId: r.bytesAt(HEADER_SIZE + 16, 16, "FileId"),
      channel: r.u32(HEADER_SIZE + 32, "Channel"),
      remainingBytes: r.u32(HEADER_SIZE + 36, "RemainingBytes"),
      writeChannelInfoOffset,
      writeChannelInfoLength,
      flags: r.u32(HEADER_SIZE + 44, "Flags"),
      data: r.buffer(dataOffset, length, "Data")
    }
  })

/**
 * 16 bytes: Windows sends no buffer byte after the fixed part, whatever StructureSize says.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeWriteResponse = (res: WriteResponse): Uint8Array => {
  const out = new Uint8Array(RESPONSE_FIXED)
  const v = viewOf(out)
  v.setUint16(0, 17, true)
  v.setUint32(4, res.count, true)
  v.setUint32(8, res.remaining, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeWriteResponse = (message: Uint8Array): Either.Either<WriteResponse, DecodeError> =>
  decode("WriteResponse", () => {
    const r = new Reader(message, "WriteResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 17)
    r.need(HEADER_SIZE, RESPONSE_FIXED, "Body")
    return {
      count: r.u32(HEADER_SIZE + 4, "Count"),
      remaining: r.u32(HEADER_SIZE + 8, "Remaining")
    }
  })
