/**
 * The Kerberos crypto systems this client speaks (RFC 3961, 3962, 4757): aes256-cts-hmac-sha1-96
 * (18), aes128-cts-hmac-sha1-96 (17) and rc4-hmac (23). Pure functions over node:crypto: PBKDF2,
 * AES in CBC (ciphertext stealing is built on it here), HMAC-SHA1, HMAC-MD5; MD4 and RC4 come
 * from the NTLM code (OpenSSL 3 dropped them).
 *
 * Decryption checks the integrity tag before anything is returned; a failure is a Left, never an
 * exception. Keys are plain bytes here: the callers keep them out of logs.
 *
 * @since 0.1.0
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto"
import * as Either from "effect/Either"
import { encodeUtf16 } from "../../wire/Reader.js"
import { md4 } from "../Md4.js"
import { rc4 } from "../Rc4.js"

/**
 * Encryption types (RFC 3961 8, RFC 4757).
 *
 * @since 0.1.0
 * @category constants
 */
export const EncType = {
  AES256_CTS_HMAC_SHA1_96: 18,
  AES128_CTS_HMAC_SHA1_96: 17,
  RC4_HMAC: 23
} as const

/** @since 0.1.0 @category models */
export type EncTypeId = (typeof EncType)[keyof typeof EncType]

/** Our preference order, strongest first. @since 0.1.0 @category constants */
export const supportedEncTypes: ReadonlyArray<EncTypeId> = [EncType.AES256_CTS_HMAC_SHA1_96, EncType.AES128_CTS_HMAC_SHA1_96, EncType.RC4_HMAC]

/** @since 0.1.0 */
export const isSupported = (etype: number): etype is EncTypeId => (supportedEncTypes as ReadonlyArray<number>).includes(etype)

/** @since 0.1.0 */
export const encTypeName = (etype: number): string =>
  etype === 18 ? "aes256-cts-hmac-sha1-96" : etype === 17 ? "aes128-cts-hmac-sha1-96" : etype === 23 ? "rc4-hmac" : `etype ${etype}`

/** @since 0.1.0 @category models */
export interface Key {
  readonly etype: EncTypeId
  readonly value: Uint8Array
}

/** Key length in bytes. @since 0.1.0 */
export const keyLength = (etype: EncTypeId): number => (etype === EncType.AES128_CTS_HMAC_SHA1_96 ? 16 : etype === EncType.AES256_CTS_HMAC_SHA1_96 ? 32 : 16)

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/**
 * n-fold (RFC 3961 5.1): stretches or shrinks `input` to `length` bytes by rotating copies of it
 * 13 bits apart and adding them with end-around carry.
 *
 * @since 0.1.0
 */
export const nfold = (input: Uint8Array, length: number): Uint8Array => {
  const inLength = input.byteLength
  const lcm = (length * inLength) / gcd(length, inLength)
  const out = new Uint8Array(length)
  const bits = inLength << 3
  let carry = 0
  for (let i = lcm - 1; i >= 0; i--) {
    const msbit = (bits - 1 + (bits + 13) * Math.floor(i / inLength) + ((inLength - (i % inLength)) << 3)) % bits
    const hi = input[(inLength - 1 - (msbit >>> 3)) % inLength]!
    const lo = input[(inLength - (msbit >>> 3)) % inLength]!
    carry += (((hi << 8) | lo) >>> ((msbit & 7) + 1)) & 0xff
    carry += out[i % length]!
    out[i % length] = carry & 0xff
    carry >>>= 8
  }
  for (let i = length - 1; carry !== 0 && i >= 0; i--) {
    carry += out[i]!
    out[i] = carry & 0xff
    carry >>>= 8
  }
  return out
}

const aesName = (key: Uint8Array) => (key.byteLength === 32 ? "aes-256-cbc" : "aes-128-cbc")

const cbc = (key: Uint8Array, iv: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array => {
  const cipher = encrypt ? createCipheriv(aesName(key), key, iv) : createDecipheriv(aesName(key), key, iv)
  cipher.setAutoPadding(false)
  return bytes(Buffer.concat([cipher.update(data), cipher.final()]))
}

const ZERO_IV = new Uint8Array(16)

/**
 * AES-CBC with ciphertext stealing as Kerberos uses it (RFC 3962 5: the last two blocks swapped,
 * also when the input is a whole number of blocks). Input of at least one block.
 *
 * @since 0.1.0
 */
export const ctsEncrypt = (key: Uint8Array, plaintext: Uint8Array, iv: Uint8Array = ZERO_IV): Uint8Array => {
  const length = plaintext.byteLength
  if (length <= 16) return cbc(key, iv, padTo16(plaintext), true)
  const padded = cbc(key, iv, padTo16(plaintext), true)
  const n = padded.byteLength
  const out = new Uint8Array(length)
  out.set(padded.subarray(0, n - 32), 0)
  out.set(padded.subarray(n - 16, n), n - 32)
  out.set(padded.subarray(n - 32, n - 32 + (length - (n - 16))), n - 16)
  return out
}

const padTo16 = (data: Uint8Array): Uint8Array => {
  const padded = new Uint8Array(Math.max(16, Math.ceil(data.byteLength / 16) * 16))
  padded.set(data)
  return padded
}

/** The inverse of ctsEncrypt. Input of at least one block. @since 0.1.0 */
export const ctsDecrypt = (key: Uint8Array, ciphertext: Uint8Array, iv: Uint8Array = ZERO_IV): Uint8Array => {
  const length = ciphertext.byteLength
  if (length === 16) return cbc(key, iv, ciphertext, false)
  const tail = length % 16 === 0 ? 16 : length % 16
  const lastFull = ciphertext.subarray(length - tail - 16, length - tail)
  const partial = ciphertext.subarray(length - tail)
  // The stolen bytes: decrypting the last full block (ECB) gives the padded block's tail.
  const decrypted = cbc(key, ZERO_IV, lastFull, false)
  const penultimate = new Uint8Array(16)
  penultimate.set(partial)
  penultimate.set(decrypted.subarray(tail), tail)
  const reordered = new Uint8Array(length - tail + 16)
  reordered.set(ciphertext.subarray(0, length - tail - 16), 0)
  reordered.set(penultimate, length - tail - 16)
  reordered.set(lastFull, length - tail)
  return cbc(key, iv, reordered, false).subarray(0, length)
}

/** DR then random-to-key (the identity for AES): RFC 3961 5.1. */
const deriveKey = (base: Uint8Array, constant: Uint8Array): Uint8Array => {
  const size = base.byteLength
  let block = constant.byteLength === 16 ? constant : nfold(constant, 16)
  const out = new Uint8Array(size)
  for (let filled = 0; filled < size; filled += 16) {
    block = cbc(base, ZERO_IV, block, true)
    out.set(block.subarray(0, Math.min(16, size - filled)), filled)
  }
  return out
}

/** @since 0.1.0 */
export const dk = deriveKey

const usageConstant = (usage: number, suffix: number): Uint8Array => {
  const out = new Uint8Array(5)
  new DataView(out.buffer).setUint32(0, usage >>> 0)
  out[4] = suffix
  return out
}

const KERBEROS = new TextEncoder().encode("kerberos")

/** The default AES iteration count (RFC 3962 4), when ETYPE-INFO2 gives no s2kparams. */
export const DEFAULT_ITERATIONS = 4096

/**
 * string-to-key: AES (RFC 3962 4: PBKDF2-HMAC-SHA1, then DK with "kerberos") or RC4 (the NT
 * hash). `salt` is ignored by RC4; `iterations` by RC4.
 *
 * @since 0.1.0
 */
export const stringToKey = (etype: EncTypeId, password: string, salt: string | Uint8Array, iterations = DEFAULT_ITERATIONS): Key => {
  if (etype === EncType.RC4_HMAC) return { etype, value: md4(encodeUtf16(password)) }
  const saltBytes = typeof salt === "string" ? new TextEncoder().encode(salt) : salt
  const tkey = bytes(pbkdf2Sync(Buffer.from(password, "utf8"), saltBytes, iterations, keyLength(etype), "sha1"))
  return { etype, value: deriveKey(tkey, KERBEROS) }
}

const hmac = (algorithm: "sha1" | "md5", key: Uint8Array, ...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const h = createHmac(algorithm, key)
  for (const part of parts) h.update(part)
  return bytes(h.digest())
}

const u32le = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n >>> 0, true)
  return out
}

// RFC 4757 3: the AS-REP's encrypted part uses message type 8 where RFC 4120 says usage 3.
const rc4Usage = (usage: number): number => (usage === 3 ? 8 : usage)

/**
 * Encrypts with a key usage (RFC 3961 5.3 for AES: confounder, CTS, HMAC-SHA1-96; RFC 4757 for
 * RC4). `confounder` exists for reproducible tests.
 *
 * @since 0.1.0
 */
export const encrypt = (key: Key, usage: number, plaintext: Uint8Array, confounder?: Uint8Array): Uint8Array => {
  if (key.etype === EncType.RC4_HMAC) {
    const k1 = hmac("md5", key.value, u32le(rc4Usage(usage)))
    const data = concat(confounder ?? bytes(randomBytes(8)), plaintext)
    const checksum = hmac("md5", k1, data)
    const k3 = hmac("md5", k1, checksum)
    return concat(checksum, rc4(k3, data))
  }
  const ke = deriveKey(key.value, usageConstant(usage, 0xaa))
  const ki = deriveKey(key.value, usageConstant(usage, 0x55))
  const data = concat(confounder ?? bytes(randomBytes(16)), plaintext)
  return concat(ctsEncrypt(ke, data), hmac("sha1", ki, data).subarray(0, 12))
}

/**
 * Decrypts and checks the integrity tag; Left("integrity") when it does not verify (wrong key:
 * a wrong password, or a tampered message), Left("length") when the input cannot be a ciphertext.
 *
 * @since 0.1.0
 */
export const decrypt = (key: Key, usage: number, ciphertext: Uint8Array): Either.Either<Uint8Array, "integrity" | "length"> => {
  if (key.etype === EncType.RC4_HMAC) {
    if (ciphertext.byteLength < 24) return Either.left("length")
    const k1 = hmac("md5", key.value, u32le(rc4Usage(usage)))
    const checksum = ciphertext.subarray(0, 16)
    const k3 = hmac("md5", k1, checksum)
    const data = rc4(k3, ciphertext.subarray(16))
    if (!timingSafeEqual(hmac("md5", k1, data), checksum)) return Either.left("integrity")
    return Either.right(data.subarray(8))
  }
  if (ciphertext.byteLength < 16 + 12) return Either.left("length")
  const ke = deriveKey(key.value, usageConstant(usage, 0xaa))
  const ki = deriveKey(key.value, usageConstant(usage, 0x55))
  const body = ciphertext.subarray(0, ciphertext.byteLength - 12)
  const data = ctsDecrypt(ke, body)
  const tag = hmac("sha1", ki, data).subarray(0, 12)
  if (!timingSafeEqual(tag, ciphertext.subarray(ciphertext.byteLength - 12))) return Either.left("integrity")
  return Either.right(data.subarray(16))
}

/**
 * The keyed checksum of the crypto system (RFC 3961 5.4 for AES: HMAC-SHA1-96 with Kc; RFC 4757
 * HMAC-MD5 for RC4).
 *
 * @since 0.1.0
 */
export const checksum = (key: Key, usage: number, data: Uint8Array): Uint8Array => {
  if (key.etype === EncType.RC4_HMAC) {
    const ksign = hmac("md5", key.value, new TextEncoder().encode("signaturekey\0"))
    const digest = bytes(createHash("md5").update(u32le(rc4Usage(usage))).update(data).digest())
    return hmac("md5", ksign, digest)
  }
  return hmac("sha1", deriveKey(key.value, usageConstant(usage, 0x99)), data).subarray(0, 12)
}

/** The checksum type that goes with the key's crypto system. @since 0.1.0 */
export const checksumType = (etype: EncTypeId): number =>
  etype === EncType.AES256_CTS_HMAC_SHA1_96 ? 16 : etype === EncType.AES128_CTS_HMAC_SHA1_96 ? 15 : -138

/** A fresh random key of the type (random-to-key is the identity for these). @since 0.1.0 */
export const randomKey = (etype: EncTypeId): Key => ({ etype, value: bytes(randomBytes(keyLength(etype))) })

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}
