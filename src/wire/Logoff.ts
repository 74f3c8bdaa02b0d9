/**
 * SMB2 LOGOFF request and response (MS-SMB2 2.2.7, 2.2.8): ends the session named by the
 * header's SessionId.
 * Both bodies are StructureSize 4 + Reserved (2), so the models are empty.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { decodeEmptyBody, encodeEmptyBody } from "./internal/emptyBody.js"

/** @since 0.1.0 @category models */
export interface LogoffRequest {}

/** @since 0.1.0 @category models */
export interface LogoffResponse {}

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeLogoffRequest = (_request: LogoffRequest = {}): Uint8Array => encodeEmptyBody()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeLogoffRequest = (message: Uint8Array): Either.Either<LogoffRequest, DecodeError> =>
  decodeEmptyBody("LogoffRequest", message)

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeLogoffResponse = (_response: LogoffResponse = {}): Uint8Array => encodeEmptyBody()

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeLogoffResponse = (message: Uint8Array): Either.Either<LogoffResponse, DecodeError> =>
  decodeEmptyBody("LogoffResponse", message)
