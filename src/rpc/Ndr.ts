/**
 * The little of NDR (C706 chapter 14, transfer syntax NDR 2.0, little-endian) that the srvsvc
 * calls need: aligned primitives, unique pointers (a referent id, 0 for null, with the pointee
 * deferred) and conformant varying strings of UTF-16 (`[string] wchar_t*`).
 *
 * Alignment is relative to the start of the stub data: NDR aligns every primitive to its own
 * size, and a DCE/RPC request or response header (24 bytes) keeps that alignment. Where the
 * pointees go is up to the caller: NDR puts the pointees of a structure's embedded pointers after
 * the structure (after an array's elements, in element order), and a top-level parameter's before
 * the next parameter.
 *
 * Hand-written, as the project does its codecs: the NDR engines on npm are generated from IDL
 * for whole interfaces, far larger than the three types needed here, or unmaintained.
 *
 * The reader is a cursor over the stub with every read bounds-checked: a failed check throws a
 * DecodeError naming the structure and field, which `decode` (src/wire/Reader.ts) turns into a
 * Left; counts are checked against the bytes left before anything is allocated.
 *
 * @since 0.1.0
 */
import { DecodeError } from "../errors.js"
import { decodeUtf16, encodeUtf16 } from "../wire/Reader.js"

/**
 * Builds an NDR stream.
 *
 * @since 0.1.0
 * @category encoding
 */
export class NdrWriter {
  private bytes = new Uint8Array(256)
  private view = new DataView(this.bytes.buffer)
  private length = 0
  private nextReferent = 0x00020000

  /** Makes room for `n` more bytes and returns where they start (read `bytes`/`view` after calling: they may be replaced). */
  private reserve(n: number): number {
    const at = this.length
    if (at + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + n))
      grown.set(this.bytes.subarray(0, at))
      this.bytes = grown
      this.view = new DataView(grown.buffer)
    }
    this.length = at + n
    return at
  }

  /** Pads with zeros to a multiple of `n`. */
  align(n: number): this {
    const pad = (n - (this.length % n)) % n
    this.reserve(pad)
    return this
  }
  u8(value: number): this {
    const at = this.reserve(1)
    this.view.setUint8(at, value)
    return this
  }
  u16(value: number): this {
    this.align(2)
    const at = this.reserve(2)
    this.view.setUint16(at, value, true)
    return this
  }
  u32(value: number): this {
    this.align(4)
    const at = this.reserve(4)
    this.view.setUint32(at, value >>> 0, true)
    return this
  }
  raw(bytes: Uint8Array): this {
    const at = this.reserve(bytes.length)
    this.bytes.set(bytes, at)
    return this
  }
  /** A unique pointer: a fresh non-zero referent id, or 0 for null. The pointee is the caller's to write. */
  pointer(present: boolean): this {
    if (!present) return this.u32(0)
    const id = this.nextReferent
    this.nextReferent += 4
    return this.u32(id)
  }
  /** A conformant varying string (`[string] wchar_t*`), NUL included: max count, offset 0, actual count, UTF-16LE. */
  string(text: string): this {
    const count = text.length + 1
    this.u32(count).u32(0).u32(count)
    this.raw(encodeUtf16(text))
    return this.u16(0)
  }
  /** The stream so far (a copy). */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length)
  }
}

/**
 * Reads an NDR stream; every read is bounds-checked.
 *
 * @since 0.1.0
 * @category decoding
 */
export class NdrReader {
  private readonly view: DataView
  offset = 0
  constructor(
    readonly bytes: Uint8Array,
    readonly structure: string
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get remaining(): number {
    return this.bytes.length - this.offset
  }

  fail(field: string, reason: DecodeError["reason"], detail: string): never {
    throw new DecodeError({ reason, structure: this.structure, field, offset: this.offset, detail })
  }

  private need(n: number, field: string): void {
    if (this.offset + n > this.bytes.length) {
      this.fail(field, "Truncated", `needs ${this.offset + n} bytes, have ${this.bytes.length}`)
    }
  }

  align(n: number, field: string): void {
    const pad = (n - (this.offset % n)) % n
    this.need(pad, field)
    this.offset += pad
  }
  u16(field: string): number {
    this.align(2, field)
    this.need(2, field)
    const value = this.view.getUint16(this.offset, true)
    this.offset += 2
    return value
  }
  u32(field: string): number {
    this.align(4, field)
    this.need(4, field)
    const value = this.view.getUint32(this.offset, true)
    this.offset += 4
    return value
  }
  /** A unique pointer's referent id: true when the pointee follows (deferred), false for null. */
  pointer(field: string): boolean {
    return this.u32(field) !== 0
  }
  /**
   * A count of elements of at least `elementSize` bytes each that must still fit in the stream,
   * checked before anything is allocated for them.
   */
  count(field: string, elementSize: number): number {
    const count = this.u32(field)
    if (count * elementSize > this.remaining) {
      this.fail(field, "OutOfBounds", `${count} elements of ${elementSize} bytes, ${this.remaining} bytes left`)
    }
    return count
  }
  /** A conformant varying UTF-16 string; one trailing NUL is dropped. */
  string(field: string): string {
    const max = this.u32(field)
    const offset = this.u32(field)
    const actual = this.u32(field)
    if (offset > max || actual > max - offset) {
      this.fail(field, "Invalid", `offset ${offset} + actual count ${actual} exceeds maximum count ${max}`)
    }
    this.need(actual * 2, field)
    const units = this.bytes.subarray(this.offset, this.offset + actual * 2)
    this.offset += actual * 2
    const text = decodeUtf16(units)
    return text.endsWith("\u0000") ? text.slice(0, -1) : text
  }
  /** Fails unless the whole stream was read. */
  end(field: string): void {
    if (this.offset !== this.bytes.length) this.fail(field, "Invalid", `${this.remaining} bytes left over`)
  }
}
