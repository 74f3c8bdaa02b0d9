import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { createCipheriv, createHmac } from "node:crypto"
import type { SigningAlgorithmId } from "../../src/crypto/Signing.js"
import { sign, signingAlgorithmName, verify } from "../../src/crypto/Signing.js"
import { Command } from "../../src/wire/Command.js"
import { encodeHeader, HeaderFlags, makeHeader } from "../../src/wire/Header.js"
import { SigningAlgorithm } from "../../src/wire/NegotiateContext.js"
import { fromHex, splitAt, toUpperHex } from "../support/bytes.js"
import { SESSIONS_311 } from "./msblog.js"

// AES-128-CMAC signatures of real Windows messages, keys from the blogs' key derivation examples:
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10 (Appendix A)
const [master, binding, gcm, ccm] = SESSIONS_311 as readonly [
  (typeof SESSIONS_311)[number],
  (typeof SESSIONS_311)[number],
  (typeof SESSIONS_311)[number],
  (typeof SESSIONS_311)[number]
]
const CMAC_MESSAGES = [
  { name: "anatomy master: final SESSION_SETUP response", key: master.signingKey, message: master.sessionSetupResponse2 },
  { name: "enc311-gcm: final SESSION_SETUP response", key: gcm.signingKey, message: gcm.sessionSetupResponse2 },
  { name: "enc311-ccm: final SESSION_SETUP response", key: ccm.signingKey, message: ccm.sessionSetupResponse2 },
  // Session binding: both requests and the interim response are signed with the master session's key,
  // the final response with the new channel's key.
  { name: "binding: SESSION_SETUP request 1", key: master.signingKey, message: binding.sessionSetupRequest1 },
  { name: "binding: SESSION_SETUP response 1", key: master.signingKey, message: binding.sessionSetupResponse1 },
  { name: "binding: SESSION_SETUP request 2", key: master.signingKey, message: binding.sessionSetupRequest2 },
  { name: "binding: final SESSION_SETUP response", key: binding.signingKey, message: binding.sessionSetupResponse2 }
]

const ALGORITHMS: ReadonlyArray<SigningAlgorithmId> = [
  SigningAlgorithm.HMAC_SHA256,
  SigningAlgorithm.AES_CMAC,
  SigningAlgorithm.AES_GMAC
]

const KEY = fromHex("000102030405060708090A0B0C0D0E0F")

const message = (fields: Partial<Parameters<typeof makeHeader>[0]> = {}, bodyLength = 200): Uint8Array => {
  const header = encodeHeader(makeHeader({ command: Command.WRITE, messageId: 42n, sessionId: 0x1234n, ...fields }))
  const out = new Uint8Array(64 + bodyLength)
  out.set(header)
  for (let i = 64; i < out.length; i++) out[i] = i & 0xff
  return out
}

const signInPlace = (algorithm: SigningAlgorithmId, key: Uint8Array, bytes: Uint8Array): Uint8Array => {
  bytes.set(sign(algorithm, key, bytes), 48)
  return bytes
}

describe("signing", () => {
  it.each(CMAC_MESSAGES)("AES-128-CMAC, $name: the Windows signature", ({ key, message }) => {
    const bytes = fromHex(message)
    expect(toUpperHex(sign(SigningAlgorithm.AES_CMAC, fromHex(key), bytes))).toBe(toUpperHex(bytes.subarray(48, 64)))
    expect(verify(SigningAlgorithm.AES_CMAC, fromHex(key), bytes)).toBe(true)
  })

  it("HMAC-SHA256 is the first 16 bytes of the HMAC over the message with a zero signature", () => {
    const bytes = message()
    bytes.fill(0xee, 48, 64)
    const zeroed = bytes.slice()
    zeroed.fill(0, 48, 64)
    const expected = createHmac("sha256", KEY).update(zeroed).digest().subarray(0, 16)
    expect(toUpperHex(sign(SigningAlgorithm.HMAC_SHA256, KEY, bytes))).toBe(toUpperHex(expected))
  })

  // MS-SMB2 3.1.4.1: nonce = MessageId || 4 bytes, bit 0 = sent by the server, bit 1 = CANCEL request.
  const gmac = (bytes: Uint8Array, low: number): string => {
    const nonce = new Uint8Array(12)
    nonce.set(bytes.subarray(24, 32))
    nonce[8] = low
    const zeroed = bytes.slice()
    zeroed.fill(0, 48, 64)
    const gcm = createCipheriv("aes-128-gcm", KEY, nonce)
    gcm.setAAD(zeroed)
    gcm.final()
    return toUpperHex(gcm.getAuthTag())
  }

  it("AES-128-GMAC: GCM over the message as AAD, nonce from MessageId and the direction", () => {
    const request = message({ messageId: 0x0102030405060708n })
    expect(toUpperHex(sign(SigningAlgorithm.AES_GMAC, KEY, request))).toBe(gmac(request, 0))
    const response = message({ messageId: 0x0102030405060708n, flags: HeaderFlags.SERVER_TO_REDIR })
    expect(toUpperHex(sign(SigningAlgorithm.AES_GMAC, KEY, response))).toBe(gmac(response, 1))
  })

  it("AES-128-GMAC: a CANCEL request sets the nonce's second bit", () => {
    const cancel = message({ command: Command.CANCEL, messageId: 7n, flags: HeaderFlags.ASYNC_COMMAND, asyncId: 99n }, 4)
    expect(toUpperHex(sign(SigningAlgorithm.AES_GMAC, KEY, cancel))).toBe(gmac(cancel, 2))
  })

  it.each(ALGORITHMS)("algorithm %i: sign then verify; a flipped bit fails", (algorithm) => {
    const bytes = signInPlace(algorithm, KEY, message())
    expect(verify(algorithm, KEY, bytes)).toBe(true)
    for (const at of [0, 24, 47, 48, 63, 64, bytes.length - 1]) {
      const tampered = bytes.slice()
      tampered[at]! ^= 0x80
      expect(verify(algorithm, KEY, tampered)).toBe(false)
    }
    const otherKey = KEY.slice()
    otherKey[0]! ^= 1
    expect(verify(algorithm, otherKey, bytes)).toBe(false)
  })

  it.each(ALGORITHMS)("algorithm %i: the Signature field's content does not change the signature", (algorithm) => {
    const bytes = message()
    const before = toUpperHex(sign(algorithm, KEY, bytes))
    bytes.fill(0xab, 48, 64)
    expect(toUpperHex(sign(algorithm, KEY, bytes))).toBe(before)
    expect(toUpperHex(bytes.subarray(48, 64))).toBe("AB".repeat(16))
  })

  it.prop(
    "every algorithm gives the same signature for any split of the message into parts",
    [FastCheck.constantFrom(...ALGORITHMS), FastCheck.integer({ min: 0, max: 300 }), FastCheck.array(FastCheck.nat({ max: 400 }), { maxLength: 5 })],
    ([algorithm, bodyLength, cuts]) => {
      const bytes = signInPlace(algorithm, KEY, message({}, bodyLength))
      const parts = splitAt(bytes, cuts)
      expect(toUpperHex(sign(algorithm, KEY, parts))).toBe(toUpperHex(bytes.subarray(48, 64)))
      expect(verify(algorithm, KEY, parts)).toBe(true)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  it("a message shorter than the header never verifies", () => {
    for (const algorithm of ALGORITHMS) expect(verify(algorithm, KEY, message().subarray(0, 63))).toBe(false)
  })

  it("names the algorithms", () => {
    expect(ALGORITHMS.map(signingAlgorithmName)).toEqual(["HMAC-SHA256", "AES-128-CMAC", "AES-128-GMAC"])
  })
})
