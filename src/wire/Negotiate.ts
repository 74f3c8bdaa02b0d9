/**
 * SMB2 NEGOTIATE request and response (MS-SMB2 2.2.3, 2.2.4).
 *
 * Two fields are unions decided by the dialect: in the request, bytes 28..36 of the body are
 * NegotiateContextOffset/Count when 0x0311 is offered and ClientStartTime (always zero) otherwise;
 * in the response, NegotiateContextOffset/Count mean something only when DialectRevision is
 * 0x0311. So a request's contexts are written (and read) only when 0x0311 is among its dialects,
 * and a response's only when its dialect is 0x0311.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { encodeNegotiateContextList, type NegotiateContext, readNegotiateContextList } from "./NegotiateContext.js"
import { align8, decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const Dialect = {
  SMB_2_0_2: 0x0202,
  SMB_2_1: 0x0210,
  SMB_3_0: 0x0300,
  SMB_3_0_2: 0x0302,
  SMB_3_1_1: 0x0311,
  /** The answer to a multi-protocol (SMB1) negotiate that offered "SMB 2.???". */
  SMB_2_WILDCARD: 0x02ff
} as const

/** SecurityMode bits (NEGOTIATE and SESSION_SETUP). @since 0.1.0 @category constants */
export const SecurityMode = {
  SIGNING_ENABLED: 0x0001,
  SIGNING_REQUIRED: 0x0002
} as const

/** SMB2_GLOBAL_CAP_* bits (NEGOTIATE and SESSION_SETUP). @since 0.1.0 @category constants */
export const Capabilities = {
  DFS: 0x00000001,
  LEASING: 0x00000002,
  LARGE_MTU: 0x00000004,
  MULTI_CHANNEL: 0x00000008,
  PERSISTENT_HANDLES: 0x00000010,
  DIRECTORY_LEASING: 0x00000020,
  ENCRYPTION: 0x00000040,
  NOTIFICATIONS: 0x00000080
} as const

/** @since 0.1.0 @category models */
export interface NegotiateRequest {
  readonly securityMode: number
  readonly capabilities: number
  /** 16 bytes. */
  readonly clientGuid: Uint8Array
  readonly dialects: ReadonlyArray<number>
  /** Written only when `dialects` includes 0x0311. */
  readonly negotiateContexts: ReadonlyArray<NegotiateContext>
}

/** @since 0.1.0 @category models */
export interface NegotiateResponse {
  readonly securityMode: number
  readonly dialectRevision: number
  /** 16 bytes. */
  readonly serverGuid: Uint8Array
  readonly capabilities: number
  readonly maxTransactSize: number
  readonly maxReadSize: number
  readonly maxWriteSize: number
  /** FILETIME (100 ns since 1601-01-01 UTC). */
  readonly systemTime: bigint
  /** FILETIME; usually 0. */
  readonly serverStartTime: bigint
  /** The server's GSS token (SPNEGO negTokenInit2), possibly empty. */
  readonly securityBuffer: Uint8Array
  /** Written only when `dialectRevision` is 0x0311. */
  readonly negotiateContexts: ReadonlyArray<NegotiateContext>
}

const REQUEST_STRUCTURE_SIZE = 36
const RESPONSE_STRUCTURE_SIZE = 65
/** The response's fixed part; its Buffer starts right after. */
const RESPONSE_FIXED_SIZE = 64

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegotiateRequest = (request: NegotiateRequest): Uint8Array => {
  const dialectsEnd = HEADER_SIZE + REQUEST_STRUCTURE_SIZE + request.dialects.length * 2
  const withContexts = request.dialects.includes(Dialect.SMB_3_1_1) && request.negotiateContexts.length > 0
  const contexts = withContexts ? encodeNegotiateContextList(request.negotiateContexts) : new Uint8Array(0)
  const contextOffset = withContexts ? align8(dialectsEnd) : 0
  const end = withContexts ? contextOffset + contexts.byteLength : dialectsEnd
  const out = new Uint8Array(end - HEADER_SIZE)
  const v = viewOf(out)
  v.setUint16(0, REQUEST_STRUCTURE_SIZE, true)
  v.setUint16(2, request.dialects.length, true)
  v.setUint16(4, request.securityMode, true)
  v.setUint32(8, request.capabilities >>> 0, true)
  out.set(request.clientGuid.subarray(0, 16), 12)
  if (withContexts) {
    v.setUint32(28, contextOffset, true)
    v.setUint16(32, request.negotiateContexts.length, true)
    out.set(contexts, contextOffset - HEADER_SIZE)
  }
  request.dialects.forEach((dialect, i) => v.setUint16(REQUEST_STRUCTURE_SIZE + i * 2, dialect, true))
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeNegotiateRequest = (message: Uint8Array): Either.Either<NegotiateRequest, DecodeError> =>
  decode("NegotiateRequest", () => {
    const r = new Reader(message, "NegotiateRequest")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", REQUEST_STRUCTURE_SIZE)
    const dialectCount = r.u16(b + 2, "DialectCount")
    const securityMode = r.u16(b + 4, "SecurityMode")
    const capabilities = r.u32(b + 8, "Capabilities")
    const clientGuid = r.bytesAt(b + 12, 16, "ClientGuid")
    r.need(b + 28, 8, "NegotiateContextOffset")
    r.need(b + REQUEST_STRUCTURE_SIZE, dialectCount * 2, "Dialects")
    const dialects: Array<number> = []
    for (let i = 0; i < dialectCount; i++) dialects.push(r.u16(b + REQUEST_STRUCTURE_SIZE + i * 2, "Dialects"))
    const negotiateContexts = dialects.includes(Dialect.SMB_3_1_1)
      ? readNegotiateContextList(r, r.u32(b + 28, "NegotiateContextOffset"), r.u16(b + 32, "NegotiateContextCount"))
      : []
    return { securityMode, capabilities, clientGuid, dialects, negotiateContexts }
  })

/**
 * The security buffer goes right after the fixed part (offset 128); an empty one still leaves the
 * one byte that StructureSize 65 counts.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegotiateResponse = (response: NegotiateResponse): Uint8Array => {
  const bufferOffset = HEADER_SIZE + RESPONSE_FIXED_SIZE
  const bufferEnd = bufferOffset + response.securityBuffer.byteLength
  const withContexts = response.dialectRevision === Dialect.SMB_3_1_1 && response.negotiateContexts.length > 0
  const contexts = withContexts ? encodeNegotiateContextList(response.negotiateContexts) : new Uint8Array(0)
  const contextOffset = withContexts ? align8(bufferEnd) : 0
  const end = withContexts ? contextOffset + contexts.byteLength : Math.max(bufferEnd, bufferOffset + 1)
  const out = new Uint8Array(end - HEADER_SIZE)
  const v = viewOf(out)
  v.setUint16(0, RESPONSE_STRUCTURE_SIZE, true)
  v.setUint16(2, response.securityMode, true)
  v.setUint16(4, response.dialectRevision, true)
  if (withContexts) v.setUint16(6, response.negotiateContexts.length, true)
  out.set(response.serverGuid.subarray(0, 16), 8)
  v.setUint32(24, response.capabilities >>> 0, true)
  v.setUint32(28, response.maxTransactSize >>> 0, true)
  v.setUint32(32, response.maxReadSize >>> 0, true)
  v.setUint32(36, response.maxWriteSize >>> 0, true)
  v.setBigUint64(40, response.systemTime, true)
  v.setBigUint64(48, response.serverStartTime, true)
  v.setUint16(56, bufferOffset, true)
  v.setUint16(58, response.securityBuffer.byteLength, true)
  out.set(response.securityBuffer, RESPONSE_FIXED_SIZE)
  if (withContexts) {
    v.setUint32(60, contextOffset, true)
    out.set(contexts, contextOffset - HEADER_SIZE)
  }
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeNegotiateResponse = (message: Uint8Array): Either.Either<NegotiateResponse, DecodeError> =>
  decode("NegotiateResponse", () => {
    const r = new Reader(message, "NegotiateResponse")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", RESPONSE_STRUCTURE_SIZE)
    const dialectRevision = r.u16(b + 4, "DialectRevision")
    const securityBuffer = r.buffer(
      r.u16(b + 56, "SecurityBufferOffset"),
      r.u16(b + 58, "SecurityBufferLength"),
      "SecurityBuffer"
    )
    const contextCount = r.u16(b + 6, "NegotiateContextCount")
    const contextOffset = r.u32(b + 60, "NegotiateContextOffset")
    return {
      securityMode: r.u16(b + 2, "SecurityMode"),
      dialectRevision,
      serverGuid: r.bytesAt(b + 8, 16, "ServerGuid"),
      capabilities: r.u32(b + 24, "Capabilities"),
      maxTransactSize: r.u32(b + 28, "MaxTransactSize"),
      maxReadSize: r.u32(b + 32, "MaxReadSize"),
      maxWriteSize: r.u32(b + 36, "MaxWriteSize"),
      systemTime: r.u64(b + 40, "SystemTime"),
      serverStartTime: r.u64(b + 48, "ServerStartTime"),
      securityBuffer,
      negotiateContexts:
        dialectRevision === Dialect.SMB_3_1_1 ? readNegotiateContextList(r, contextOffset, contextCount) : []
    }
  })
