import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { md4 } from "../../src/auth/Md4.js"
import { ascii, toUpperHex } from "../support/bytes.js"

// RFC 1320, appendix A.5 "Test suite" (https://www.rfc-editor.org/rfc/rfc1320#appendix-A.5).
const RFC1320 = [
  { message: "", digest: "31d6cfe0d16ae931b73c59d7e0c089c0" },
  { message: "a", digest: "bde52cb31de33e46245e05fbdbd6fb24" },
  { message: "abc", digest: "a448017aaf21d8525fc10ae87aa6729d" },
  { message: "message digest", digest: "d9130a8164549fe818874806e1c7014b" },
  { message: "abcdefghijklmnopqrstuvwxyz", digest: "d79e1c308aa5bbcdeea8ed63df412da9" },
  {
    message: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    digest: "043f8582f241db351ce627e153e7f0e4"
  },
  {
    message: "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
    digest: "e33b4ddc9c38f2199c3e7b164fcc0536"
  }
]

describe("md4", () => {
  it.each(RFC1320)("RFC 1320 A.5: MD4($message)", ({ digest, message }) => {
    expect(toUpperHex(md4(ascii(message)))).toBe(digest.toUpperCase())
  })

  // Lengths around the 56-byte padding boundary: a one-bit change in any input changes the digest.
  it.prop("different inputs give different digests", [FastCheck.uint8Array({ minLength: 50, maxLength: 130 }), FastCheck.nat()], ([bytes, at]) => {
    const flipped = bytes.slice()
    flipped[at % bytes.length]! ^= 1
    expect(toUpperHex(md4(flipped))).not.toBe(toUpperHex(md4(bytes)))
  }, { fastCheck: { seed: 42, numRuns: 100 } })
})
