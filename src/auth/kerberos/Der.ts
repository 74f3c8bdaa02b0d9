/**
 * Just enough ASN.1 DER for Kerberos (RFC 4120's messages): encoders that build elements from
 * bytes, and a bounds-checked reader of elements.
 *
 * Hand-written rather than a library: the messages use eight universal types (INTEGER, BIT
 * STRING, OCTET STRING, OID, SEQUENCE, GeneralString, GeneralizedTime, KerberosString as
 * GeneralString) plus context and application tags, which this covers in about 200 lines with no
 * dependency; the pure TS ASN.1 libraries on npm (asn1js with pvtsutils/pvutils, @peculiar/asn1-
 * schema on top of it) are an order of magnitude larger and schema-driven, and the SPNEGO code
 * already hand-writes its DER the same way. Decoding never allocates from a length and rejects
 * indefinite lengths, multi-byte tags and lengths over 4 bytes; failures are DecodeErrors thrown
 * inside `decode` (wire/Reader.ts), which returns them in a Left.
 *
 * @since 0.1.0
 */
import { concatBytes, Reader } from "../../wire/Reader.js"

/** Universal and class bits. @since 0.1.0 @category constants */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  ENUMERATED: 0x0a,
  SEQUENCE: 0x30,
  GENERAL_STRING: 0x1b,
  GENERALIZED_TIME: 0x18
} as const

/** [n] constructed, context class. @since 0.1.0 */
export const context = (n: number): number => 0xa0 | n
/** [APPLICATION n] constructed. @since 0.1.0 */
export const application = (n: number): number => 0x60 | n

const encodeLength = (length: number): Uint8Array => {
  if (length < 0x80) return new Uint8Array([length])
  const out: Array<number> = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff)
  return new Uint8Array([0x80 | out.length, ...out])
}

/** @since 0.1.0 @category encoding */
export const tlv = (tag: number, ...contents: ReadonlyArray<Uint8Array>): Uint8Array => {
  let length = 0
  for (const part of contents) length += part.byteLength
  return concatBytes([new Uint8Array([tag]), encodeLength(length), ...contents])
}

/** SEQUENCE of the given fields, skipping undefined ones. @since 0.1.0 @category encoding */
export const sequence = (...fields: ReadonlyArray<Uint8Array | undefined>): Uint8Array =>
  tlv(Tag.SEQUENCE, ...fields.filter((f): f is Uint8Array => f !== undefined))

/** `[n] value`, or undefined when value is. @since 0.1.0 @category encoding */
export const field = (n: number, value: Uint8Array | undefined): Uint8Array | undefined =>
  value === undefined ? undefined : tlv(context(n), value)

/** A two's complement INTEGER (Kerberos Int32, UInt32, Microseconds). @since 0.1.0 @category encoding */
export const integer = (value: number | bigint): Uint8Array => {
  let n = BigInt(value)
  const out: Array<number> = []
  do {
    out.unshift(Number(n & 0xffn))
    n >>= 8n
  } while (!((n === 0n && (out[0]! & 0x80) === 0) || (n === -1n && (out[0]! & 0x80) !== 0)))
  return tlv(Tag.INTEGER, new Uint8Array(out))
}

/** @since 0.1.0 @category encoding */
export const octetString = (value: Uint8Array): Uint8Array => tlv(Tag.OCTET_STRING, value)

/** KerberosString (GeneralString, IA5 in practice). @since 0.1.0 @category encoding */
export const generalString = (value: string): Uint8Array => tlv(Tag.GENERAL_STRING, new TextEncoder().encode(value))

/** A 32-bit BIT STRING (KerberosFlags), bit 0 the most significant. @since 0.1.0 @category encoding */
export const flags32 = (value: number): Uint8Array => {
  const out = new Uint8Array(5)
  new DataView(out.buffer).setUint32(1, value >>> 0)
  return tlv(Tag.BIT_STRING, out)
}

/** KerberosTime: GeneralizedTime "YYYYMMDDHHMMSSZ". @since 0.1.0 @category encoding */
export const time = (date: Date): Uint8Array =>
  tlv(Tag.GENERALIZED_TIME, new TextEncoder().encode(date.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z")))

/** SEQUENCE OF. @since 0.1.0 @category encoding */
export const sequenceOf = (items: ReadonlyArray<Uint8Array>): Uint8Array => tlv(Tag.SEQUENCE, ...items)

/** OBJECT IDENTIFIER from dotted form. @since 0.1.0 @category encoding */
export const oid = (dotted: string): Uint8Array => {
  const arcs = dotted.split(".").map(Number)
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]
  const out: Array<number> = []
  for (const value of values) {
    const groups = [value & 0x7f]
    for (let n = Math.floor(value / 128); n > 0; n = Math.floor(n / 128)) groups.unshift(0x80 | (n & 0x7f))
    out.push(...groups)
  }
  return tlv(Tag.OID, new Uint8Array(out))
}

/**
 * An element read from DER: its tag and the bounds of its contents inside the reader's bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Element {
  readonly tag: number
  /** Where the element's header starts. */
  readonly at: number
  readonly start: number
  readonly end: number
}

/**
 * Reads DER elements out of one buffer, failing with DecodeErrors that name the field.
 *
 * @since 0.1.0
 * @category decoding
 */
export class DerReader {
  readonly r: Reader
  constructor(readonly bytes: Uint8Array, structure: string) {
    this.r = new Reader(bytes, structure)
  }

  fail(field: string, detail: string, at: number): never {
    return this.r.fail(field, "Invalid", detail, at)
  }

  /** The element at `at`, which must end by `limit`. */
  element(at: number, limit: number, name: string): Element {
    if (at + 2 > limit) this.r.fail(name, "Truncated", `element header at ${at} runs past ${limit}`, at)
    const tag = this.r.u8(at, name)
    if ((tag & 0x1f) === 0x1f) this.fail(name, "multi-byte tag", at)
    const first = this.r.u8(at + 1, name)
    let length = first
    let start = at + 2
    if (first >= 0x80) {
      const count = first & 0x7f
      if (count === 0 || count > 4) this.fail(name, "indefinite or oversized length", at)
      length = 0
      for (let i = 0; i < count; i++) length = length * 256 + this.r.u8(at + 2 + i, name)
      start += count
    }
    if (start + length > limit) this.r.fail(name, "OutOfBounds", `length ${length} runs past ${limit}`, at)
    return { tag, at, start, end: start + length }
  }

  /** The whole buffer as one element with this tag. */
  root(tag: number, name: string): Element {
    const element = this.expect(this.element(0, this.bytes.byteLength, name), tag, name)
    return element
  }

  expect(element: Element, tag: number, name: string): Element {
    if (element.tag !== tag) this.fail(name, `expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`, element.start)
    return element
  }

  children(parent: Element, name: string): Array<Element> {
    const out: Array<Element> = []
    for (let at = parent.start; at < parent.end;) {
      const child = this.element(at, parent.end, name)
      out.push(child)
      at = child.end
    }
    return out
  }

  /** The inner element of a SEQUENCE's `[n]` field, if present. */
  optional(sequence: Element, n: number, name: string): Element | undefined {
    const wrapper = this.children(sequence, name).find((child) => child.tag === context(n))
    return wrapper === undefined ? undefined : this.element(wrapper.start, wrapper.end, name)
  }

  required(sequence: Element, n: number, name: string): Element {
    const inner = this.optional(sequence, n, name)
    if (inner === undefined) this.fail(name, `missing field [${n}]`, sequence.start)
    return inner
  }

  /** The SEQUENCE inside `[APPLICATION n]` or `[n]`. */
  sequenceIn(wrapper: Element, name: string): Element {
    return this.expect(this.element(wrapper.start, wrapper.end, name), Tag.SEQUENCE, name)
  }

  integer(element: Element, name: string): number {
    this.expect(element, Tag.INTEGER, name)
    const length = element.end - element.start
    if (length < 1 || length > 5) this.fail(name, `integer of ${length} bytes`, element.start)
    let value = BigInt.asIntN(8, BigInt(this.r.u8(element.start, name)))
    for (let i = element.start + 1; i < element.end; i++) value = (value << 8n) | BigInt(this.r.u8(i, name))
    return Number(value)
  }

  octets(element: Element, name: string): Uint8Array {
    this.expect(element, Tag.OCTET_STRING, name)
    return this.bytes.subarray(element.start, element.end)
  }

  string(element: Element, name: string): string {
    if (element.tag !== Tag.GENERAL_STRING && element.tag !== 0x0c && element.tag !== 0x16) {
      this.fail(name, `expected a string, got tag 0x${element.tag.toString(16)}`, element.start)
    }
    return new TextDecoder().decode(this.bytes.subarray(element.start, element.end))
  }

  time(element: Element, name: string): Date {
    this.expect(element, Tag.GENERALIZED_TIME, name)
    const text = new TextDecoder().decode(this.bytes.subarray(element.start, element.end))
    const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    if (match === null) this.fail(name, `bad KerberosTime ${text}`, element.start)
    const [, y, mo, d, h, mi, s] = match.map(Number)
    return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!))
  }

  flags32(element: Element, name: string): number {
    this.expect(element, Tag.BIT_STRING, name)
    let value = 0
    for (let i = 0; i < 4; i++) value = value * 256 + (element.start + 1 + i < element.end ? this.r.u8(element.start + 1 + i, name) : 0)
    return value >>> 0
  }

  /** The element's encoding, header included. */
  raw(element: Element): Uint8Array {
    return this.bytes.subarray(element.at, element.end)
  }
}
