import { describe, expect, it } from "@effect/vitest"
import type * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type { DecodeError } from "../../src/errors.js"
import { FileAttributes } from "../../src/wire/Create.js"
import {
  decodeFileAccessInformation,
  decodeFileAlignmentInformation,
  decodeFileAllInformation,
  decodeFileAllocationInformation,
  decodeFileAttributeTagInformation,
  decodeFileBasicInformation,
  decodeFileDispositionInformation,
  decodeFileEaInformation,
  decodeFileEndOfFileInformation,
  decodeFileFsAttributeInformation,
  decodeFileFsFullSizeInformation,
  decodeFileFsSizeInformation,
  decodeFileFsVolumeInformation,
  decodeFileInternalInformation,
  decodeFileModeInformation,
  decodeFileNameInformation,
  decodeFileNetworkOpenInformation,
  decodeFilePositionInformation,
  decodeFileRenameInformation,
  decodeFileStandardInformation,
  encodeFileAccessInformation,
  encodeFileAlignmentInformation,
  encodeFileAllInformation,
  encodeFileAllocationInformation,
  encodeFileAttributeTagInformation,
  encodeFileBasicInformation,
  encodeFileDispositionInformation,
  encodeFileEaInformation,
  encodeFileEndOfFileInformation,
  encodeFileFsAttributeInformation,
  encodeFileFsFullSizeInformation,
  encodeFileFsSizeInformation,
  encodeFileFsVolumeInformation,
  encodeFileInternalInformation,
  encodeFileModeInformation,
  encodeFileNameInformation,
  encodeFileNetworkOpenInformation,
  encodeFilePositionInformation,
  encodeFileRenameInformation,
  encodeFileStandardInformation,
  FileSystemAttributes
} from "../../src/wire/FileInformation.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u32, u64 } from "../support/codec.js"
import { fuzz, networkOpenFields, roundTrip, utf16 } from "./bodyCodecTesting.js"

const i64 = FastCheck.bigIntN(64)

const basic = FastCheck.record({
  creationTime: i64,
  lastAccessTime: i64,
  lastWriteTime: i64,
  changeTime: i64,
  fileAttributes: u32
})
const standard = FastCheck.record({
  allocationSize: u64,
  endOfFile: u64,
  numberOfLinks: u32,
  deletePending: FastCheck.boolean(),
  directory: FastCheck.boolean()
})
const all = FastCheck.record({
  creationTime: i64,
  lastAccessTime: i64,
  lastWriteTime: i64,
  changeTime: i64,
  fileAttributes: u32,
  allocationSize: u64,
  endOfFile: u64,
  numberOfLinks: u32,
  deletePending: FastCheck.boolean(),
  directory: FastCheck.boolean(),
  indexNumber: u64,
  eaSize: u32,
  accessFlags: u32,
  currentByteOffset: u64,
  mode: u32,
  alignmentRequirement: u32,
  fileName: utf16(40)
})
const networkOpen = FastCheck.record(networkOpenFields)
const rename = FastCheck.record({ replaceIfExists: FastCheck.boolean(), rootDirectory: u64, fileName: utf16(40) })
const volume = FastCheck.record({
  volumeCreationTime: u64,
  volumeSerialNumber: u32,
  supportsObjects: FastCheck.boolean(),
  volumeLabel: utf16(32)
})
const fsSize = FastCheck.record({
  totalAllocationUnits: u64,
  availableAllocationUnits: u64,
  sectorsPerAllocationUnit: u32,
  bytesPerSector: u32
})
const fsFullSize = FastCheck.record({
  totalAllocationUnits: u64,
  callerAvailableAllocationUnits: u64,
  actualAvailableAllocationUnits: u64,
  sectorsPerAllocationUnit: u32,
  bytesPerSector: u32
})
const fsAttribute = FastCheck.record({ fileSystemAttributes: u32, maximumComponentNameLength: u32, fileSystemName: utf16(16) })

interface InfoClass<A> {
  readonly name: string
  readonly arbitrary: FastCheck.Arbitrary<A>
  readonly encode: (value: A) => Uint8Array
  readonly decode: (buffer: Uint8Array) => Either.Either<A, DecodeError>
}

const TIMES_HEX = "3c083896ae4bdb01" + "c8554b706b58db01" + "620ccdc1c84bdb01" + "620ccdc1c84bdb01"
const TIMES = {
  creationTime: 0x01db4bae9638083cn,
  lastAccessTime: 0x01db586b704b55c8n,
  lastWriteTime: 0x01db4bc8c1cd0c62n,
  changeTime: 0x01db4bc8c1cd0c62n
}

describe("file information classes (MS-FSCC 2.4)", () => {
  it("lays out FileBasicInformation and reads the SET_INFO sentinels as signed", () => {
    const info = { ...TIMES, fileAttributes: FileAttributes.ARCHIVE }
    expect(toHex(encodeFileBasicInformation(info))).toBe(TIMES_HEX + "20000000" + "00000000")
    const keep = { creationTime: 0n, lastAccessTime: -1n, lastWriteTime: -2n, changeTime: 0n, fileAttributes: 0 }
    expect(toHex(encodeFileBasicInformation(keep).subarray(8, 24))).toBe("ff".repeat(8) + "feffffffffffffff")
    expect(expectRight(decodeFileBasicInformation(encodeFileBasicInformation(keep)))).toEqual(keep)
  })

  it("lays out FileStandardInformation", () => {
    const info = { allocationSize: 4096n, endOfFile: 23n, numberOfLinks: 1, deletePending: false, directory: true }
    expect(toHex(encodeFileStandardInformation(info))).toBe(
      "0010000000000000" + "1700000000000000" + "01000000" + "00" + "01" + "0000"
    )
  })

  it("lays out FileAllInformation: eight fixed classes, then the name's length at 96 and the name at 100", () => {
    const info = {
      ...TIMES,
      fileAttributes: FileAttributes.ARCHIVE,
      allocationSize: 8n,
      endOfFile: 6n,
      numberOfLinks: 1,
      deletePending: false,
      directory: false,
      indexNumber: 0x000400000000f8b9n,
      eaSize: 0,
      accessFlags: 0x001f01ff,
      currentByteOffset: 0n,
      mode: 0x20,
      alignmentRequirement: 0,
      fileName: "\\b.txt"
    }
    const buffer = encodeFileAllInformation(info)
    expect(toHex(buffer)).toBe(
      TIMES_HEX + "20000000" + "00000000" +
        "0800000000000000" + "0600000000000000" + "01000000" + "00" + "00" + "0000" +
        "b9f8000000000400" + "00000000" + "ff011f00" + "0000000000000000" + "20000000" + "00000000" +
        "0c000000" + "5c0062002e00740078007400"
    )
    expect(expectRight(decodeFileAllInformation(buffer))).toEqual(info)
  })

  it("lays out the SMB2 form of FileRenameInformation with its 8-byte RootDirectory", () => {
    const info = { replaceIfExists: true, rootDirectory: 0n, fileName: "dir\\new.txt" }
    expect(toHex(encodeFileRenameInformation(info))).toBe(
      "01" + "00000000000000" + "0000000000000000" + "16000000" + "6400690072005c006e00650077002e00740078007400"
    )
  })

  it("lays out FileNetworkOpenInformation, FileAttributeTagInformation and the one-field classes", () => {
    expect(
      toHex(
        encodeFileNetworkOpenInformation({ ...TIMES, allocationSize: 8n, endOfFile: 6n, fileAttributes: FileAttributes.ARCHIVE })
      )
    ).toBe(TIMES_HEX + "0800000000000000" + "0600000000000000" + "20000000" + "00000000")
    expect(toHex(encodeFileAttributeTagInformation({ fileAttributes: 0x400, reparseTag: 0xa000000c }))).toBe("00040000" + "0c0000a0")
    expect(toHex(encodeFileEndOfFileInformation({ endOfFile: 0x1_0000_0000n }))).toBe("0000000001000000")
    expect(toHex(encodeFileDispositionInformation({ deletePending: true }))).toBe("01")
    expect(toHex(encodeFileNameInformation({ fileName: "\\a" }))).toBe("04000000" + "5c006100")
  })

  it("rejects short buffers and names past the buffer, naming the field", () => {
    expect(expectLeft(decodeFileBasicInformation(new Uint8Array(39)))).toMatchObject({
      structure: "FileBasicInformation",
      field: "Buffer",
      reason: "OutOfBounds"
    })
    expect(expectLeft(decodeFileStandardInformation(new Uint8Array(23)))).toMatchObject({ structure: "FileStandardInformation", field: "Buffer" })
    expect(expectLeft(decodeFileEndOfFileInformation(new Uint8Array(7))).field).toBe("EndOfFile")
    expect(expectLeft(decodeFileDispositionInformation(new Uint8Array(0))).field).toBe("DeletePending")
    const name = encodeFileNameInformation({ fileName: "abc" })
    name[0] = 8
    expect(expectLeft(decodeFileNameInformation(name))).toMatchObject({ field: "FileName", reason: "OutOfBounds" })
    name[0] = 5
    expect(expectLeft(decodeFileNameInformation(name))).toMatchObject({ field: "FileName", reason: "Invalid" })
    const allInfo = encodeFileAllInformation({
      ...TIMES,
      fileAttributes: 0,
      allocationSize: 0n,
      endOfFile: 0n,
      numberOfLinks: 0,
      deletePending: false,
      directory: false,
      indexNumber: 0n,
      eaSize: 0,
      accessFlags: 0,
      currentByteOffset: 0n,
      mode: 0,
      alignmentRequirement: 0,
      fileName: "x"
    })
    expect(expectLeft(decodeFileAllInformation(allInfo.subarray(0, 99))).field).toBe("Buffer")
    expect(expectLeft(decodeFileRenameInformation(fromHex("01" + "00".repeat(15) + "04000000" + "6100"))).field).toBe("FileName")
  })
})

describe("file-system information classes (MS-FSCC 2.5)", () => {
  it("lays out FileFsVolumeInformation with the label at 18", () => {
    const info = { volumeCreationTime: 0x01d0a1b2c3d4e5f6n, volumeSerialNumber: 0x12345678, supportsObjects: true, volumeLabel: "Data" }
    expect(toHex(encodeFileFsVolumeInformation(info))).toBe(
      "f6e5d4c3b2a1d001" + "78563412" + "08000000" + "01" + "00" + "4400610074006100"
    )
    expect(expectRight(decodeFileFsVolumeInformation(encodeFileFsVolumeInformation(info)))).toEqual(info)
  })

  it("lays out FileFsSizeInformation and FileFsFullSizeInformation", () => {
    expect(
      toHex(
        encodeFileFsSizeInformation({
          totalAllocationUnits: 100n,
          availableAllocationUnits: 40n,
          sectorsPerAllocationUnit: 8,
          bytesPerSector: 512
        })
      )
    ).toBe("6400000000000000" + "2800000000000000" + "08000000" + "00020000")
    expect(
      toHex(
        encodeFileFsFullSizeInformation({
          totalAllocationUnits: 100n,
          callerAvailableAllocationUnits: 30n,
          actualAvailableAllocationUnits: 40n,
          sectorsPerAllocationUnit: 8,
          bytesPerSector: 512
        })
      )
    ).toBe("6400000000000000" + "1e00000000000000" + "2800000000000000" + "08000000" + "00020000")
  })

  it("lays out FileFsAttributeInformation with the name at 12", () => {
    const info = {
      fileSystemAttributes:
        FileSystemAttributes.CASE_SENSITIVE_SEARCH | FileSystemAttributes.CASE_PRESERVED_NAMES | FileSystemAttributes.UNICODE_ON_DISK,
      maximumComponentNameLength: 255,
      fileSystemName: "NTFS"
    }
    expect(toHex(encodeFileFsAttributeInformation(info))).toBe("07000000" + "ff000000" + "08000000" + "4e00540046005300")
    expect(expectLeft(decodeFileFsAttributeInformation(encodeFileFsAttributeInformation(info).subarray(0, 18))).field).toBe(
      "FileSystemName"
    )
  })
})

// Every class of this module gets a round trip and the robustness properties.
describe("information class round trips and robustness", () => {
  const check = <A>(c: InfoClass<A>): void => {
    roundTrip(c.name, c.arbitrary, c.encode, c.decode)
    fuzz({ name: `decode${c.name}`, decode: c.decode, encode: c.encode, valid: c.arbitrary.map(c.encode) })
  }

  check({ name: "FileBasicInformation", arbitrary: basic, encode: encodeFileBasicInformation, decode: decodeFileBasicInformation })
  check({
    name: "FileStandardInformation",
    arbitrary: standard,
    encode: encodeFileStandardInformation,
    decode: decodeFileStandardInformation
  })
  check({
    name: "FileInternalInformation",
    arbitrary: FastCheck.record({ indexNumber: u64 }),
    encode: encodeFileInternalInformation,
    decode: decodeFileInternalInformation
  })
  check({
    name: "FileEaInformation",
    arbitrary: FastCheck.record({ eaSize: u32 }),
    encode: encodeFileEaInformation,
    decode: decodeFileEaInformation
  })
  check({
    name: "FileAccessInformation",
    arbitrary: FastCheck.record({ accessFlags: u32 }),
    encode: encodeFileAccessInformation,
    decode: decodeFileAccessInformation
  })
  check({
    name: "FilePositionInformation",
    arbitrary: FastCheck.record({ currentByteOffset: u64 }),
    encode: encodeFilePositionInformation,
    decode: decodeFilePositionInformation
  })
  check({
    name: "FileModeInformation",
    arbitrary: FastCheck.record({ mode: u32 }),
    encode: encodeFileModeInformation,
    decode: decodeFileModeInformation
  })
  check({
    name: "FileAlignmentInformation",
    arbitrary: FastCheck.record({ alignmentRequirement: u32 }),
    encode: encodeFileAlignmentInformation,
    decode: decodeFileAlignmentInformation
  })
  check({
    name: "FileNameInformation",
    arbitrary: FastCheck.record({ fileName: utf16(40) }),
    encode: encodeFileNameInformation,
    decode: decodeFileNameInformation
  })
  check({ name: "FileAllInformation", arbitrary: all, encode: encodeFileAllInformation, decode: decodeFileAllInformation })
  check({
    name: "FileNetworkOpenInformation",
    arbitrary: networkOpen,
    encode: encodeFileNetworkOpenInformation,
    decode: decodeFileNetworkOpenInformation
  })
  check({
    name: "FileAttributeTagInformation",
    arbitrary: FastCheck.record({ fileAttributes: u32, reparseTag: u32 }),
    encode: encodeFileAttributeTagInformation,
    decode: decodeFileAttributeTagInformation
  })
  check({
    name: "FileEndOfFileInformation",
    arbitrary: FastCheck.record({ endOfFile: u64 }),
    encode: encodeFileEndOfFileInformation,
    decode: decodeFileEndOfFileInformation
  })
  check({
    name: "FileAllocationInformation",
    arbitrary: FastCheck.record({ allocationSize: u64 }),
    encode: encodeFileAllocationInformation,
    decode: decodeFileAllocationInformation
  })
  check({
    name: "FileDispositionInformation",
    arbitrary: FastCheck.record({ deletePending: FastCheck.boolean() }),
    encode: encodeFileDispositionInformation,
    decode: decodeFileDispositionInformation
  })
  check({ name: "FileRenameInformation", arbitrary: rename, encode: encodeFileRenameInformation, decode: decodeFileRenameInformation })
  check({
    name: "FileFsVolumeInformation",
    arbitrary: volume,
    encode: encodeFileFsVolumeInformation,
    decode: decodeFileFsVolumeInformation
  })
  check({ name: "FileFsSizeInformation", arbitrary: fsSize, encode: encodeFileFsSizeInformation, decode: decodeFileFsSizeInformation })
  check({
    name: "FileFsFullSizeInformation",
    arbitrary: fsFullSize,
    encode: encodeFileFsFullSizeInformation,
    decode: decodeFileFsFullSizeInformation
  })
  check({
    name: "FileFsAttributeInformation",
    arbitrary: fsAttribute,
    encode: encodeFileFsAttributeInformation,
    decode: decodeFileFsAttributeInformation
  })
})
