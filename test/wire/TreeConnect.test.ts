import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command } from "../../src/wire/Command.js"
import {
  decodeTreeConnectRequest,
  decodeTreeConnectResponse,
  encodeTreeConnectRequest,
  encodeTreeConnectResponse,
  ShareCapabilities,
  ShareFlags,
  ShareType,
  TreeConnectFlags
} from "../../src/wire/TreeConnect.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u16, u32, u8 } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, utf16Text, withHeader } from "./wireTestKit.js"

// Layouts written out from MS-SMB2 2.2.9 and 2.2.10. "\\srv\IPC$" in UTF-16LE:
const PATH_HEX = "5c005c007300720076005c004900500043002400"
const REQUEST_BODY = "0900" + "0000" + "4800" + "1400" + PATH_HEX
// DISK, ENCRYPT_DATA | NO_CACHING, CONTINUOUS_AVAILABILITY, FILE_ALL_ACCESS.
const RESPONSE_BODY = "1000" + "01" + "00" + "30800000" + "10000000" + "ff011f00"

describe("TREE_CONNECT request", () => {
  it("lays out Flags, PathOffset, PathLength and the UTF-16 path", () => {
    expect(toHex(encodeTreeConnectRequest({ flags: 0, path: "\\\\srv\\IPC$" }))).toBe(REQUEST_BODY)
    expect(expectRight(decodeTreeConnectRequest(withHeader(Command.TREE_CONNECT, fromHex(REQUEST_BODY))))).toEqual({
      flags: 0,
      path: "\\\\srv\\IPC$"
    })
  })

  it("keeps the 3.1.1 flags", () => {
    const flags = TreeConnectFlags.CLUSTER_RECONNECT | TreeConnectFlags.REDIRECT_TO_OWNER
    const body = encodeTreeConnectRequest({ flags, path: "\\\\h\\s" })
    expect(toHex(body.subarray(2, 4))).toBe("0300")
    expect(expectRight(decodeTreeConnectRequest(withHeader(Command.TREE_CONNECT, body))).flags).toBe(flags)
  })

  it("follows PathOffset wherever it points", () => {
    const body = fromHex("0900" + "0000" + "5000" + "1400" + "0000000000000000" + PATH_HEX)
    expect(expectRight(decodeTreeConnectRequest(withHeader(Command.TREE_CONNECT, body))).path).toBe("\\\\srv\\IPC$")
  })

  it("rejects a path past the end or of odd length", () => {
    const long = fromHex("0900" + "0000" + "4800" + "1600" + PATH_HEX)
    expect(expectLeft(decodeTreeConnectRequest(withHeader(Command.TREE_CONNECT, long))).field).toBe("Path")
    const odd = fromHex("0900" + "0000" + "4800" + "1300" + PATH_HEX)
    expect(expectLeft(decodeTreeConnectRequest(withHeader(Command.TREE_CONNECT, odd))).reason).toBe("Invalid")
  })

  it.prop(
    "round-trips",
    { request: FastCheck.record({ flags: u16, path: utf16Text(80) }) },
    ({ request }) => {
      const message = withHeader(Command.TREE_CONNECT, encodeTreeConnectRequest(request))
      expect(expectRight(decodeTreeConnectRequest(message))).toEqual(request)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  fuzzDecoder("decodeTreeConnectRequest", decodeTreeConnectRequest, {
    seeds: [withHeader(Command.TREE_CONNECT, fromHex(REQUEST_BODY))],
    numRuns: 800,
    reencode: (request) => withHeader(Command.TREE_CONNECT, encodeTreeConnectRequest(request)),
    prefix: bodyPrefix(9)
  })
})

describe("TREE_CONNECT response", () => {
  it("lays out ShareType, ShareFlags, Capabilities and MaximalAccess", () => {
    const response = {
      shareType: ShareType.DISK,
      shareFlags: ShareFlags.ENCRYPT_DATA | ShareFlags.NO_CACHING,
      capabilities: ShareCapabilities.CONTINUOUS_AVAILABILITY,
      maximalAccess: 0x001f01ff
    }
    expect(toHex(encodeTreeConnectResponse(response))).toBe(RESPONSE_BODY)
    const decoded = expectRight(decodeTreeConnectResponse(withHeader(Command.TREE_CONNECT, fromHex(RESPONSE_BODY))))
    expect(decoded).toEqual(response)
    expect(decoded.shareFlags & ShareFlags.CACHING_MASK).toBe(ShareFlags.NO_CACHING)
  })

  it("rejects a short body", () => {
    const short = withHeader(Command.TREE_CONNECT, fromHex(RESPONSE_BODY).subarray(0, 15))
    expect(expectLeft(decodeTreeConnectResponse(short)).field).toBe("MaximalAccess")
  })

  it.prop(
    "round-trips",
    { response: FastCheck.record({ shareType: u8, shareFlags: u32, capabilities: u32, maximalAccess: u32 }) },
    ({ response }) => {
      const message = withHeader(Command.TREE_CONNECT, encodeTreeConnectResponse(response))
      expect(expectRight(decodeTreeConnectResponse(message))).toEqual(response)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  fuzzDecoder("decodeTreeConnectResponse", decodeTreeConnectResponse, {
    seeds: [withHeader(Command.TREE_CONNECT, fromHex(RESPONSE_BODY))],
    numRuns: 500,
    reencode: (response) => withHeader(Command.TREE_CONNECT, encodeTreeConnectResponse(response)),
    prefix: bodyPrefix(16)
  })
})
