import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command } from "../../src/wire/Command.js"
import { OplockLevel } from "../../src/wire/Create.js"
import { LeaseState } from "../../src/wire/CreateContext.js"
import { encodeHeader, HeaderFlags, makeHeader, UNSOLICITED_MESSAGE_ID } from "../../src/wire/Header.js"
import {
  decodeLeaseBreakAcknowledgment,
  decodeLeaseBreakNotification,
  decodeLeaseBreakResponse,
  decodeOplockBreak,
  decodeOplockBreakAcknowledgment,
  decodeOplockBreakNotification,
  decodeOplockBreakRequest,
  decodeOplockBreakResponse,
  encodeLeaseBreakAcknowledgment,
  encodeLeaseBreakNotification,
  encodeLeaseBreakResponse,
  encodeOplockBreak,
  encodeOplockBreakAcknowledgment,
  encodeOplockBreakNotification,
  encodeOplockBreakRequest,
  encodeOplockBreakResponse,
  LeaseBreakFlags
} from "../../src/wire/OplockBreak.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes16, expectLeft, expectRight, u16, u32, u64, u8 } from "../support/codec.js"
import { fuzz, message, roundTrip } from "./bodyCodecTesting.js"

const unsolicited = encodeHeader(
  makeHeader({ command: Command.OPLOCK_BREAK, messageId: UNSOLICITED_MESSAGE_ID, flags: HeaderFlags.SERVER_TO_REDIR })
)
const answer = encodeHeader(makeHeader({ command: Command.OPLOCK_BREAK, messageId: 9n, flags: HeaderFlags.SERVER_TO_REDIR }))

const oplockForm = { oplockLevel: u8, fileId: bytes16 }
const oplockNotification = FastCheck.record({ _tag: FastCheck.constant("OplockBreakNotification" as const), ...oplockForm })
const oplockAcknowledgment = FastCheck.record({ _tag: FastCheck.constant("OplockBreakAcknowledgment" as const), ...oplockForm })
const oplockResponse = FastCheck.record({ _tag: FastCheck.constant("OplockBreakResponse" as const), ...oplockForm })
const leaseNotification = FastCheck.record({
  _tag: FastCheck.constant("LeaseBreakNotification" as const),
  newEpoch: u16,
  flags: u32,
  leaseKey: bytes16,
  currentLeaseState: u32,
  newLeaseState: u32,
  breakReason: u32,
  accessMaskHint: u32,
  shareMaskHint: u32
})
const leaseAckForm = { flags: u32, leaseKey: bytes16, leaseState: u32, leaseDuration: u64 }
const leaseAcknowledgment = FastCheck.record({ _tag: FastCheck.constant("LeaseBreakAcknowledgment" as const), ...leaseAckForm })
const leaseResponse = FastCheck.record({ _tag: FastCheck.constant("LeaseBreakResponse" as const), ...leaseAckForm })

const LEASE_KEY = fromHex("00112233445566778899aabbccddeeff")

describe("OPLOCK_BREAK layouts", () => {
  it("lays out the oplock form: notification, acknowledgment and response (MS-SMB2 2.2.23.1, 2.2.24.1, 2.2.25.1)", () => {
    const fields = { oplockLevel: OplockLevel.II, fileId: fromHex("01".repeat(8) + "02".repeat(8)) }
    const body = "1800" + "01" + "00" + "00000000" + "01".repeat(8) + "02".repeat(8)
    expect(toHex(encodeOplockBreakNotification({ _tag: "OplockBreakNotification", ...fields }))).toBe(body)
    expect(toHex(encodeOplockBreakAcknowledgment({ _tag: "OplockBreakAcknowledgment", ...fields }))).toBe(body)
    expect(toHex(encodeOplockBreakResponse({ _tag: "OplockBreakResponse", ...fields }))).toBe(body)
    expect(expectRight(decodeOplockBreakAcknowledgment(message(fromHex(body))))).toEqual({ _tag: "OplockBreakAcknowledgment", ...fields })
  })

  it("lays out a lease break notification (MS-SMB2 2.2.23.2)", () => {
    const notification = {
      _tag: "LeaseBreakNotification" as const,
      newEpoch: 2,
      flags: LeaseBreakFlags.ACK_REQUIRED,
      leaseKey: LEASE_KEY,
      currentLeaseState: LeaseState.READ_CACHING | LeaseState.WRITE_CACHING,
      newLeaseState: LeaseState.READ_CACHING,
      breakReason: 0,
      accessMaskHint: 0,
      shareMaskHint: 0
    }
    const body =
      "2c00" + "0200" + "01000000" + "00112233445566778899aabbccddeeff" + "05000000" + "01000000" + "00000000" +
      "00000000" + "00000000"
    expect(toHex(encodeLeaseBreakNotification(notification))).toBe(body)
    expect(expectRight(decodeLeaseBreakNotification(message(fromHex(body), unsolicited)))).toEqual(notification)
  })

  it("lays out a lease break acknowledgment and response (MS-SMB2 2.2.24.2, 2.2.25.2)", () => {
    const fields = { flags: 0, leaseKey: LEASE_KEY, leaseState: LeaseState.READ_CACHING, leaseDuration: 0n }
    const body = "2400" + "0000" + "00000000" + "00112233445566778899aabbccddeeff" + "01000000" + "0000000000000000"
    expect(toHex(encodeLeaseBreakAcknowledgment({ _tag: "LeaseBreakAcknowledgment", ...fields }))).toBe(body)
    expect(toHex(encodeLeaseBreakResponse({ _tag: "LeaseBreakResponse", ...fields }))).toBe(body)
    expect(expectRight(decodeLeaseBreakResponse(message(fromHex(body))))).toEqual({ _tag: "LeaseBreakResponse", ...fields })
  })
})

describe("telling OPLOCK_BREAK messages apart", () => {
  const fileId = fromHex("aa".repeat(16))

  it("reads StructureSize 24 as a notification when unsolicited, as a response otherwise", () => {
    const body = encodeOplockBreakNotification({ _tag: "OplockBreakNotification", oplockLevel: 0, fileId })
    expect(expectRight(decodeOplockBreak(message(body, unsolicited)))._tag).toBe("OplockBreakNotification")
    expect(expectRight(decodeOplockBreak(message(body, answer)))._tag).toBe("OplockBreakResponse")
  })

  it("reads StructureSize 44 as a lease break notification and 36 as a lease break response", () => {
    const notification = encodeLeaseBreakNotification({
      _tag: "LeaseBreakNotification",
      newEpoch: 0,
      flags: 0,
      leaseKey: LEASE_KEY,
      currentLeaseState: 7,
      newLeaseState: 3,
      breakReason: 0,
      accessMaskHint: 0,
      shareMaskHint: 0
    })
    expect(expectRight(decodeOplockBreak(message(notification, unsolicited)))._tag).toBe("LeaseBreakNotification")
    const response = encodeLeaseBreakResponse({
      _tag: "LeaseBreakResponse",
      flags: 0,
      leaseKey: LEASE_KEY,
      leaseState: 3,
      leaseDuration: 0n
    })
    expect(expectRight(decodeOplockBreak(message(response, answer)))._tag).toBe("LeaseBreakResponse")
  })

  it("reads a client's acknowledgment by StructureSize", () => {
    const oplock = encodeOplockBreakRequest({ _tag: "OplockBreakAcknowledgment", oplockLevel: 0, fileId })
    expect(expectRight(decodeOplockBreakRequest(message(oplock)))._tag).toBe("OplockBreakAcknowledgment")
    const lease = encodeOplockBreakRequest({
      _tag: "LeaseBreakAcknowledgment",
      flags: 0,
      leaseKey: LEASE_KEY,
      leaseState: 1,
      leaseDuration: 0n
    })
    expect(lease.length).toBe(36)
    expect(expectRight(decodeOplockBreakRequest(message(lease)))._tag).toBe("LeaseBreakAcknowledgment")
  })

  it("rejects other StructureSizes and cut bodies", () => {
    expect(expectLeft(decodeOplockBreak(message(fromHex("2000" + "00".repeat(30)), unsolicited)))).toMatchObject({
      structure: "OplockBreak",
      field: "StructureSize",
      reason: "Invalid"
    })
    expect(expectLeft(decodeOplockBreakRequest(message(fromHex("2c00" + "00".repeat(42))))).field).toBe("StructureSize")
    expect(expectLeft(decodeOplockBreak(message(fromHex("2c00" + "00".repeat(20)), unsolicited))).field).toBe("Body")
    expect(expectLeft(decodeOplockBreakNotification(message(fromHex("1800" + "00".repeat(10))))).field).toBe("FileId")
    expect(expectLeft(decodeLeaseBreakAcknowledgment(message(fromHex("2400" + "00".repeat(10))))).field).toBe("Body")
  })

  it("encodes whichever server message it is given", () => {
    const response = { _tag: "OplockBreakResponse" as const, oplockLevel: 1, fileId }
    expect(expectRight(decodeOplockBreak(message(encodeOplockBreak(response), answer)))).toEqual(response)
  })
})

describe("OPLOCK_BREAK round trips and robustness", () => {
  const withUnsolicited = (body: Uint8Array) => message(body, unsolicited)
  const withAnswer = (body: Uint8Array) => message(body, answer)

  roundTrip(
    "OplockBreakNotification",
    oplockNotification,
    (x) => withUnsolicited(encodeOplockBreakNotification(x)),
    decodeOplockBreakNotification
  )
  roundTrip(
    "OplockBreakAcknowledgment",
    oplockAcknowledgment,
    (x) => message(encodeOplockBreakAcknowledgment(x)),
    decodeOplockBreakAcknowledgment
  )
  roundTrip(
    "OplockBreakResponse",
    oplockResponse,
    (x) => withAnswer(encodeOplockBreakResponse(x)),
    decodeOplockBreakResponse
  )
  roundTrip(
    "LeaseBreakNotification",
    leaseNotification,
    (x) => withUnsolicited(encodeLeaseBreakNotification(x)),
    decodeLeaseBreakNotification
  )
  roundTrip(
    "LeaseBreakAcknowledgment",
    leaseAcknowledgment,
    (x) => message(encodeLeaseBreakAcknowledgment(x)),
    decodeLeaseBreakAcknowledgment
  )
  roundTrip(
    "LeaseBreakResponse",
    leaseResponse,
    (x) => withAnswer(encodeLeaseBreakResponse(x)),
    decodeLeaseBreakResponse
  )

  const serverMessage = FastCheck.oneof(
    oplockNotification.map((x) => withUnsolicited(encodeOplockBreak(x))),
    oplockResponse.map((x) => withAnswer(encodeOplockBreak(x))),
    leaseNotification.map((x) => withUnsolicited(encodeOplockBreak(x))),
    leaseResponse.map((x) => withAnswer(encodeOplockBreak(x)))
  )
  const clientMessage = FastCheck.oneof(oplockAcknowledgment, leaseAcknowledgment).map((x) => message(encodeOplockBreakRequest(x)))

  it.prop(
    "decodeOplockBreak(encodeOplockBreak(x)) = x, with the MessageId that goes with x",
    { x: FastCheck.oneof(oplockNotification, oplockResponse, leaseNotification, leaseResponse) },
    ({ x }) => {
      const header = x._tag === "OplockBreakNotification" || x._tag === "LeaseBreakNotification" ? unsolicited : answer
      expect(expectRight(decodeOplockBreak(message(encodeOplockBreak(x), header)))).toEqual(x)
    },
    { fastCheck: { seed: 42, numRuns: 100 } }
  )

  it.prop(
    "decodeOplockBreakRequest(encodeOplockBreakRequest(x)) = x",
    { x: FastCheck.oneof(oplockAcknowledgment, leaseAcknowledgment) },
    ({ x }) => {
      expect(expectRight(decodeOplockBreakRequest(message(encodeOplockBreakRequest(x))))).toEqual(x)
    },
    { fastCheck: { seed: 42, numRuns: 100 } }
  )

  fuzz({ name: "decodeOplockBreak", decode: decodeOplockBreak, encode: encodeOplockBreak, valid: serverMessage, structureSize: 24 })
  fuzz({
    name: "decodeOplockBreakRequest",
    decode: decodeOplockBreakRequest,
    encode: encodeOplockBreakRequest,
    valid: clientMessage,
    structureSize: 36
  })
  fuzz({
    name: "decodeOplockBreakNotification",
    decode: decodeOplockBreakNotification,
    encode: encodeOplockBreakNotification,
    valid: oplockNotification.map((x) => withUnsolicited(encodeOplockBreakNotification(x))),
    structureSize: 24
  })
  fuzz({
    name: "decodeOplockBreakAcknowledgment",
    decode: decodeOplockBreakAcknowledgment,
    encode: encodeOplockBreakAcknowledgment,
    valid: oplockAcknowledgment.map((x) => message(encodeOplockBreakAcknowledgment(x))),
    structureSize: 24
  })
  fuzz({
    name: "decodeOplockBreakResponse",
    decode: decodeOplockBreakResponse,
    encode: encodeOplockBreakResponse,
    valid: oplockResponse.map((x) => withAnswer(encodeOplockBreakResponse(x))),
    structureSize: 24
  })
  fuzz({
    name: "decodeLeaseBreakNotification",
    decode: decodeLeaseBreakNotification,
    encode: encodeLeaseBreakNotification,
    valid: leaseNotification.map((x) => withUnsolicited(encodeLeaseBreakNotification(x))),
    structureSize: 44
  })
  fuzz({
    name: "decodeLeaseBreakAcknowledgment",
    decode: decodeLeaseBreakAcknowledgment,
    encode: encodeLeaseBreakAcknowledgment,
    valid: leaseAcknowledgment.map((x) => message(encodeLeaseBreakAcknowledgment(x))),
    structureSize: 36
  })
  fuzz({
    name: "decodeLeaseBreakResponse",
    decode: decodeLeaseBreakResponse,
    encode: encodeLeaseBreakResponse,
    valid: leaseResponse.map((x) => withAnswer(encodeLeaseBreakResponse(x))),
    structureSize: 36
  })
})
