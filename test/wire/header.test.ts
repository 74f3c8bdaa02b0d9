import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command, commandName } from "../../src/wire/Command.js"
import {
  decodeHeader,
  encodeHeader,
  HEADER_SIZE,
  HeaderFlags,
  isAsync,
  isRelated,
  isResponse,
  isSigned,
  makeHeader,
  writeHeader
} from "../../src/wire/Header.js"
import { isError, Status, statusName } from "../../src/wire/Status.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, fixedBytes, u16, u32, u64 } from "../support/codec.js"
import { fuzzDecoder } from "./wireTestKit.js"

// The final SESSION_SETUP response header of the Windows SMB 3.1.1 trace in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
// (Appendix: key derivation examples, master session).
const SIGNED_RESPONSE_HEADER = fromHex(
  "FE534D4240000100000000000100800009000000000000000300000000000000" +
    "FFFE0000000000001900000000100000EBE146DA120BA25FC3376A49DFE31BC1"
)

const syncHeader = FastCheck.record({
  creditCharge: u16,
  status: u32,
  command: u16,
  credits: u16,
  flags: u32.map((flags) => (flags & ~HeaderFlags.ASYNC_COMMAND) >>> 0),
  nextCommand: u32,
  messageId: u64,
  asyncId: FastCheck.constant(0n),
  processId: u32,
  treeId: u32,
  sessionId: u64,
  signature: fixedBytes(16)
})

const asyncHeader = FastCheck.record({
  creditCharge: u16,
  status: u32,
  command: u16,
  credits: u16,
  flags: u32.map((flags) => (flags | HeaderFlags.ASYNC_COMMAND) >>> 0),
  nextCommand: u32,
  messageId: u64,
  asyncId: u64,
  processId: FastCheck.constant(0),
  treeId: FastCheck.constant(0),
  sessionId: u64,
  signature: fixedBytes(16)
})

describe("Header", () => {
  it("decodes a captured Windows response header", () => {
    const header = expectRight(decodeHeader(SIGNED_RESPONSE_HEADER))
    expect(header).toEqual({
      creditCharge: 1,
      status: Status.SUCCESS,
      command: Command.SESSION_SETUP,
      credits: 128,
      flags: HeaderFlags.SERVER_TO_REDIR | HeaderFlags.SIGNED,
      nextCommand: 0,
      messageId: 3n,
      asyncId: 0n,
      processId: 0xfeff,
      treeId: 0,
      sessionId: 0x100000000019n,
      signature: fromHex("EBE146DA120BA25FC3376A49DFE31BC1")
    })
    expect(isResponse(header)).toBe(true)
    expect(isSigned(header)).toBe(true)
    expect(isAsync(header)).toBe(false)
    expect(isRelated(header)).toBe(false)
    expect(toHex(encodeHeader(header))).toBe(toHex(SIGNED_RESPONSE_HEADER))
  })

  it("writes the async form: AsyncId in place of ProcessId and TreeId", () => {
    const header = makeHeader({
      command: Command.CHANGE_NOTIFY,
      messageId: 9n,
      flags: HeaderFlags.SERVER_TO_REDIR | HeaderFlags.ASYNC_COMMAND,
      status: Status.PENDING,
      asyncId: 0x0102030405060708n,
      processId: 0xaaaaaaaa,
      treeId: 0xbbbbbbbb
    })
    const bytes = encodeHeader(header)
    expect(toHex(bytes.subarray(32, 40))).toBe("0807060504030201")
    const decoded = expectRight(decodeHeader(bytes))
    expect(decoded.asyncId).toBe(0x0102030405060708n)
    expect(decoded.processId).toBe(0)
    expect(decoded.treeId).toBe(0)
    expect(isAsync(decoded)).toBe(true)
  })

  it("writes at an offset inside a larger buffer", () => {
    const out = new Uint8Array(HEADER_SIZE + 8)
    writeHeader(makeHeader({ command: Command.ECHO, messageId: 5n }), out, 8)
    expect(expectRight(decodeHeader(out.subarray(8))).command).toBe(Command.ECHO)
  })

  it("rejects a wrong ProtocolId, StructureSize and a short header", () => {
    const bytes = encodeHeader(makeHeader({ command: Command.ECHO, messageId: 1n }))
    const transform = Uint8Array.from(bytes)
    transform[0] = 0xfd
    expect(expectLeft(decodeHeader(transform)).field).toBe("ProtocolId")
    const size = Uint8Array.from(bytes)
    size[4] = 65
    expect(expectLeft(decodeHeader(size)).field).toBe("StructureSize")
    const short = expectLeft(decodeHeader(bytes.subarray(0, 63)))
    expect(short.reason).toBe("OutOfBounds")
    expect(short.field).toBe("Header")
  })

  it.prop("round-trips the sync form", { header: syncHeader }, ({ header }) => {
    expect(expectRight(decodeHeader(encodeHeader(header)))).toEqual(header)
  }, { fastCheck: { seed: 42, numRuns: 300 } })

  it.prop("round-trips the async form", { header: asyncHeader }, ({ header }) => {
    expect(expectRight(decodeHeader(encodeHeader(header)))).toEqual(header)
  }, { fastCheck: { seed: 42, numRuns: 300 } })

  it("names flags by their bits", () => {
    const header = makeHeader({
      command: Command.CREATE,
      messageId: 2n,
      flags: HeaderFlags.RELATED_OPERATIONS | HeaderFlags.DFS_OPERATIONS
    })
    expect(isRelated(header)).toBe(true)
    expect(isResponse(header)).toBe(false)
    expect(isSigned(header)).toBe(false)
    expect(expectRight(decodeHeader(encodeHeader(header))).flags).toBe(0x10000004)
  })

  fuzzDecoder("decodeHeader", decodeHeader, {
    seeds: [SIGNED_RESPONSE_HEADER],
    numRuns: 1000,
    reencode: encodeHeader,
    prefix: fromHex("FE534D424000")
  })
})

describe("Status", () => {
  it("names known statuses", () => {
    expect(statusName(0xc000006d)).toBe("STATUS_LOGON_FAILURE")
    expect(statusName(Status.MORE_PROCESSING_REQUIRED)).toBe("STATUS_MORE_PROCESSING_REQUIRED")
    expect(statusName(0)).toBe("STATUS_SUCCESS")
    expect(statusName(0x103)).toBe("STATUS_PENDING")
  })

  it("renders unknown statuses in hex, also from a signed 32-bit value", () => {
    expect(statusName(0xc0001234)).toBe("0xC0001234")
    expect(statusName(0xc0001234 | 0)).toBe("0xC0001234")
    expect(statusName(0xc000006d | 0)).toBe("STATUS_LOGON_FAILURE")
  })

  it("tells errors from warnings and successes", () => {
    expect(isError(Status.ACCESS_DENIED)).toBe(true)
    expect(isError(Status.BUFFER_OVERFLOW)).toBe(false)
    expect(isError(Status.PENDING)).toBe(false)
    expect(isError(Status.SUCCESS)).toBe(false)
  })
})

describe("Command", () => {
  it("names commands, and unknown ones in hex", () => {
    expect(commandName(Command.NEGOTIATE)).toBe("NEGOTIATE")
    expect(commandName(0x0013)).toBe("SERVER_TO_CLIENT_NOTIFICATION")
    expect(commandName(0x0042)).toBe("COMMAND_0x0042")
  })
})
