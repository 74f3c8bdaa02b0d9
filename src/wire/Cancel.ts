/**
 * SMB2 CANCEL request (MS-SMB2 2.2.30): StructureSize 4 + Reserved (2). Which request it cancels
 * is said by the header alone (MessageId, or AsyncId with ASYNC_COMMAND for an async one), and the
 * server never answers it, so there is no response codec.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category models */
export interface CancelRequest {}

const STRUCTURE_SIZE = 4

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeCancelRequest = (_request: CancelRequest = {}): Uint8Array => {
  const out = new Uint8Array(STRUCTURE_SIZE)
  viewOf(out).setUint16(0, STRUCTURE_SIZE, true)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeCancelRequest = (message: Uint8Array): Either.Either<CancelRequest, DecodeError> =>
  decode("CancelRequest", () => {
    const r = new Reader(message, "CancelRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", STRUCTURE_SIZE)
    r.need(HEADER_SIZE + 2, 2, "Reserved")
    return {}
  })
