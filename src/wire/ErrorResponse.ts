/**
 * The SMB2 ERROR response (MS-SMB2 2.2.2) and its 3.1.1 error contexts (2.2.2.1).
 *
 * ErrorData is either a list of error contexts (ErrorContextCount > 0, 3.1.1 only) or one
 * status-specific blob (a symbolic link error, the 4-byte size for STATUS_BUFFER_TOO_SMALL, ...).
 * Both are kept raw: interpreting them depends on the status and the command. A body with
 * ByteCount 0 carries one padding byte (StructureSize 9 counts it); the decoder does not require it.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { align8, decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const ErrorId = {
  DEFAULT: 0x00000000,
  SHARE_REDIRECT: 0x72645253
} as const

/** @since 0.1.0 @category models */
export interface ErrorContext {
  readonly errorId: number
  readonly data: Uint8Array
}

/** @since 0.1.0 @category models */
export interface ErrorResponse {
  /**
   * The 3.1.1 error contexts (at most 255: ErrorContextCount is one byte); when there are any they
   * are the ErrorData and `errorData` is not written.
   */
  readonly errorContexts: ReadonlyArray<ErrorContext>
  /** ErrorData when there are no error contexts; empty otherwise. */
  readonly errorData: Uint8Array
}

const STRUCTURE_SIZE = 9
const FIXED_SIZE = 8
const CONTEXT_HEADER_SIZE = 8

const encodeContexts = (contexts: ReadonlyArray<ErrorContext>): Uint8Array => {
  let size = 0
  contexts.forEach((context, i) => {
    size += CONTEXT_HEADER_SIZE + context.data.byteLength
    if (i < contexts.length - 1) size = align8(size)
  })
  const out = new Uint8Array(size)
  const v = viewOf(out)
  let at = 0
  for (const context of contexts) {
    v.setUint32(at, context.data.byteLength, true)
    v.setUint32(at + 4, context.errorId >>> 0, true)
    out.set(context.data, at + CONTEXT_HEADER_SIZE)
    at = align8(at + CONTEXT_HEADER_SIZE + context.data.byteLength)
  }
  return out
}

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeErrorResponse = (response: ErrorResponse): Uint8Array => {
  const data = response.errorContexts.length > 0 ? encodeContexts(response.errorContexts) : response.errorData
  const out = new Uint8Array(FIXED_SIZE + Math.max(data.byteLength, 1))
  const v = viewOf(out)
  v.setUint16(0, STRUCTURE_SIZE, true)
  v.setUint8(2, response.errorContexts.length)
  v.setUint32(4, data.byteLength, true)
  out.set(data, FIXED_SIZE)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeErrorResponse = (message: Uint8Array): Either.Either<ErrorResponse, DecodeError> =>
  decode("ErrorResponse", () => {
    const r = new Reader(message, "ErrorResponse")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", STRUCTURE_SIZE)
    const contextCount = r.u8(b + 2, "ErrorContextCount")
    const byteCount = r.u32(b + 4, "ByteCount")
    const errorData = r.bytesAt(b + FIXED_SIZE, byteCount, "ErrorData")
    if (contextCount === 0) return { errorContexts: [], errorData }
    const data = new Reader(errorData, "ErrorContext")
    const errorContexts: Array<ErrorContext> = []
    let at = 0
    for (let i = 0; i < contextCount; i++) {
      at = align8(at)
      const length = data.u32(at, "ErrorDataLength")
      const errorId = data.u32(at + 4, "ErrorId")
      errorContexts.push({ errorId, data: data.bytesAt(at + CONTEXT_HEADER_SIZE, length, "ErrorContextData") })
      at += CONTEXT_HEADER_SIZE + length
    }
    return { errorContexts, errorData: new Uint8Array(0) }
  })
