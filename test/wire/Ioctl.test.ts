import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  CtlCode,
  decodeIoctlRequest,
  decodeIoctlResponse,
  decodeValidateNegotiateInfoRequest,
  decodeValidateNegotiateInfoResponse,
  encodeIoctlRequest,
  encodeIoctlResponse,
  encodeValidateNegotiateInfoRequest,
  encodeValidateNegotiateInfoResponse,
  IoctlFlags,
  makeValidateNegotiateInfoIoctl,
  NO_FILE_ID
} from "../../src/wire/Ioctl.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, bytes16, expectLeft, expectRight, u16, u32 } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const ioctlRequest = FastCheck.record({
  ctlCode: u32,
  fileId: bytes16,
  input: bytes(100),
  maxInputResponse: u32,
  output: bytes(40),
  maxOutputResponse: u32,
  flags: u32
})

const ioctlResponse = FastCheck.record({
  ctlCode: u32,
  fileId: bytes16,
  input: bytes(40),
  output: bytes(100),
  flags: u32
})

const validateRequest = FastCheck.record({
  capabilities: u32,
  guid: bytes16,
  securityMode: u16,
  dialects: FastCheck.array(u16, { maxLength: 8 })
})

const validateResponse = FastCheck.record({ capabilities: u32, guid: bytes16, securityMode: u16, dialect: u16 })

const CLIENT_GUID = fromHex("0102030405060708090a0b0c0d0e0f10")

describe("IOCTL request", () => {
  it("carries VALIDATE_NEGOTIATE_INFO on the all-ones FileId (MS-SMB2 2.2.31, 2.2.31.4)", () => {
    const ioctl = makeValidateNegotiateInfoIoctl({
      capabilities: 0x7f,
      guid: CLIENT_GUID,
      securityMode: 1,
      dialects: [0x0202, 0x0210, 0x0300, 0x0302]
    })
    const body =
      "3900" + "0000" + "04021400" + "ff".repeat(16) +
      // InputOffset 120, InputCount 32, MaxInputResponse 0, OutputOffset 0, OutputCount 0, MaxOutputResponse 24
      "78000000" + "20000000" + "00000000" + "00000000" + "00000000" + "18000000" +
      // Flags IS_FSCTL, Reserved2
      "01000000" + "00000000" +
      "7f000000" + "0102030405060708090a0b0c0d0e0f10" + "0100" + "0400" + "0202" + "1002" + "0003" + "0203"
    expect(toHex(encodeIoctlRequest(ioctl))).toBe(body)
    const decoded = expectRight(decodeIoctlRequest(message(fromHex(body))))
    expect(decoded).toEqual(ioctl)
    expect(expectRight(decodeValidateNegotiateInfoRequest(decoded.input)).dialects).toEqual([0x0202, 0x0210, 0x0300, 0x0302])
    expect(NO_FILE_ID).toEqual(new Uint8Array(16).fill(0xff))
  })

  it("places an output buffer after the input at the next 8-byte boundary", () => {
    const body = encodeIoctlRequest({
      ctlCode: CtlCode.FSCTL_PIPE_TRANSCEIVE,
      fileId: new Uint8Array(16),
      input: fromHex("010203"),
      maxInputResponse: 0,
      output: fromHex("0405"),
      maxOutputResponse: 1024,
      flags: IoctlFlags.IS_FSCTL
    })
    expect(toHex(body.subarray(24, 44))).toBe("78000000" + "03000000" + "00000000" + "80000000" + "02000000")
    expect(toHex(body.subarray(56))).toBe("010203" + "0000000000" + "0405")
  })

  it("pads a request without buffers to the StructureSize of 57, with zero offsets", () => {
    const body = encodeIoctlRequest({
      ctlCode: CtlCode.FSCTL_QUERY_NETWORK_INTERFACE_INFO,
      fileId: NO_FILE_ID,
      input: new Uint8Array(0),
      maxInputResponse: 0,
      output: new Uint8Array(0),
      maxOutputResponse: 0x10000,
      flags: IoctlFlags.IS_FSCTL
    })
    expect(body.length).toBe(57)
    expect(toHex(body.subarray(24, 28))).toBe("00000000")
  })

  it("rejects a wrong StructureSize and buffers past the message", () => {
    const body = encodeIoctlRequest(
      makeValidateNegotiateInfoIoctl({ capabilities: 0, guid: CLIENT_GUID, securityMode: 0, dialects: [0x0300] })
    )
    expect(expectLeft(decodeIoctlRequest(message(body.map((b, i) => (i === 0 ? 49 : b))))).field).toBe("StructureSize")
    expect(expectLeft(decodeIoctlRequest(message(body.map((b, i) => (i === 28 ? 0xff : b))))).field).toBe("Input")
    expect(expectLeft(decodeIoctlRequest(message(body.map((b, i) => (i === 36 ? 0xf0 : i === 40 ? 1 : b))))).field).toBe("Output")
  })

  roundTrip("IoctlRequest", ioctlRequest, (x) => message(encodeIoctlRequest(x)), decodeIoctlRequest)

  fuzz({
    name: "decodeIoctlRequest",
    decode: decodeIoctlRequest,
    encode: encodeIoctlRequest,
    valid: ioctlRequest.map((x) => message(encodeIoctlRequest(x))),
    structureSize: 57
  })
})

describe("IOCTL response", () => {
  it("carries the VALIDATE_NEGOTIATE_INFO response at 112 (MS-SMB2 2.2.32, 2.2.32.6)", () => {
    const output = encodeValidateNegotiateInfoResponse({ capabilities: 0x27, guid: CLIENT_GUID, securityMode: 1, dialect: 0x0302 })
    const response = {
      ctlCode: CtlCode.FSCTL_VALIDATE_NEGOTIATE_INFO,
      fileId: NO_FILE_ID,
      input: new Uint8Array(0),
      output,
      flags: 0
    }
    const body =
      "3100" + "0000" + "04021400" + "ff".repeat(16) +
      // InputOffset 112, InputCount 0, OutputOffset 112, OutputCount 24, Flags, Reserved2
      "70000000" + "00000000" + "70000000" + "18000000" + "00000000" + "00000000" +
      "27000000" + "0102030405060708090a0b0c0d0e0f10" + "0100" + "0203"
    expect(toHex(encodeIoctlResponse(response))).toBe(body)
    const decoded = expectRight(decodeIoctlResponse(message(fromHex(body))))
    expect(decoded).toEqual(response)
    expect(expectRight(decodeValidateNegotiateInfoResponse(decoded.output))).toEqual({
      capabilities: 0x27,
      guid: CLIENT_GUID,
      securityMode: 1,
      dialect: 0x0302
    })
  })

  it("rejects a wrong StructureSize and an output past the message", () => {
    const body = encodeIoctlResponse({ ctlCode: 0, fileId: NO_FILE_ID, input: new Uint8Array(0), output: fromHex("01"), flags: 0 })
    expect(expectLeft(decodeIoctlResponse(message(body.map((b, i) => (i === 0 ? 57 : b))))).field).toBe("StructureSize")
    expect(expectLeft(decodeIoctlResponse(message(body.map((b, i) => (i === 36 ? 2 : b))))).field).toBe("Output")
  })

  roundTrip("IoctlResponse", ioctlResponse, (x) => message(encodeIoctlResponse(x)), decodeIoctlResponse)

  fuzz({
    name: "decodeIoctlResponse",
    decode: decodeIoctlResponse,
    encode: encodeIoctlResponse,
    valid: ioctlResponse.map((x) => message(encodeIoctlResponse(x))),
    structureSize: 49
  })
})

describe("VALIDATE_NEGOTIATE_INFO", () => {
  it("rejects a dialect list longer than the buffer and a short response", () => {
    const request = encodeValidateNegotiateInfoRequest({ capabilities: 0, guid: CLIENT_GUID, securityMode: 0, dialects: [0x0300] })
    expect(expectLeft(decodeValidateNegotiateInfoRequest(request.map((b, i) => (i === 22 ? 2 : b))))).toMatchObject({
      structure: "ValidateNegotiateInfoRequest",
      field: "Dialects"
    })
    expect(expectLeft(decodeValidateNegotiateInfoResponse(new Uint8Array(23))).field).toBe("Dialect")
  })

  roundTrip("ValidateNegotiateInfoRequest", validateRequest, encodeValidateNegotiateInfoRequest, decodeValidateNegotiateInfoRequest)
  roundTrip(
    "ValidateNegotiateInfoResponse",
    validateResponse,
    encodeValidateNegotiateInfoResponse,
    decodeValidateNegotiateInfoResponse
  )

  fuzz({
    name: "decodeValidateNegotiateInfoRequest",
    decode: decodeValidateNegotiateInfoRequest,
    encode: encodeValidateNegotiateInfoRequest,
    valid: validateRequest.map(encodeValidateNegotiateInfoRequest)
  })
  fuzz({
    name: "decodeValidateNegotiateInfoResponse",
    decode: decodeValidateNegotiateInfoResponse,
    encode: encodeValidateNegotiateInfoResponse,
    valid: validateResponse.map(encodeValidateNegotiateInfoResponse)
  })
})
