/**
 * The SMB1 SMB_COM_NEGOTIATE request (MS-CIFS 2.2.4.52.1) that opens a multi-protocol negotiation
 * (MS-SMB2 3.2.4.2.2.1): a client that offers "SMB 2.002" and "SMB 2.???" this way gets an SMB2
 * NEGOTIATE response back (dialect 0x0202 or the 0x02FF wildcard) and continues in SMB2.
 *
 * Unlike the SMB2 codecs, these functions handle the complete SMB1 message: the 32-byte header
 * (0xFF 'SMB', MS-CIFS 2.2.3.1) followed by WordCount 0 and the dialect strings. Only the request
 * exists here; the server answers in SMB2. The decoder lets a test server recognise it.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { SMB1_PROTOCOL_ID } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const SMB1_COM_NEGOTIATE = 0x72

/** @since 0.1.0 @category constants */
export const Smb1Dialect = {
  NT_LM_0_12: "NT LM 0.12",
  SMB_2_002: "SMB 2.002",
  SMB_2_WILDCARD: "SMB 2.???"
} as const

/** SMB1 header Flags (MS-CIFS 2.2.3.1). @since 0.1.0 @category constants */
export const Smb1Flags = {
  CASE_INSENSITIVE: 0x08,
  CANONICALIZED_PATHS: 0x10
} as const

/** SMB1 header Flags2 (MS-CIFS 2.2.3.1). @since 0.1.0 @category constants */
export const Smb1Flags2 = {
  LONG_NAMES: 0x0001,
  EXTENDED_SECURITY: 0x0800,
  NT_STATUS: 0x4000,
  UNICODE: 0x8000
} as const

/** @since 0.1.0 @category models */
export interface Smb1NegotiateRequest {
  readonly flags: number
  readonly flags2: number
  /** PIDHigh << 16 | PIDLow. */
  readonly processId: number
  readonly treeId: number
  readonly userId: number
  readonly multiplexId: number
  /** OEM dialect strings (printable ASCII, no NUL), in order of preference from oldest. */
  readonly dialects: ReadonlyArray<string>
}

/**
 * What this client sends to start a multi-protocol negotiation; header values as in the Windows
 * trace of MS-SMB2 4.2 (TID 0xFFFF, PID 0xFEFF).
 *
 * @since 0.1.0
 * @category constructors
 */
export const multiProtocolNegotiateRequest: Smb1NegotiateRequest = {
  flags: Smb1Flags.CASE_INSENSITIVE | Smb1Flags.CANONICALIZED_PATHS,
  flags2: Smb1Flags2.UNICODE | Smb1Flags2.NT_STATUS | Smb1Flags2.EXTENDED_SECURITY | Smb1Flags2.LONG_NAMES,
  processId: 0xfeff,
  treeId: 0xffff,
  userId: 0,
  multiplexId: 0,
  dialects: [Smb1Dialect.NT_LM_0_12, Smb1Dialect.SMB_2_002, Smb1Dialect.SMB_2_WILDCARD]
}

const HEADER_SIZE = 32
/** Bytes.Dialects[i].BufferFormat. */
const DIALECT_BUFFER_FORMAT = 0x02
const BYTES_OFFSET = HEADER_SIZE + 3

/**
 * The complete SMB1 message (header + parameters + data).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeSmb1NegotiateRequest = (request: Smb1NegotiateRequest): Uint8Array => {
  const byteCount = request.dialects.reduce((n, dialect) => n + dialect.length + 2, 0)
  const out = new Uint8Array(BYTES_OFFSET + byteCount)
  const v = viewOf(out)
  v.setUint32(0, SMB1_PROTOCOL_ID, true)
  v.setUint8(4, SMB1_COM_NEGOTIATE)
  v.setUint8(9, request.flags)
  v.setUint16(10, request.flags2, true)
  v.setUint16(12, request.processId >>> 16, true)
  v.setUint16(24, request.treeId, true)
  v.setUint16(26, request.processId & 0xffff, true)
  v.setUint16(28, request.userId, true)
  v.setUint16(30, request.multiplexId, true)
  v.setUint16(HEADER_SIZE + 1, byteCount, true)
  let at = BYTES_OFFSET
  for (const dialect of request.dialects) {
    out[at++] = DIALECT_BUFFER_FORMAT
    for (let i = 0; i < dialect.length; i++) out[at++] = dialect.charCodeAt(i) & 0xff
    out[at++] = 0
  }
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeSmb1NegotiateRequest = (message: Uint8Array): Either.Either<Smb1NegotiateRequest, DecodeError> =>
  decode("Smb1NegotiateRequest", () => {
    const r = new Reader(message, "Smb1NegotiateRequest")
    const protocol = r.u32(0, "Protocol")
    if (protocol !== SMB1_PROTOCOL_ID) r.fail("Protocol", "Invalid", `0x${protocol.toString(16)}`, 0)
    const command = r.u8(4, "Command")
    if (command !== SMB1_COM_NEGOTIATE) r.fail("Command", "Invalid", `0x${command.toString(16)}`, 4)
    const wordCount = r.u8(HEADER_SIZE, "WordCount")
    if (wordCount !== 0) r.fail("WordCount", "Invalid", `expected 0, got ${wordCount}`, HEADER_SIZE)
    const byteCount = r.u16(HEADER_SIZE + 1, "ByteCount")
    const end = BYTES_OFFSET + byteCount
    r.need(BYTES_OFFSET, byteCount, "Bytes")
    const dialects: Array<string> = []
    let at = BYTES_OFFSET
    while (at < end) {
      const format = r.u8(at, "BufferFormat")
      if (format !== DIALECT_BUFFER_FORMAT) r.fail("BufferFormat", "Invalid", `0x${format.toString(16)}`, at)
      let dialect = ""
      for (at++; ; at++) {
        if (at >= end) r.fail("DialectString", "OutOfBounds", "no terminating NUL within ByteCount", at)
        const c = r.u8(at, "DialectString")
        if (c === 0) break
        dialect += String.fromCharCode(c)
      }
      dialects.push(dialect)
      at++
    }
    return {
      flags: r.u8(9, "Flags"),
      flags2: r.u16(10, "Flags2"),
      processId: ((r.u16(12, "PIDHigh") << 16) | r.u16(26, "PIDLow")) >>> 0,
      treeId: r.u16(24, "TID"),
      userId: r.u16(28, "UID"),
      multiplexId: r.u16(30, "MID"),
      dialects
    }
  })
