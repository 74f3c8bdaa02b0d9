/**
 * SMB2 ECHO request and response (MS-SMB2 2.2.28, 2.2.29): a keep-alive probe.
 * Both bodies are StructureSize 4 + Reserved (2), so the models are empty.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { decodeEmptyBody, encodeEmptyBody } from "./internal/emptyBody.js"

/** @since 0.1.0 @category models */
export interface EchoRequest {}

/** @since 0.1.0 @category models */
export interface EchoResponse {}

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeEchoRequest = (_request: EchoRequest = {}): Uint8Array => encodeEmptyBody()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeEchoRequest = (message: Uint8Array): Either.Either<EchoRequest, DecodeError> =>
  decodeEmptyBody("EchoRequest", message)

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeEchoResponse = (_response: EchoResponse = {}): Uint8Array => encodeEmptyBody()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeEchoResponse = (message: Uint8Array): Either.Either<EchoResponse, DecodeError> =>
  decodeEmptyBody("EchoResponse", message)
