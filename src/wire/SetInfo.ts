/**
 * SMB2 SET_INFO request and response (MS-SMB2 2.2.39, 2.2.40). The buffer holds one information
 * class (see FileInformation: basic, end of file, disposition, rename, ...), a security
 * descriptor or quota entries.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface SetInfoRequest {
  /** InfoType: FILE, FILESYSTEM, SECURITY or QUOTA. */
  readonly infoType: number
  readonly fileInfoClass: number
  /** SecurityInformation bits for SECURITY; 0 otherwise. */
  readonly additionalInformation: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
  /** Decoded: a view into the message. */
  readonly buffer: Uint8Array
}

/**
 * The response carries nothing but its StructureSize.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetInfoResponse {}

const REQUEST_FIXED = 32

/** @since 0.1.0 @category encoding */
export const encodeSetInfoRequest = (req: SetInfoRequest): Uint8Array => {
  const out = new Uint8Array(REQUEST_FIXED + Math.max(req.buffer.length, 1))
  const v = viewOf(out)
  v.setUint16(0, 33, true)
  v.setUint8(2, req.infoType)
  v.setUint8(3, req.fileInfoClass)
  v.setUint32(4, req.buffer.length, true)
  v.setUint16(8, HEADER_SIZE + REQUEST_FIXED, true)
  v.setUint32(12, req.additionalInformation, true)
  out.set(req.fileId.subarray(0, 16), 16)
  out.set(req.buffer, REQUEST_FIXED)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeSetInfoRequest = (message: Uint8Array): Either.Either<SetInfoRequest, DecodeError> =>
  decode("SetInfoRequest", () => {
    const r = new Reader(message, "SetInfoRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 33)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    const length = r.u32(HEADER_SIZE + 4, "BufferLength")
    const offset = r.u16(HEADER_SIZE + 8, "BufferOffset")
    return {
      infoType: r.u8(HEADER_SIZE + 2, "InfoType"),
      fileInfoClass: r.u8(HEADER_SIZE + 3, "FileInfoClass"),
      additionalInformation: r.u32(HEADER_SIZE + 12, "AdditionalInformation"),
      fileId: r.bytesAt(HEADER_SIZE + 16, 16, "FileId"),
      buffer: r.buffer(offset, length, "Buffer")
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeSetInfoResponse = (_res: SetInfoResponse): Uint8Array => {
  const out = new Uint8Array(2)
  viewOf(out).setUint16(0, 2, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeSetInfoResponse = (message: Uint8Array): Either.Either<SetInfoResponse, DecodeError> =>
  decode("SetInfoResponse", () => {
    new Reader(message, "SetInfoResponse").expectU16(HEADER_SIZE, "StructureSize", 2)
    return {}
  })
