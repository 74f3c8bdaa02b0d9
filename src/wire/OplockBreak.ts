/**
 * SMB2 OPLOCK_BREAK messages (MS-SMB2 2.2.23, 2.2.24, 2.2.25): the server's oplock and lease break
 * notifications, the client's acknowledgments and the server's responses to them.
 *
 * All six share one command code; the StructureSize tells the oplock form (24) from the lease
 * notification (44) and the lease acknowledgment / response (36). An oplock break notification
 * and the response to an oplock acknowledgment have the same layout: only the MessageId
 * (0xFFFFFFFFFFFFFFFF for the unsolicited notification) tells them apart, so `decodeOplockBreak`
 * reads the header too.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE, UNSOLICITED_MESSAGE_ID } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** Flags of a lease break notification. @since 0.1.0 @category constants */
export const LeaseBreakFlags = {
  ACK_REQUIRED: 0x00000001
} as const

/**
 * Server to client, unsolicited (2.2.23.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface OplockBreakNotification {
  readonly _tag: "OplockBreakNotification"
  /** The level the oplock is broken to. */
  readonly oplockLevel: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
}

/**
 * Client to server (2.2.24.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface OplockBreakAcknowledgment {
  readonly _tag: "OplockBreakAcknowledgment"
  readonly oplockLevel: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
}

/**
 * Server to client, in answer to an OplockBreakAcknowledgment (2.2.25.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface OplockBreakResponse {
  readonly _tag: "OplockBreakResponse"
  readonly oplockLevel: number
  /** 16 bytes. */
  readonly fileId: Uint8Array
}

/**
 * Server to client, unsolicited (2.2.23.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseBreakNotification {
  readonly _tag: "LeaseBreakNotification"
  readonly newEpoch: number
  readonly flags: number
  /** 16 bytes. */
  readonly leaseKey: Uint8Array
  readonly currentLeaseState: number
  readonly newLeaseState: number
  readonly breakReason: number
  readonly accessMaskHint: number
  readonly shareMaskHint: number
}

/**
 * Client to server (2.2.24.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseBreakAcknowledgment {
  readonly _tag: "LeaseBreakAcknowledgment"
  readonly flags: number
  /** 16 bytes. */
  readonly leaseKey: Uint8Array
  readonly leaseState: number
  readonly leaseDuration: bigint
}

/**
 * Server to client, in answer to a LeaseBreakAcknowledgment (2.2.25.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseBreakResponse {
  readonly _tag: "LeaseBreakResponse"
  readonly flags: number
  /** 16 bytes. */
  readonly leaseKey: Uint8Array
  readonly leaseState: number
  readonly leaseDuration: bigint
}

/** What a client sends with command OPLOCK_BREAK. @since 0.1.0 @category models */
export type OplockBreakRequest = OplockBreakAcknowledgment | LeaseBreakAcknowledgment

/** What a server sends with command OPLOCK_BREAK. @since 0.1.0 @category models */
export type OplockBreakServerMessage =
  | OplockBreakNotification
  | LeaseBreakNotification
  | OplockBreakResponse
  | LeaseBreakResponse

const OPLOCK_SIZE = 24
const LEASE_NOTIFICATION_SIZE = 44
const LEASE_ACK_SIZE = 36

// ---------------------------------------------------------------------------------------------
// The 24-byte oplock form
// ---------------------------------------------------------------------------------------------

const encodeOplockForm = (x: { readonly oplockLevel: number; readonly fileId: Uint8Array }): Uint8Array => {
  const out = new Uint8Array(OPLOCK_SIZE)
  const v = viewOf(out)
  v.setUint16(0, OPLOCK_SIZE, true)
  v.setUint8(2, x.oplockLevel)
  out.set(x.fileId.subarray(0, 16), 8)
  return out
}

const readOplockForm = (r: Reader): { oplockLevel: number; fileId: Uint8Array } => {
  r.expectU16(HEADER_SIZE, "StructureSize", OPLOCK_SIZE)
  return {
    oplockLevel: r.u8(HEADER_SIZE + 2, "OplockLevel"),
    fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId")
  }
}

/** @since 0.1.0 @category encoding */
export const encodeOplockBreakNotification = (x: OplockBreakNotification): Uint8Array => encodeOplockForm(x)

/** @since 0.1.0 @category decoding */
export const decodeOplockBreakNotification = (
  message: Uint8Array
): Either.Either<OplockBreakNotification, DecodeError> =>
  decode("OplockBreakNotification", () => ({
    _tag: "OplockBreakNotification",
    ...readOplockForm(new Reader(message, "OplockBreakNotification"))
  }))

/** @since 0.1.0 @category encoding */
export const encodeOplockBreakAcknowledgment = (x: OplockBreakAcknowledgment): Uint8Array => encodeOplockForm(x)

/** @since 0.1.0 @category decoding */
export const decodeOplockBreakAcknowledgment = (
  message: Uint8Array
): Either.Either<OplockBreakAcknowledgment, DecodeError> =>
  decode("OplockBreakAcknowledgment", () => ({
    _tag: "OplockBreakAcknowledgment",
    ...readOplockForm(new Reader(message, "OplockBreakAcknowledgment"))
  }))

/** @since 0.1.0 @category encoding */
export const encodeOplockBreakResponse = (x: OplockBreakResponse): Uint8Array => encodeOplockForm(x)

/** @since 0.1.0 @category decoding */
export const decodeOplockBreakResponse = (message: Uint8Array): Either.Either<OplockBreakResponse, DecodeError> =>
  decode("OplockBreakResponse", () => ({
    _tag: "OplockBreakResponse",
    ...readOplockForm(new Reader(message, "OplockBreakResponse"))
  }))

// ---------------------------------------------------------------------------------------------
// Lease break notification (44 bytes)
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category encoding */
export const encodeLeaseBreakNotification = (x: LeaseBreakNotification): Uint8Array => {
  const out = new Uint8Array(LEASE_NOTIFICATION_SIZE)
  const v = viewOf(out)
  v.setUint16(0, LEASE_NOTIFICATION_SIZE, true)
  v.setUint16(2, x.newEpoch, true)
  v.setUint32(4, x.flags, true)
  out.set(x.leaseKey.subarray(0, 16), 8)
  v.setUint32(24, x.currentLeaseState, true)
  v.setUint32(28, x.newLeaseState, true)
  v.setUint32(32, x.breakReason, true)
  v.setUint32(36, x.accessMaskHint, true)
  v.setUint32(40, x.shareMaskHint, true)
  return out
}

const readLeaseBreakNotification = (r: Reader): LeaseBreakNotification => {
  r.expectU16(HEADER_SIZE, "StructureSize", LEASE_NOTIFICATION_SIZE)
  r.need(HEADER_SIZE, LEASE_NOTIFICATION_SIZE, "Body")
  return {
    _tag: "LeaseBreakNotification",
    newEpoch: r.u16(HEADER_SIZE + 2, "NewEpoch"),
    flags: r.u32(HEADER_SIZE + 4, "Flags"),
    leaseKey: r.bytesAt(HEADER_SIZE + 8, 16, "LeaseKey"),
    currentLeaseState: r.u32(HEADER_SIZE + 24, "CurrentLeaseState"),
    newLeaseState: r.u32(HEADER_SIZE + 28, "NewLeaseState"),
    breakReason: r.u32(HEADER_SIZE + 32, "BreakReason"),
    accessMaskHint: r.u32(HEADER_SIZE + 36, "AccessMaskHint"),
    shareMaskHint: r.u32(HEADER_SIZE + 40, "ShareMaskHint")
  }
}

/** @since 0.1.0 @category decoding */
export const decodeLeaseBreakNotification = (
  message: Uint8Array
): Either.Either<LeaseBreakNotification, DecodeError> =>
  decode("LeaseBreakNotification", () => readLeaseBreakNotification(new Reader(message, "LeaseBreakNotification")))

// ---------------------------------------------------------------------------------------------
// Lease break acknowledgment and response (36 bytes)
// ---------------------------------------------------------------------------------------------

const encodeLeaseAckForm = (x: {
  readonly flags: number
  readonly leaseKey: Uint8Array
  readonly leaseState: number
  readonly leaseDuration: bigint
}): Uint8Array => {
  const out = new Uint8Array(LEASE_ACK_SIZE)
  const v = viewOf(out)
  v.setUint16(0, LEASE_ACK_SIZE, true)
  v.setUint32(4, x.flags, true)
  out.set(x.leaseKey.subarray(0, 16), 8)
  v.setUint32(24, x.leaseState, true)
  v.setBigUint64(28, x.leaseDuration, true)
  return out
}

const readLeaseAckForm = (
  r: Reader
): { flags: number; leaseKey: Uint8Array; leaseState: number; leaseDuration: bigint } => {
  r.expectU16(HEADER_SIZE, "StructureSize", LEASE_ACK_SIZE)
  r.need(HEADER_SIZE, LEASE_ACK_SIZE, "Body")
  return {
    flags: r.u32(HEADER_SIZE + 4, "Flags"),
    leaseKey: r.bytesAt(HEADER_SIZE + 8, 16, "LeaseKey"),
    leaseState: r.u32(HEADER_SIZE + 24, "LeaseState"),
    leaseDuration: r.u64(HEADER_SIZE + 28, "LeaseDuration")
  }
}

/** @since 0.1.0 @category encoding */
export const encodeLeaseBreakAcknowledgment = (x: LeaseBreakAcknowledgment): Uint8Array => encodeLeaseAckForm(x)

/** @since 0.1.0 @category decoding */
export const decodeLeaseBreakAcknowledgment = (
  message: Uint8Array
): Either.Either<LeaseBreakAcknowledgment, DecodeError> =>
  decode("LeaseBreakAcknowledgment", () => ({
    _tag: "LeaseBreakAcknowledgment",
    ...readLeaseAckForm(new Reader(message, "LeaseBreakAcknowledgment"))
  }))

/** @since 0.1.0 @category encoding */
export const encodeLeaseBreakResponse = (x: LeaseBreakResponse): Uint8Array => encodeLeaseAckForm(x)

/** @since 0.1.0 @category decoding */
export const decodeLeaseBreakResponse = (message: Uint8Array): Either.Either<LeaseBreakResponse, DecodeError> =>
  decode("LeaseBreakResponse", () => ({
    _tag: "LeaseBreakResponse",
    ...readLeaseAckForm(new Reader(message, "LeaseBreakResponse"))
  }))

// ---------------------------------------------------------------------------------------------
// Telling them apart
// ---------------------------------------------------------------------------------------------

/**
 * Encodes whichever acknowledgment `req` is.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeOplockBreakRequest = (req: OplockBreakRequest): Uint8Array =>
  req._tag === "OplockBreakAcknowledgment" ? encodeOplockForm(req) : encodeLeaseAckForm(req)

/**
 * Decodes a client's OPLOCK_BREAK message: an oplock (24) or lease (36) acknowledgment.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeOplockBreakRequest = (message: Uint8Array): Either.Either<OplockBreakRequest, DecodeError> =>
  decode("OplockBreakRequest", (): OplockBreakRequest => {
    const r = new Reader(message, "OplockBreakRequest")
    const size = r.u16(HEADER_SIZE, "StructureSize")
    if (size === OPLOCK_SIZE) return { _tag: "OplockBreakAcknowledgment", ...readOplockForm(r) }
    if (size === LEASE_ACK_SIZE) return { _tag: "LeaseBreakAcknowledgment", ...readLeaseAckForm(r) }
    return r.fail("StructureSize", "Invalid", `expected 24 or 36, got ${size}`, HEADER_SIZE)
  })

/**
 * Encodes whichever server message `msg` is (the header, with its MessageId, is the caller's).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeOplockBreak = (msg: OplockBreakServerMessage): Uint8Array => {
  switch (msg._tag) {
    case "OplockBreakNotification":
    case "OplockBreakResponse":
      return encodeOplockForm(msg)
    case "LeaseBreakNotification":
      return encodeLeaseBreakNotification(msg)
    case "LeaseBreakResponse":
      return encodeLeaseAckForm(msg)
  }
}

/**
 * Decodes a server's OPLOCK_BREAK message. StructureSize 44 is a lease break notification, 36 a
 * lease break response; 24 is an oplock break notification when the MessageId is the unsolicited
 * 0xFFFFFFFFFFFFFFFF, and an oplock break response otherwise.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeOplockBreak = (message: Uint8Array): Either.Either<OplockBreakServerMessage, DecodeError> =>
  decode("OplockBreak", (): OplockBreakServerMessage => {
    const r = new Reader(message, "OplockBreak")
    const size = r.u16(HEADER_SIZE, "StructureSize")
    switch (size) {
      case OPLOCK_SIZE: {
        const unsolicited = r.u64(24, "MessageId") === UNSOLICITED_MESSAGE_ID
        return { _tag: unsolicited ? "OplockBreakNotification" : "OplockBreakResponse", ...readOplockForm(r) }
      }
      case LEASE_NOTIFICATION_SIZE:
        return readLeaseBreakNotification(r)
      case LEASE_ACK_SIZE:
        return { _tag: "LeaseBreakResponse", ...readLeaseAckForm(r) }
      default:
        return r.fail("StructureSize", "Invalid", `expected 24, 36 or 44, got ${size}`, HEADER_SIZE)
    }
  })
