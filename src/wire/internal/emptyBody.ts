/**
 * The body of several SMB2 messages that carry nothing: StructureSize 4 + Reserved (2). ECHO,
 * LOGOFF and TREE_DISCONNECT requests and responses all use it (MS-SMB2 2.2.7-2.2.8,
 * 2.2.11-2.2.12, 2.2.28-2.2.29); each module binds it under its own names so that a DecodeError
 * still names the structure that failed.
 *
 * @internal
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../../errors.js"
import { HEADER_SIZE } from "../Header.js"
import { decode, Reader, viewOf } from "../Reader.js"

const STRUCTURE_SIZE = 4

export const encodeEmptyBody = (): Uint8Array => {
  const out = new Uint8Array(STRUCTURE_SIZE)
  viewOf(out).setUint16(0, STRUCTURE_SIZE, true)
  return out
}

/** `structure` names the message in the DecodeError, e.g. "EchoRequest". */
export const decodeEmptyBody = (structure: string, message: Uint8Array): Either.Either<{}, DecodeError> =>
  decode(structure, () => {
    const r = new Reader(message, structure)
    r.expectU16(HEADER_SIZE, "StructureSize", STRUCTURE_SIZE)
    r.need(HEADER_SIZE + 2, 2, "Reserved")
    return {}
  })
