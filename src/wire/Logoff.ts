/**
 * SMB2 LOGOFF request and response (MS-SMB2 2.2.7, 2.2.8): ends the session named by the
 * header's SessionId.
 * Both bodies are StructureSize 4 + Reserved (2), so the models are empty.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category models */
export interface LogoffRequest {}

/** @since 0.1.0 @category models */
export interface LogoffResponse {}

const STRUCTURE_SIZE = 4

const encodeEmpty = (): Uint8Array => {
  const out = new Uint8Array(STRUCTURE_SIZE)
  viewOf(out).setUint16(0, STRUCTURE_SIZE, true)
  return out
}

const decodeEmpty = (structure: string, message: Uint8Array): Either.Either<{}, DecodeError> =>
  decode(structure, () => {
    const r = new Reader(message, structure)
    r.expectU16(HEADER_SIZE, "StructureSize", STRUCTURE_SIZE)
    r.need(HEADER_SIZE + 2, 2, "Reserved")
    return {}
  })

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeLogoffRequest = (_request: LogoffRequest = {}): Uint8Array => encodeEmpty()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeLogoffRequest = (message: Uint8Array): Either.Either<LogoffRequest, DecodeError> =>
  decodeEmpty("LogoffRequest", message)

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeLogoffResponse = (_response: LogoffResponse = {}): Uint8Array => encodeEmpty()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeLogoffResponse = (message: Uint8Array): Either.Either<LogoffResponse, DecodeError> =>
  decodeEmpty("LogoffResponse", message)
