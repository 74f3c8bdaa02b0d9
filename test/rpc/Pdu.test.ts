/**
 * The DCE/RPC PDU codecs (src/rpc/Pdu.ts): the bytes of a real bind and bind_ack (Samba 4.17,
 * test/rpc/fixtures.ts), round trips of every PDU this client writes or reads, and robustness:
 * random and mutated bytes decode to a PDU or to a DecodeError, never a throw (seeded).
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  ContextResult,
  decodePdu,
  encodeBind,
  encodeBindAck,
  encodeBindNak,
  encodeFault,
  encodeRequest,
  encodeResponse,
  encodeUuid,
  fragmentLength,
  PduType,
  PfcFlags,
  uuidText
} from "../../src/rpc/Pdu.js"
import { NDR20, SRVSVC } from "../../src/rpc/Srvsvc.js"
import { toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, u16, u32, u8 } from "../support/codec.js"
import { fuzzDecoder } from "../wire/wireTestKit.js"
import { BIND, BIND_ACK, SHARE_ENUM_REQUEST, SHARE_ENUM_RESPONSE } from "./fixtures.js"

const SEED = 42

const uuid = FastCheck.uint8Array({ minLength: 16, maxLength: 16 }).map(uuidText)
const syntax = FastCheck.record({ uuid, major: u16, minor: u16 })
const context = FastCheck.record({
  contextId: u16,
  abstractSyntax: syntax,
  transferSyntaxes: FastCheck.array(syntax, { maxLength: 3 })
})
const ascii = FastCheck.string({ unit: FastCheck.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 })

const bind = FastCheck.record({
  flags: u8,
  callId: u32,
  maxXmitFrag: u16,
  maxRecvFrag: u16,
  assocGroupId: u32,
  contexts: FastCheck.array(context, { maxLength: 3 })
})
const bindAck = FastCheck.record({
  flags: u8,
  callId: u32,
  maxXmitFrag: u16,
  maxRecvFrag: u16,
  assocGroupId: u32,
  secondaryAddress: ascii,
  results: FastCheck.array(FastCheck.record({ result: u16, reason: u16, transferSyntax: syntax }), { maxLength: 3 })
})
const bindNak = FastCheck.record({
  flags: u8,
  callId: u32,
  rejectReason: u16,
  versions: FastCheck.array(FastCheck.record({ major: u8, minor: u8 }), { maxLength: 3 })
})
const request = FastCheck.record({
  flags: u8.map((f) => f & ~PfcFlags.OBJECT_UUID),
  callId: u32,
  allocHint: u32,
  contextId: u16,
  opnum: u16,
  stub: bytes(100)
})
const response = FastCheck.record({ flags: u8, callId: u32, allocHint: u32, contextId: u16, cancelCount: u8, stub: bytes(100) })
const fault = FastCheck.record({ flags: u8, callId: u32, allocHint: u32, contextId: u16, cancelCount: u8, status: u32 })

describe("DCE/RPC PDUs: real bytes", () => {
  it("the bind offers srvsvc 3.0 in NDR 2.0 (C706 12.6.4.3): the bytes Samba accepted", () => {
    const encoded = encodeBind({
      flags: PfcFlags.FIRST_FRAG | PfcFlags.LAST_FRAG,
      callId: 1,
      maxXmitFrag: 4280,
      maxRecvFrag: 4280,
      assocGroupId: 0,
      contexts: [{ contextId: 0, abstractSyntax: SRVSVC, transferSyntaxes: [NDR20] }]
    })
    expect(toHex(encoded)).toBe(toHex(BIND))
    expect(expectRight(decodePdu(BIND))).toMatchObject({ _tag: "Bind", contexts: [{ abstractSyntax: SRVSVC, transferSyntaxes: [NDR20] }] })
  })

  it("Samba's bind_ack accepts NDR 2.0 and names the pipe", () => {
    expect(expectRight(decodePdu(BIND_ACK))).toEqual({
      _tag: "BindAck",
      flags: PfcFlags.FIRST_FRAG | PfcFlags.LAST_FRAG,
      callId: 1,
      maxXmitFrag: 4280,
      maxRecvFrag: 4280,
      assocGroupId: 0xbd7f,
      secondaryAddress: "\\pipe\\srvsvc",
      results: [{ result: ContextResult.ACCEPTANCE, reason: 0, transferSyntax: NDR20 }]
    })
    // Re-encoding gives the same bytes: the address padding is computed the same way.
    const decoded = expectRight(decodePdu(BIND_ACK))
    if (decoded._tag !== "BindAck") expect.fail("not a bind_ack")
    expect(toHex(encodeBindAck(decoded))).toBe(toHex(BIND_ACK))
  })

  it("the request and Samba's response carry the header fields and the stub", () => {
    expect(expectRight(decodePdu(SHARE_ENUM_REQUEST))).toMatchObject({ _tag: "Request", callId: 2, opnum: 15, contextId: 0, allocHint: 72 })
    const res = expectRight(decodePdu(SHARE_ENUM_RESPONSE))
    expect(res).toMatchObject({ _tag: "Response", callId: 2, flags: 3, allocHint: 200, contextId: 0, cancelCount: 0 })
    if (res._tag !== "Response") expect.fail("not a response")
    expect(res.stub.length).toBe(SHARE_ENUM_RESPONSE.length - 24)
  })

  it("UUIDs: the first three fields little-endian, the rest as written (C706 Appendix A)", () => {
    expect(toHex(encodeUuid(SRVSVC.uuid))).toBe("c84f324b7016d30112785a47bf6ee188")
    expect(uuidText(encodeUuid(NDR20.uuid))).toBe(NDR20.uuid)
    expect(() => encodeUuid("not-a-uuid")).toThrow(TypeError)
  })

  it("a fault: status, flags and the 32-byte layout", () => {
    const bytes = encodeFault({ flags: 0x23, callId: 7, allocHint: 32, contextId: 0, cancelCount: 0, status: 0x1c010002 })
    expect(bytes.length).toBe(32)
    expect(expectRight(decodePdu(bytes))).toEqual({
      _tag: "Fault",
      flags: 0x23,
      callId: 7,
      allocHint: 32,
      contextId: 0,
      cancelCount: 0,
      status: 0x1c010002
    })
  })

  it("frag_length frames a stream: undefined until 10 bytes are in", () => {
    expect(fragmentLength(BIND_ACK.subarray(0, 9))).toBeUndefined()
    expect(fragmentLength(BIND_ACK.subarray(0, 10))).toBe(BIND_ACK.length)
    // A buffer holding two PDUs: the first decodes, the rest is left alone.
    const two = new Uint8Array([...BIND_ACK, ...SHARE_ENUM_RESPONSE])
    expect(expectRight(decodePdu(two))._tag).toBe("BindAck")
  })

  it("an auth trailer is cut off the stub (sec_trailer, pad, token)", () => {
    const stub = new Uint8Array([1, 2, 3, 4, 5, 6])
    const plain = encodeResponse({ flags: 3, callId: 1, allocHint: 8, contextId: 0, cancelCount: 0, stub: new Uint8Array([...stub, 0, 0]) })
    // 2 pad bytes, an 8-byte sec_trailer with auth_pad_length 2, a 16-byte token.
    const withAuth = new Uint8Array([...plain, 10, 6, 2, 0, 0, 0, 0, 0, ...new Uint8Array(16)])
    new DataView(withAuth.buffer).setUint16(8, withAuth.length, true)
    new DataView(withAuth.buffer).setUint16(10, 16, true)
    const pdu = expectRight(decodePdu(withAuth))
    expect(pdu._tag === "Response" && Array.from(pdu.stub)).toEqual(Array.from(stub))
  })

  it("malformed PDUs are typed DecodeErrors naming the field", () => {
    expect(expectLeft(decodePdu(BIND_ACK.subarray(0, 12)))).toMatchObject({ reason: "OutOfBounds", structure: "RpcPdu", field: "Header" })
    expect(expectLeft(decodePdu(BIND_ACK.subarray(0, 40)))).toMatchObject({ reason: "OutOfBounds", field: "FragLength" })
    const v4 = Uint8Array.from(BIND_ACK)
    v4[0] = 4
    expect(expectLeft(decodePdu(v4))).toMatchObject({ reason: "Invalid", field: "Version" })
    const bigEndian = Uint8Array.from(BIND_ACK)
    bigEndian[4] = 0x00
    expect(expectLeft(decodePdu(bigEndian))).toMatchObject({ reason: "Invalid", field: "DataRepresentation" })
    const tiny = Uint8Array.from(SHARE_ENUM_RESPONSE)
    tiny[8] = 8
    tiny[9] = 0
    expect(expectLeft(decodePdu(tiny))).toMatchObject({ reason: "Invalid", field: "FragLength" })
    const fault = encodeFault({ flags: 3, callId: 1, allocHint: 0, contextId: 0, cancelCount: 0, status: 5 })
    const shortFault = Uint8Array.from(fault.subarray(0, 26))
    shortFault[8] = 26
    expect(expectLeft(decodePdu(shortFault))).toMatchObject({ reason: "OutOfBounds", field: "Status" })
  })

  it("PDU types this client does not read decode as Other", () => {
    const shutdown = Uint8Array.from(BIND_ACK.subarray(0, 16))
    shutdown[2] = PduType.SHUTDOWN
    shutdown[8] = 16
    expect(expectRight(decodePdu(shutdown))).toEqual({ _tag: "Other", type: PduType.SHUTDOWN, flags: 3, callId: 1 })
  })
})

describe("DCE/RPC PDUs: round trips", () => {
  const seeded = { fastCheck: { seed: SEED, numRuns: 200 } }
  it.prop("bind", { pdu: bind }, ({ pdu }) => {
    expect(expectRight(decodePdu(encodeBind(pdu)))).toEqual({ _tag: "Bind", ...pdu })
  }, seeded)
  it.prop("bind_ack", { pdu: bindAck }, ({ pdu }) => {
    expect(expectRight(decodePdu(encodeBindAck(pdu)))).toEqual({ _tag: "BindAck", ...pdu })
  }, seeded)
  it.prop("bind_nak", { pdu: bindNak }, ({ pdu }) => {
    expect(expectRight(decodePdu(encodeBindNak(pdu)))).toEqual({ _tag: "BindNak", ...pdu })
  }, seeded)
  it.prop("request, with and without an object UUID", { pdu: request, object: FastCheck.option(uuid, { nil: undefined }) }, ({ object, pdu }) => {
    const decoded = expectRight(decodePdu(encodeRequest({ ...pdu, object })))
    expect(decoded).toEqual({
      _tag: "Request",
      ...pdu,
      flags: object === undefined ? pdu.flags : pdu.flags | PfcFlags.OBJECT_UUID,
      ...(object === undefined ? {} : { object })
    })
  }, seeded)
  it.prop("response", { pdu: response }, ({ pdu }) => {
    expect(expectRight(decodePdu(encodeResponse(pdu)))).toEqual({ _tag: "Response", ...pdu })
  }, seeded)
  it.prop("fault", { pdu: fault }, ({ pdu }) => {
    expect(expectRight(decodePdu(encodeFault(pdu)))).toEqual({ _tag: "Fault", ...pdu })
  }, seeded)
})

describe("DCE/RPC PDUs: malformed input", () => {
  fuzzDecoder("decodePdu", decodePdu, {
    seeds: [
      BIND,
      BIND_ACK,
      SHARE_ENUM_REQUEST,
      SHARE_ENUM_RESPONSE,
      encodeFault({ flags: 3, callId: 2, allocHint: 32, contextId: 0, cancelCount: 0, status: 0x1c010002 }),
      encodeBindNak({ flags: 3, callId: 1, rejectReason: 4, versions: [{ major: 5, minor: 0 }] })
    ],
    numRuns: 1000,
    // A header that passes the version and representation checks, so random bytes reach the bodies.
    prefix: new Uint8Array([5, 0])
  })
})
