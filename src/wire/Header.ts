/**
 * The 64-byte SMB2 packet header (MS-SMB2 2.2.1) in its sync and async forms. The ASYNC_COMMAND
 * flag decides the form: bytes 32..40 hold either ProcessId + TreeId (sync) or AsyncId (async).
 * A decoded header keeps both sets of fields; the one the flag does not select is zero.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const HEADER_SIZE = 64

/** 0xFE 'S' 'M' 'B' read as a little-endian u32. @since 0.1.0 @category constants */
export const PROTOCOL_ID = 0x424d53fe
/** 0xFD 'S' 'M' 'B': TRANSFORM_HEADER. @since 0.1.0 @category constants */
export const TRANSFORM_PROTOCOL_ID = 0x424d53fd
/** 0xFC 'S' 'M' 'B': COMPRESSION_TRANSFORM_HEADER. @since 0.1.0 @category constants */
export const COMPRESSION_PROTOCOL_ID = 0x424d53fc
/** 0xFF 'S' 'M' 'B': SMB1. @since 0.1.0 @category constants */
export const SMB1_PROTOCOL_ID = 0x424d53ff

/** The message id of unsolicited server messages (oplock and lease breaks, notifications). */
export const UNSOLICITED_MESSAGE_ID = 0xffffffffffffffffn

/** @since 0.1.0 @category constants */
export const HeaderFlags = {
  SERVER_TO_REDIR: 0x00000001,
  ASYNC_COMMAND: 0x00000002,
  RELATED_OPERATIONS: 0x00000004,
  SIGNED: 0x00000008,
  PRIORITY_MASK: 0x00000070,
  DFS_OPERATIONS: 0x10000000,
  REPLAY_OPERATION: 0x20000000
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface Header {
  readonly creditCharge: number
  /** NTSTATUS in responses; ChannelSequence + Reserved in 3.x requests. */
  readonly status: number
  readonly command: number
  /** CreditRequest in requests, CreditResponse (the grant) in responses. */
  readonly credits: number
  readonly flags: number
  readonly nextCommand: number
  readonly messageId: bigint
  /** Async form only (ASYNC_COMMAND set); 0n otherwise. */
  readonly asyncId: bigint
  /** Sync form only; 0 otherwise. */
  readonly processId: number
  /** Sync form only; 0 otherwise. */
  readonly treeId: number
  readonly sessionId: bigint
  /** 16 bytes. */
  readonly signature: Uint8Array
}

/** @since 0.1.0 */
export const isResponse = (h: Header): boolean => (h.flags & HeaderFlags.SERVER_TO_REDIR) !== 0
/** @since 0.1.0 */
export const isAsync = (h: Header): boolean => (h.flags & HeaderFlags.ASYNC_COMMAND) !== 0
/** @since 0.1.0 */
export const isSigned = (h: Header): boolean => (h.flags & HeaderFlags.SIGNED) !== 0
/** @since 0.1.0 */
export const isRelated = (h: Header): boolean => (h.flags & HeaderFlags.RELATED_OPERATIONS) !== 0

const ZERO_SIGNATURE = new Uint8Array(16)

/**
 * A header with every field zero but the ones given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHeader = (fields: Partial<Header> & Pick<Header, "command" | "messageId">): Header => ({
  creditCharge: 0,
  status: 0,
  credits: 0,
  flags: 0,
  nextCommand: 0,
  asyncId: 0n,
  processId: 0,
  treeId: 0,
  sessionId: 0n,
  signature: ZERO_SIGNATURE,
  ...fields
})

/**
 * Writes `header` into `out` at `offset` (64 bytes).
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeHeader = (header: Header, out: Uint8Array, offset = 0): void => {
  const v = viewOf(out)
  v.setUint32(offset, PROTOCOL_ID, true)
  v.setUint16(offset + 4, HEADER_SIZE, true)
  v.setUint16(offset + 6, header.creditCharge, true)
  v.setUint32(offset + 8, header.status >>> 0, true)
  v.setUint16(offset + 12, header.command, true)
  v.setUint16(offset + 14, header.credits, true)
  v.setUint32(offset + 16, header.flags >>> 0, true)
  v.setUint32(offset + 20, header.nextCommand, true)
  v.setBigUint64(offset + 24, header.messageId, true)
  if ((header.flags & HeaderFlags.ASYNC_COMMAND) !== 0) {
    v.setBigUint64(offset + 32, header.asyncId, true)
  } else {
    v.setUint32(offset + 32, header.processId >>> 0, true)
    v.setUint32(offset + 36, header.treeId >>> 0, true)
  }
  v.setBigUint64(offset + 40, header.sessionId, true)
  out.set(header.signature.subarray(0, 16), offset + 48)
}

/**
 * A 64-byte encoding of `header`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeHeader = (header: Header): Uint8Array => {
  const out = new Uint8Array(HEADER_SIZE)
  writeHeader(header, out)
  return out
}

/**
 * Reads a header from `r` at `offset` (throws DecodeError inside a `decode` body).
 *
 * @since 0.1.0
 * @category decoding
 */
export const readHeader = (r: Reader, offset = 0): Header => {
  r.need(offset, HEADER_SIZE, "Header")
  const protocolId = r.u32(offset, "ProtocolId")
  if (protocolId !== PROTOCOL_ID) r.fail("ProtocolId", "Invalid", `0x${protocolId.toString(16)}`, offset)
  r.expectU16(offset + 4, "StructureSize", HEADER_SIZE)
  const flags = r.u32(offset + 16, "Flags")
  const async = (flags & HeaderFlags.ASYNC_COMMAND) !== 0
  return {
    creditCharge: r.u16(offset + 6, "CreditCharge"),
    status: r.u32(offset + 8, "Status"),
    command: r.u16(offset + 12, "Command"),
    credits: r.u16(offset + 14, "CreditRequestResponse"),
    flags,
    nextCommand: r.u32(offset + 20, "NextCommand"),
    messageId: r.u64(offset + 24, "MessageId"),
    asyncId: async ? r.u64(offset + 32, "AsyncId") : 0n,
    processId: async ? 0 : r.u32(offset + 32, "ProcessId"),
    treeId: async ? 0 : r.u32(offset + 36, "TreeId"),
    sessionId: r.u64(offset + 40, "SessionId"),
    signature: r.bytesAt(offset + 48, 16, "Signature")
  }
}

/**
 * Decodes the header at the start of `bytes`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeHeader = (bytes: Uint8Array): Either.Either<Header, DecodeError> =>
  decode("Header", () => readHeader(new Reader(bytes, "Header")))
