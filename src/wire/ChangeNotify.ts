/**
 * SMB2 CHANGE_NOTIFY request and response (MS-SMB2 2.2.35, 2.2.36) and the FILE_NOTIFY_INFORMATION
 * entries the response carries (MS-FSCC 2.7.1).
 *
 * A change notification usually goes async (STATUS_PENDING) and completes when something changes.
 * Its entries are chained by NextEntryOffset, each on a 4-byte boundary; the decoder bounds each
 * entry by the next one and by the buffer.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decodeOutputBufferResponse, encodeOutputBufferResponse } from "./internal/outputBuffer.js"
import { decode, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const ChangeNotifyFlags = {
  WATCH_TREE: 0x0001
} as const

/** FILE_NOTIFY_CHANGE_* bits of CompletionFilter. @since 0.1.0 @category constants */
export const CompletionFilter = {
  FILE_NAME: 0x00000001,
  DIR_NAME: 0x00000002,
  ATTRIBUTES: 0x00000004,
  SIZE: 0x00000008,
  LAST_WRITE: 0x00000010,
  LAST_ACCESS: 0x00000020,
  CREATION: 0x00000040,
  EA: 0x00000080,
  SECURITY: 0x00000100,
  STREAM_NAME: 0x00000200,
  STREAM_SIZE: 0x00000400,
  STREAM_WRITE: 0x00000800
} as const

/** FILE_ACTION_* values. @since 0.1.0 @category constants */
export const FileAction = {
  ADDED: 0x00000001,
  REMOVED: 0x00000002,
  MODIFIED: 0x00000003,
  RENAMED_OLD_NAME: 0x00000004,
  RENAMED_NEW_NAME: 0x00000005,
  ADDED_STREAM: 0x00000006,
  REMOVED_STREAM: 0x00000007,
  MODIFIED_STREAM: 0x00000008,
  REMOVED_BY_DELETE: 0x00000009,
  ID_NOT_TUNNELLED: 0x0000000a,
  TUNNELLED_ID_COLLISION: 0x0000000b
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface ChangeNotifyRequest {
  readonly flags: number
  readonly outputBufferLength: number
  /** 16 bytes: an open of the watched directory. */
  readonly fileId: Uint8Array
  readonly completionFilter: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ChangeNotifyResponse {
  /** FILE_NOTIFY_INFORMATION entries; a view into the message. */
  readonly output: Uint8Array
}

/**
 * One FILE_NOTIFY_INFORMATION entry.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileNotifyInformation {
  readonly action: number
  /** Relative to the watched directory. */
  readonly fileName: string
}

const ENTRY_FIXED = 12

const align4 = (n: number): number => (n + 3) & ~3

/** @since 0.1.0 @category encoding */
export const encodeChangeNotifyRequest = (req: ChangeNotifyRequest): Uint8Array => {
  const out = new Uint8Array(32)
  const v = viewOf(out)
  v.setUint16(0, 32, true)
  v.setUint16(2, req.flags, true)
  v.setUint32(4, req.outputBufferLength, true)
  out.set(req.fileId.subarray(0, 16), 8)
  v.setUint32(24, req.completionFilter, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeChangeNotifyRequest = (message: Uint8Array): Either.Either<ChangeNotifyRequest, DecodeError> =>
  decode("ChangeNotifyRequest", () => {
    const r = new Reader(message, "ChangeNotifyRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 32)
    r.need(HEADER_SIZE, 32, "Body")
    return {
      flags: r.u16(HEADER_SIZE + 2, "Flags"),
      outputBufferLength: r.u32(HEADER_SIZE + 4, "OutputBufferLength"),
      fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId"),
      completionFilter: r.u32(HEADER_SIZE + 24, "CompletionFilter")
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeChangeNotifyResponse = (res: ChangeNotifyResponse): Uint8Array =>
  encodeOutputBufferResponse(res.output)

/** @since 0.1.0 @category decoding */
export const decodeChangeNotifyResponse = (message: Uint8Array): Either.Either<ChangeNotifyResponse, DecodeError> =>
  decodeOutputBufferResponse("ChangeNotifyResponse", message)

/**
 * Encodes a chain of FILE_NOTIFY_INFORMATION entries (every entry but the last padded to 4).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFileNotifyInformation = (entries: ReadonlyArray<FileNotifyInformation>): Uint8Array => {
  const names = entries.map((entry) => encodeUtf16(entry.fileName))
  let total = 0
  for (let i = 0; i < names.length; i++) {
    const length = ENTRY_FIXED + names[i]!.length
    total += i === names.length - 1 ? length : align4(length)
  }
  const out = new Uint8Array(total)
  const v = viewOf(out)
  let at = 0
  for (let i = 0; i < entries.length; i++) {
    const name = names[i]!
    const next = i === entries.length - 1 ? 0 : align4(ENTRY_FIXED + name.length)
    v.setUint32(at, next, true)
    v.setUint32(at + 4, entries[i]!.action, true)
    v.setUint32(at + 8, name.length, true)
    out.set(name, at + ENTRY_FIXED)
    at += next
  }
  return out
}

/**
 * Decodes a chain of FILE_NOTIFY_INFORMATION entries; an empty buffer is an empty list (the
 * server sends that, with STATUS_NOTIFY_ENUM_DIR, when too much changed to list).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeFileNotifyInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileNotifyInformation>, DecodeError> =>
  decode("FileNotifyInformation", () => {
    const r = new Reader(buffer, "FileNotifyInformation")
    const entries: Array<FileNotifyInformation> = []
    if (buffer.length === 0) return entries
    let at = 0
    for (let index = 0; ; index++) {
      const field = `Entries[${index}]`
      r.need(at, ENTRY_FIXED, field)
      const next = r.u32(at, `${field}.NextEntryOffset`)
      const limit = next === 0 ? buffer.length : at + next
      if (limit > buffer.length) {
        r.fail(`${field}.NextEntryOffset`, "OutOfBounds", `next ${next} past the buffer end ${buffer.length}`, at)
      }
      const nameLength = r.u32(at + 8, `${field}.FileNameLength`)
      if (at + ENTRY_FIXED + nameLength > limit) {
        r.fail(`${field}.FileNameLength`, "OutOfBounds", `name of ${nameLength} bytes past the entry end`, at)
      }
      entries.push({
        action: r.u32(at + 4, `${field}.Action`),
        fileName: nameLength === 0 ? "" : r.utf16At(at + ENTRY_FIXED, nameLength, `${field}.FileName`)
      })
      if (next === 0) return entries
      at += next
    }
  })
