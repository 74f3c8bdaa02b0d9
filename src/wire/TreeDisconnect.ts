/**
 * SMB2 TREE_DISCONNECT request and response (MS-SMB2 2.2.11, 2.2.12): ends the tree connect
 * named by the header's TreeId.
 * Both bodies are StructureSize 4 + Reserved (2), so the models are empty.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category models */
export interface TreeDisconnectRequest {}

/** @since 0.1.0 @category models */
export interface TreeDisconnectResponse {}

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
export const encodeTreeDisconnectRequest = (_request: TreeDisconnectRequest = {}): Uint8Array => encodeEmpty()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeTreeDisconnectRequest = (message: Uint8Array): Either.Either<TreeDisconnectRequest, DecodeError> =>
  decodeEmpty("TreeDisconnectRequest", message)

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeTreeDisconnectResponse = (_response: TreeDisconnectResponse = {}): Uint8Array => encodeEmpty()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeTreeDisconnectResponse = (message: Uint8Array): Either.Either<TreeDisconnectResponse, DecodeError> =>
  decodeEmpty("TreeDisconnectResponse", message)
