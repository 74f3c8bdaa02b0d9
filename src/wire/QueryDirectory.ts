/**
 * SMB2 QUERY_DIRECTORY request and response (MS-SMB2 2.2.33, 2.2.34), and the directory
 * information classes a listing comes back in (MS-FSCC 2.4): Directory, FullDirectory,
 * BothDirectory, Names, IdBothDirectory and IdFullDirectory.
 *
 * A listing is a chain of entries linked by NextEntryOffset (0 on the last); each entry starts on
 * an 8-byte boundary. The decoders bound every entry by the next one and by the buffer, so a
 * lying FileNameLength or NextEntryOffset is a DecodeError, never an over-read.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decodeOutputBufferResponse, encodeOutputBufferResponse } from "./internal/outputBuffer.js"
import { align8, decode, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const QueryDirectoryFlags = {
  RESTART_SCANS: 0x01,
  RETURN_SINGLE_ENTRY: 0x02,
  INDEX_SPECIFIED: 0x04,
  REOPEN: 0x10
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface QueryDirectoryRequest {
  /** One of the directory classes of FileInformationClass. */
  readonly fileInformationClass: number
  readonly flags: number
  /** Where to resume, with INDEX_SPECIFIED. */
  readonly fileIndex: number
  /** 16 bytes: an open of the directory. */
  readonly fileId: Uint8Array
  /** Search pattern, e.g. "*". */
  readonly fileName: string
  readonly outputBufferLength: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface QueryDirectoryResponse {
  /** The entries in the requested class; a view into the message. */
  readonly output: Uint8Array
}

const REQUEST_FIXED = 32

/** @since 0.1.0 @category encoding */
export const encodeQueryDirectoryRequest = (req: QueryDirectoryRequest): Uint8Array => {
  const name = encodeUtf16(req.fileName)
  const out = new Uint8Array(REQUEST_FIXED + Math.max(name.length, 1))
  const v = viewOf(out)
  v.setUint16(0, 33, true)
  v.setUint8(2, req.fileInformationClass)
  v.setUint8(3, req.flags)
  v.setUint32(4, req.fileIndex, true)
  out.set(req.fileId.subarray(0, 16), 8)
  v.setUint16(24, HEADER_SIZE + REQUEST_FIXED, true)
  v.setUint16(26, name.length, true)
  v.setUint32(28, req.outputBufferLength, true)
  out.set(name, REQUEST_FIXED)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeQueryDirectoryRequest = (message: Uint8Array): Either.Either<QueryDirectoryRequest, DecodeError> =>
  decode("QueryDirectoryRequest", () => {
    const r = new Reader(message, "QueryDirectoryRequest")
    r.expectU16(HEADER_SIZE, "StructureSize", 33)
    r.need(HEADER_SIZE, REQUEST_FIXED, "Body")
    const nameOffset = r.u16(HEADER_SIZE + 24, "FileNameOffset")
    const nameLength = r.u16(HEADER_SIZE + 26, "FileNameLength")
    return {
      fileInformationClass: r.u8(HEADER_SIZE + 2, "FileInformationClass"),
      flags: r.u8(HEADER_SIZE + 3, "Flags"),
      fileIndex: r.u32(HEADER_SIZE + 4, "FileIndex"),
      fileId: r.bytesAt(HEADER_SIZE + 8, 16, "FileId"),
      fileName: nameLength === 0 ? "" : r.utf16At(nameOffset, nameLength, "FileName"),
      outputBufferLength: r.u32(HEADER_SIZE + 28, "OutputBufferLength")
    }
  })

/** @since 0.1.0 @category encoding */
export const encodeQueryDirectoryResponse = (res: QueryDirectoryResponse): Uint8Array =>
  encodeOutputBufferResponse(res.output)

/** @since 0.1.0 @category decoding */
export const decodeQueryDirectoryResponse = (
  message: Uint8Array
): Either.Either<QueryDirectoryResponse, DecodeError> =>
  decodeOutputBufferResponse("QueryDirectoryResponse", message)

// ---------------------------------------------------------------------------------------------
// Directory information classes
// ---------------------------------------------------------------------------------------------

/**
 * FileDirectoryInformation (class 1).
 *
 * @since 0.1.0
 * @category models
 */
export interface FileDirectoryInformation {
  readonly fileIndex: number
  readonly creationTime: bigint
  readonly lastAccessTime: bigint
  readonly lastWriteTime: bigint
  readonly changeTime: bigint
  readonly endOfFile: bigint
  readonly allocationSize: bigint
  readonly fileAttributes: number
  readonly fileName: string
}

/**
 * FileFullDirectoryInformation (class 2).
 *
 * @since 0.1.0
 * @category models
 */
export interface FileFullDirectoryInformation extends FileDirectoryInformation {
  /** The reparse tag instead when the REPARSE_POINT attribute is set. */
  readonly eaSize: number
}

/**
 * FileBothDirectoryInformation (class 3).
 *
 * @since 0.1.0
 * @category models
 */
export interface FileBothDirectoryInformation extends FileFullDirectoryInformation {
  /** The 8.3 name, at most 12 UTF-16 code units; longer ones are cut when encoding. */
  readonly shortName: string
}

/**
 * FileIdBothDirectoryInformation (class 37).
 *
 * @since 0.1.0
 * @category models
 */
export interface FileIdBothDirectoryInformation extends FileBothDirectoryInformation {
  readonly fileId: bigint
}

/**
 * FileIdFullDirectoryInformation (class 38).
 *
 * @since 0.1.0
 * @category models
 */
export interface FileIdFullDirectoryInformation extends FileFullDirectoryInformation {
  readonly fileId: bigint
}

/**
 * FileNamesInformation (class 12).
 *
 * @since 0.1.0
 * @category models
 */
export interface FileNamesInformation {
  readonly fileIndex: number
  readonly fileName: string
}

/** How one class lays out an entry: its fixed size, where the name's length sits, the fields. */
interface EntryLayout<A extends { readonly fileName: string }> {
  readonly structure: string
  readonly fixed: number
  readonly nameLengthAt: number
  readonly write: (v: DataView, out: Uint8Array, at: number, entry: A) => void
  /** The entry at `at`, whose bounds and name are checked already. */
  readonly read: (r: Reader, at: number, fileName: string) => A
}

const encodeEntries = <A extends { readonly fileName: string }>(
  layout: EntryLayout<A>,
  entries: ReadonlyArray<A>
): Uint8Array => {
  const names = entries.map((entry) => encodeUtf16(entry.fileName))
  let total = 0
  for (let i = 0; i < names.length; i++) {
    const length = layout.fixed + names[i]!.length
    total += i === names.length - 1 ? length : align8(length)
  }
  const out = new Uint8Array(total)
  const v = viewOf(out)
  let at = 0
  for (let i = 0; i < entries.length; i++) {
    const name = names[i]!
    const next = i === entries.length - 1 ? 0 : align8(layout.fixed + name.length)
    v.setUint32(at, next, true)
    layout.write(v, out, at, entries[i]!)
    v.setUint32(at + layout.nameLengthAt, name.length, true)
    out.set(name, at + layout.fixed)
    at += next
  }
  return out
}

/** `error` with its field inside entry `index`: "Entries[3].FileNameLength", "Entries[3]". */
const inEntry = (error: unknown, index: number): unknown =>
  error instanceof DecodeError
    ? new DecodeError({
      reason: error.reason,
      structure: error.structure,
      field: error.field === "" ? `Entries[${index}]` : `Entries[${index}].${error.field}`,
      ...(error.offset === undefined ? {} : { offset: error.offset }),
      ...(error.detail === undefined ? {} : { detail: error.detail })
    })
    : error

// A listing decodes thousands of entries per response: field names are constant strings (the
// entry's index is added only when a check fails), and each entry is one object literal. Building
// the names per entry and spreading partial objects cost about half the decode time.
const decodeEntries = <A extends { readonly fileName: string }>(
  layout: EntryLayout<A>,
  buffer: Uint8Array
): Either.Either<ReadonlyArray<A>, DecodeError> =>
  decode(layout.structure, () => {
    const r = new Reader(buffer, layout.structure)
    const entries: Array<A> = []
    if (buffer.length === 0) return entries
    let at = 0
    for (let index = 0; ; index++) {
      let next: number
      try {
        r.need(at, layout.fixed, "")
        next = r.u32(at, "NextEntryOffset")
        const limit = next === 0 ? buffer.length : at + next
        if (limit > buffer.length) {
          r.fail("NextEntryOffset", "OutOfBounds", `next ${next} past the buffer end ${buffer.length}`, at)
        }
        const nameLength = r.u32(at + layout.nameLengthAt, "FileNameLength")
        if (at + layout.fixed + nameLength > limit) {
          r.fail("FileNameLength", "OutOfBounds", `name of ${nameLength} bytes past the entry end`, at)
        }
        const fileName = nameLength === 0 ? "" : r.utf16At(at + layout.fixed, nameLength, "FileName")
        entries.push(layout.read(r, at, fileName))
      } catch (error) {
        throw inEntry(error, index)
      }
      if (next === 0) return entries
      at += next
    }
  })

const writeDirectory = (v: DataView, at: number, e: FileDirectoryInformation): void => {
  v.setUint32(at + 4, e.fileIndex, true)
  v.setBigUint64(at + 8, e.creationTime, true)
  v.setBigUint64(at + 16, e.lastAccessTime, true)
  v.setBigUint64(at + 24, e.lastWriteTime, true)
  v.setBigUint64(at + 32, e.changeTime, true)
  v.setBigUint64(at + 40, e.endOfFile, true)
  v.setBigUint64(at + 48, e.allocationSize, true)
  v.setUint32(at + 56, e.fileAttributes, true)
}

// Inside an entry whose fixed part was checked: the reads cannot fail.
const u32 = (r: Reader, at: number): number => r.view.getUint32(at, true)
const u64 = (r: Reader, at: number): bigint => r.view.getBigUint64(at, true)

const SHORT_NAME_BYTES = 24

const writeShortName = (v: DataView, out: Uint8Array, at: number, shortName: string): void => {
  const bytes = encodeUtf16(shortName).subarray(0, SHORT_NAME_BYTES)
  v.setUint8(at + 68, bytes.length)
  out.set(bytes, at + 70)
}

const readShortName = (r: Reader, at: number): string => {
  const length = r.u8(at + 68, "ShortNameLength")
  if (length > SHORT_NAME_BYTES) r.fail("ShortNameLength", "Invalid", `${length} > ${SHORT_NAME_BYTES}`, at)
  return length === 0 ? "" : r.utf16At(at + 70, length, "ShortName")
}

const directoryLayout: EntryLayout<FileDirectoryInformation> = {
  structure: "FileDirectoryInformation",
  fixed: 64,
  nameLengthAt: 60,
  write: (v, _out, at, e) => writeDirectory(v, at, e),
  read: (r, at, fileName) => ({
    fileIndex: u32(r, at + 4),
    creationTime: u64(r, at + 8),
    lastAccessTime: u64(r, at + 16),
    lastWriteTime: u64(r, at + 24),
    changeTime: u64(r, at + 32),
    endOfFile: u64(r, at + 40),
    allocationSize: u64(r, at + 48),
    fileAttributes: u32(r, at + 56),
    fileName
  })
}

const fullDirectoryLayout: EntryLayout<FileFullDirectoryInformation> = {
  structure: "FileFullDirectoryInformation",
  fixed: 68,
  nameLengthAt: 60,
  write: (v, _out, at, e) => {
    writeDirectory(v, at, e)
    v.setUint32(at + 64, e.eaSize, true)
  },
  read: (r, at, fileName) => ({
    fileIndex: u32(r, at + 4),
    creationTime: u64(r, at + 8),
    lastAccessTime: u64(r, at + 16),
    lastWriteTime: u64(r, at + 24),
    changeTime: u64(r, at + 32),
    endOfFile: u64(r, at + 40),
    allocationSize: u64(r, at + 48),
    fileAttributes: u32(r, at + 56),
    eaSize: u32(r, at + 64),
    fileName
  })
}

const bothDirectoryLayout: EntryLayout<FileBothDirectoryInformation> = {
  structure: "FileBothDirectoryInformation",
  fixed: 94,
  nameLengthAt: 60,
  write: (v, out, at, e) => {
    writeDirectory(v, at, e)
    v.setUint32(at + 64, e.eaSize, true)
    writeShortName(v, out, at, e.shortName)
  },
  read: (r, at, fileName) => ({
    fileIndex: u32(r, at + 4),
    creationTime: u64(r, at + 8),
    lastAccessTime: u64(r, at + 16),
    lastWriteTime: u64(r, at + 24),
    changeTime: u64(r, at + 32),
    endOfFile: u64(r, at + 40),
    allocationSize: u64(r, at + 48),
    fileAttributes: u32(r, at + 56),
    eaSize: u32(r, at + 64),
    shortName: readShortName(r, at),
    fileName
  })
}

const idBothDirectoryLayout: EntryLayout<FileIdBothDirectoryInformation> = {
  structure: "FileIdBothDirectoryInformation",
  fixed: 104,
  nameLengthAt: 60,
  write: (v, out, at, e) => {
    writeDirectory(v, at, e)
    v.setUint32(at + 64, e.eaSize, true)
    writeShortName(v, out, at, e.shortName)
    v.setBigUint64(at + 96, e.fileId, true)
  },
  read: (r, at, fileName) => ({
    fileIndex: u32(r, at + 4),
    creationTime: u64(r, at + 8),
    lastAccessTime: u64(r, at + 16),
    lastWriteTime: u64(r, at + 24),
    changeTime: u64(r, at + 32),
    endOfFile: u64(r, at + 40),
    allocationSize: u64(r, at + 48),
    fileAttributes: u32(r, at + 56),
    eaSize: u32(r, at + 64),
    shortName: readShortName(r, at),
    fileId: u64(r, at + 96),
    fileName
  })
}

const idFullDirectoryLayout: EntryLayout<FileIdFullDirectoryInformation> = {
  structure: "FileIdFullDirectoryInformation",
  fixed: 80,
  nameLengthAt: 60,
  write: (v, _out, at, e) => {
    writeDirectory(v, at, e)
    v.setUint32(at + 64, e.eaSize, true)
    v.setBigUint64(at + 72, e.fileId, true)
  },
  read: (r, at, fileName) => ({
    fileIndex: u32(r, at + 4),
    creationTime: u64(r, at + 8),
    lastAccessTime: u64(r, at + 16),
    lastWriteTime: u64(r, at + 24),
    changeTime: u64(r, at + 32),
    endOfFile: u64(r, at + 40),
    allocationSize: u64(r, at + 48),
    fileAttributes: u32(r, at + 56),
    eaSize: u32(r, at + 64),
    fileId: u64(r, at + 72),
    fileName
  })
}

const namesLayout: EntryLayout<FileNamesInformation> = {
  structure: "FileNamesInformation",
  fixed: 12,
  nameLengthAt: 8,
  write: (v, _out, at, e) => v.setUint32(at + 4, e.fileIndex, true),
  read: (r, at, fileName) => ({ fileIndex: u32(r, at + 4), fileName })
}

/** @since 0.1.0 @category encoding */
export const encodeFileDirectoryInformation = (entries: ReadonlyArray<FileDirectoryInformation>): Uint8Array =>
  encodeEntries(directoryLayout, entries)

/** @since 0.1.0 @category decoding */
export const decodeFileDirectoryInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileDirectoryInformation>, DecodeError> => decodeEntries(directoryLayout, buffer)

/** @since 0.1.0 @category encoding */
export const encodeFileFullDirectoryInformation = (
  entries: ReadonlyArray<FileFullDirectoryInformation>
): Uint8Array => encodeEntries(fullDirectoryLayout, entries)

/** @since 0.1.0 @category decoding */
export const decodeFileFullDirectoryInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileFullDirectoryInformation>, DecodeError> =>
  decodeEntries(fullDirectoryLayout, buffer)

/** @since 0.1.0 @category encoding */
export const encodeFileBothDirectoryInformation = (
  entries: ReadonlyArray<FileBothDirectoryInformation>
): Uint8Array => encodeEntries(bothDirectoryLayout, entries)

/** @since 0.1.0 @category decoding */
export const decodeFileBothDirectoryInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileBothDirectoryInformation>, DecodeError> =>
  decodeEntries(bothDirectoryLayout, buffer)

/** @since 0.1.0 @category encoding */
export const encodeFileIdBothDirectoryInformation = (
  entries: ReadonlyArray<FileIdBothDirectoryInformation>
): Uint8Array => encodeEntries(idBothDirectoryLayout, entries)

/** @since 0.1.0 @category decoding */
export const decodeFileIdBothDirectoryInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileIdBothDirectoryInformation>, DecodeError> =>
  decodeEntries(idBothDirectoryLayout, buffer)

/** @since 0.1.0 @category encoding */
export const encodeFileIdFullDirectoryInformation = (
  entries: ReadonlyArray<FileIdFullDirectoryInformation>
): Uint8Array => encodeEntries(idFullDirectoryLayout, entries)

/** @since 0.1.0 @category decoding */
export const decodeFileIdFullDirectoryInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileIdFullDirectoryInformation>, DecodeError> =>
  decodeEntries(idFullDirectoryLayout, buffer)

/** @since 0.1.0 @category encoding */
export const encodeFileNamesInformation = (entries: ReadonlyArray<FileNamesInformation>): Uint8Array =>
  encodeEntries(namesLayout, entries)

/** @since 0.1.0 @category decoding */
export const decodeFileNamesInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileNamesInformation>, DecodeError> => decodeEntries(namesLayout, buffer)
