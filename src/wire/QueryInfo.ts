/**
 * SMB2 QUERY_INFO request and response (MS-SMB2 2.2.37, 2.2.38). The output buffer holds one
 * information class (see FileInformation), a security descriptor or quota entries, as InfoType
 * and FileInfoClass asked.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decodeOutputBufferResponse, encodeOutputBufferResponse } from "./internal/outputBuffer.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** Flags of a QUOTA query. @since 0.1.0 @category constants */
export const QueryInfoFlags = {
  RESTART_SCAN: 0x00000001,
  RETURN_SINGLE_ENTRY: 0x00000002,
  INDEX_SPECIFIED: 0x00000004
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface QueryInfoRequest {
  /** InfoType: FILE, FILESYSTEM, SECURITY or QUOTA. */
  readonly infoType: number
  readonly fileInfoClass: number
  readonly outputBufferLength: number
  /** SecurityInformation bits for SECURITY; 0 otherwise. */
  readonly additionalInformation: number
  readonly flags: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
  /** Input for QUOTA and FileFullEaInformation queries; usually empty. */
  readonly input: Uint8Array
}

/**
 * @since 0.1.0
 * @category models
 */
export interface QueryInfoResponse {
  /** A view into the message. */
  readonly output: Uint8Array
}

const REQUEST_FIXED = 40

/** @since 0.1.0 @category encoding */
export const encodeQueryInfoRequest = (req: QueryInfoRequest): Uint8Array => {
  const out = new Uint8Array(REQUEST_FIXED + Math.max(req.input.length, 1))
  const v = viewOf(out)
  v.setUint16(0, 41, true)
  v.setUint8(2, req.infoType)
  v.setUint8(3, req.fileInfoClass)
  v.setUint32(4, req.outputBufferLength, true)
  v.setUint16(8, req.input.length === 0 ? 0 : HEADER_SIZE + REQUEST_FIXED, true)
  v.setUint32(12, req.input.length, true)
  v.setUint32(16, req.additionalInformation, true)
  v.setUint32(20, req.flags, true)
  out.set(req.fileId.subarray(0, 16), 24)
  out.set(req.input, REQUEST_FIXED)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeQueryInfoRequest = (message: Uint8Array): Either.Either<QueryInfoRequest, DecodeError> =>
  decode("QueryInfoRequest", () => {
    const r = new Reader(message, "QueryInfoRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 41)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    return {
      infoType: r.u8(HEADER_SIZE + 2, "InfoType"),
      fileInfoClass: r.u8(HEADER_SIZE + 3, "FileInfoClass"),
      outputBufferLength: r.u32(HEADER_SIZE + 4, "OutputBufferLength"),
      additionalInformation: r.u32(HEADER_SIZE + 16, "AdditionalInformation"),
      flags: r.u32(HEADER_SIZE + 20, "Flags"),
      fileId: r.bytesAt(HEADER_SIZE + 24, 16, "FileId"),
      input: r.buffer(r.u16(HEADER_SIZE + 8, "InputBufferOffset"), r.u32(HEADER_SIZE + 12, "InputBufferLength"), "Input")
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeQueryInfoResponse = (res: QueryInfoResponse): Uint8Array =>
  encodeOutputBufferResponse(res.output)

/** @since 0.1.0 @category decoding */
export const decodeQueryInfoResponse = (message: Uint8Array): Either.Either<QueryInfoResponse, DecodeError> =>
  decodeOutputBufferResponse("QueryInfoResponse", message)
