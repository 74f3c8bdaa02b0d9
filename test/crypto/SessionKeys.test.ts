import { describe, expect, it } from "@effect/vitest"
import { inspect } from "node:util"
import { deriveSessionKeys } from "../../src/crypto/SessionKeys.js"
import { Dialect } from "../../src/wire/Negotiate.js"
import { Cipher } from "../../src/wire/NegotiateContext.js"
import { fromHex, toUpperHex } from "../support/bytes.js"
import { KDF_300_ANATOMY, KDF_300_ENCRYPTION, SESSIONS_311 } from "./msblog.js"

describe("deriveSessionKeys", () => {
  // https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
  // "Key derivation example for SMB 3.0 multichannel" (EncryptionKey/DecryptionKey are the client's).
  it("SMB 3.0 (anatomy blog): signing, encryption, decryption and application keys", () => {
    const keys = deriveSessionKeys({ dialect: Dialect.SMB_3_0, sessionKey: fromHex(KDF_300_ANATOMY.sessionKey) })
    expect(toUpperHex(keys.signingKey)).toBe(KDF_300_ANATOMY.signingKey)
    expect(toUpperHex(keys.encryptionKey!)).toBe(KDF_300_ANATOMY.encryptionKey)
    expect(toUpperHex(keys.decryptionKey!)).toBe(KDF_300_ANATOMY.decryptionKey)
    expect(toUpperHex(keys.applicationKey)).toBe(KDF_300_ANATOMY.applicationKey)
    const channel2 = deriveSessionKeys({ dialect: Dialect.SMB_3_0, sessionKey: fromHex(KDF_300_ANATOMY.channel2SessionKey) })
    expect(toUpperHex(channel2.signingKey)).toBe(KDF_300_ANATOMY.channel2SigningKey)
  })

  // https://learn.microsoft.com/en-us/archive/blogs/openspecification/encryption-in-smb-3-0-a-protocol-perspective (Test vector)
  it("SMB 3.0 (encryption blog) and 3.0.2 use the same labels", () => {
    for (const dialect of [Dialect.SMB_3_0, Dialect.SMB_3_0_2] as const) {
      const keys = deriveSessionKeys({ dialect, sessionKey: fromHex(KDF_300_ENCRYPTION.sessionKey) })
      expect(toUpperHex(keys.signingKey)).toBe(KDF_300_ENCRYPTION.signingKey)
      expect(toUpperHex(keys.encryptionKey!)).toBe(KDF_300_ENCRYPTION.encryptionKey)
      expect(toUpperHex(keys.decryptionKey!)).toBe(KDF_300_ENCRYPTION.decryptionKey)
      expect(toUpperHex(keys.applicationKey)).toBe(KDF_300_ENCRYPTION.applicationKey)
    }
  })

  // Anatomy blog ("Key derivation example for SMB 3.1.1 multichannel") and
  // https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10 (Appendix A).
  it.each(SESSIONS_311)("SMB 3.1.1 $name: keys from the session key and preauth hash", (session) => {
    const keys = deriveSessionKeys({
      dialect: Dialect.SMB_3_1_1,
      sessionKey: fromHex(session.sessionKey),
      preauthHash: fromHex(session.preauth.final),
      cipher: session.cipher
    })
    expect(toUpperHex(keys.signingKey)).toBe(session.signingKey)
    if (session.encryptionKey !== undefined) expect(toUpperHex(keys.encryptionKey!)).toBe(session.encryptionKey)
    if (session.decryptionKey !== undefined) expect(toUpperHex(keys.decryptionKey!)).toBe(session.decryptionKey)
    if (session.applicationKey !== undefined) expect(toUpperHex(keys.applicationKey)).toBe(session.applicationKey)
  })

  it("SMB 3.1.1 with AES-256: 32-byte cipher keys, signing and application keys unchanged", () => {
    const session = SESSIONS_311[0]!
    const input = { sessionKey: fromHex(session.sessionKey), preauthHash: fromHex(session.preauth.final) }
    const narrow = deriveSessionKeys({ dialect: Dialect.SMB_3_1_1, ...input, cipher: Cipher.AES_128_GCM })
    for (const cipher of [Cipher.AES_256_CCM, Cipher.AES_256_GCM]) {
      const wide = deriveSessionKeys({ dialect: Dialect.SMB_3_1_1, ...input, cipher })
      expect(wide.encryptionKey!.length).toBe(32)
      expect(wide.decryptionKey!.length).toBe(32)
      expect(toUpperHex(wide.encryptionKey!.subarray(0, 16))).not.toBe(toUpperHex(narrow.encryptionKey!))
      expect(toUpperHex(wide.signingKey)).toBe(session.signingKey)
      expect(toUpperHex(wide.applicationKey)).toBe(session.applicationKey)
    }
  })

  it("SMB 3.1.1 with AES-256 derives the cipher keys from the full session key", () => {
    const session = SESSIONS_311[0]!
    const sixteen = fromHex(session.sessionKey)
    const full = new Uint8Array(32)
    full.set(sixteen)
    full.fill(0x5a, 16)
    const preauthHash = fromHex(session.preauth.final)
    const short = deriveSessionKeys({ dialect: Dialect.SMB_3_1_1, sessionKey: sixteen, preauthHash, cipher: Cipher.AES_256_GCM })
    const long = deriveSessionKeys({ dialect: Dialect.SMB_3_1_1, sessionKey: full, preauthHash, cipher: Cipher.AES_256_GCM })
    expect(toUpperHex(long.encryptionKey!)).not.toBe(toUpperHex(short.encryptionKey!))
    expect(toUpperHex(long.signingKey)).toBe(toUpperHex(short.signingKey))
  })

  it("SMB 2.0.2 and 2.1: the session key signs; no cipher keys", () => {
    for (const dialect of [Dialect.SMB_2_0_2, Dialect.SMB_2_1] as const) {
      const keys = deriveSessionKeys({ dialect, sessionKey: fromHex(KDF_300_ANATOMY.sessionKey) })
      expect(toUpperHex(keys.signingKey)).toBe(KDF_300_ANATOMY.sessionKey)
      expect(keys.encryptionKey).toBeUndefined()
      expect(keys.decryptionKey).toBeUndefined()
    }
  })

  it("never prints its keys", () => {
    const keys = deriveSessionKeys({ dialect: Dialect.SMB_3_0, sessionKey: fromHex(KDF_300_ANATOMY.sessionKey) })
    const shown = [JSON.stringify(keys), inspect(keys, { depth: 5 }), String(keys), `${keys}`]
    for (const text of shown) {
      for (const key of [keys.signingKey, keys.encryptionKey!, keys.decryptionKey!, keys.applicationKey]) {
        expect(text.toUpperCase()).not.toContain(toUpperHex(key))
        expect(text).not.toContain(String(key[0]) + "," + String(key[1]))
      }
      expect(text).toContain("redacted")
    }
  })
})
