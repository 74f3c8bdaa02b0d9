/**
 * Compounded messages (MS-SMB2 3.2.4.1.4, 3.3.5.2.7): several SMB2 messages in one frame, each
 * header's NextCommand giving the distance to the next header (8-byte aligned), 0 on the last.
 *
 * Each message of a compound is signed on its own, padding included, so a signer can split the
 * frame that `buildCompound` returns and sign the zero-copy elements in place.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { type Header, HEADER_SIZE, HeaderFlags, writeHeader } from "./Header.js"
import { align8, decode, Reader } from "./Reader.js"

/**
 * Cuts a frame into its messages: each element is a zero-copy view from its header to the next
 * header (padding included), the last one to the end of the frame. Headers are not otherwise
 * checked; decode each element with `decodeHeader`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const splitCompound = (frame: Uint8Array): Either.Either<ReadonlyArray<Uint8Array>, DecodeError> =>
  decode("Compound", () => {
    const r = new Reader(frame, "Compound")
    const messages: Array<Uint8Array> = []
    let at = 0
    for (;;) {
      r.need(at, HEADER_SIZE, "Header")
      const next = r.u32(at + 20, "NextCommand")
      if (next === 0) {
        messages.push(frame.subarray(at))
        return messages
      }
      if (next % 8 !== 0 || next < HEADER_SIZE) {
        r.fail("NextCommand", "Invalid", `${next} is not an 8-aligned offset of at least ${HEADER_SIZE}`, at + 20)
      }
      if (at + next >= frame.byteLength) {
        const left = frame.byteLength - at
        r.fail("NextCommand", "OutOfBounds", `${next} points past the frame (${left} bytes left)`, at + 20)
      }
      messages.push(frame.subarray(at, at + next))
      at += next
    }
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface CompoundOptions {
  /** Related operations: every message after the first gets RELATED_OPERATIONS. */
  readonly related: boolean
}

/**
 * Lays messages out as one compound: sets each header's NextCommand, pads every message but the
 * last to 8 bytes, and sets RELATED_OPERATIONS on all but the first when `related` (clearing it
 * everywhere else). The headers are otherwise written as given.
 *
 * @since 0.1.0
 * @category encoding
 */
export const buildCompound = (
  messages: ReadonlyArray<{ readonly header: Header; readonly body: Uint8Array }>,
  options: CompoundOptions
): Uint8Array => {
  const last = messages.length - 1
  const sizeOf = (body: Uint8Array, i: number): number =>
    i < last ? align8(HEADER_SIZE + body.byteLength) : HEADER_SIZE + body.byteLength
  const out = new Uint8Array(messages.reduce((total, { body }, i) => total + sizeOf(body, i), 0))
  let at = 0
  messages.forEach(({ body, header }, i) => {
    const size = sizeOf(body, i)
    const flags = options.related && i > 0
      ? header.flags | HeaderFlags.RELATED_OPERATIONS
      : header.flags & ~HeaderFlags.RELATED_OPERATIONS
    writeHeader({ ...header, flags: flags >>> 0, nextCommand: i < last ? size : 0 }, out, at)
    out.set(body, at + HEADER_SIZE)
    at += size
  })
  return out
}
