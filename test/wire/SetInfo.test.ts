import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  encodeFileDispositionInformation,
  FileInformationClass,
  InfoType
} from "../../src/wire/FileInformation.js"
import { decodeSetInfoRequest, decodeSetInfoResponse, encodeSetInfoRequest, encodeSetInfoResponse } from "../../src/wire/SetInfo.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u32, u8 } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const setInfoRequest = FastCheck.record({
  infoType: u8,
  fileInfoClass: u8,
  additionalInformation: u32,
  fileId: bytes16,
  buffer: bytes(100)
})

describe("SET_INFO", () => {
  it("lays out a delete-on-close disposition (MS-SMB2 2.2.39)", () => {
    const request = {
      infoType: InfoType.FILE,
      fileInfoClass: FileInformationClass.FileDispositionInformation,
      additionalInformation: 0,
      fileId: fromHex("bb".repeat(16)),
      buffer: encodeFileDispositionInformation({ deletePending: true })
    }
    const body = "2100" + "01" + "0d" + "01000000" + "6000" + "0000" + "00000000" + "bb".repeat(16) + "01"
    expect(toHex(encodeSetInfoRequest(request))).toBe(body)
    expect(expectRight(decodeSetInfoRequest(message(fromHex(body))))).toEqual(request)
  })

  it("lays out the response (MS-SMB2 2.2.40)", () => {
    expect(toHex(encodeSetInfoResponse({}))).toBe("0200")
    expect(expectRight(decodeSetInfoResponse(message(fromHex("0200"))))).toEqual({})
    expect(expectLeft(decodeSetInfoResponse(message(fromHex("0400")))).field).toBe("StructureSize")
  })

  it("rejects a wrong StructureSize and a buffer past the message", () => {
    const body = fromHex("2100" + "01" + "0d" + "02000000" + "6000" + "0000" + "00000000" + "bb".repeat(16) + "01")
    expect(expectLeft(decodeSetInfoRequest(message(body))).field).toBe("Buffer")
    expect(expectLeft(decodeSetInfoRequest(message(body.map((b, i) => (i === 0 ? 32 : b))))).field).toBe("StructureSize")
  })

  roundTrip("SetInfoRequest", setInfoRequest, (x) => message(encodeSetInfoRequest(x)), decodeSetInfoRequest)

  fuzz({
    name: "decodeSetInfoRequest",
    decode: decodeSetInfoRequest,
    encode: encodeSetInfoRequest,
    valid: setInfoRequest.map((x) => message(encodeSetInfoRequest(x))),
    structureSize: 33
  })
  fuzz({
    name: "decodeSetInfoResponse",
    decode: decodeSetInfoResponse,
    encode: encodeSetInfoResponse,
    valid: FastCheck.constant(message(encodeSetInfoResponse({}))),
    structureSize: 2
  })
})
