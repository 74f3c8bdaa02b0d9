/**
 * SMB2 ECHO request and response (MS-SMB2 2.2.28, 2.2.29): a keep-alive probe.
 * Both bodies are StructureSize 4 + Reserved (2), so the models are empty.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category models */
export interface EchoRequest {}

/** @since 0.1.0 @category models */
export interface EchoResponse {}

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
export const encodeEchoRequest = (_request: EchoRequest = {}): Uint8Array => encodeEmpty()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeEchoRequest = (message: Uint8Array): Either.Either<EchoRequest, DecodeError> =>
  decodeEmpty("EchoRequest", message)

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeEchoResponse = (_response: EchoResponse = {}): Uint8Array => encodeEmpty()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeEchoResponse = (message: Uint8Array): Either.Either<EchoResponse, DecodeError> =>
  decodeEmpty("EchoResponse", message)
