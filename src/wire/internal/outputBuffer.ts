/**
 * The response body QUERY_DIRECTORY, QUERY_INFO and CHANGE_NOTIFY share (MS-SMB2 2.2.34, 2.2.38,
 * 2.2.36): StructureSize 9, OutputBufferOffset (2), OutputBufferLength (4), then the buffer. Each
 * module binds it under its own names so that a DecodeError still names the structure.
 *
 * @internal
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../../errors.js"
import { HEADER_SIZE } from "../Header.js"
import { decode, Reader, viewOf } from "../Reader.js"

const FIXED = 8

export const encodeOutputBufferResponse = (output: Uint8Array): Uint8Array => {
  const out = new Uint8Array(FIXED + Math.max(output.length, 1))
  const v = viewOf(out)
  v.setUint16(0, 9, true)
  v.setUint16(2, HEADER_SIZE + FIXED, true)
  v.setUint32(4, output.length, true)
  out.set(output, FIXED)
  return out
}

/** `structure` names the message in a DecodeError, e.g. "QueryInfoResponse". */
export const decodeOutputBufferResponse = (
  structure: string,
  message: Uint8Array
): Either.Either<{ readonly output: Uint8Array }, DecodeError> =>
  decode(structure, () => {
    const r = new Reader(message, structure)
    r.expectU16(HEADER_SIZE, "StructureSize", 9)
    const offset = r.u16(HEADER_SIZE + 2, "OutputBufferOffset")
    const length = r.u32(HEADER_SIZE + 4, "OutputBufferLength")
    return { output: r.buffer(offset, length, "Buffer") }
  })
