/**
 * The Kerberos crypto against published vectors: n-fold from RFC 3961 Appendix A.1, AES
 * string-to-key (PBKDF2 + DK) and CBC-CTS from RFC 3962 Appendix B. Encryption with a key usage
 * round-trips and refuses a wrong key or a flipped bit.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { ctsDecrypt, ctsEncrypt, decrypt, EncType, encrypt, nfold, stringToKey } from "../../../src/auth/kerberos/Crypto.js"

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"))
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const ascii = (s: string) => new TextEncoder().encode(s)

describe("n-fold (RFC 3961 A.1)", () => {
  const vectors: ReadonlyArray<readonly [string, number, string]> = [
    ["012345", 64, "be072631276b1955"],
    ["password", 56, "78a07b6caf85fa"],
    ["Rough Consensus, and Running Code", 64, "bb6ed30870b7f0e0"],
    ["password", 168, "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e"],
    ["MASSACHVSETTS INSTITVTE OF TECHNOLOGY", 192, "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b"],
    ["Q", 168, "518a54a215a8452a518a54a215a8452a518a54a215"],
    ["ba", 168, "fb25d531ae8974499f52fd92ea9857c4ba24cf297e"],
    ["kerberos", 64, "6b65726265726f73"],
    ["kerberos", 128, "6b65726265726f737b9b5b2b93132b93"],
    ["kerberos", 168, "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4"],
    ["kerberos", 256, "6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4"]
  ]
  for (const [input, bits, expected] of vectors) {
    it(`${bits}-fold("${input}")`, () => expect(toHex(nfold(ascii(input), bits / 8))).toBe(expected))
  }
})

describe("AES string-to-key (RFC 3962 B)", () => {
  const vectors: ReadonlyArray<readonly [string, string | Uint8Array, number, string, string]> = [
    ["password", "ATHENA.MIT.EDUraeburn", 1, "42263c6e89f4fc28b8df68ee09799f15",
      "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161"],
    ["password", "ATHENA.MIT.EDUraeburn", 2, "c651bf29e2300ac27fa469d693bdda13",
      "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff"],
    ["password", "ATHENA.MIT.EDUraeburn", 1200, "4c01cd46d632d01e6dbe230a01ed642a",
      "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a"],
    ["password", hex("1234567878563412"), 5, "e9b23d52273747dd5c35cb55be619d8e",
      "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31"],
    ["X".repeat(64), "pass phrase equals block size", 1200, "59d1bb789a828b1aa54ef9c2883f69ed",
      "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34"]
  ]
  for (const [password, salt, iterations, key128, key256] of vectors) {
    it(`${password.slice(0, 10)} / ${iterations} iterations`, () => {
      expect(toHex(stringToKey(EncType.AES128_CTS_HMAC_SHA1_96, password, salt, iterations).value)).toBe(key128)
      expect(toHex(stringToKey(EncType.AES256_CTS_HMAC_SHA1_96, password, salt, iterations).value)).toBe(key256)
    })
  }
})

describe("AES CBC-CTS (RFC 3962 B)", () => {
  const key = ascii("chicken teriyaki")
  const input = ascii("I would like the General Gau's Chicken, please, and wonton soup.")
  const vectors: ReadonlyArray<readonly [number, string]> = [
    [17, "c6353568f2bf8cb4d8a580362da7ff7f97"],
    [31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"],
    [32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"],
    [47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5"],
    [48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8"],
    [64, "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8"]
  ]
  for (const [length, expected] of vectors) {
    it(`${length} bytes`, () => {
      const ciphertext = ctsEncrypt(key, input.subarray(0, length))
      expect(toHex(ciphertext)).toBe(expected)
      expect(toHex(ctsDecrypt(key, ciphertext))).toBe(toHex(input.subarray(0, length)))
    })
  }
})

describe("encrypt / decrypt with a key usage", () => {
  for (const etype of [EncType.AES256_CTS_HMAC_SHA1_96, EncType.AES128_CTS_HMAC_SHA1_96, EncType.RC4_HMAC]) {
    it(`etype ${etype}: round-trips; a wrong key, usage or bit fails the integrity check`, () => {
      const key = stringToKey(etype, "password", "EXAMPLE.TESTuser")
      const plaintext = ascii("an EncKDCRepPart, say, of some length")
      const ciphertext = encrypt(key, 3, plaintext)
      expect(Either.getOrThrow(decrypt(key, 3, ciphertext))).toEqual(plaintext)
      expect(decrypt(stringToKey(etype, "wrong", "EXAMPLE.TESTuser"), 3, ciphertext)).toEqual(Either.left("integrity"))
      expect(decrypt(key, 7, ciphertext)).toEqual(Either.left("integrity"))
      const flipped = new Uint8Array(ciphertext)
      flipped[20]! ^= 1
      expect(decrypt(key, 3, flipped)).toEqual(Either.left("integrity"))
      expect(decrypt(key, 3, ciphertext.subarray(0, 10))).toEqual(Either.left("length"))
    })
  }
})
