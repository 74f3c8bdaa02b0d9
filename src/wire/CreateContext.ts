/**
 * SMB2 CREATE contexts (MS-SMB2 2.2.13.2, 2.2.14.2): the chain of tagged blobs a CREATE request
 * and response carry, and the payloads of the contexts a file API uses (leases, durable handles,
 * maximal access, on-disk id).
 *
 * A context name is kept as a binary string (one char per byte): ASCII for the usual four-letter
 * tags ("MxAc", "RqLs"), and still lossless for the contexts named by a 16-byte GUID.
 *
 * Each context in a chain starts on an 8-byte boundary, as does its data; `Next` is the distance
 * to the following context and 0 on the last one.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { align8, decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const CreateContextName = {
  EA_BUFFER: "ExtA",
  SD_BUFFER: "SecD",
  DURABLE_HANDLE_REQUEST: "DHnQ",
  DURABLE_HANDLE_RECONNECT: "DHnC",
  ALLOCATION_SIZE: "AlSi",
  QUERY_MAXIMAL_ACCESS: "MxAc",
  TIMEWARP_TOKEN: "TWrp",
  QUERY_ON_DISK_ID: "QFid",
  REQUEST_LEASE: "RqLs",
  DURABLE_HANDLE_REQUEST_V2: "DH2Q",
  DURABLE_HANDLE_RECONNECT_V2: "DH2C"
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateContext {
  /** Binary string, one char per name byte. */
  readonly name: string
  readonly data: Uint8Array
}

const CONTEXT_HEADER_SIZE = 16

const nameBytes = (name: string): Uint8Array => {
  const out = new Uint8Array(name.length)
  for (let i = 0; i < name.length; i++) out[i] = name.charCodeAt(i) & 0xff
  return out
}

const nameString = (bytes: Uint8Array): string => {
  let s = ""
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!)
  return s
}

const contextLength = (context: CreateContext): number =>
  context.data.length === 0
    ? CONTEXT_HEADER_SIZE + context.name.length
    : align8(CONTEXT_HEADER_SIZE + context.name.length) + context.data.length

/**
 * The byte length of the encoded chain (the last context is not padded).
 *
 * @since 0.1.0
 * @category encoding
 */
export const createContextsLength = (contexts: ReadonlyArray<CreateContext>): number => {
  let total = 0
  for (let i = 0; i < contexts.length; i++) {
    const length = contextLength(contexts[i]!)
    total += i === contexts.length - 1 ? length : align8(length)
  }
  return total
}

/**
 * Writes the chain into `out` at `offset` (which must be 8-byte aligned within the message).
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeCreateContexts = (contexts: ReadonlyArray<CreateContext>, out: Uint8Array, offset: number): void => {
  const v = viewOf(out)
  let at = offset
  for (let i = 0; i < contexts.length; i++) {
    const context = contexts[i]!
    const length = contextLength(context)
    const next = i === contexts.length - 1 ? 0 : align8(length)
    const dataOffset = context.data.length === 0 ? 0 : align8(CONTEXT_HEADER_SIZE + context.name.length)
    v.setUint32(at, next, true)
    v.setUint16(at + 4, CONTEXT_HEADER_SIZE, true)
    v.setUint16(at + 6, context.name.length, true)
    v.setUint16(at + 10, dataOffset, true)
    v.setUint32(at + 12, context.data.length, true)
    out.set(nameBytes(context.name), at + CONTEXT_HEADER_SIZE)
    if (dataOffset !== 0) out.set(context.data, at + dataOffset)
    at += next
  }
}

/**
 * Encodes a chain of create contexts on its own.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeCreateContexts = (contexts: ReadonlyArray<CreateContext>): Uint8Array => {
  const out = new Uint8Array(createContextsLength(contexts))
  writeCreateContexts(contexts, out, 0)
  return out
}

/**
 * Reads the chain at `offset` / `length` of `r` (throws DecodeError inside a `decode` body).
 * Every context, name and data must lie inside the chain; `Next` only moves forward.
 *
 * @since 0.1.0
 * @category decoding
 */
export const readCreateContexts = (r: Reader, offset: number, length: number): ReadonlyArray<CreateContext> => {
  const contexts: Array<CreateContext> = []
  if (length === 0) return contexts
  r.need(offset, length, "CreateContexts")
  const end = offset + length
  let at = offset
  for (let index = 0; ; index++) {
    const field = `CreateContexts[${index}]`
    if (at + CONTEXT_HEADER_SIZE > end) r.fail(`${field}.Next`, "OutOfBounds", `context header past the chain end ${end}`, at)
    const next = r.u32(at, `${field}.Next`)
    const limit = next === 0 ? end : at + next
    if (limit > end) r.fail(`${field}.Next`, "OutOfBounds", `next ${next} past the chain end ${end}`, at)
    const nameOffset = r.u16(at + 4, `${field}.NameOffset`)
    const nameLength = r.u16(at + 6, `${field}.NameLength`)
    const dataOffset = r.u16(at + 10, `${field}.DataOffset`)
    const dataLength = r.u32(at + 12, `${field}.DataLength`)
    if (nameLength > 0 && at + nameOffset + nameLength > limit) {
      r.fail(`${field}.NameOffset`, "OutOfBounds", `name ${nameOffset}+${nameLength} past the context end`, at)
    }
    if (dataLength > 0 && at + dataOffset + dataLength > limit) {
      r.fail(`${field}.DataOffset`, "OutOfBounds", `data ${dataOffset}+${dataLength} past the context end`, at)
    }
    contexts.push({
      name: nameString(r.buffer(at + nameOffset, nameLength, `${field}.Name`)),
      data: r.buffer(at + dataOffset, dataLength, `${field}.Data`)
    })
    if (next === 0) return contexts
    at += next
  }
}

/**
 * Decodes a chain of create contexts on its own (offsets relative to the chain start).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeCreateContexts = (bytes: Uint8Array): Either.Either<ReadonlyArray<CreateContext>, DecodeError> =>
  decode("CreateContexts", () => readCreateContexts(new Reader(bytes, "CreateContexts"), 0, bytes.length))

/**
 * The data of the first context named `name`, if any.
 *
 * @since 0.1.0
 */
export const findCreateContext = (contexts: ReadonlyArray<CreateContext>, name: string): Uint8Array | undefined =>
  contexts.find((context) => context.name === name)?.data

// ---------------------------------------------------------------------------------------------
// Leases (2.2.13.2.8, 2.2.13.2.10, 2.2.14.2.10, 2.2.14.2.11)
// ---------------------------------------------------------------------------------------------

/** SMB2_LEASE_* state bits. @since 0.1.0 @category constants */
export const LeaseState = {
  NONE: 0x00,
  READ_CACHING: 0x01,
  HANDLE_CACHING: 0x02,
  WRITE_CACHING: 0x04
} as const

/** Lease context flags. @since 0.1.0 @category constants */
export const LeaseFlags = {
  BREAK_IN_PROGRESS: 0x02,
  PARENT_LEASE_KEY_SET: 0x04
} as const

/**
 * SMB2_CREATE_REQUEST_LEASE / RESPONSE_LEASE (32 bytes, SMB 2.1).
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseV1 {
  readonly _tag: "LeaseV1"
  /** 16 bytes. */
  readonly leaseKey: Uint8Array
  readonly leaseState: number
  readonly leaseFlags: number
  readonly leaseDuration: bigint
}

/**
 * SMB2_CREATE_REQUEST_LEASE_V2 / RESPONSE_LEASE_V2 (52 bytes, SMB 3.x).
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseV2 {
  readonly _tag: "LeaseV2"
  /** 16 bytes. */
  readonly leaseKey: Uint8Array
  readonly leaseState: number
  readonly leaseFlags: number
  readonly leaseDuration: bigint
  /** 16 bytes. */
  readonly parentLeaseKey: Uint8Array
  readonly epoch: number
}

/**
 * The data of an "RqLs" context.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeLease = (lease: LeaseV1 | LeaseV2): Uint8Array => {
  const out = new Uint8Array(lease._tag === "LeaseV1" ? 32 : 52)
  const v = viewOf(out)
  out.set(lease.leaseKey.subarray(0, 16), 0)
  v.setUint32(16, lease.leaseState, true)
  v.setUint32(20, lease.leaseFlags, true)
  v.setBigUint64(24, lease.leaseDuration, true)
  if (lease._tag === "LeaseV2") {
    out.set(lease.parentLeaseKey.subarray(0, 16), 32)
    v.setUint16(48, lease.epoch, true)
  }
  return out
}

/**
 * Decodes an "RqLs" context's data; the length (32 or at least 52 bytes) tells the version.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeLease = (data: Uint8Array): Either.Either<LeaseV1 | LeaseV2, DecodeError> =>
  decode("Lease", () => {
    const r = new Reader(data, "Lease")
    r.need(0, 32, "LeaseDuration")
    const leaseKey = r.bytesAt(0, 16, "LeaseKey")
    const leaseState = r.u32(16, "LeaseState")
    const leaseFlags = r.u32(20, "LeaseFlags")
    const leaseDuration = r.u64(24, "LeaseDuration")
    if (data.length < 52) return { _tag: "LeaseV1", leaseKey, leaseState, leaseFlags, leaseDuration }
    return {
      _tag: "LeaseV2",
      leaseKey,
      leaseState,
      leaseFlags,
      leaseDuration,
      parentLeaseKey: r.bytesAt(32, 16, "ParentLeaseKey"),
      epoch: r.u16(48, "Epoch")
    }
  })

// ---------------------------------------------------------------------------------------------
// Durable handles v1 (2.2.13.2.3, 2.2.13.2.4, 2.2.14.2.3), for 2.x dialects
// ---------------------------------------------------------------------------------------------

/** The data of a "DHnQ" request context: 16 reserved bytes, zero. @since 0.1.0 @category encoding */
export const encodeDurableHandleRequest = (): Uint8Array => new Uint8Array(16)

/**
 * The data of a "DHnC" request context: the FileId of the open being reclaimed (16 bytes).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeDurableHandleReconnect = (fileId: Uint8Array): Uint8Array => {
  const out = new Uint8Array(16)
  out.set(fileId.subarray(0, 16), 0)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeDurableHandleReconnect = (data: Uint8Array): Either.Either<{ readonly fileId: Uint8Array }, DecodeError> =>
  decode("DurableHandleReconnect", () => ({ fileId: new Reader(data, "DurableHandleReconnect").bytesAt(0, 16, "FileId") }))

// ---------------------------------------------------------------------------------------------
// Durable handles v2 (2.2.13.2.11, 2.2.13.2.12, 2.2.14.2.12)
// ---------------------------------------------------------------------------------------------

/** SMB2_DHANDLE_FLAG_*. @since 0.1.0 @category constants */
export const DurableHandleFlags = {
  PERSISTENT: 0x00000002
} as const

/**
 * The data of a "DH2Q" request context.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurableHandleRequestV2 {
  /** Milliseconds; 0 lets the server choose. */
  readonly timeout: number
  readonly flags: number
  /** 16 bytes. */
  readonly createGuid: Uint8Array
}

/** @since 0.1.0 @category encoding */
export const encodeDurableHandleRequestV2 = (request: DurableHandleRequestV2): Uint8Array => {
  const out = new Uint8Array(32)
  const v = viewOf(out)
  v.setUint32(0, request.timeout, true)
  v.setUint32(4, request.flags, true)
  out.set(request.createGuid.subarray(0, 16), 16)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeDurableHandleRequestV2 = (data: Uint8Array): Either.Either<DurableHandleRequestV2, DecodeError> =>
  decode("DurableHandleRequestV2", () => {
    const r = new Reader(data, "DurableHandleRequestV2")
    return {
      timeout: r.u32(0, "Timeout"),
      flags: r.u32(4, "Flags"),
      createGuid: r.bytesAt(16, 16, "CreateGuid")
    }
  })

/**
 * The data of a "DH2Q" response context.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurableHandleResponseV2 {
  readonly timeout: number
  readonly flags: number
}

/** @since 0.1.0 @category encoding */
export const encodeDurableHandleResponseV2 = (response: DurableHandleResponseV2): Uint8Array => {
  const out = new Uint8Array(8)
  const v = viewOf(out)
  v.setUint32(0, response.timeout, true)
  v.setUint32(4, response.flags, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeDurableHandleResponseV2 = (data: Uint8Array): Either.Either<DurableHandleResponseV2, DecodeError> =>
  decode("DurableHandleResponseV2", () => {
    const r = new Reader(data, "DurableHandleResponseV2")
    return { timeout: r.u32(0, "Timeout"), flags: r.u32(4, "Flags") }
  })

/**
 * The data of a "DH2C" request context.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurableHandleReconnectV2 {
  /** 16 bytes: the FileId of the open being reclaimed. */
  readonly fileId: Uint8Array
  /** 16 bytes. */
  readonly createGuid: Uint8Array
  readonly flags: number
}

/** @since 0.1.0 @category encoding */
export const encodeDurableHandleReconnectV2 = (reconnect: DurableHandleReconnectV2): Uint8Array => {
  const out = new Uint8Array(36)
  out.set(reconnect.fileId.subarray(0, 16), 0)
  out.set(reconnect.createGuid.subarray(0, 16), 16)
  viewOf(out).setUint32(32, reconnect.flags, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeDurableHandleReconnectV2 = (data: Uint8Array): Either.Either<DurableHandleReconnectV2, DecodeError> =>
  decode("DurableHandleReconnectV2", () => {
    const r = new Reader(data, "DurableHandleReconnectV2")
    return {
      fileId: r.bytesAt(0, 16, "FileId"),
      createGuid: r.bytesAt(16, 16, "CreateGuid"),
      flags: r.u32(32, "Flags")
    }
  })

// ---------------------------------------------------------------------------------------------
// Maximal access (2.2.14.2.5) and on-disk id (2.2.14.2.9) responses
// ---------------------------------------------------------------------------------------------

/**
 * The data of an "MxAc" response context.
 *
 * @since 0.1.0
 * @category models
 */
export interface MaximalAccessResponse {
  /** NTSTATUS of the maximal-access query. */
  readonly queryStatus: number
  readonly maximalAccess: number
}

/** @since 0.1.0 @category encoding */
export const encodeMaximalAccessResponse = (response: MaximalAccessResponse): Uint8Array => {
  const out = new Uint8Array(8)
  const v = viewOf(out)
  v.setUint32(0, response.queryStatus, true)
  v.setUint32(4, response.maximalAccess, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeMaximalAccessResponse = (data: Uint8Array): Either.Either<MaximalAccessResponse, DecodeError> =>
  decode("MaximalAccessResponse", () => {
    const r = new Reader(data, "MaximalAccessResponse")
    return { queryStatus: r.u32(0, "QueryStatus"), maximalAccess: r.u32(4, "MaximalAccess") }
  })

/**
 * The data of a "QFid" response context.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryOnDiskIdResponse {
  readonly diskFileId: bigint
  readonly volumeId: bigint
}

/** @since 0.1.0 @category encoding */
export const encodeQueryOnDiskIdResponse = (response: QueryOnDiskIdResponse): Uint8Array => {
  const out = new Uint8Array(32)
  const v = viewOf(out)
  v.setBigUint64(0, response.diskFileId, true)
  v.setBigUint64(8, response.volumeId, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeQueryOnDiskIdResponse = (data: Uint8Array): Either.Either<QueryOnDiskIdResponse, DecodeError> =>
  decode("QueryOnDiskIdResponse", () => {
    const r = new Reader(data, "QueryOnDiskIdResponse")
    return { diskFileId: r.u64(0, "DiskFileId"), volumeId: r.u64(8, "VolumeId") }
  })
