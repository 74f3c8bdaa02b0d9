import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { FileAttributes } from "../../src/wire/Create.js"
import { FileInformationClass } from "../../src/wire/FileInformation.js"
import {
  decodeFileBothDirectoryInformation,
  decodeFileDirectoryInformation,
  decodeFileFullDirectoryInformation,
  decodeFileIdBothDirectoryInformation,
  decodeFileIdFullDirectoryInformation,
  decodeFileNamesInformation,
  decodeQueryDirectoryRequest,
  decodeQueryDirectoryResponse,
  encodeFileBothDirectoryInformation,
  encodeFileDirectoryInformation,
  encodeFileFullDirectoryInformation,
  encodeFileIdBothDirectoryInformation,
  encodeFileIdFullDirectoryInformation,
  encodeFileNamesInformation,
  encodeQueryDirectoryRequest,
  encodeQueryDirectoryResponse,
  QueryDirectoryFlags
} from "../../src/wire/QueryDirectory.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u32, u64, u8 } from "../support/codec.js"
import { fuzz, message, roundTrip, utf16 } from "./bodyCodecTesting.js"

const queryDirectoryRequest = FastCheck.record({
  fileInformationClass: u8,
  flags: u8,
  fileIndex: u32,
  fileId: bytes16,
  fileName: utf16(30),
  outputBufferLength: u32
})

const queryDirectoryResponse = FastCheck.record({ output: bytes(300) })

const directoryFields = {
  fileIndex: u32,
  creationTime: u64,
  lastAccessTime: u64,
  lastWriteTime: u64,
  changeTime: u64,
  endOfFile: u64,
  allocationSize: u64,
  fileAttributes: u32,
  fileName: utf16(30)
}
const shortName = FastCheck.string({ unit: "grapheme-ascii", maxLength: 12 })
const listing = <A>(entry: FastCheck.Arbitrary<A>) => FastCheck.array(entry, { maxLength: 5 })

const directory = listing(FastCheck.record(directoryFields))
const fullDirectory = listing(FastCheck.record({ ...directoryFields, eaSize: u32 }))
const bothDirectory = listing(FastCheck.record({ ...directoryFields, eaSize: u32, shortName }))
const idBothDirectory = listing(FastCheck.record({ ...directoryFields, eaSize: u32, shortName, fileId: u64 }))
const idFullDirectory = listing(FastCheck.record({ ...directoryFields, eaSize: u32, fileId: u64 }))
const names = listing(FastCheck.record({ fileIndex: u32, fileName: utf16(30) }))

const TIMES = {
  creationTime: 0x01db4bc8bf917539n,
  lastAccessTime: 0x01db5dc8cd48b8e7n,
  lastWriteTime: 0x01db586ad4ed1be7n,
  changeTime: 0x01db586ad4ed1be7n
}
const TIMES_HEX = "397591bfc84bdb01" + "e7b848cdc85ddb01" + "e71bedd46a58db01" + "e71bedd46a58db01"

describe("QUERY_DIRECTORY request", () => {
  it("lays out the search pattern at 96 (MS-SMB2 2.2.33)", () => {
    const request = {
      fileInformationClass: FileInformationClass.FileIdBothDirectoryInformation,
      flags: QueryDirectoryFlags.RESTART_SCANS,
      fileIndex: 0,
      fileId: fromHex("dd".repeat(16)),
      fileName: "*",
      outputBufferLength: 0x10000
    }
    const body = "2100" + "25" + "01" + "00000000" + "dd".repeat(16) + "6000" + "0200" + "00000100" + "2a00"
    expect(toHex(encodeQueryDirectoryRequest(request))).toBe(body)
    expect(expectRight(decodeQueryDirectoryRequest(message(fromHex(body))))).toEqual(request)
  })

  it("rejects a wrong StructureSize and a pattern past the message", () => {
    const body = fromHex("2100" + "25" + "01" + "00000000" + "dd".repeat(16) + "6000" + "0400" + "00000100" + "2a00")
    expect(expectLeft(decodeQueryDirectoryRequest(message(body))).field).toBe("FileName")
    expect(expectLeft(decodeQueryDirectoryRequest(message(body.map((b, i) => (i === 0 ? 0x20 : b))))).field).toBe("StructureSize")
  })

  roundTrip(
    "QueryDirectoryRequest",
    queryDirectoryRequest,
    (x) => message(encodeQueryDirectoryRequest(x)),
    decodeQueryDirectoryRequest
  )

  fuzz({
    name: "decodeQueryDirectoryRequest",
    decode: decodeQueryDirectoryRequest,
    encode: encodeQueryDirectoryRequest,
    valid: queryDirectoryRequest.map((x) => message(encodeQueryDirectoryRequest(x))),
    structureSize: 33
  })
})

describe("QUERY_DIRECTORY response", () => {
  it("lays out the output at 72 (MS-SMB2 2.2.34) and returns a view of it", () => {
    const body = "0900" + "4800" + "03000000" + "010203"
    expect(toHex(encodeQueryDirectoryResponse({ output: fromHex("010203") }))).toBe(body)
    const whole = message(fromHex(body))
    expect(expectRight(decodeQueryDirectoryResponse(whole)).output.buffer).toBe(whole.buffer)
    expect(expectLeft(decodeQueryDirectoryResponse(message(fromHex("0900" + "4800" + "04000000" + "010203")))).field).toBe("Buffer")
  })

  roundTrip(
    "QueryDirectoryResponse",
    queryDirectoryResponse,
    (x) => message(encodeQueryDirectoryResponse(x)),
    decodeQueryDirectoryResponse
  )

  fuzz({
    name: "decodeQueryDirectoryResponse",
    decode: decodeQueryDirectoryResponse,
    encode: encodeQueryDirectoryResponse,
    valid: queryDirectoryResponse.map((x) => message(encodeQueryDirectoryResponse(x))),
    structureSize: 9
  })
})

describe("directory information classes", () => {
  it("lays out FileIdBothDirectoryInformation entries on 8-byte boundaries (MS-FSCC 2.4)", () => {
    const entries = [
      {
        fileIndex: 0,
        ...TIMES,
        endOfFile: 0n,
        allocationSize: 0n,
        fileAttributes: FileAttributes.DIRECTORY,
        eaSize: 0,
        shortName: "",
        fileId: 0x000200000000807bn,
        fileName: "."
      },
      {
        fileIndex: 0,
        ...TIMES,
        endOfFile: 6n,
        allocationSize: 8n,
        fileAttributes: FileAttributes.ARCHIVE,
        eaSize: 0,
        shortName: "B~1.TXT",
        fileId: 0x000400000000f8b9n,
        fileName: "b.txt"
      }
    ]
    const buffer = encodeFileIdBothDirectoryInformation(entries)
    expect(toHex(buffer)).toBe(
      // NextEntryOffset 112 = 104 + 2 bytes of name, rounded up to 8
      "70000000" + "00000000" + TIMES_HEX + "0000000000000000" + "0000000000000000" + "10000000" + "02000000" +
        "00000000" + "00" + "00" + "00".repeat(24) + "0000" + "7b80000000000200" + "2e00" + "000000000000" +
        "00000000" + "00000000" + TIMES_HEX + "0600000000000000" + "0800000000000000" + "20000000" + "0a000000" +
        "00000000" + "0e" + "00" + "42007e0031002e00540058005400" + "00".repeat(10) + "0000" + "b9f8000000000400" +
        "62002e00740078007400"
    )
    expect(expectRight(decodeFileIdBothDirectoryInformation(buffer))).toEqual(entries)
  })

  it("lays out the other classes with their name at 64, 68, 94, 80 and 12", () => {
    const entry = { fileIndex: 7, ...TIMES, endOfFile: 1n, allocationSize: 2n, fileAttributes: 0x20, fileName: "x" }
    const common = "07000000" + TIMES_HEX + "0100000000000000" + "0200000000000000" + "20000000" + "02000000"
    expect(toHex(encodeFileDirectoryInformation([entry]))).toBe("00000000" + common + "7800")
    expect(toHex(encodeFileFullDirectoryInformation([{ ...entry, eaSize: 3 }]))).toBe("00000000" + common + "03000000" + "7800")
    expect(toHex(encodeFileBothDirectoryInformation([{ ...entry, eaSize: 3, shortName: "X" }]))).toBe(
      "00000000" + common + "03000000" + "02" + "00" + "5800" + "00".repeat(22) + "7800"
    )
    expect(toHex(encodeFileIdFullDirectoryInformation([{ ...entry, eaSize: 3, fileId: 9n }]))).toBe(
      "00000000" + common + "03000000" + "00000000" + "0900000000000000" + "7800"
    )
    expect(toHex(encodeFileNamesInformation([{ fileIndex: 7, fileName: "x" }]))).toBe("00000000" + "07000000" + "02000000" + "7800")
  })

  it("decodes an empty buffer as no entries", () => {
    expect(expectRight(decodeFileIdBothDirectoryInformation(new Uint8Array(0)))).toEqual([])
  })

  it("rejects a name past its entry, a Next past the buffer, a cut entry and a long short name", () => {
    const buffer = encodeFileNamesInformation([
      { fileIndex: 0, fileName: "one" },
      { fileIndex: 1, fileName: "two" }
    ])
    const name = Uint8Array.from(buffer)
    name[8] = 16
    expect(expectLeft(decodeFileNamesInformation(name))).toMatchObject({
      structure: "FileNamesInformation",
      field: "Entries[0].FileNameLength",
      reason: "OutOfBounds"
    })
    const next = Uint8Array.from(buffer)
    next[0] = 0x80
    expect(expectLeft(decodeFileNamesInformation(next)).field).toBe("Entries[0].NextEntryOffset")
    expect(expectLeft(decodeFileNamesInformation(buffer.subarray(0, 30))).field).toBe("Entries[1]")
    const both = encodeFileBothDirectoryInformation([
      { fileIndex: 0, ...TIMES, endOfFile: 0n, allocationSize: 0n, fileAttributes: 0, eaSize: 0, shortName: "", fileName: "a" }
    ])
    both[68] = 26
    expect(expectLeft(decodeFileBothDirectoryInformation(both))).toMatchObject({ field: "Entries[0].ShortNameLength", reason: "Invalid" })
  })

  roundTrip("FileDirectoryInformation", directory, encodeFileDirectoryInformation, decodeFileDirectoryInformation)
  roundTrip("FileFullDirectoryInformation", fullDirectory, encodeFileFullDirectoryInformation, decodeFileFullDirectoryInformation)
  roundTrip("FileBothDirectoryInformation", bothDirectory, encodeFileBothDirectoryInformation, decodeFileBothDirectoryInformation)
  roundTrip(
    "FileIdBothDirectoryInformation",
    idBothDirectory,
    encodeFileIdBothDirectoryInformation,
    decodeFileIdBothDirectoryInformation
  )
  roundTrip(
    "FileIdFullDirectoryInformation",
    idFullDirectory,
    encodeFileIdFullDirectoryInformation,
    decodeFileIdFullDirectoryInformation
  )
  roundTrip("FileNamesInformation", names, encodeFileNamesInformation, decodeFileNamesInformation)

  const nonEmpty = <A>(arbitrary: FastCheck.Arbitrary<ReadonlyArray<A>>) => arbitrary.filter((entries) => entries.length > 0)

  fuzz({
    name: "decodeFileDirectoryInformation",
    decode: decodeFileDirectoryInformation,
    encode: encodeFileDirectoryInformation,
    valid: nonEmpty(directory).map(encodeFileDirectoryInformation)
  })
  fuzz({
    name: "decodeFileFullDirectoryInformation",
    decode: decodeFileFullDirectoryInformation,
    encode: encodeFileFullDirectoryInformation,
    valid: nonEmpty(fullDirectory).map(encodeFileFullDirectoryInformation)
  })
  fuzz({
    name: "decodeFileBothDirectoryInformation",
    decode: decodeFileBothDirectoryInformation,
    encode: encodeFileBothDirectoryInformation,
    valid: nonEmpty(bothDirectory).map(encodeFileBothDirectoryInformation)
  })
  fuzz({
    name: "decodeFileIdBothDirectoryInformation",
    decode: decodeFileIdBothDirectoryInformation,
    encode: encodeFileIdBothDirectoryInformation,
    valid: nonEmpty(idBothDirectory).map(encodeFileIdBothDirectoryInformation)
  })
  fuzz({
    name: "decodeFileIdFullDirectoryInformation",
    decode: decodeFileIdFullDirectoryInformation,
    encode: encodeFileIdFullDirectoryInformation,
    valid: nonEmpty(idFullDirectory).map(encodeFileIdFullDirectoryInformation)
  })
  fuzz({
    name: "decodeFileNamesInformation",
    decode: decodeFileNamesInformation,
    encode: encodeFileNamesInformation,
    valid: nonEmpty(names).map(encodeFileNamesInformation)
  })
})
