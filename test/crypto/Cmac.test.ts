import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { AesCmac, aesCmac, cmacSubkeys } from "../../src/crypto/Cmac.js"
import { fromHex, splitAt, toUpperHex } from "../support/bytes.js"

// RFC 4493 section 4 "Test Vectors" (https://www.rfc-editor.org/rfc/rfc4493#section-4).
const K = fromHex("2b7e151628aed2a6abf7158809cf4f3c")
const M = fromHex(
  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)
const MACS = [
  { length: 0, mac: "bb1d6929e95937287fa37d129b756746" },
  { length: 16, mac: "070a16b46b4d4144f79bdd9dd04a287c" },
  { length: 40, mac: "dfa66747de9ae63030ca32611497c827" },
  { length: 64, mac: "51f0bebf7e3b9d92fc49741779363cfe" }
]

describe("AES-CMAC", () => {
  it("RFC 4493: subkeys K1 and K2", () => {
    const { k1, k2 } = cmacSubkeys(K)
    expect(toUpperHex(k1)).toBe("FBEED618357133667C85E08F7236A8DE")
    expect(toUpperHex(k2)).toBe("F7DDAC306AE266CCF90BC11EE46D513B")
  })

  it.each(MACS)("RFC 4493: MAC of the first $length bytes of M", ({ length, mac }) => {
    expect(toUpperHex(aesCmac(K, M.subarray(0, length)))).toBe(mac.toUpperCase())
  })

  it.each(MACS)("RFC 4493: the same MAC fed one byte at a time ($length bytes)", ({ length, mac }) => {
    const cmac = new AesCmac(K)
    for (let i = 0; i < length; i++) cmac.update(M.subarray(i, i + 1))
    expect(toUpperHex(cmac.digest())).toBe(mac.toUpperCase())
  })

  // Cuts land inside blocks, on block edges and next to the held-back final block.
  it.prop(
    "any split into parts gives the one-shot MAC",
    [FastCheck.uint8Array({ maxLength: 600 }), FastCheck.array(FastCheck.nat(), { maxLength: 6 })],
    ([message, cuts]) => {
      expect(toUpperHex(aesCmac(K, splitAt(message, cuts)))).toBe(toUpperHex(aesCmac(K, message)))
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  // Crosses the 16 KiB chunks the CBC chain is driven in.
  it("a large message in uneven parts matches the one-shot MAC", () => {
    const message = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff)
    expect(toUpperHex(aesCmac(K, splitAt(message, [70_001, 5, 131_073, 131_080])))).toBe(toUpperHex(aesCmac(K, message)))
  })
})
