import { describe, expect, it } from "@effect/vitest"
import { Rc4, rc4 } from "../../src/auth/Rc4.js"
import { fromHex, toUpperHex } from "../support/bytes.js"

// RFC 6229 section 2, key length 40 bits, key 0x0102030405: keystream at offsets 0 and 16
// (https://www.rfc-editor.org/rfc/rfc6229#section-2).
const KEY = fromHex("0102030405")
const KEYSTREAM_0_32 = "b2396305f03dc027ccc3524a0a1118a86982944f18fc82d589c403a47a0d0919"

describe("Rc4", () => {
  it("RFC 6229: keystream of the 40-bit key, offsets 0..31", () => {
    expect(toUpperHex(rc4(KEY, new Uint8Array(32)))).toBe(KEYSTREAM_0_32.toUpperCase())
  })

  it("a handle continues its keystream across calls", () => {
    const handle = new Rc4(KEY)
    const first = handle.update(new Uint8Array(5))
    const rest = handle.update(new Uint8Array(27))
    expect(toUpperHex(first) + toUpperHex(rest)).toBe(KEYSTREAM_0_32.toUpperCase())
  })

  it("decrypts what it encrypts", () => {
    const plaintext = fromHex("00112233445566778899aabbccddeeff")
    expect(toUpperHex(rc4(KEY, rc4(KEY, plaintext)))).toBe(toUpperHex(plaintext))
  })

  it("does not show its state", () => {
    expect(JSON.stringify(new Rc4(KEY))).toBe("{}")
  })
})
