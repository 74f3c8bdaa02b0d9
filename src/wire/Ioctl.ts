/**
 * SMB2 IOCTL request and response (MS-SMB2 2.2.31, 2.2.32), the FSCTL codes a client uses, and
 * the VALIDATE_NEGOTIATE_INFO request and response (2.2.31.4, 2.2.32.6) that SMB 3.0 / 3.0.2
 * clients send to detect a tampered negotiation.
 *
 * Layout: request buffers start at 120 from the header start, response buffers at 112; the
 * output buffer follows the input at the next 8-byte boundary. An empty request buffer gets
 * offset 0, as the spec asks of clients.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { align8, decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const IoctlFlags = {
  IS_IOCTL: 0x00000000,
  IS_FSCTL: 0x00000001
} as const

/** FSCTL / IOCTL codes (MS-SMB2 2.2.31, MS-FSCC 2.3). @since 0.1.0 @category constants */
export const CtlCode = {
  FSCTL_DFS_GET_REFERRALS: 0x00060194,
  FSCTL_DFS_GET_REFERRALS_EX: 0x000601b0,
  FSCTL_SET_REPARSE_POINT: 0x000900a4,
  FSCTL_GET_REPARSE_POINT: 0x000900a8,
  FSCTL_CREATE_OR_GET_OBJECT_ID: 0x000900c0,
  FSCTL_SET_SPARSE: 0x000900c4,
  FSCTL_QUERY_ALLOCATED_RANGES: 0x000940cf,
  FSCTL_SET_ZERO_DATA: 0x000980c8,
  FSCTL_FILE_LEVEL_TRIM: 0x00098208,
  FSCTL_DUPLICATE_EXTENTS_TO_FILE: 0x00098344,
  FSCTL_PIPE_PEEK: 0x0011400c,
  FSCTL_PIPE_WAIT: 0x00110018,
  FSCTL_PIPE_TRANSCEIVE: 0x0011c017,
  FSCTL_SRV_REQUEST_RESUME_KEY: 0x00140078,
  FSCTL_LMR_REQUEST_RESILIENCY: 0x001401d4,
  FSCTL_QUERY_NETWORK_INTERFACE_INFO: 0x001401fc,
  FSCTL_VALIDATE_NEGOTIATE_INFO: 0x00140204,
  FSCTL_SRV_ENUMERATE_SNAPSHOTS: 0x00144064,
  FSCTL_SRV_COPYCHUNK: 0x001440f2,
  FSCTL_SRV_READ_HASH: 0x001441bb,
  FSCTL_SRV_COPYCHUNK_WRITE: 0x001480f2
} as const

/**
 * The FileId { 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF } of IOCTLs that are not about an open
 * (VALIDATE_NEGOTIATE_INFO, DFS referrals, network interfaces). Shared: do not write into it.
 *
 * @since 0.1.0
 * @category constants
 */
export const NO_FILE_ID: Uint8Array = new Uint8Array(16).fill(0xff)

/**
 * @since 0.1.0
 * @category models
 */
export interface IoctlRequest {
  readonly ctlCode: number
  /** 16 bytes; NO_FILE_ID when no open is involved. */
  readonly fileId: Uint8Array
  readonly input: Uint8Array
  readonly maxInputResponse: number
  /** Almost always empty in a request. */
  readonly output: Uint8Array
  readonly maxOutputResponse: number
  readonly flags: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface IoctlResponse {
  readonly ctlCode: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
  /** Decoded buffers are views into the message. */
  readonly input: Uint8Array
  readonly output: Uint8Array
  readonly flags: number
}

const REQUEST_FIXED = 56
const RESPONSE_FIXED = 48

/** @since 0.1.0 @category encoding */
export const encodeIoctlRequest = (req: IoctlRequest): Uint8Array => {
  const base = HEADER_SIZE + REQUEST_FIXED
  const inputOffset = req.input.length === 0 ? 0 : base
  const outputOffset = req.output.length === 0 ? 0 : align8(base + req.input.length)
  const end = Math.max(base + 1, base + req.input.length, outputOffset + req.output.length)
  const out = new Uint8Array(end - HEADER_SIZE)
  const v = viewOf(out)
  v.setUint16(0, 57, true)
  v.setUint32(4, req.ctlCode, true)
  out.set(req.fileId.subarray(0, 16), 8)
  v.setUint32(24, inputOffset, true)
  v.setUint32(28, req.input.length, true)
  v.setUint32(32, req.maxInputResponse, true)
  v.setUint32(36, outputOffset, true)
  v.setUint32(40, req.output.length, true)
  v.setUint32(44, req.maxOutputResponse, true)
  v.setUint32(48, req.flags, true)
  out.set(req.input, REQUEST_FIXED)
  if (outputOffset !== 0) out.set(req.output, outputOffset - HEADER_SIZE)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeIoctlRequest = (message: Uint8Array): Either.Either<IoctlRequest, DecodeError> =>
  decode("IoctlRequest", () => {
    const r = new Reader(message, "IoctlRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 57)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    return {
      ctlCode: r.u32(HEADER_SIZE + 4, "CtlCode"),
      fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId"),
      input: r.buffer(r.u32(HEADER_SIZE + 24, "InputOffset"), r.u32(HEADER_SIZE + 28, "InputCount"), "Input"),
      maxInputResponse: r.u32(HEADER_SIZE + 32, "MaxInputResponse"),
      output: r.buffer(r.u32(HEADER_SIZE + 36, "OutputOffset"), r.u32(HEADER_SIZE + 40, "OutputCount"), "Output"),
      maxOutputResponse: r.u32(HEADER_SIZE + 44, "MaxOutputResponse"),
      flags: r.u32(HEADER_SIZE + 48, "Flags")
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeIoctlResponse = (res: IoctlResponse): Uint8Array => {
  const base = HEADER_SIZE + RESPONSE_FIXED
  const outputOffset = align8(base + res.input.length)
  const end = Math.max(base + 1, base + res.input.length, res.output.length === 0 ? 0 : outputOffset + res.output.length)
  const out = new Uint8Array(end - HEADER_SIZE)
  const v = viewOf(out)
  v.setUint16(0, 49, true)
  v.setUint32(4, res.ctlCode, true)
  out.set(res.fileId.subarray(0, 16), 8)
  v.setUint32(24, base, true)
  v.setUint32(28, res.input.length, true)
  v.setUint32(32, outputOffset, true)
  v.setUint32(36, res.output.length, true)
  v.setUint32(40, res.flags, true)
  out.set(res.input, RESPONSE_FIXED)
  if (res.output.length !== 0) out.set(res.output, outputOffset - HEADER_SIZE)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeIoctlResponse = (message: Uint8Array): Either.Either<IoctlResponse, DecodeError> =>
  decode("IoctlResponse", () => {
    const r = new Reader(message, "IoctlResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 49)
    r.need(HEADER_SIZE, RESPONSE_FIXED, "Body")
    return {
      ctlCode: r.u32(HEADER_SIZE + 4, "CtlCode"),
      fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId"),
      input: r.buffer(r.u32(HEADER_SIZE + 24, "InputOffset"), r.u32(HEADER_SIZE + 28, "InputCount"), "Input"),
      output: r.buffer(r.u32(HEADER_SIZE + 32, "OutputOffset"), r.u32(HEADER_SIZE + 36, "OutputCount"), "Output"),
      flags: r.u32(HEADER_SIZE + 40, "Flags")
    }
  })

// ---------------------------------------------------------------------------------------------
// VALIDATE_NEGOTIATE_INFO
// ---------------------------------------------------------------------------------------------

/**
 * What the client negotiated with: the server checks it against what it received.
 *
 * @since 0.1.0
 * @category models
 */
export interface ValidateNegotiateInfoRequest {
  readonly capabilities: number
  /** The client GUID, 16 bytes. */
  readonly guid: Uint8Array
  readonly securityMode: number
  readonly dialects: ReadonlyArray<number>
}

/**
 * What the server negotiated: the client checks it against the NEGOTIATE response.
 *
 * @since 0.1.0
 * @category models
 */
export interface ValidateNegotiateInfoResponse {
  readonly capabilities: number
  /** The server GUID, 16 bytes. */
  readonly guid: Uint8Array
  readonly securityMode: number
  readonly dialect: number
}

const VALIDATE_FIXED = 24

/** @since 0.1.0 @category encoding */
export const encodeValidateNegotiateInfoRequest = (req: ValidateNegotiateInfoRequest): Uint8Array => {
  const out = new Uint8Array(VALIDATE_FIXED + 2 * req.dialects.length)
  const v = viewOf(out)
  v.setUint32(0, req.capabilities, true)
  out.set(req.guid.subarray(0, 16), 4)
  v.setUint16(20, req.securityMode, true)
  v.setUint16(22, req.dialects.length, true)
  req.dialects.forEach((dialect, i) => v.setUint16(VALIDATE_FIXED + 2 * i, dialect, true))
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeValidateNegotiateInfoRequest = (
  buffer: Uint8Array
): Either.Either<ValidateNegotiateInfoRequest, DecodeError> =>
  decode("ValidateNegotiateInfoRequest", () => {
    const r = new Reader(buffer, "ValidateNegotiateInfoRequest")
    const count = r.u16(22, "DialectCount")
    r.need(VALIDATE_FIXED, 2 * count, "Dialects")
    const dialects: Array<number> = []
    for (let i = 0; i < count; i++) dialects.push(r.u16(VALIDATE_FIXED + 2 * i, "Dialects"))
    return {
      capabilities: r.u32(0, "Capabilities"),
      guid: r.bytesAt(4, 16, "Guid"),
      securityMode: r.u16(20, "SecurityMode"),
      dialects
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeValidateNegotiateInfoResponse = (res: ValidateNegotiateInfoResponse): Uint8Array => {
  const out = new Uint8Array(VALIDATE_FIXED)
  const v = viewOf(out)
  v.setUint32(0, res.capabilities, true)
  out.set(res.guid.subarray(0, 16), 4)
  v.setUint16(20, res.securityMode, true)
  v.setUint16(22, res.dialect, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeValidateNegotiateInfoResponse = (
  buffer: Uint8Array
): Either.Either<ValidateNegotiateInfoResponse, DecodeError> =>
  decode("ValidateNegotiateInfoResponse", () => {
    const r = new Reader(buffer, "ValidateNegotiateInfoResponse")
    r.need(0, VALIDATE_FIXED, "Dialect")
    return {
      capabilities: r.u32(0, "Capabilities"),
      guid: r.bytesAt(4, 16, "Guid"),
      securityMode: r.u16(20, "SecurityMode"),
      dialect: r.u16(22, "Dialect")
    }
  })

/**
 * The IOCTL that carries a VALIDATE_NEGOTIATE_INFO request: an FSCTL on NO_FILE_ID whose answer
 * is the 24-byte response.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeValidateNegotiateInfoIoctl = (info: ValidateNegotiateInfoRequest): IoctlRequest => ({
  ctlCode: CtlCode.FSCTL_VALIDATE_NEGOTIATE_INFO,
  fileId: NO_FILE_ID,
  input: encodeValidateNegotiateInfoRequest(info),
  maxInputResponse: 0,
  output: new Uint8Array(0),
  maxOutputResponse: VALIDATE_FIXED,
  flags: IoctlFlags.IS_FSCTL
})
