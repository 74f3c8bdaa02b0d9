/**
 * File and file-system information classes (MS-FSCC 2.4, 2.5): the buffers QUERY_INFO returns and
 * SET_INFO sends, for the classes a file API needs. The directory-listing classes live with
 * QUERY_DIRECTORY.
 *
 * Decoders take the information buffer alone (not a message) and accept trailing bytes, since
 * servers may pad. Times are FILETIMEs as bigints; in FileBasicInformation they are read signed,
 * because SET_INFO gives -1n and -2n a meaning there ("stop / resume updating this time").
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { readNetworkOpen, writeNetworkOpen } from "./internal/networkOpen.js"
import { align8, decode, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** InfoType of QUERY_INFO / SET_INFO (MS-SMB2 2.2.37). @since 0.1.0 @category constants */
export const InfoType = {
  FILE: 0x01,
  FILESYSTEM: 0x02,
  SECURITY: 0x03,
  QUOTA: 0x04
} as const

/** File information classes (MS-FSCC 2.4). @since 0.1.0 @category constants */
export const FileInformationClass = {
  FileDirectoryInformation: 1,
  FileFullDirectoryInformation: 2,
  FileBothDirectoryInformation: 3,
  FileBasicInformation: 4,
  FileStandardInformation: 5,
  FileInternalInformation: 6,
  FileEaInformation: 7,
  FileAccessInformation: 8,
  FileNameInformation: 9,
  FileRenameInformation: 10,
  FileLinkInformation: 11,
  FileNamesInformation: 12,
  FileDispositionInformation: 13,
  FilePositionInformation: 14,
  FileFullEaInformation: 15,
  FileModeInformation: 16,
  FileAlignmentInformation: 17,
  FileAllInformation: 18,
  FileAllocationInformation: 19,
  FileEndOfFileInformation: 20,
  FileAlternateNameInformation: 21,
  FileStreamInformation: 22,
  FilePipeInformation: 23,
  FilePipeLocalInformation: 24,
  FilePipeRemoteInformation: 25,
  FileCompressionInformation: 28,
  FileNetworkOpenInformation: 34,
  FileAttributeTagInformation: 35,
  FileIdBothDirectoryInformation: 37,
  FileIdFullDirectoryInformation: 38,
  FileValidDataLengthInformation: 39,
  FileShortNameInformation: 40,
  FileNormalizedNameInformation: 48,
  FileIdInformation: 59,
  FileIdExtdDirectoryInformation: 60,
  FileDispositionInformationEx: 64,
  FileRenameInformationEx: 65
} as const

/** File-system information classes (MS-FSCC 2.5). @since 0.1.0 @category constants */
export const FsInformationClass = {
  FileFsVolumeInformation: 1,
  FileFsLabelInformation: 2,
  FileFsSizeInformation: 3,
  FileFsDeviceInformation: 4,
  FileFsAttributeInformation: 5,
  FileFsControlInformation: 6,
  FileFsFullSizeInformation: 7,
  FileFsObjectIdInformation: 8,
  FileFsDriverPathInformation: 9,
  FileFsVolumeFlagsInformation: 10,
  FileFsSectorSizeInformation: 11
} as const

/** AdditionalInformation bits of a SECURITY query or set. @since 0.1.0 @category constants */
export const SecurityInformation = {
  OWNER: 0x00000001,
  GROUP: 0x00000002,
  DACL: 0x00000004,
  SACL: 0x00000008,
  LABEL: 0x00000010,
  ATTRIBUTE: 0x00000020,
  SCOPE: 0x00000040,
  BACKUP: 0x00010000
} as const

/** FileSystemAttributes of FileFsAttributeInformation. @since 0.1.0 @category constants */
export const FileSystemAttributes = {
  CASE_SENSITIVE_SEARCH: 0x00000001,
  CASE_PRESERVED_NAMES: 0x00000002,
  UNICODE_ON_DISK: 0x00000004,
  PERSISTENT_ACLS: 0x00000008,
  FILE_COMPRESSION: 0x00000010,
  VOLUME_QUOTAS: 0x00000020,
  SUPPORTS_SPARSE_FILES: 0x00000040,
  SUPPORTS_REPARSE_POINTS: 0x00000080,
  SUPPORTS_REMOTE_STORAGE: 0x00000100,
  VOLUME_IS_COMPRESSED: 0x00008000,
  SUPPORTS_OBJECT_IDS: 0x00010000,
  SUPPORTS_ENCRYPTION: 0x00020000,
  NAMED_STREAMS: 0x00040000,
  READ_ONLY_VOLUME: 0x00080000,
  SEQUENTIAL_WRITE_ONCE: 0x00100000,
  SUPPORTS_TRANSACTIONS: 0x00200000,
  SUPPORTS_HARD_LINKS: 0x00400000,
  SUPPORTS_EXTENDED_ATTRIBUTES: 0x00800000,
  SUPPORTS_OPEN_BY_FILE_ID: 0x01000000,
  SUPPORTS_USN_JOURNAL: 0x02000000,
  SUPPORTS_INTEGRITY_STREAMS: 0x04000000,
  SUPPORTS_BLOCK_REFCOUNTING: 0x08000000,
  SUPPORTS_SPARSE_VDL: 0x10000000
} as const

const utf16OrEmpty = (r: Reader, offset: number, length: number, field: string): string =>
  length === 0 ? "" : r.utf16At(offset, length, field)

// ---------------------------------------------------------------------------------------------
// FileBasicInformation, 40 bytes
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface FileBasicInformation {
  /** Signed: in SET_INFO 0n means "leave unchanged", -1n / -2n stop / resume automatic updates. */
  readonly creationTime: bigint
  readonly lastAccessTime: bigint
  readonly lastWriteTime: bigint
  readonly changeTime: bigint
  readonly fileAttributes: number
}

const BASIC_SIZE = 40

const writeBasic = (v: DataView, at: number, x: FileBasicInformation): void => {
  v.setBigInt64(at, x.creationTime, true)
  v.setBigInt64(at + 8, x.lastAccessTime, true)
  v.setBigInt64(at + 16, x.lastWriteTime, true)
  v.setBigInt64(at + 24, x.changeTime, true)
  v.setUint32(at + 32, x.fileAttributes, true)
}

const readBasic = (r: Reader, at: number): FileBasicInformation => ({
  creationTime: r.i64(at, "CreationTime"),
  lastAccessTime: r.i64(at + 8, "LastAccessTime"),
  lastWriteTime: r.i64(at + 16, "LastWriteTime"),
  changeTime: r.i64(at + 24, "ChangeTime"),
  fileAttributes: r.u32(at + 32, "FileAttributes")
})

/** @since 0.1.0 @category encoding */
export const encodeFileBasicInformation = (x: FileBasicInformation): Uint8Array => {
  const out = new Uint8Array(BASIC_SIZE)
  writeBasic(viewOf(out), 0, x)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileBasicInformation = (buffer: Uint8Array): Either.Either<FileBasicInformation, DecodeError> =>
  decode("FileBasicInformation", () => {
    const r = new Reader(buffer, "FileBasicInformation")
    r.need(0, BASIC_SIZE, "Buffer")
    return readBasic(r, 0)
  })

// ---------------------------------------------------------------------------------------------
// FileStandardInformation, 24 bytes
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface FileStandardInformation {
  readonly allocationSize: bigint
  readonly endOfFile: bigint
  readonly numberOfLinks: number
  readonly deletePending: boolean
  readonly directory: boolean
}

const STANDARD_SIZE = 24

const writeStandard = (v: DataView, at: number, x: FileStandardInformation): void => {
  v.setBigUint64(at, x.allocationSize, true)
  v.setBigUint64(at + 8, x.endOfFile, true)
  v.setUint32(at + 16, x.numberOfLinks, true)
  v.setUint8(at + 20, x.deletePending ? 1 : 0)
  v.setUint8(at + 21, x.directory ? 1 : 0)
}

const readStandard = (r: Reader, at: number): FileStandardInformation => ({
  allocationSize: r.u64(at, "AllocationSize"),
  endOfFile: r.u64(at + 8, "EndOfFile"),
  numberOfLinks: r.u32(at + 16, "NumberOfLinks"),
  deletePending: r.u8(at + 20, "DeletePending") !== 0,
  directory: r.u8(at + 21, "Directory") !== 0
})

/** @since 0.1.0 @category encoding */
export const encodeFileStandardInformation = (x: FileStandardInformation): Uint8Array => {
  const out = new Uint8Array(STANDARD_SIZE)
  writeStandard(viewOf(out), 0, x)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileStandardInformation = (
  buffer: Uint8Array
): Either.Either<FileStandardInformation, DecodeError> =>
  decode("FileStandardInformation", () => {
    const r = new Reader(buffer, "FileStandardInformation")
    r.need(0, STANDARD_SIZE, "Buffer")
    return readStandard(r, 0)
  })

// ---------------------------------------------------------------------------------------------
// Small fixed classes: internal, EA, access, position, mode, alignment, attribute tag,
// end of file, allocation, disposition
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface FileInternalInformation {
  /** The file's 64-bit id on its volume. */
  readonly indexNumber: bigint
}

/** @since 0.1.0 @category encoding */
export const encodeFileInternalInformation = (x: FileInternalInformation): Uint8Array => {
  const out = new Uint8Array(8)
  viewOf(out).setBigUint64(0, x.indexNumber, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileInternalInformation = (
  buffer: Uint8Array
): Either.Either<FileInternalInformation, DecodeError> =>
  decode("FileInternalInformation", () => ({
    indexNumber: new Reader(buffer, "FileInternalInformation").u64(0, "IndexNumber")
  }))

/** @since 0.1.0 @category models */
export interface FileEaInformation {
  readonly eaSize: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileEaInformation = (x: FileEaInformation): Uint8Array => {
  const out = new Uint8Array(4)
  viewOf(out).setUint32(0, x.eaSize, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileEaInformation = (buffer: Uint8Array): Either.Either<FileEaInformation, DecodeError> =>
  decode("FileEaInformation", () => ({ eaSize: new Reader(buffer, "FileEaInformation").u32(0, "EaSize") }))

/** @since 0.1.0 @category models */
export interface FileAccessInformation {
  /** The access mask granted to the open. */
  readonly accessFlags: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileAccessInformation = (x: FileAccessInformation): Uint8Array => {
  const out = new Uint8Array(4)
  viewOf(out).setUint32(0, x.accessFlags, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileAccessInformation = (buffer: Uint8Array): Either.Either<FileAccessInformation, DecodeError> =>
  decode("FileAccessInformation", () => ({
    accessFlags: new Reader(buffer, "FileAccessInformation").u32(0, "AccessFlags")
  }))

/** @since 0.1.0 @category models */
export interface FilePositionInformation {
  readonly currentByteOffset: bigint
}

/** @since 0.1.0 @category encoding */
export const encodeFilePositionInformation = (x: FilePositionInformation): Uint8Array => {
  const out = new Uint8Array(8)
  viewOf(out).setBigUint64(0, x.currentByteOffset, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFilePositionInformation = (
  buffer: Uint8Array
): Either.Either<FilePositionInformation, DecodeError> =>
  decode("FilePositionInformation", () => ({
    currentByteOffset: new Reader(buffer, "FilePositionInformation").u64(0, "CurrentByteOffset")
  }))

/** @since 0.1.0 @category models */
export interface FileModeInformation {
  readonly mode: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileModeInformation = (x: FileModeInformation): Uint8Array => {
  const out = new Uint8Array(4)
  viewOf(out).setUint32(0, x.mode, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileModeInformation = (buffer: Uint8Array): Either.Either<FileModeInformation, DecodeError> =>
  decode("FileModeInformation", () => ({ mode: new Reader(buffer, "FileModeInformation").u32(0, "Mode") }))

/** @since 0.1.0 @category models */
export interface FileAlignmentInformation {
  readonly alignmentRequirement: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileAlignmentInformation = (x: FileAlignmentInformation): Uint8Array => {
  const out = new Uint8Array(4)
  viewOf(out).setUint32(0, x.alignmentRequirement, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileAlignmentInformation = (
  buffer: Uint8Array
): Either.Either<FileAlignmentInformation, DecodeError> =>
  decode("FileAlignmentInformation", () => ({
    alignmentRequirement: new Reader(buffer, "FileAlignmentInformation").u32(0, "AlignmentRequirement")
  }))

/** @since 0.1.0 @category models */
export interface FileAttributeTagInformation {
  readonly fileAttributes: number
  readonly reparseTag: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileAttributeTagInformation = (x: FileAttributeTagInformation): Uint8Array => {
  const out = new Uint8Array(8)
  const v = viewOf(out)
  v.setUint32(0, x.fileAttributes, true)
  v.setUint32(4, x.reparseTag, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileAttributeTagInformation = (
  buffer: Uint8Array
): Either.Either<FileAttributeTagInformation, DecodeError> =>
  decode("FileAttributeTagInformation", () => {
    const r = new Reader(buffer, "FileAttributeTagInformation")
    return { fileAttributes: r.u32(0, "FileAttributes"), reparseTag: r.u32(4, "ReparseTag") }
  })

/** @since 0.1.0 @category models */
export interface FileEndOfFileInformation {
  readonly endOfFile: bigint
}

/** @since 0.1.0 @category encoding */
export const encodeFileEndOfFileInformation = (x: FileEndOfFileInformation): Uint8Array => {
  const out = new Uint8Array(8)
  viewOf(out).setBigUint64(0, x.endOfFile, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileEndOfFileInformation = (
  buffer: Uint8Array
): Either.Either<FileEndOfFileInformation, DecodeError> =>
  decode("FileEndOfFileInformation", () => ({
    endOfFile: new Reader(buffer, "FileEndOfFileInformation").u64(0, "EndOfFile")
  }))

/** @since 0.1.0 @category models */
export interface FileAllocationInformation {
  readonly allocationSize: bigint
}

/** @since 0.1.0 @category encoding */
export const encodeFileAllocationInformation = (x: FileAllocationInformation): Uint8Array => {
  const out = new Uint8Array(8)
  viewOf(out).setBigUint64(0, x.allocationSize, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileAllocationInformation = (
  buffer: Uint8Array
): Either.Either<FileAllocationInformation, DecodeError> =>
  decode("FileAllocationInformation", () => ({
    allocationSize: new Reader(buffer, "FileAllocationInformation").u64(0, "AllocationSize")
  }))

/** @since 0.1.0 @category models */
export interface FileDispositionInformation {
  /** Delete the file when the last handle closes. */
  readonly deletePending: boolean
}

/** @since 0.1.0 @category encoding */
export const encodeFileDispositionInformation = (x: FileDispositionInformation): Uint8Array =>
  Uint8Array.of(x.deletePending ? 1 : 0)

/** @since 0.1.0 @category decoding */
export const decodeFileDispositionInformation = (
  buffer: Uint8Array
): Either.Either<FileDispositionInformation, DecodeError> =>
  decode("FileDispositionInformation", () => ({
    deletePending: new Reader(buffer, "FileDispositionInformation").u8(0, "DeletePending") !== 0
  }))

// ---------------------------------------------------------------------------------------------
// FileNameInformation
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface FileNameInformation {
  readonly fileName: string
}

/** @since 0.1.0 @category encoding */
export const encodeFileNameInformation = (x: FileNameInformation): Uint8Array => {
  const name = encodeUtf16(x.fileName)
  const out = new Uint8Array(4 + name.length)
  viewOf(out).setUint32(0, name.length, true)
  out.set(name, 4)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileNameInformation = (buffer: Uint8Array): Either.Either<FileNameInformation, DecodeError> =>
  decode("FileNameInformation", () => {
    const r = new Reader(buffer, "FileNameInformation")
    return { fileName: utf16OrEmpty(r, 4, r.u32(0, "FileNameLength"), "FileName") }
  })

// ---------------------------------------------------------------------------------------------
// FileAllInformation: basic, standard, internal, EA, access, position, mode, alignment,
// name, back to back (the name's length at 96, its characters at 100)
// ---------------------------------------------------------------------------------------------

/**
 * The fields of the nine classes it is made of, flattened.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileAllInformation
  extends
    FileBasicInformation,
    FileStandardInformation,
    FileInternalInformation,
    FileEaInformation,
    FileAccessInformation,
    FilePositionInformation,
    FileModeInformation,
    FileAlignmentInformation,
    FileNameInformation
{}

const ALL_NAME_AT = 96

/** @since 0.1.0 @category encoding */
export const encodeFileAllInformation = (x: FileAllInformation): Uint8Array => {
  const name = encodeUtf16(x.fileName)
  const out = new Uint8Array(ALL_NAME_AT + 4 + name.length)
  const v = viewOf(out)
  writeBasic(v, 0, x)
  writeStandard(v, 40, x)
  v.setBigUint64(64, x.indexNumber, true)
  v.setUint32(72, x.eaSize, true)
  v.setUint32(76, x.accessFlags, true)
  v.setBigUint64(80, x.currentByteOffset, true)
  v.setUint32(88, x.mode, true)
  v.setUint32(92, x.alignmentRequirement, true)
  v.setUint32(96, name.length, true)
  out.set(name, 100)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileAllInformation = (buffer: Uint8Array): Either.Either<FileAllInformation, DecodeError> =>
  decode("FileAllInformation", () => {
    const r = new Reader(buffer, "FileAllInformation")
    r.need(0, ALL_NAME_AT + 4, "Buffer")
    return {
      ...readBasic(r, 0),
      ...readStandard(r, 40),
      indexNumber: r.u64(64, "IndexNumber"),
      eaSize: r.u32(72, "EaSize"),
      accessFlags: r.u32(76, "AccessFlags"),
      currentByteOffset: r.u64(80, "CurrentByteOffset"),
      mode: r.u32(88, "Mode"),
      alignmentRequirement: r.u32(92, "AlignmentRequirement"),
      fileName: utf16OrEmpty(r, 100, r.u32(96, "FileNameLength"), "FileName")
    }
  })

// ---------------------------------------------------------------------------------------------
// FileNetworkOpenInformation, 56 bytes
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface FileNetworkOpenInformation {
  readonly creationTime: bigint
  readonly lastAccessTime: bigint
  readonly lastWriteTime: bigint
  readonly changeTime: bigint
  readonly allocationSize: bigint
  readonly endOfFile: bigint
  readonly fileAttributes: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileNetworkOpenInformation = (x: FileNetworkOpenInformation): Uint8Array => {
  const out = new Uint8Array(56)
  writeNetworkOpen(viewOf(out), 0, x)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileNetworkOpenInformation = (
  buffer: Uint8Array
): Either.Either<FileNetworkOpenInformation, DecodeError> =>
  decode("FileNetworkOpenInformation", () => {
    const r = new Reader(buffer, "FileNetworkOpenInformation")
    r.need(0, 56, "Buffer")
    return readNetworkOpen(r, 0)
  })

// ---------------------------------------------------------------------------------------------
// FileStreamInformation: a chain of entries, each at an 8-byte boundary (MS-FSCC 2.4.47)
// ---------------------------------------------------------------------------------------------

/** One data stream of a file. @since 0.1.0 @category models */
export interface FileStreamInformation {
  /** As the server names it: "::$DATA" for the unnamed stream, ":name:$DATA" for others. */
  readonly streamName: string
  readonly streamSize: bigint
  readonly streamAllocationSize: bigint
}

const STREAM_NAME_AT = 24

/** @since 0.1.0 @category encoding */
export const encodeFileStreamInformation = (entries: ReadonlyArray<FileStreamInformation>): Uint8Array => {
  const names = entries.map((entry) => encodeUtf16(entry.streamName))
  const starts: Array<number> = []
  let size = 0
  for (const name of names) {
    size = align8(size)
    starts.push(size)
    size += STREAM_NAME_AT + name.length
  }
  const out = new Uint8Array(size)
  const v = viewOf(out)
  entries.forEach((entry, i) => {
    const at = starts[i]!
    v.setUint32(at, i + 1 < entries.length ? starts[i + 1]! - at : 0, true)
    v.setUint32(at + 4, names[i]!.length, true)
    v.setBigUint64(at + 8, entry.streamSize, true)
    v.setBigUint64(at + 16, entry.streamAllocationSize, true)
    out.set(names[i]!, at + STREAM_NAME_AT)
  })
  return out
}

/**
 * The entries, following NextEntryOffset until it is 0; an empty buffer is no streams (a
 * directory has none). An offset that does not move forward is refused, so a loop cannot hang.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeFileStreamInformation = (
  buffer: Uint8Array
): Either.Either<ReadonlyArray<FileStreamInformation>, DecodeError> =>
  decode("FileStreamInformation", () => {
    const r = new Reader(buffer, "FileStreamInformation")
    const entries: Array<FileStreamInformation> = []
    for (let at = 0; buffer.length > 0;) {
      r.need(at, STREAM_NAME_AT, "Entry")
      const next = r.u32(at, "NextEntryOffset")
      const nameLength = r.u32(at + 4, "StreamNameLength")
      entries.push({
        streamName: utf16OrEmpty(r, at + STREAM_NAME_AT, nameLength, "StreamName"),
        streamSize: r.u64(at + 8, "StreamSize"),
        streamAllocationSize: r.u64(at + 16, "StreamAllocationSize")
      })
      if (next === 0) break
      if (next < STREAM_NAME_AT + nameLength) r.fail("NextEntryOffset", "Invalid", `${next} overlaps the entry`, at)
      at += next
    }
    return entries
  })

// ---------------------------------------------------------------------------------------------
// FileRenameInformation, SMB2 form: ReplaceIfExists, 7 reserved bytes, an 8-byte
// RootDirectory (0 over the network), the name's length and the name
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface FileRenameInformation {
  readonly replaceIfExists: boolean
  /** Must be 0n over SMB2. */
  readonly rootDirectory: bigint
  /** The new name, relative to the share root. */
  readonly fileName: string
}

const RENAME_NAME_AT = 20

/** @since 0.1.0 @category encoding */
export const encodeFileRenameInformation = (x: FileRenameInformation): Uint8Array => {
  const name = encodeUtf16(x.fileName)
  const out = new Uint8Array(RENAME_NAME_AT + name.length)
  const v = viewOf(out)
  v.setUint8(0, x.replaceIfExists ? 1 : 0)
  v.setBigUint64(8, x.rootDirectory, true)
  v.setUint32(16, name.length, true)
  out.set(name, RENAME_NAME_AT)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileRenameInformation = (buffer: Uint8Array): Either.Either<FileRenameInformation, DecodeError> =>
  decode("FileRenameInformation", () => {
    const r = new Reader(buffer, "FileRenameInformation")
    return {
      replaceIfExists: r.u8(0, "ReplaceIfExists") !== 0,
      rootDirectory: r.u64(8, "RootDirectory"),
      fileName: utf16OrEmpty(r, RENAME_NAME_AT, r.u32(16, "FileNameLength"), "FileName")
    }
  })

// ---------------------------------------------------------------------------------------------
// File-system classes: volume, size, full size, attribute
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category models */
export interface FileFsVolumeInformation {
  readonly volumeCreationTime: bigint
  readonly volumeSerialNumber: number
  readonly supportsObjects: boolean
  /** As sent, including a trailing NUL if the server put one. */
  readonly volumeLabel: string
}

const VOLUME_LABEL_AT = 18

/** @since 0.1.0 @category encoding */
export const encodeFileFsVolumeInformation = (x: FileFsVolumeInformation): Uint8Array => {
  const label = encodeUtf16(x.volumeLabel)
  const out = new Uint8Array(VOLUME_LABEL_AT + label.length)
  const v = viewOf(out)
  v.setBigUint64(0, x.volumeCreationTime, true)
  v.setUint32(8, x.volumeSerialNumber, true)
  v.setUint32(12, label.length, true)
  v.setUint8(16, x.supportsObjects ? 1 : 0)
  out.set(label, VOLUME_LABEL_AT)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileFsVolumeInformation = (
  buffer: Uint8Array
): Either.Either<FileFsVolumeInformation, DecodeError> =>
  decode("FileFsVolumeInformation", () => {
    const r = new Reader(buffer, "FileFsVolumeInformation")
    r.need(0, VOLUME_LABEL_AT, "Buffer")
    return {
      volumeCreationTime: r.u64(0, "VolumeCreationTime"),
      volumeSerialNumber: r.u32(8, "VolumeSerialNumber"),
      supportsObjects: r.u8(16, "SupportsObjects") !== 0,
      volumeLabel: utf16OrEmpty(r, VOLUME_LABEL_AT, r.u32(12, "VolumeLabelLength"), "VolumeLabel")
    }
  })

/** @since 0.1.0 @category models */
export interface FileFsSizeInformation {
  readonly totalAllocationUnits: bigint
  readonly availableAllocationUnits: bigint
  readonly sectorsPerAllocationUnit: number
  readonly bytesPerSector: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileFsSizeInformation = (x: FileFsSizeInformation): Uint8Array => {
  const out = new Uint8Array(24)
  const v = viewOf(out)
  v.setBigUint64(0, x.totalAllocationUnits, true)
  v.setBigUint64(8, x.availableAllocationUnits, true)
  v.setUint32(16, x.sectorsPerAllocationUnit, true)
  v.setUint32(20, x.bytesPerSector, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileFsSizeInformation = (buffer: Uint8Array): Either.Either<FileFsSizeInformation, DecodeError> =>
  decode("FileFsSizeInformation", () => {
    const r = new Reader(buffer, "FileFsSizeInformation")
    return {
      totalAllocationUnits: r.u64(0, "TotalAllocationUnits"),
      availableAllocationUnits: r.u64(8, "AvailableAllocationUnits"),
      sectorsPerAllocationUnit: r.u32(16, "SectorsPerAllocationUnit"),
      bytesPerSector: r.u32(20, "BytesPerSector")
    }
  })

/** @since 0.1.0 @category models */
export interface FileFsFullSizeInformation {
  readonly totalAllocationUnits: bigint
  readonly callerAvailableAllocationUnits: bigint
  readonly actualAvailableAllocationUnits: bigint
  readonly sectorsPerAllocationUnit: number
  readonly bytesPerSector: number
}

/** @since 0.1.0 @category encoding */
export const encodeFileFsFullSizeInformation = (x: FileFsFullSizeInformation): Uint8Array => {
  const out = new Uint8Array(32)
  const v = viewOf(out)
  v.setBigUint64(0, x.totalAllocationUnits, true)
  v.setBigUint64(8, x.callerAvailableAllocationUnits, true)
  v.setBigUint64(16, x.actualAvailableAllocationUnits, true)
  v.setUint32(24, x.sectorsPerAllocationUnit, true)
  v.setUint32(28, x.bytesPerSector, true)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileFsFullSizeInformation = (
  buffer: Uint8Array
): Either.Either<FileFsFullSizeInformation, DecodeError> =>
  decode("FileFsFullSizeInformation", () => {
    const r = new Reader(buffer, "FileFsFullSizeInformation")
    return {
      totalAllocationUnits: r.u64(0, "TotalAllocationUnits"),
      callerAvailableAllocationUnits: r.u64(8, "CallerAvailableAllocationUnits"),
      actualAvailableAllocationUnits: r.u64(16, "ActualAvailableAllocationUnits"),
      sectorsPerAllocationUnit: r.u32(24, "SectorsPerAllocationUnit"),
      bytesPerSector: r.u32(28, "BytesPerSector")
    }
  })

/** @since 0.1.0 @category models */
export interface FileFsAttributeInformation {
  readonly fileSystemAttributes: number
  readonly maximumComponentNameLength: number
  /** E.g. "NTFS". */
  readonly fileSystemName: string
}

const FS_NAME_AT = 12

/** @since 0.1.0 @category encoding */
export const encodeFileFsAttributeInformation = (x: FileFsAttributeInformation): Uint8Array => {
  const name = encodeUtf16(x.fileSystemName)
  const out = new Uint8Array(FS_NAME_AT + name.length)
  const v = viewOf(out)
  v.setUint32(0, x.fileSystemAttributes, true)
  v.setUint32(4, x.maximumComponentNameLength, true)
  v.setUint32(8, name.length, true)
  out.set(name, FS_NAME_AT)
  return out
}

/** @since 0.1.0 @category decoding */
export const decodeFileFsAttributeInformation = (
  buffer: Uint8Array
): Either.Either<FileFsAttributeInformation, DecodeError> =>
  decode("FileFsAttributeInformation", () => {
    const r = new Reader(buffer, "FileFsAttributeInformation")
    return {
      fileSystemAttributes: r.u32(0, "FileSystemAttributes"),
      maximumComponentNameLength: r.u32(4, "MaximumComponentNameLength"),
      fileSystemName: utf16OrEmpty(r, FS_NAME_AT, r.u32(8, "FileSystemNameLength"), "FileSystemName")
    }
  })
