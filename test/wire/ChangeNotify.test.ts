import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  ChangeNotifyFlags,
  CompletionFilter,
  decodeChangeNotifyRequest,
  decodeChangeNotifyResponse,
  decodeFileNotifyInformation,
  encodeChangeNotifyRequest,
  encodeChangeNotifyResponse,
  encodeFileNotifyInformation,
  FileAction
} from "../../src/wire/ChangeNotify.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u16, u32 } from "../support/codec.js"
import { fuzz, message, roundTrip, utf16 } from "./bodyCodecTesting.js"

const changeNotifyRequest = FastCheck.record({
  flags: u16,
  outputBufferLength: u32,
  fileId: bytes16,
  completionFilter: u32
})

const changeNotifyResponse = FastCheck.record({ output: bytes(200) })

const fileNotifyInformation = FastCheck.array(FastCheck.record({ action: u32, fileName: utf16(20) }), { maxLength: 6 })

describe("CHANGE_NOTIFY", () => {
  it("lays out the request (MS-SMB2 2.2.35)", () => {
    const request = {
      flags: ChangeNotifyFlags.WATCH_TREE,
      outputBufferLength: 0x10000,
      fileId: fromHex("cc".repeat(16)),
      completionFilter: CompletionFilter.FILE_NAME | CompletionFilter.DIR_NAME | CompletionFilter.LAST_WRITE
    }
    const body = "2000" + "0100" + "00000100" + "cc".repeat(16) + "13000000" + "00000000"
    expect(toHex(encodeChangeNotifyRequest(request))).toBe(body)
    expect(expectRight(decodeChangeNotifyRequest(message(fromHex(body))))).toEqual(request)
    expect(expectLeft(decodeChangeNotifyRequest(message(fromHex(body).subarray(0, 28)))).field).toBe("Body")
  })

  it("lays out the response (MS-SMB2 2.2.36) and returns a view of its buffer", () => {
    const body = "0900" + "4800" + "02000000" + "abcd"
    expect(toHex(encodeChangeNotifyResponse({ output: fromHex("abcd") }))).toBe(body)
    const whole = message(fromHex(body))
    expect(expectRight(decodeChangeNotifyResponse(whole)).output.buffer).toBe(whole.buffer)
    expect(expectLeft(decodeChangeNotifyResponse(message(fromHex("0900" + "4800" + "03000000" + "abcd")))).field).toBe("Buffer")
  })

  roundTrip("ChangeNotifyRequest", changeNotifyRequest, (x) => message(encodeChangeNotifyRequest(x)), decodeChangeNotifyRequest)
  roundTrip(
    "ChangeNotifyResponse",
    changeNotifyResponse,
    (x) => message(encodeChangeNotifyResponse(x)),
    decodeChangeNotifyResponse
  )

  fuzz({
    name: "decodeChangeNotifyRequest",
    decode: decodeChangeNotifyRequest,
    encode: encodeChangeNotifyRequest,
    valid: changeNotifyRequest.map((x) => message(encodeChangeNotifyRequest(x))),
    structureSize: 32
  })
  fuzz({
    name: "decodeChangeNotifyResponse",
    decode: decodeChangeNotifyResponse,
    encode: encodeChangeNotifyResponse,
    valid: changeNotifyResponse.map((x) => message(encodeChangeNotifyResponse(x))),
    structureSize: 9
  })
})

describe("FILE_NOTIFY_INFORMATION", () => {
  it("chains entries on 4-byte boundaries (MS-FSCC 2.7.1)", () => {
    const entries = [
      { action: FileAction.RENAMED_OLD_NAME, fileName: "a.txt" },
      { action: FileAction.RENAMED_NEW_NAME, fileName: "bb.txt" }
    ]
    const buffer = encodeFileNotifyInformation(entries)
    expect(toHex(buffer)).toBe(
      "18000000" + "04000000" + "0a000000" + "61002e00740078007400" + "0000" +
        "00000000" + "05000000" + "0c000000" + "620062002e00740078007400"
    )
    expect(expectRight(decodeFileNotifyInformation(buffer))).toEqual(entries)
  })

  it("decodes an empty buffer as no entries", () => {
    expect(expectRight(decodeFileNotifyInformation(new Uint8Array(0)))).toEqual([])
  })

  it("rejects a name or Next past the entry or the buffer", () => {
    const buffer = encodeFileNotifyInformation([
      { action: FileAction.ADDED, fileName: "x" },
      { action: FileAction.REMOVED, fileName: "y" }
    ])
    const name = Uint8Array.from(buffer)
    name[8] = 8
    expect(expectLeft(decodeFileNotifyInformation(name)).field).toBe("Entries[0].FileNameLength")
    const next = Uint8Array.from(buffer)
    next[0] = 0x40
    expect(expectLeft(decodeFileNotifyInformation(next)).field).toBe("Entries[0].NextEntryOffset")
    expect(expectLeft(decodeFileNotifyInformation(buffer.subarray(0, 20))).field).toBe("Entries[1]")
  })

  roundTrip("FileNotifyInformation", fileNotifyInformation, encodeFileNotifyInformation, decodeFileNotifyInformation, 200)

  fuzz({
    name: "decodeFileNotifyInformation",
    decode: decodeFileNotifyInformation,
    encode: encodeFileNotifyInformation,
    valid: fileNotifyInformation.filter((entries) => entries.length > 0).map(encodeFileNotifyInformation)
  })
})
