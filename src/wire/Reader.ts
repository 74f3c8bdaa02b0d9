/**
 * Bounds-checked reads over a Uint8Array at absolute offsets (SMB2 structures place fields at
 * fixed offsets and point at buffers with offset/length pairs, so a cursor adds nothing).
 *
 * A failed check throws a DecodeError internally; `decode` is the only place that catches, so
 * every public decoder returns an Either and nothing escapes. Throwing keeps the codecs short;
 * it only costs on malformed input.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { DecodeError } from "../errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export class Reader {
  readonly view: DataView
  constructor(
    readonly bytes: Uint8Array,
    readonly structure: string
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get length(): number {
    return this.bytes.byteLength
  }

  fail(field: string, reason: DecodeError["reason"], detail?: string, offset?: number): never {
    throw new DecodeError({
      reason,
      structure: this.structure,
      field,
      ...(offset === undefined ? {} : { offset }),
      ...(detail === undefined ? {} : { detail })
    })
  }

  need(offset: number, length: number, field: string): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) {
      this.fail(field, "OutOfBounds", `offset ${offset} length ${length}`, offset)
    }
    if (offset + length > this.bytes.byteLength) {
      this.fail(
        field,
        offset >= this.bytes.byteLength ? "Truncated" : "OutOfBounds",
        `needs ${offset + length} bytes, have ${this.bytes.byteLength}`,
        offset
      )
    }
  }

  u8(offset: number, field: string): number {
    this.need(offset, 1, field)
    return this.view.getUint8(offset)
  }
  u16(offset: number, field: string): number {
    this.need(offset, 2, field)
    return this.view.getUint16(offset, true)
  }
  u32(offset: number, field: string): number {
    this.need(offset, 4, field)
    return this.view.getUint32(offset, true)
  }
  i64(offset: number, field: string): bigint {
    this.need(offset, 8, field)
    return this.view.getBigInt64(offset, true)
  }
  u64(offset: number, field: string): bigint {
    this.need(offset, 8, field)
    return this.view.getBigUint64(offset, true)
  }
  /** A zero-copy view of `length` bytes at `offset`. */
  bytesAt(offset: number, length: number, field: string): Uint8Array {
    this.need(offset, length, field)
    return this.bytes.subarray(offset, offset + length)
  }
  /** A UTF-16LE string of `length` bytes at `offset`. */
  utf16At(offset: number, length: number, field: string): string {
    if (length % 2 !== 0) this.fail(field, "Invalid", `odd UTF-16 byte length ${length}`, offset)
    return decodeUtf16(this.bytesAt(offset, length, field))
  }
  /** A buffer addressed by an offset relative to the message start and a length; (0, 0) is empty. */
  buffer(offset: number, length: number, field: string): Uint8Array {
    if (length === 0) return new Uint8Array(0)
    return this.bytesAt(offset, length, field)
  }
  expectU16(offset: number, field: string, expected: number): void {
    const value = this.u16(offset, field)
    if (value !== expected) this.fail(field, "Invalid", `expected ${expected}, got ${value}`, offset)
  }
}

/**
 * Runs a decoder body, turning any failure into a DecodeError. Nothing thrown inside escapes.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = <A>(structure: string, body: () => A): Either.Either<A, DecodeError> => {
  try {
    return Either.right(body())
  } catch (error) {
    if (error instanceof DecodeError) return Either.left(error)
    return Either.left(new DecodeError({ reason: "Invalid", structure, field: "*", cause: error }))
  }
}

const utf16Decoder = new TextDecoder("utf-16le", { ignoreBOM: true })

/** @since 0.1.0 */
export const decodeUtf16 = (bytes: Uint8Array): string => utf16Decoder.decode(bytes)

/** @since 0.1.0 */
export const encodeUtf16 = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length * 2)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    out[i * 2] = c & 0xff
    out[i * 2 + 1] = c >>> 8
  }
  return out
}

/** Rounds `n` up to a multiple of 8 (SMB2 aligns compounds and most variable buffers to 8). */
export const align8 = (n: number): number => (n + 7) & ~7

/** A DataView over the whole of `bytes`. */
export const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * `bytes` copied into a buffer of their own. Not `bytes.slice()`: on a Node Buffer (which callers
 * may pass for any Uint8Array) `slice` is a view that shares the memory.
 *
 * @since 0.1.0
 * @category utils
 */
export const copyBytes = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes)

/** Concatenates byte arrays into one new array. */
export const concatBytes = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let total = 0
  for (const p of parts) total += p.byteLength
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}
