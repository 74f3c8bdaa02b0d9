import { describe, expect, it } from "@effect/vitest"
import { deriveKey, kdfCounterHmacSha256 } from "../../src/crypto/Kdf.js"
import { ascii, fromHex, toUpperHex } from "../support/bytes.js"

describe("SP 800-108 counter-mode KDF, HMAC-SHA256", () => {
  // NIST CAVP KBKDF (SP 800-108) test vectors, counter-mode response file (CAVS 14.4),
  // [PRF=HMAC_SHA256] [CTRLOCATION=BEFORE_FIXED] [RLEN=32_BITS]
  // (https://csrc.nist.gov/projects/cryptographic-algorithm-validation-program/key-derivation).
  it("NIST CAVP COUNT=0, L=128", () => {
    const key = fromHex("dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0")
    const fixed = fromHex(
      "01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b864a145fab25e517b08f8683d0315bb2911d80a0e8aba17f3b413faac"
    )
    expect(toUpperHex(kdfCounterHmacSha256(key, fixed, 128))).toBe("10621342BFB0FD40046C0E29F2CFDBF0")
  })

  it("NIST CAVP COUNT=10, L=256", () => {
    const key = fromHex("e204d6d466aad507ffaf6d6dab0a5b26152c9e21e764370464e360c8fbc765c6")
    const fixed = fromHex(
      "7b03b98d9f94b899e591f3ef264b71b193fba7043c7e953cde23bc5384bc1a6293580115fae3495fd845dadbd02bd6455cf48d0f62b33e62364a3a80"
    )
    expect(toUpperHex(kdfCounterHmacSha256(key, fixed, 256))).toBe(
      "770DFAB6A6A4A4BEE0257FF335213F78D8287B4FD537D5C1FFFA956910E7C779"
    )
  })

  // https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
  // ("Key derivation example for SMB 3.0 multichannel"): SigningKey = KDF(SessionKey, "SMB2AESCMAC\0", "SmbSign\0").
  it("builds Label || 0x00 || Context || L as SMB does", () => {
    const key = deriveKey(fromHex("7CD451825D0450D235424E44BA6E78CC"), ascii("SMB2AESCMAC\0"), ascii("SmbSign\0"), 128)
    expect(toUpperHex(key)).toBe("0B7E9C5CAC36C0F6EA9AB275298CEDCE")
  })

  it("L is part of the input: a 256-bit key does not start with the 128-bit one", () => {
    const key = fromHex("7CD451825D0450D235424E44BA6E78CC")
    const short = deriveKey(key, ascii("SMBC2SCipherKey\0"), new Uint8Array(64), 128)
    const long = deriveKey(key, ascii("SMBC2SCipherKey\0"), new Uint8Array(64), 256)
    expect(long.length).toBe(32)
    expect(toUpperHex(long.subarray(0, 16))).not.toBe(toUpperHex(short))
  })
})
