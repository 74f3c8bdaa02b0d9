/**
 * The part of SPNEGO (RFC 4178, MS-SPNG) an SMB client needs, with just enough DER:
 *
 * - the client's first token: the GSS-API InitialContextToken ([APPLICATION 0], the SPNEGO OID)
 *   around a NegTokenInit with mechTypes and the first mechanism token;
 * - the server's NegTokenInit2 hints in the NEGOTIATE response (same shape; only the mechanism
 *   list and token are read, negHints and the rest are skipped);
 * - NegTokenResp ([1]) in both directions: negState, supportedMech, responseToken, mechListMIC.
 *
 * Decoding is bounds-checked: every length is checked against its enclosing element before use,
 * lengths longer than 4 bytes and indefinite lengths are rejected, and nothing is allocated from
 * a length (values are views into the input). Failures are DecodeErrors in a Left.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { concatBytes, decode, Reader } from "../wire/Reader.js"

/** @since 0.1.0 @category constants */
export const SPNEGO_OID = "1.3.6.1.5.5.2"
/** @since 0.1.0 @category constants */
export const NTLMSSP_OID = "1.3.6.1.4.1.311.2.2.10"

/**
 * NegTokenResp negState values.
 *
 * @since 0.1.0
 * @category constants
 */
export const NegState = {
  AcceptCompleted: 0,
  AcceptIncomplete: 1,
  Reject: 2,
  RequestMic: 3
} as const

const TAG = {
  ENUMERATED: 0x0a,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  APPLICATION_0: 0x60,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  CONTEXT_2: 0xa2,
  CONTEXT_3: 0xa3
} as const

const encodeLength = (length: number): Uint8Array => {
  if (length < 0x80) return new Uint8Array([length])
  const bytes: Array<number> = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return new Uint8Array([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, ...contents: ReadonlyArray<Uint8Array>): Uint8Array => {
  let length = 0
  for (const part of contents) length += part.byteLength
  return concatBytes([new Uint8Array([tag]), encodeLength(length), ...contents])
}

const encodeOid = (oid: string): Uint8Array => {
  const arcs = oid.split(".").map(Number)
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]
  const bytes: Array<number> = []
  for (const value of values) {
    const groups = [value & 0x7f]
    for (let n = Math.floor(value / 128); n > 0; n = Math.floor(n / 128)) groups.unshift(0x80 | (n & 0x7f))
    bytes.push(...groups)
  }
  return tlv(TAG.OID, new Uint8Array(bytes))
}

/**
 * The DER MechTypeList (SEQUENCE OF OID): what the mechListMIC is computed over.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeMechTypeList = (mechTypes: ReadonlyArray<string>): Uint8Array =>
  tlv(TAG.SEQUENCE, ...mechTypes.map(encodeOid))

/**
 * @since 0.1.0
 * @category models
 */
export interface NegTokenInit {
  readonly mechTypes: ReadonlyArray<string>
  readonly mechToken: Uint8Array | undefined
}

/**
 * The initiator's first token: InitialContextToken(SPNEGO, NegTokenInit(mechTypes, mechToken)).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegTokenInit = (token: NegTokenInit): Uint8Array => {
  const fields = [tlv(TAG.CONTEXT_0, encodeMechTypeList(token.mechTypes))]
  if (token.mechToken !== undefined) fields.push(tlv(TAG.CONTEXT_2, tlv(TAG.OCTET_STRING, token.mechToken)))
  return tlv(TAG.APPLICATION_0, encodeOid(SPNEGO_OID), tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, ...fields)))
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NegTokenResp {
  readonly negState?: number | undefined
  readonly supportedMech?: string | undefined
  readonly responseToken?: Uint8Array | undefined
  readonly mechListMIC?: Uint8Array | undefined
}

/**
 * A NegTokenResp ([1] SEQUENCE), fields present as given.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNegTokenResp = (token: NegTokenResp): Uint8Array => {
  const fields: Array<Uint8Array> = []
  if (token.negState !== undefined) {
    fields.push(tlv(TAG.CONTEXT_0, tlv(TAG.ENUMERATED, new Uint8Array([token.negState]))))
  }
  if (token.supportedMech !== undefined) fields.push(tlv(TAG.CONTEXT_1, encodeOid(token.supportedMech)))
  if (token.responseToken !== undefined) fields.push(tlv(TAG.CONTEXT_2, tlv(TAG.OCTET_STRING, token.responseToken)))
  if (token.mechListMIC !== undefined) fields.push(tlv(TAG.CONTEXT_3, tlv(TAG.OCTET_STRING, token.mechListMIC)))
  return tlv(TAG.CONTEXT_1, tlv(TAG.SEQUENCE, ...fields))
}

interface Element {
  readonly tag: number
  readonly start: number
  readonly end: number
}

const readElement = (r: Reader, at: number, limit: number, field: string): Element => {
  if (at + 2 > limit) r.fail(field, "Truncated", `element header at ${at} runs past ${limit}`, at)
  const tag = r.u8(at, field)
  if ((tag & 0x1f) === 0x1f) r.fail(field, "Invalid", "multi-byte tag", at)
  const first = r.u8(at + 1, field)
  let length = first
  let start = at + 2
  if (first >= 0x80) {
    const count = first & 0x7f
    if (count === 0 || count > 4) r.fail(field, "Invalid", "indefinite or oversized length", at)
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + r.u8(at + 2 + i, field)
    start += count
  }
  if (start + length > limit) r.fail(field, "OutOfBounds", `length ${length} runs past ${limit}`, at)
  return { tag, start, end: start + length }
}

const expectElement = (r: Reader, at: number, limit: number, tag: number, field: string): Element => {
  const element = readElement(r, at, limit, field)
  if (element.tag !== tag) r.fail(field, "Invalid", `expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`, at)
  return element
}

const children = (r: Reader, parent: Element, field: string): Array<Element> => {
  const out: Array<Element> = []
  for (let at = parent.start; at < parent.end;) {
    const child = readElement(r, at, parent.end, field)
    out.push(child)
    at = child.end
  }
  return out
}

/** Each arc is at most 7 base-128 digits (49 bits), well inside a JS number. */
const MAX_ARC_BYTES = 7

const readOid = (r: Reader, element: Element, field: string): string => {
  if (element.tag !== TAG.OID) r.fail(field, "Invalid", `expected an OID, got tag 0x${element.tag.toString(16)}`, element.start)
  if (element.end === element.start) r.fail(field, "Invalid", "empty OID", element.start)
  const values: Array<number> = []
  let value = 0
  let digits = 0
  for (let at = element.start; at < element.end; at++) {
    const byte = r.u8(at, field)
    value = value * 128 + (byte & 0x7f)
    if (++digits > MAX_ARC_BYTES) r.fail(field, "Invalid", "OID arc too large", at)
    if ((byte & 0x80) === 0) {
      values.push(value)
      value = 0
      digits = 0
    }
  }
  if (digits !== 0) r.fail(field, "Truncated", "unterminated OID arc", element.end)
  const head = values[0]!
  const x = head < 40 ? 0 : head < 80 ? 1 : 2
  return [x, head - 40 * x, ...values.slice(1)].join(".")
}

const readOctetString = (r: Reader, element: Element, field: string): Uint8Array => {
  const inner = expectElement(r, element.start, element.end, TAG.OCTET_STRING, field)
  return r.bytes.subarray(inner.start, inner.end)
}

const INIT = "SPNEGO NegTokenInit"

/**
 * Decodes an InitialContextToken carrying a NegTokenInit or NegTokenInit2 (the server's hints in
 * the NEGOTIATE response, or a client's first token): the mechanism list and mechanism token.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeNegTokenInit = (bytes: Uint8Array): Either.Either<NegTokenInit, DecodeError> =>
  decode(INIT, () => {
    const r = new Reader(bytes, INIT)
    const outer = expectElement(r, 0, bytes.byteLength, TAG.APPLICATION_0, "InitialContextToken")
    const thisMech = readElement(r, outer.start, outer.end, "thisMech")
    const oid = readOid(r, thisMech, "thisMech")
    if (oid !== SPNEGO_OID) r.fail("thisMech", "Invalid", `not SPNEGO: ${oid}`, outer.start)
    const choice = expectElement(r, thisMech.end, outer.end, TAG.CONTEXT_0, "negTokenInit")
    const sequence = expectElement(r, choice.start, choice.end, TAG.SEQUENCE, "negTokenInit")
    let mechTypes: Array<string> = []
    let mechToken: Uint8Array | undefined
    for (const field of children(r, sequence, "negTokenInit")) {
      if (field.tag === TAG.CONTEXT_0) {
        const list = expectElement(r, field.start, field.end, TAG.SEQUENCE, "mechTypes")
        mechTypes = children(r, list, "mechTypes").map((mech) => readOid(r, mech, "mechTypes"))
      } else if (field.tag === TAG.CONTEXT_2) {
        mechToken = readOctetString(r, field, "mechToken")
      }
    }
    return { mechTypes, mechToken }
  })

const RESP = "SPNEGO NegTokenResp"

/**
 * Decodes a NegTokenResp.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeNegTokenResp = (bytes: Uint8Array): Either.Either<NegTokenResp, DecodeError> =>
  decode(RESP, () => {
    const r = new Reader(bytes, RESP)
    const choice = expectElement(r, 0, bytes.byteLength, TAG.CONTEXT_1, "negTokenResp")
    const sequence = expectElement(r, choice.start, choice.end, TAG.SEQUENCE, "negTokenResp")
    let negState: number | undefined
    let supportedMech: string | undefined
    let responseToken: Uint8Array | undefined
    let mechListMIC: Uint8Array | undefined
    for (const field of children(r, sequence, "negTokenResp")) {
      switch (field.tag) {
        case TAG.CONTEXT_0: {
          const value = expectElement(r, field.start, field.end, TAG.ENUMERATED, "negState")
          if (value.end - value.start !== 1) r.fail("negState", "Invalid", `length ${value.end - value.start}`, value.start)
          negState = r.u8(value.start, "negState")
          break
        }
        case TAG.CONTEXT_1:
          supportedMech = readOid(r, readElement(r, field.start, field.end, "supportedMech"), "supportedMech")
          break
        case TAG.CONTEXT_2:
          responseToken = readOctetString(r, field, "responseToken")
          break
        case TAG.CONTEXT_3:
          mechListMIC = readOctetString(r, field, "mechListMIC")
          break
      }
    }
    return { negState, supportedMech, responseToken, mechListMIC }
  })
