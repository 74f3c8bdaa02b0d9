/**
 * SMB2 READ request and response (MS-SMB2 2.2.19, 2.2.20).
 *
 * Built for throughput: the response decoder hands back the data as a view into the message (no
 * copy), and `encodeReadResponseHead` lets a server send [header, head, data] as separate parts.
 * The RDMA channel fields are carried as raw numbers (zero over TCP) so that captured messages
 * re-encode byte for byte; the channel-info buffer itself is never read.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** READ request flags. @since 0.1.0 @category constants */
export const ReadFlags = {
  UNBUFFERED: 0x01,
  REQUEST_COMPRESSED: 0x02
} as const

/** READ response flags (3.1.1). @since 0.1.0 @category constants */
export const ReadResponseFlags = {
  RDMA_TRANSFORM: 0x00000001
} as const

/** Channel values of READ and WRITE (TCP uses NONE). @since 0.1.0 @category constants */
export const Channel = {
  NONE: 0x00000000,
  RDMA_V1: 0x00000001,
  RDMA_V1_INVALIDATE: 0x00000002,
  RDMA_TRANSFORM: 0x00000003
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface ReadRequest {
  /** Requested offset of the data in the response, from the header start (0 lets the server choose). */
  readonly padding: number
  readonly flags: number
  readonly length: number
  readonly offset: bigint
  /** 16 bytes. */
  readonly fileId: Uint8Array
  readonly minimumCount: number
  readonly channel: number
  readonly remainingBytes: number
  readonly readChannelInfoOffset: number
  readonly readChannelInfoLength: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReadResponse {
  readonly dataRemaining: number
  readonly flags: number
  /** A view into the decoded message, not a copy. */
  readonly data: Uint8Array
}

const REQUEST_FIXED = 48
const RESPONSE_FIXED = 16
/** Where the response data starts, from the header start. */
const RESPONSE_DATA_OFFSET = HEADER_SIZE + RESPONSE_FIXED

/** @since 0.1.0 @category encoding */
export const encodeReadRequest = (req: ReadRequest): Uint8Array => {
  const out = new Uint8Array(REQUEST_FIXED + 1)
  const v = viewOf(out)
  v.setUint16(0, 49, true)
  v.setUint8(2, req.padding)
  v.setUint8(3, req.flags)
  v.setUint32(4, req.length, true)
  v.setBigUint64(8, req.offset, true)
  out.set(req.fileId.subarray(0, 16), 16)
  v.setUint32(32, req.minimumCount, true)
  v.setUint32(36, req.channel, true)
  v.setUint32(40, req.remainingBytes, true)
  v.setUint16(44, req.readChannelInfoOffset, true)
  v.setUint16(46, req.readChannelInfoLength, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeReadRequest = (message: Uint8Array): Either.Either<ReadRequest, DecodeError> =>
  decode("ReadRequest", () => {
    const r = new Reader(message, "ReadRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 49)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    const readChannelInfoOffset = r.u16(HEADER_SIZE + 44, "ReadChannelInfoOffset")
    const readChannelInfoLength = r.u16(HEADER_SIZE + 46, "ReadChannelInfoLength")
    if (readChannelInfoLength > 0) r.need(readChannelInfoOffset, readChannelInfoLength, "ReadChannelInfo")
    return {
      padding: r.u8(HEADER_SIZE + 2, "Padding"),
      flags: r.u8(HEADER_SIZE + 3, "Flags"),
      length: r.u32(HEADER_SIZE + 4, "Length"),
      offset: r.u64(HEADER_SIZE + 8, "Offset"),
      fileId: r.bytesAt(HEADER_SIZE + 16, 16, "FileId"),
      minimumCount: r.u32(HEADER_SIZE + 32, "MinimumCount"),
      channel: r.u32(HEADER_SIZE + 36, "Channel"),
      remainingBytes: r.u32(HEADER_SIZE + 40, "RemainingBytes"),
      readChannelInfoOffset,
      readChannelInfoLength
    }
  })

/**
 * The fixed 16 bytes of a READ response whose `dataLength` bytes of data follow it directly
 * (DataOffset 80), so that a server can send [header, head, data] without copying the data.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeReadResponseHead = (res: Omit<ReadResponse, "data">, dataLength: number): Uint8Array => {
  const out = new Uint8Array(RESPONSE_FIXED)
  const v = viewOf(out)
  v.setUint16(0, 17, true)
  v.setUint8(2, RESPONSE_DATA_OFFSET)
  v.setUint32(4, dataLength, true)
  v.setUint32(8, res.dataRemaining, true)
  v.setUint32(12, res.flags, true)
  return out
}

/** @since 0.1.0 @category encoding */
export const encodeReadResponse = (res: ReadResponse): Uint8Array => {
  const out = new Uint8Array(RESPONSE_FIXED + Math.max(res.data.length, 1))
  out.set(encodeReadResponseHead(res, res.data.length), 0)
  out.set(res.data, RESPONSE_FIXED)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeReadResponse = (message: Uint8Array): Either.Either<ReadResponse, DecodeError> =>
  decode("ReadResponse", () => {
    const r = new Reader(message, "ReadResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 17)
    r.need(HEADER_SIZE, RESPONSE_FIXED, "Body")
    const dataOffset = r.u8(HEADER_SIZE + 2, "DataOffset")
    const dataLength = r.u32(HEADER_SIZE + 4, "DataLength")
    return {
      dataRemaining: r.u32(HEADER_SIZE + 8, "DataRemaining"),
      flags: r.u32(HEADER_SIZE + 12, "Flags"),
      data: r.buffer(dataOffset, dataLength, "Data")
    }
  })
