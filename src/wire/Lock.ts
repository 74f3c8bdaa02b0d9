/**
 * SMB2 LOCK request and response (MS-SMB2 2.2.26, 2.2.27): take or release byte-range locks on an
 * open. Each element names a range and whether it is shared, exclusive or an unlock, and whether
 * the server may make the client wait (without FAIL_IMMEDIATELY a conflicting lock goes async
 * until the range is free, or until the client cancels it).
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/**
 * SMB2_LOCK_ELEMENT flags (2.2.26.1).
 *
 * @since 0.1.0
 * @category constants
 */
export const LockFlags = {
  SHARED: 0x1,
  EXCLUSIVE: 0x2,
  UNLOCK: 0x4,
  FAIL_IMMEDIATELY: 0x10
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface LockElement {
  readonly offset: bigint
  readonly length: bigint
  readonly flags: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LockRequest {
  /** 16 bytes. */
  readonly fileId: Uint8Array
  /** LockSequenceNumber (4 bits) and LockSequenceIndex (28 bits); 0 where resilient handles are not used. */
  readonly lockSequence: number
  readonly locks: ReadonlyArray<LockElement>
}

/**
 * The response carries nothing but its StructureSize.
 *
 * @since 0.1.0
 * @category models
 */
export interface LockResponse {}

const FIXED = 24
const ELEMENT = 24

/** @since 0.1.0 @category encoding */
export const encodeLockRequest = (req: LockRequest): Uint8Array => {
  const out = new Uint8Array(FIXED + ELEMENT * req.locks.length)
  const v = viewOf(out)
  v.setUint16(0, 48, true)
  v.setUint16(2, req.locks.length, true)
  v.setUint32(4, req.lockSequence >>> 0, true)
  out.set(req.fileId.subarray(0, 16), 8)
  req.locks.forEach((lock, i) => {
    const at = FIXED + i * ELEMENT
    v.setBigUint64(at, lock.offset, true)
    v.setBigUint64(at + 8, lock.length, true)
    v.setUint32(at + 16, lock.flags >>> 0, true)
  })
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeLockRequest = (message: Uint8Array): Either.Either<LockRequest, DecodeError> =>
  decode("LockRequest", () => {
    const r = new Reader(message, "LockRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 48)
    const count = r.u16(HEADER_SIZE + 2, "LockCount")
    if (count === 0) r.fail("LockCount", "Invalid", "a LOCK request carries at least one element", HEADER_SIZE + 2)
    const locks: Array<LockElement> = []
    for (let i = 0; i < count; i++) {
      const at = HEADER_SIZE + FIXED + i * ELEMENT
      locks.push({ offset: r.u64(at, "Offset"), length: r.u64(at + 8, "Length"), flags: r.u32(at + 16, "Flags") })
    }
    return { fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId"), lockSequence: r.u32(HEADER_SIZE + 4, "LockSequence"), locks }
  })

/** @since 0.1.0 @category encoding */
export const encodeLockResponse = (_res: LockResponse): Uint8Array => {
  const out = new Uint8Array(4)
  viewOf(out).setUint16(0, 4, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeLockResponse = (message: Uint8Array): Either.Either<LockResponse, DecodeError> =>
  decode("LockResponse", () => {
    const r = new Reader(message, "LockResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 4)
    return {}
  })
