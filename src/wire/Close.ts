/**
 * SMB2 CLOSE request and response (MS-SMB2 2.2.15, 2.2.16). With POSTQUERY_ATTRIB the server
 * returns the file's final times, sizes and attributes, saving a QUERY_INFO before the close.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import type { FileNetworkOpenInformation } from "./FileInformation.js"
import { HEADER_SIZE } from "./Header.js"
import { readNetworkOpen, writeNetworkOpen } from "./internal/networkOpen.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const CloseFlags = {
  POSTQUERY_ATTRIB: 0x0001
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface CloseRequest {
  readonly flags: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
}

/**
 * Without POSTQUERY_ATTRIB in the request every field but `flags` is zero.
 *
 * @since 0.1.0
 * @category models
 */
export interface CloseResponse extends FileNetworkOpenInformation {
  readonly flags: number
}

/** @since 0.1.0 @category encoding */
export const encodeCloseRequest = (req: CloseRequest): Uint8Array => {
  const out = new Uint8Array(24)
  const v = viewOf(out)
  v.setUint16(0, 24, true)
  v.setUint16(2, req.flags, true)
  out.set(req.fileId.subarray(0, 16), 8)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeCloseRequest = (message: Uint8Array): Either.Either<CloseRequest, DecodeError> =>
  decode("CloseRequest", () => {
    const r = new Reader(message, "CloseRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 24)
    return {
      flags: r.u16(HEADER_SIZE + 2, "Flags"),
      fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId")
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeCloseResponse = (res: CloseResponse): Uint8Array => {
  const out = new Uint8Array(60)
  const v = viewOf(out)
  v.setUint16(0, 60, true)
  v.setUint16(2, res.flags, true)
  writeNetworkOpen(v, 8, res)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeCloseResponse = (message: Uint8Array): Either.Either<CloseResponse, DecodeError> =>
  decode("CloseResponse", () => {
    const r = new Reader(message, "CloseResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 60)
    r.need(HEADER_SIZE, 60, "Body")
    return {
      flags: r.u16(HEADER_SIZE + 2, "Flags"),
      ...readNetworkOpen(r, HEADER_SIZE + 8)
    }
  })
