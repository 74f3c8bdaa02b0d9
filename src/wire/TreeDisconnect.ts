/**
 * SMB2 TREE_DISCONNECT request and response (MS-SMB2 2.2.11, 2.2.12): ends the tree connect
 * named by the header's TreeId.
 * Both bodies are StructureSize 4 + Reserved (2), so the models are empty.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { decodeEmptyBody, encodeEmptyBody } from "./internal/emptyBody.js"

/** @since 0.1.0 @category models */
export interface TreeDisconnectRequest {}

/** @since 0.1.0 @category models */
export interface TreeDisconnectResponse {}

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeTreeDisconnectRequest = (_request: TreeDisconnectRequest = {}): Uint8Array => encodeEmptyBody()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeTreeDisconnectRequest = (message: Uint8Array): Either.Either<TreeDisconnectRequest, DecodeError> =>
  decodeEmptyBody("TreeDisconnectRequest", message)

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeTreeDisconnectResponse = (_response: TreeDisconnectResponse = {}): Uint8Array => encodeEmptyBody()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeTreeDisconnectResponse = (message: Uint8Array): Either.Either<TreeDisconnectResponse, DecodeError> =>
  decodeEmptyBody("TreeDisconnectResponse", message)
