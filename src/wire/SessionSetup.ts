/**
 * SMB2 SESSION_SETUP request and response (MS-SMB2 2.2.5, 2.2.6): one GSS (SPNEGO) token each
 * way per round trip. The security buffer sits right after the fixed part.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** Request Flags. @since 0.1.0 @category constants */
export const SessionSetupFlags = {
  /** Bind this connection (a new channel) to an existing session. */
  BINDING: 0x01
} as const

/** Response SessionFlags. @since 0.1.0 @category constants */
export const SessionFlags = {
  IS_GUEST: 0x0001,
  IS_NULL: 0x0002,
  ENCRYPT_DATA: 0x0004
} as const

/** @since 0.1.0 @category models */
export interface SessionSetupRequest {
  readonly flags: number
  /** SecurityMode bits (SIGNING_ENABLED / SIGNING_REQUIRED), one byte here. */
  readonly securityMode: number
  readonly capabilities: number
  readonly channel: number
  readonly previousSessionId: bigint
  readonly securityBuffer: Uint8Array
}

/** @since 0.1.0 @category models */
export interface SessionSetupResponse {
  readonly sessionFlags: number
  readonly securityBuffer: Uint8Array
}

const REQUEST_STRUCTURE_SIZE = 25
const REQUEST_FIXED_SIZE = 24
const RESPONSE_STRUCTURE_SIZE = 9
const RESPONSE_FIXED_SIZE = 8

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeSessionSetupRequest = (request: SessionSetupRequest): Uint8Array => {
  const buffer = request.securityBuffer
  const out = new Uint8Array(REQUEST_FIXED_SIZE + Math.max(buffer.byteLength, 1))
  const v = viewOf(out)
  v.setUint16(0, REQUEST_STRUCTURE_SIZE, true)
  v.setUint8(2, request.flags)
  v.setUint8(3, request.securityMode)
  v.setUint32(4, request.capabilities >>> 0, true)
  v.setUint32(8, request.channel >>> 0, true)
  v.setUint16(12, HEADER_SIZE + REQUEST_FIXED_SIZE, true)
  v.setUint16(14, buffer.byteLength, true)
  v.setBigUint64(16, request.previousSessionId, true)
  out.set(buffer, REQUEST_FIXED_SIZE)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeSessionSetupRequest = (message: Uint8Array): Either.Either<SessionSetupRequest, DecodeError> =>
  decode("SessionSetupRequest", () => {
    const r = new Reader(message, "SessionSetupRequest")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", REQUEST_STRUCTURE_SIZE)
    return {
      flags: r.u8(b + 2, "Flags"),
      securityMode: r.u8(b + 3, "SecurityMode"),
      capabilities: r.u32(b + 4, "Capabilities"),
      channel: r.u32(b + 8, "Channel"),
      previousSessionId: r.u64(b + 16, "PreviousSessionId"),
      securityBuffer: r.buffer(
        r.u16(b + 12, "SecurityBufferOffset"),
        r.u16(b + 14, "SecurityBufferLength"),
        "SecurityBuffer"
      )
    }
  })

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeSessionSetupResponse = (response: SessionSetupResponse): Uint8Array => {
  const buffer = response.securityBuffer
  const out = new Uint8Array(RESPONSE_FIXED_SIZE + Math.max(buffer.byteLength, 1))
  const v = viewOf(out)
  v.setUint16(0, RESPONSE_STRUCTURE_SIZE, true)
  v.setUint16(2, response.sessionFlags, true)
  v.setUint16(4, HEADER_SIZE + RESPONSE_FIXED_SIZE, true)
  v.setUint16(6, buffer.byteLength, true)
  out.set(buffer, RESPONSE_FIXED_SIZE)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeSessionSetupResponse = (message: Uint8Array): Either.Either<SessionSetupResponse, DecodeError> =>
  decode("SessionSetupResponse", () => {
    const r = new Reader(message, "SessionSetupResponse")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", RESPONSE_STRUCTURE_SIZE)
    return {
      sessionFlags: r.u16(b + 2, "SessionFlags"),
      securityBuffer: r.buffer(
        r.u16(b + 4, "SecurityBufferOffset"),
        r.u16(b + 6, "SecurityBufferLength"),
        "SecurityBuffer"
      )
    }
  })
