import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  AccessMask,
  CreateAction,
  CreateDisposition,
  CreateOptions,
  decodeCreateRequest,
  decodeCreateResponse,
  encodeCreateRequest,
  encodeCreateResponse,
  FileAttributes,
  ImpersonationLevel,
  OplockLevel,
  ShareAccess
} from "../../src/wire/Create.js"
import { encodeMaximalAccessResponse } from "../../src/wire/CreateContext.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes16, expectLeft, expectRight, u32, u8 } from "../support/codec.js"
import { createContext, fuzz, message, networkOpenFields, roundTrip, utf16 } from "./bodyCodecTesting.js"

const createRequest = FastCheck.record({
  requestedOplockLevel: u8,
  impersonationLevel: u32,
  desiredAccess: u32,
  fileAttributes: u32,
  shareAccess: u32,
  createDisposition: u32,
  createOptions: u32,
  name: utf16(40),
  contexts: FastCheck.array(createContext, { maxLength: 4 })
})

const createResponse = FastCheck.record({
  oplockLevel: u8,
  flags: u8,
  createAction: u32,
  ...networkOpenFields,
  fileId: bytes16,
  contexts: FastCheck.array(createContext, { maxLength: 4 })
})

// Written out field by field from MS-SMB2 2.2.13 and 2.2.13.2.
const OPEN_FOR_READ = {
  requestedOplockLevel: OplockLevel.NONE,
  impersonationLevel: ImpersonationLevel.IMPERSONATION,
  desiredAccess:
    AccessMask.FILE_READ_DATA | AccessMask.FILE_READ_EA | AccessMask.FILE_READ_ATTRIBUTES | AccessMask.READ_CONTROL |
    AccessMask.SYNCHRONIZE,
  fileAttributes: 0,
  shareAccess: ShareAccess.READ | ShareAccess.WRITE | ShareAccess.DELETE,
  createDisposition: CreateDisposition.OPEN,
  createOptions: CreateOptions.NON_DIRECTORY_FILE,
  name: "a\\b.txt",
  contexts: [
    { name: "MxAc", data: new Uint8Array(0) },
    { name: "QFid", data: new Uint8Array(0) }
  ]
}
const OPEN_FOR_READ_BODY =
  "3900" + "00" + "00" + "02000000" + "0000000000000000" + "0000000000000000" +
  "89001200" + "00000000" + "07000000" + "01000000" + "40000000" +
  // NameOffset 120, NameLength 14, CreateContextsOffset 136 (next 8-byte boundary), Length 44
  "7800" + "0e00" + "88000000" + "2c000000" +
  "61005c0062002e00740078007400" + "0000" +
  "18000000" + "1000" + "0400" + "0000" + "0000" + "00000000" + "4d784163" + "00000000" +
  "00000000" + "1000" + "0400" + "0000" + "0000" + "00000000" + "51466964"

describe("CREATE request", () => {
  it("lays out the fixed part, the name at 120 and the contexts at the next 8-byte boundary", () => {
    expect(toHex(encodeCreateRequest(OPEN_FOR_READ))).toBe(OPEN_FOR_READ_BODY)
    expect(expectRight(decodeCreateRequest(message(fromHex(OPEN_FOR_READ_BODY))))).toEqual(OPEN_FOR_READ)
  })

  it("sends the share root as an empty name, padded to the StructureSize of 57", () => {
    const body = encodeCreateRequest({ ...OPEN_FOR_READ, name: "", contexts: [] })
    expect(body.length).toBe(57)
    expect(toHex(body.subarray(44, 56))).toBe("7800" + "0000" + "00000000" + "00000000")
    expect(expectRight(decodeCreateRequest(message(body))).name).toBe("")
  })

  it("rejects a wrong StructureSize, a name or contexts past the message, an odd name length", () => {
    const valid = message(fromHex(OPEN_FOR_READ_BODY))
    const size = Uint8Array.from(valid)
    size[64] = 56
    expect(expectLeft(decodeCreateRequest(size)).field).toBe("StructureSize")
    const name = Uint8Array.from(valid)
    name[64 + 46] = 0xff
    expect(expectLeft(decodeCreateRequest(name))).toMatchObject({ structure: "CreateRequest", field: "Name" })
    const odd = Uint8Array.from(valid)
    odd[64 + 46] = 13
    expect(expectLeft(decodeCreateRequest(odd))).toMatchObject({ field: "Name", reason: "Invalid" })
    const contexts = Uint8Array.from(valid)
    contexts[64 + 52] = 0x30
    expect(expectLeft(decodeCreateRequest(contexts)).field).toBe("CreateContexts")
    expect(expectLeft(decodeCreateRequest(valid.subarray(0, 100))).field).toBe("Body")
  })

  roundTrip("CreateRequest", createRequest, (x) => message(encodeCreateRequest(x)), decodeCreateRequest)

  fuzz({
    name: "decodeCreateRequest",
    decode: decodeCreateRequest,
    encode: encodeCreateRequest,
    valid: createRequest.map((x) => message(encodeCreateRequest(x))),
    structureSize: 57
  })
})

describe("CREATE response", () => {
  const OPENED = {
    oplockLevel: OplockLevel.NONE,
    flags: 0,
    createAction: CreateAction.OPENED,
    creationTime: 0x01db4bae9638083cn,
    lastAccessTime: 0x01db586b704b55c8n,
    lastWriteTime: 0x01db4bc8c1cd0c62n,
    changeTime: 0x01db4bc8c1cd0c62n,
    allocationSize: 0n,
    endOfFile: 0n,
    fileAttributes: FileAttributes.DIRECTORY,
    fileId: fromHex("0100000000000000" + "0200000000000000"),
    contexts: [{ name: "MxAc", data: encodeMaximalAccessResponse({ queryStatus: 0, maximalAccess: 0x001f01ff }) }]
  }
  // Written out field by field from MS-SMB2 2.2.14 and 2.2.14.2.5.
  const OPENED_BODY =
    "5900" + "00" + "00" + "01000000" +
    "3c083896ae4bdb01" + "c8554b706b58db01" + "620ccdc1c84bdb01" + "620ccdc1c84bdb01" +
    "0000000000000000" + "0000000000000000" + "10000000" + "00000000" +
    "0100000000000000" + "0200000000000000" +
    // CreateContextsOffset 152, CreateContextsLength 32
    "98000000" + "20000000" +
    "00000000" + "1000" + "0400" + "0000" + "1800" + "08000000" + "4d784163" + "00000000" + "00000000" + "ff011f00"

  it("lays out the fixed part and the contexts at 152", () => {
    expect(toHex(encodeCreateResponse(OPENED))).toBe(OPENED_BODY)
    const decoded = expectRight(decodeCreateResponse(message(fromHex(OPENED_BODY))))
    expect(decoded).toEqual(OPENED)
  })

  it("pads a response without contexts to the StructureSize of 89", () => {
    const body = encodeCreateResponse({ ...OPENED, contexts: [] })
    expect(body.length).toBe(89)
    expect(toHex(body.subarray(80, 88))).toBe("0000000000000000")
    expect(expectRight(decodeCreateResponse(message(body))).contexts).toEqual([])
  })

  it("rejects a wrong StructureSize, a cut body and contexts past the message", () => {
    const valid = message(fromHex(OPENED_BODY))
    const size = Uint8Array.from(valid)
    size[64] = 88
    expect(expectLeft(decodeCreateResponse(size)).field).toBe("StructureSize")
    expect(expectLeft(decodeCreateResponse(valid.subarray(0, 64 + 87))).field).toBe("Body")
    const next = Uint8Array.from(valid)
    next[152] = 0x28
    expect(expectLeft(decodeCreateResponse(next)).field).toBe("CreateContexts[0].Next")
  })

  roundTrip("CreateResponse", createResponse, (x) => message(encodeCreateResponse(x)), decodeCreateResponse)

  fuzz({
    name: "decodeCreateResponse",
    decode: decodeCreateResponse,
    encode: encodeCreateResponse,
    valid: createResponse.map((x) => message(encodeCreateResponse(x))),
    structureSize: 89
  })
})
