/**
 * SMB2 FLUSH request and response (MS-SMB2 2.2.17, 2.2.18): ask the server to write cached data
 * of an open to stable storage.
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
export interface FlushRequest {
  /** 16 bytes. */
  readonly fileId: Uint8Array
}

/**
 * The response carries nothing but its StructureSize.
 *
 * @since 0.1.0
 * @category models
 */
export interface FlushResponse {}

/** @since 0.1.0 @category encoding */
export const encodeFlushRequest = (req: FlushRequest): Uint8Array => {
  const out = new Uint8Array(24)
  viewOf(out).setUint16(0, 24, true)
  out.set(req.fileId.subarray(0, 16), 8)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFlushRequest = (message: Uint8Array): Either.Either<FlushRequest, DecodeError> =>
  decode("FlushRequest", () => {
    const r = new Reader(message, "FlushRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 24)
    return { fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId") }
  })

/** @since 0.1.0 @category encoding */
export const encodeFlushResponse = (_res: FlushResponse): Uint8Array => {
  const out = new Uint8Array(4)
  viewOf(out).setUint16(0, 4, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFlushResponse = (message: Uint8Array): Either.Either<FlushResponse, DecodeError> =>
  decode("FlushResponse", () => {
    const r = new Reader(message, "FlushResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 4)
    return {}
  })
