/**
 * Connection-oriented DCE/RPC PDUs (C706 chapter 12.6, with MS-RPCE 2.2.2): the common 16-byte
 * header, and the bind, bind_ack, bind_nak, request, response and fault bodies that a client of
 * a named pipe needs. No authentication is negotiated (the SMB session already authenticates and
 * signs or encrypts the pipe), so auth_length is 0 in what is encoded; a decoded PDU with an auth
 * trailer has it cut off its stub.
 *
 * Only the little-endian, ASCII, IEEE data representation (0x10 0 0 0) is encoded, and a PDU in
 * any other is refused on decode. Plain functions over Uint8Array; decoders return Either with a
 * DecodeError, never throw. Hand-written (see Ndr.ts for why).
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { decode, Reader, viewOf } from "../wire/Reader.js"

/** PTYPE values (C706 12.6.3.1). @since 0.1.0 @category constants */
export const PduType = {
  REQUEST: 0,
  RESPONSE: 2,
  FAULT: 3,
  BIND: 11,
  BIND_ACK: 12,
  BIND_NAK: 13,
  ALTER_CONTEXT: 14,
  ALTER_CONTEXT_RESP: 15,
  AUTH3: 16,
  SHUTDOWN: 17,
  CO_CANCEL: 18,
  ORPHANED: 19
} as const

/** pfc_flags (C706 12.6.3.1, MS-RPCE 2.2.2.3). @since 0.1.0 @category constants */
export const PfcFlags = {
  FIRST_FRAG: 0x01,
  LAST_FRAG: 0x02,
  /** PFC_PENDING_CANCEL; in bind and bind_ack PFC_SUPPORT_HEADER_SIGN (MS-RPCE). */
  PENDING_CANCEL: 0x04,
  CONC_MPX: 0x10,
  DID_NOT_EXECUTE: 0x20,
  MAYBE: 0x40,
  OBJECT_UUID: 0x80
} as const

/** Results of a presentation context in a bind_ack (C706 12.6.3.1 p_cont_def_result_t). @since 0.1.0 @category constants */
export const ContextResult = {
  ACCEPTANCE: 0,
  USER_REJECTION: 1,
  PROVIDER_REJECTION: 2,
  NEGOTIATE_ACK: 3
} as const

/** The common header's size. @since 0.1.0 @category constants */
export const HEADER_SIZE = 16

/** The size of a request's header (common header, alloc_hint, p_cont_id, opnum). @since 0.1.0 @category constants */
export const REQUEST_HEADER_SIZE = 24

/** The size of a response's header. @since 0.1.0 @category constants */
export const RESPONSE_HEADER_SIZE = 24

/**
 * An interface or transfer syntax: a UUID (lower-case, with dashes) and a version.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyntaxId {
  readonly uuid: string
  readonly major: number
  readonly minor: number
}

/** @since 0.1.0 @category models */
export interface PresentationContext {
  readonly contextId: number
  readonly abstractSyntax: SyntaxId
  readonly transferSyntaxes: ReadonlyArray<SyntaxId>
}

/** @since 0.1.0 @category models */
export interface ContextResultEntry {
  readonly result: number
  /** The provider reason when the result is a rejection. */
  readonly reason: number
  readonly transferSyntax: SyntaxId
}

/** @since 0.1.0 @category models */
export interface Bind {
  readonly _tag: "Bind"
  readonly flags: number
  readonly callId: number
  readonly maxXmitFrag: number
  readonly maxRecvFrag: number
  readonly assocGroupId: number
  readonly contexts: ReadonlyArray<PresentationContext>
}

/** @since 0.1.0 @category models */
export interface BindAck {
  readonly _tag: "BindAck"
  readonly flags: number
  readonly callId: number
  readonly maxXmitFrag: number
  readonly maxRecvFrag: number
  readonly assocGroupId: number
  /** The secondary address (the pipe's name, e.g. "\\PIPE\\srvsvc"); may be empty. */
  readonly secondaryAddress: string
  readonly results: ReadonlyArray<ContextResultEntry>
}

/** @since 0.1.0 @category models */
export interface BindNak {
  readonly _tag: "BindNak"
  readonly flags: number
  readonly callId: number
  readonly rejectReason: number
  readonly versions: ReadonlyArray<{ readonly major: number; readonly minor: number }>
}

/** @since 0.1.0 @category models */
export interface Request {
  readonly _tag: "Request"
  readonly flags: number
  readonly callId: number
  /** The total stub length of the call, a hint; 0 when unknown. */
  readonly allocHint: number
  readonly contextId: number
  readonly opnum: number
  /** With PFC_OBJECT_UUID only. */
  readonly object?: string | undefined
  readonly stub: Uint8Array
}

/** @since 0.1.0 @category models */
export interface Response {
  readonly _tag: "Response"
  readonly flags: number
  readonly callId: number
  readonly allocHint: number
  readonly contextId: number
  readonly cancelCount: number
  readonly stub: Uint8Array
}

/** @since 0.1.0 @category models */
export interface Fault {
  readonly _tag: "Fault"
  readonly flags: number
  readonly callId: number
  readonly allocHint: number
  readonly contextId: number
  readonly cancelCount: number
  readonly status: number
}

/**
 * A PDU of a type this client does not read: its header only.
 *
 * @since 0.1.0
 * @category models
 */
export interface Other {
  readonly _tag: "Other"
  readonly type: number
  readonly flags: number
  readonly callId: number
}

/** @since 0.1.0 @category models */
export type Pdu = Bind | BindAck | BindNak | Request | Response | Fault | Other

// ---------------------------------------------------------------------------------------------
// UUIDs
// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const hexByte = (b: number) => b.toString(16).padStart(2, "0")

/**
 * A UUID in its NDR form (C706 Appendix A): time_low, time_mid and time_hi_and_version
 * little-endian, the rest as written.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeUuid = (uuid: string): Uint8Array => {
  const text = uuid.toLowerCase()
  if (!UUID.test(text)) throw new TypeError(`not a UUID: ${uuid}`)
  const hex = text.replace(/-/g, "")
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  bytes.subarray(0, 4).reverse()
  bytes.subarray(4, 6).reverse()
  bytes.subarray(6, 8).reverse()
  return bytes
}

/**
 * The text of a UUID in NDR form (16 bytes).
 *
 * @since 0.1.0
 * @category decoding
 */
export const uuidText = (bytes: Uint8Array): string => {
  const b = Array.from(bytes.subarray(0, 16), hexByte)
  return [
    b.slice(0, 4).reverse().join(""),
    b.slice(4, 6).reverse().join(""),
    b.slice(6, 8).reverse().join(""),
    b.slice(8, 10).join(""),
    b.slice(10, 16).join("")
  ].join("-")
}

const syntaxAt = (r: Reader, offset: number, field: string): SyntaxId => ({
  uuid: uuidText(r.bytesAt(offset, 16, field)),
  major: r.u16(offset + 16, field),
  minor: r.u16(offset + 18, field)
})

const putSyntax = (out: Uint8Array, view: DataView, offset: number, syntax: SyntaxId) => {
  out.set(encodeUuid(syntax.uuid), offset)
  view.setUint16(offset + 16, syntax.major, true)
  view.setUint16(offset + 18, syntax.minor, true)
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const writeHeader = (out: Uint8Array, type: number, flags: number, callId: number) => {
  const v = viewOf(out)
  out[0] = 5 // rpc_vers
  out[1] = 0 // rpc_vers_minor
  out[2] = type
  out[3] = flags
  out[4] = 0x10 // little-endian integers, ASCII characters
  out[5] = 0 // IEEE floats
  out[6] = 0
  out[7] = 0
  v.setUint16(8, out.length, true)
  v.setUint16(10, 0, true)
  v.setUint32(12, callId >>> 0, true)
  return v
}

const checkFragment = (length: number) => {
  if (length > 0xffff) throw new RangeError(`a PDU of ${length} bytes exceeds the 65535 bytes of frag_length`)
}

/** @since 0.1.0 @category encoding */
export const encodeBind = (pdu: Omit<Bind, "_tag">): Uint8Array => {
  const size = HEADER_SIZE + 12 + pdu.contexts.reduce((n, c) => n + 24 + 20 * c.transferSyntaxes.length, 0)
  checkFragment(size)
  const out = new Uint8Array(size)
  const v = writeHeader(out, PduType.BIND, pdu.flags, pdu.callId)
  v.setUint16(16, pdu.maxXmitFrag, true)
  v.setUint16(18, pdu.maxRecvFrag, true)
  v.setUint32(20, pdu.assocGroupId >>> 0, true)
  out[24] = pdu.contexts.length
  let at = 28
  for (const context of pdu.contexts) {
    v.setUint16(at, context.contextId, true)
    out[at + 2] = context.transferSyntaxes.length
    putSyntax(out, v, at + 4, context.abstractSyntax)
    at += 24
    for (const syntax of context.transferSyntaxes) {
      putSyntax(out, v, at, syntax)
      at += 20
    }
  }
  return out
}

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)

/** @since 0.1.0 @category encoding */
export const encodeBindAck = (pdu: Omit<BindAck, "_tag">): Uint8Array => {
  const address = pdu.secondaryAddress.length === 0 ? new Uint8Array(0) : latin1(`${pdu.secondaryAddress}\u0000`)
  const results = (HEADER_SIZE + 10 + address.length + 3) & ~3
  const size = results + 4 + 24 * pdu.results.length
  checkFragment(size)
  const out = new Uint8Array(size)
  const v = writeHeader(out, PduType.BIND_ACK, pdu.flags, pdu.callId)
  v.setUint16(16, pdu.maxXmitFrag, true)
  v.setUint16(18, pdu.maxRecvFrag, true)
  v.setUint32(20, pdu.assocGroupId >>> 0, true)
  v.setUint16(24, address.length, true)
  out.set(address, 26)
  out[results] = pdu.results.length
  pdu.results.forEach((r, i) => {
    const at = results + 4 + 24 * i
    v.setUint16(at, r.result, true)
    v.setUint16(at + 2, r.reason, true)
    putSyntax(out, v, at + 4, r.transferSyntax)
  })
  return out
}

/** @since 0.1.0 @category encoding */
export const encodeBindNak = (pdu: Omit<BindNak, "_tag">): Uint8Array => {
  const out = new Uint8Array(HEADER_SIZE + 3 + 2 * pdu.versions.length)
  const v = writeHeader(out, PduType.BIND_NAK, pdu.flags, pdu.callId)
  v.setUint16(16, pdu.rejectReason, true)
  out[18] = pdu.versions.length
  pdu.versions.forEach((version, i) => {
    out[19 + 2 * i] = version.major
    out[20 + 2 * i] = version.minor
  })
  return out
}

/** @since 0.1.0 @category encoding */
export const encodeRequest = (pdu: Omit<Request, "_tag">): Uint8Array => {
  const object = pdu.object === undefined ? undefined : encodeUuid(pdu.object)
  const head = REQUEST_HEADER_SIZE + (object === undefined ? 0 : 16)
  checkFragment(head + pdu.stub.length)
  const out = new Uint8Array(head + pdu.stub.length)
  const flags = object === undefined ? pdu.flags & ~PfcFlags.OBJECT_UUID : pdu.flags | PfcFlags.OBJECT_UUID
  const v = writeHeader(out, PduType.REQUEST, flags, pdu.callId)
  v.setUint32(16, pdu.allocHint >>> 0, true)
  v.setUint16(20, pdu.contextId, true)
  v.setUint16(22, pdu.opnum, true)
  if (object !== undefined) out.set(object, REQUEST_HEADER_SIZE)
  out.set(pdu.stub, head)
  return out
}

/** @since 0.1.0 @category encoding */
export const encodeResponse = (pdu: Omit<Response, "_tag">): Uint8Array => {
  checkFragment(RESPONSE_HEADER_SIZE + pdu.stub.length)
  const out = new Uint8Array(RESPONSE_HEADER_SIZE + pdu.stub.length)
  const v = writeHeader(out, PduType.RESPONSE, pdu.flags, pdu.callId)
  v.setUint32(16, pdu.allocHint >>> 0, true)
  v.setUint16(20, pdu.contextId, true)
  out[22] = pdu.cancelCount
  out.set(pdu.stub, RESPONSE_HEADER_SIZE)
  return out
}

/** @since 0.1.0 @category encoding */
export const encodeFault = (pdu: Omit<Fault, "_tag">): Uint8Array => {
  const out = new Uint8Array(32)
  const v = writeHeader(out, PduType.FAULT, pdu.flags, pdu.callId)
  v.setUint32(16, pdu.allocHint >>> 0, true)
  v.setUint16(20, pdu.contextId, true)
  out[22] = pdu.cancelCount
  v.setUint32(24, pdu.status >>> 0, true)
  return out
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/**
 * The length of the PDU at the start of `bytes` (its frag_length), or undefined while fewer
 * than the 10 bytes that carry it have arrived.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fragmentLength = (bytes: Uint8Array): number | undefined =>
  bytes.length < 10 ? undefined : bytes[8]! | (bytes[9]! << 8)

/** The stub's end: the PDU's end less an auth trailer (8-byte sec_trailer, auth_pad_length and the token). */
const stubEnd = (r: Reader, fragLength: number, start: number): number => {
  const authLength = r.u16(10, "AuthLength")
  if (authLength === 0) return fragLength
  const trailer = fragLength - authLength - 8
  if (trailer < start) r.fail("AuthLength", "OutOfBounds", `auth trailer of ${authLength} bytes in a PDU of ${fragLength}`, 10)
  const pad = r.u8(trailer + 2, "AuthPadLength")
  if (trailer - pad < start) r.fail("AuthPadLength", "OutOfBounds", `pad of ${pad} bytes`, trailer + 2)
  return trailer - pad
}

/**
 * Decodes the PDU at the start of `bytes`; it must hold the whole PDU (frag_length bytes), and
 * may hold more (the next PDU), which is left alone.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodePdu = (bytes: Uint8Array): Either.Either<Pdu, DecodeError> =>
  decode("RpcPdu", () => {
    const whole = new Reader(bytes, "RpcPdu")
    whole.need(0, HEADER_SIZE, "Header")
    const version = whole.u8(0, "Version")
    const minor = whole.u8(1, "VersionMinor")
    if (version !== 5 || minor > 1) whole.fail("Version", "Invalid", `version ${version}.${minor}`, 0)
    const type = whole.u8(2, "Type")
    const flags = whole.u8(3, "Flags")
    if ((whole.u8(4, "DataRepresentation") & 0xf0) !== 0x10) {
      whole.fail("DataRepresentation", "Invalid", "only little-endian NDR is supported", 4)
    }
    const fragLength = whole.u16(8, "FragLength")
    if (fragLength < HEADER_SIZE) whole.fail("FragLength", "Invalid", `frag_length ${fragLength}`, 8)
    whole.need(0, fragLength, "FragLength")
    const r = new Reader(bytes.subarray(0, fragLength), "RpcPdu")
    const callId = r.u32(12, "CallId")
    switch (type) {
      case PduType.BIND: {
        const count = r.u8(24, "ContextCount")
        const contexts: Array<PresentationContext> = []
        let at = 28
        for (let i = 0; i < count; i++) {
          const contextId = r.u16(at, "ContextId")
          const n = r.u8(at + 2, "TransferSyntaxCount")
          const abstractSyntax = syntaxAt(r, at + 4, "AbstractSyntax")
          at += 24
          r.need(at, 20 * n, "TransferSyntaxes")
          const transferSyntaxes: Array<SyntaxId> = []
          for (let j = 0; j < n; j++, at += 20) transferSyntaxes.push(syntaxAt(r, at, "TransferSyntaxes"))
          contexts.push({ contextId, abstractSyntax, transferSyntaxes })
        }
        return {
          _tag: "Bind",
          flags,
          callId,
          maxXmitFrag: r.u16(16, "MaxXmitFrag"),
          maxRecvFrag: r.u16(18, "MaxRecvFrag"),
          assocGroupId: r.u32(20, "AssocGroupId"),
          contexts
        } satisfies Bind
      }
      case PduType.BIND_ACK:
      case PduType.ALTER_CONTEXT_RESP: {
        const addressLength = r.u16(24, "SecondaryAddressLength")
        const address = r.bytesAt(26, addressLength, "SecondaryAddress")
        const end = address.indexOf(0)
        const secondaryAddress = String.fromCharCode(...(end === -1 ? address : address.subarray(0, end)))
        const at = (26 + addressLength + 3) & ~3
        const count = r.u8(at, "ResultCount")
        r.need(at + 4, 24 * count, "Results")
        const results: Array<ContextResultEntry> = []
        for (let i = 0; i < count; i++) {
          const entry = at + 4 + 24 * i
          results.push({
            result: r.u16(entry, "Result"),
            reason: r.u16(entry + 2, "Reason"),
            transferSyntax: syntaxAt(r, entry + 4, "TransferSyntax")
          })
        }
        if (type === PduType.ALTER_CONTEXT_RESP) return { _tag: "Other", type, flags, callId } satisfies Other
        return {
          _tag: "BindAck",
          flags,
          callId,
          maxXmitFrag: r.u16(16, "MaxXmitFrag"),
          maxRecvFrag: r.u16(18, "MaxRecvFrag"),
          assocGroupId: r.u32(20, "AssocGroupId"),
          secondaryAddress,
          results
        } satisfies BindAck
      }
      case PduType.BIND_NAK: {
        const rejectReason = r.u16(16, "RejectReason")
        // The versions list is optional in practice (MS-RPCE 2.2.2.5 appends a signature).
        const count = r.length > 18 ? r.u8(18, "VersionCount") : 0
        const versions: Array<{ major: number; minor: number }> = []
        if (r.length >= 19 + 2 * count) {
          for (let i = 0; i < count; i++) versions.push({ major: r.u8(19 + 2 * i, "Versions"), minor: r.u8(20 + 2 * i, "Versions") })
        }
        return { _tag: "BindNak", flags, callId, rejectReason, versions } satisfies BindNak
      }
      case PduType.REQUEST: {
        const hasObject = (flags & PfcFlags.OBJECT_UUID) !== 0
        const start = REQUEST_HEADER_SIZE + (hasObject ? 16 : 0)
        r.need(0, start, "Header")
        const end = stubEnd(r, fragLength, start)
        return {
          _tag: "Request",
          flags,
          callId,
          allocHint: r.u32(16, "AllocHint"),
          contextId: r.u16(20, "ContextId"),
          opnum: r.u16(22, "Opnum"),
          ...(hasObject ? { object: uuidText(r.bytesAt(REQUEST_HEADER_SIZE, 16, "Object")) } : {}),
          stub: r.bytesAt(start, end - start, "Stub")
        } satisfies Request
      }
      case PduType.RESPONSE: {
        r.need(0, RESPONSE_HEADER_SIZE, "Header")
        const end = stubEnd(r, fragLength, RESPONSE_HEADER_SIZE)
        return {
          _tag: "Response",
          flags,
          callId,
          allocHint: r.u32(16, "AllocHint"),
          contextId: r.u16(20, "ContextId"),
          cancelCount: r.u8(22, "CancelCount"),
          stub: r.bytesAt(RESPONSE_HEADER_SIZE, end - RESPONSE_HEADER_SIZE, "Stub")
        } satisfies Response
      }
      case PduType.FAULT:
        return {
          _tag: "Fault",
          flags,
          callId,
          allocHint: r.u32(16, "AllocHint"),
          contextId: r.u16(20, "ContextId"),
          cancelCount: r.u8(22, "CancelCount"),
          status: r.u32(24, "Status")
        } satisfies Fault
      default:
        return { _tag: "Other", type, flags, callId } satisfies Other
    }
  })
