/**
 * SMB2 CREATE request and response (MS-SMB2 2.2.13, 2.2.14), with the constants a caller needs to
 * fill them: access masks, share access, dispositions, create options, file attributes, oplock
 * levels and create actions.
 *
 * Layout: the request's name sits right after the fixed part (offset 120 from the header start);
 * create contexts follow at the next 8-byte boundary. The response's contexts start at 152.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import type { CreateContext } from "./CreateContext.js"
import { createContextsLength, readCreateContexts, writeCreateContexts } from "./CreateContext.js"
import type { FileNetworkOpenInformation } from "./FileInformation.js"
import { HEADER_SIZE } from "./Header.js"
import { readNetworkOpen, writeNetworkOpen } from "./internal/networkOpen.js"
import { align8, decode, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** Access mask bits (MS-SMB2 2.2.13.1). @since 0.1.0 @category constants */
export const AccessMask = {
  FILE_READ_DATA: 0x00000001,
  FILE_LIST_DIRECTORY: 0x00000001,
  FILE_WRITE_DATA: 0x00000002,
  FILE_ADD_FILE: 0x00000002,
  FILE_APPEND_DATA: 0x00000004,
  FILE_ADD_SUBDIRECTORY: 0x00000004,
  FILE_READ_EA: 0x00000008,
  FILE_WRITE_EA: 0x00000010,
  FILE_EXECUTE: 0x00000020,
  FILE_TRAVERSE: 0x00000020,
  FILE_DELETE_CHILD: 0x00000040,
  FILE_READ_ATTRIBUTES: 0x00000080,
  FILE_WRITE_ATTRIBUTES: 0x00000100,
  DELETE: 0x00010000,
  READ_CONTROL: 0x00020000,
  WRITE_DAC: 0x00040000,
  WRITE_OWNER: 0x00080000,
  SYNCHRONIZE: 0x00100000,
  ACCESS_SYSTEM_SECURITY: 0x01000000,
  MAXIMUM_ALLOWED: 0x02000000,
  GENERIC_ALL: 0x10000000,
  GENERIC_EXECUTE: 0x20000000,
  GENERIC_WRITE: 0x40000000,
  GENERIC_READ: 0x80000000
} as const

/** @since 0.1.0 @category constants */
export const ShareAccess = {
  NONE: 0x00000000,
  READ: 0x00000001,
  WRITE: 0x00000002,
  DELETE: 0x00000004,
  ALL: 0x00000007
} as const

/** @since 0.1.0 @category constants */
export const CreateDisposition = {
  SUPERSEDE: 0,
  OPEN: 1,
  CREATE: 2,
  OPEN_IF: 3,
  OVERWRITE: 4,
  OVERWRITE_IF: 5
} as const

/** @since 0.1.0 @category constants */
export const CreateOptions = {
  DIRECTORY_FILE: 0x00000001,
  WRITE_THROUGH: 0x00000002,
  SEQUENTIAL_ONLY: 0x00000004,
  NO_INTERMEDIATE_BUFFERING: 0x00000008,
  SYNCHRONOUS_IO_ALERT: 0x00000010,
  SYNCHRONOUS_IO_NONALERT: 0x00000020,
  NON_DIRECTORY_FILE: 0x00000040,
  COMPLETE_IF_OPLOCKED: 0x00000100,
  NO_EA_KNOWLEDGE: 0x00000200,
  OPEN_REMOTE_INSTANCE: 0x00000400,
  RANDOM_ACCESS: 0x00000800,
  DELETE_ON_CLOSE: 0x00001000,
  OPEN_BY_FILE_ID: 0x00002000,
  OPEN_FOR_BACKUP_INTENT: 0x00004000,
  NO_COMPRESSION: 0x00008000,
  OPEN_REQUIRING_OPLOCK: 0x00010000,
  DISALLOW_EXCLUSIVE: 0x00020000,
  RESERVE_OPFILTER: 0x00100000,
  OPEN_REPARSE_POINT: 0x00200000,
  OPEN_NO_RECALL: 0x00400000,
  OPEN_FOR_FREE_SPACE_QUERY: 0x00800000
} as const

/** File attributes (MS-FSCC 2.6). @since 0.1.0 @category constants */
export const FileAttributes = {
  READONLY: 0x00000001,
  HIDDEN: 0x00000002,
  SYSTEM: 0x00000004,
  DIRECTORY: 0x00000010,
  ARCHIVE: 0x00000020,
  NORMAL: 0x00000080,
  TEMPORARY: 0x00000100,
  SPARSE_FILE: 0x00000200,
  REPARSE_POINT: 0x00000400,
  COMPRESSED: 0x00000800,
  OFFLINE: 0x00001000,
  NOT_CONTENT_INDEXED: 0x00002000,
  ENCRYPTED: 0x00004000,
  INTEGRITY_STREAM: 0x00008000,
  NO_SCRUB_DATA: 0x00020000,
  RECALL_ON_OPEN: 0x00040000,
  PINNED: 0x00080000,
  UNPINNED: 0x00100000,
  RECALL_ON_DATA_ACCESS: 0x00400000
} as const

/** @since 0.1.0 @category constants */
export const OplockLevel = {
  NONE: 0x00,
  II: 0x01,
  EXCLUSIVE: 0x08,
  BATCH: 0x09,
  LEASE: 0xff
} as const

/** @since 0.1.0 @category constants */
export const ImpersonationLevel = {
  ANONYMOUS: 0,
  IDENTIFICATION: 1,
  IMPERSONATION: 2,
  DELEGATE: 3
} as const

/** @since 0.1.0 @category constants */
export const CreateAction = {
  SUPERSEDED: 0,
  OPENED: 1,
  CREATED: 2,
  OVERWRITTEN: 3
} as const

/** CREATE response flags (3.x). @since 0.1.0 @category constants */
export const CreateResponseFlags = {
  REPARSEPOINT: 0x01
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateRequest {
  readonly requestedOplockLevel: number
  readonly impersonationLevel: number
  readonly desiredAccess: number
  readonly fileAttributes: number
  readonly shareAccess: number
  readonly createDisposition: number
  readonly createOptions: number
  /** Relative to the share root, backslash-separated, no leading backslash; "" is the root. */
  readonly name: string
  readonly contexts: ReadonlyArray<CreateContext>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateResponse extends FileNetworkOpenInformation {
  readonly oplockLevel: number
  readonly flags: number
  readonly createAction: number
  /** 16 bytes: persistent then volatile. */
  readonly fileId: Uint8Array
  readonly contexts: ReadonlyArray<CreateContext>
}

const REQUEST_FIXED = 56
const RESPONSE_FIXED = 88

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeCreateRequest = (req: CreateRequest): Uint8Array => {
  const name = encodeUtf16(req.name)
  const nameOffset = HEADER_SIZE + REQUEST_FIXED
  const contextsLength = createContextsLength(req.contexts)
  const contextsOffset = contextsLength === 0 ? 0 : align8(nameOffset + name.length)
  const end = contextsLength === 0 ? nameOffset + Math.max(name.length, 1) : contextsOffset + contextsLength
  const out = new Uint8Array(end - HEADER_SIZE)
  const v = viewOf(out)
  v.setUint16(0, 57, true)
  v.setUint8(3, req.requestedOplockLevel)
  v.setUint32(4, req.impersonationLevel, true)
  v.setUint32(24, req.desiredAccess, true)
  v.setUint32(28, req.fileAttributes, true)
  v.setUint32(32, req.shareAccess, true)
  v.setUint32(36, req.createDisposition, true)
  v.setUint32(40, req.createOptions, true)
  v.setUint16(44, nameOffset, true)
  v.setUint16(46, name.length, true)
  v.setUint32(48, contextsOffset, true)
  v.setUint32(52, contextsLength, true)
  out.set(name, REQUEST_FIXED)
  if (contextsLength !== 0) writeCreateContexts(req.contexts, out, contextsOffset - HEADER_SIZE)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeCreateRequest = (message: Uint8Array): Either.Either<CreateRequest, DecodeError> =>
  decode("CreateRequest", () => {
    const r = new Reader(message, "CreateRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 57)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    const nameOffset = r.u16(HEADER_SIZE + 44, "NameOffset")
    const nameLength = r.u16(HEADER_SIZE + 46, "NameLength")
    return {
      requestedOplockLevel: r.u8(HEADER_SIZE + 3, "RequestedOplockLevel"),
      impersonationLevel: r.u32(HEADER_SIZE + 4, "ImpersonationLevel"),
      desiredAccess: r.u32(HEADER_SIZE + 24, "DesiredAccess"),
      fileAttributes: r.u32(HEADER_SIZE + 28, "FileAttributes"),
      shareAccess: r.u32(HEADER_SIZE + 32, "ShareAccess"),
      createDisposition: r.u32(HEADER_SIZE + 36, "CreateDisposition"),
      createOptions: r.u32(HEADER_SIZE + 40, "CreateOptions"),
      name: nameLength === 0 ? "" : r.utf16At(nameOffset, nameLength, "Name"),
      contexts: readCreateContexts(
        r,
        r.u32(HEADER_SIZE + 48, "CreateContextsOffset"),
        r.u32(HEADER_SIZE + 52, "CreateContextsLength")
      )
    }
  })

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeCreateResponse = (res: CreateResponse): Uint8Array => {
  const contextsLength = createContextsLength(res.contexts)
  const contextsOffset = contextsLength === 0 ? 0 : HEADER_SIZE + RESPONSE_FIXED
  const out = new Uint8Array(RESPONSE_FIXED + Math.max(contextsLength, 1))
  const v = viewOf(out)
  v.setUint16(0, 89, true)
  v.setUint8(2, res.oplockLevel)
  v.setUint8(3, res.flags)
  v.setUint32(4, res.createAction, true)
  writeNetworkOpen(v, 8, res)
  out.set(res.fileId.subarray(0, 16), 64)
  v.setUint32(80, contextsOffset, true)
  v.setUint32(84, contextsLength, true)
  if (contextsLength !== 0) writeCreateContexts(res.contexts, out, RESPONSE_FIXED)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeCreateResponse = (message: Uint8Array): Either.Either<CreateResponse, DecodeError> =>
  decode("CreateResponse", () => {
    const r = new Reader(message, "CreateResponse")
    r.expectU16(HEADER_SIZE, "StructureSize", 89)
    r.need(HEADER_SIZE, RESPONSE_FIXED, "Body")
    return {
      oplockLevel: r.u8(HEADER_SIZE + 2, "OplockLevel"),
      flags: r.u8(HEADER_SIZE + 3, "Flags"),
      createAction: r.u32(HEADER_SIZE + 4, "CreateAction"),
      ...readNetworkOpen(r, HEADER_SIZE + 8),
      fileId: r.bytesAt(HEADER_SIZE + 64, 16, "FileId"),
      contexts: readCreateContexts(
        r,
        r.u32(HEADER_SIZE + 80, "CreateContextsOffset"),
        r.u32(HEADER_SIZE + 84, "CreateContextsLength")
      )
    }
  })
