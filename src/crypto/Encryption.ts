/**
 * SMB 3.x message encryption (MS-SMB2 3.1.4.3, 3.2.5.1.1.1): a message (or a compound) is
 * encrypted with AES-CCM or AES-GCM under the session's cipher key and carried behind a 52-byte
 * TRANSFORM_HEADER (MS-SMB2 2.2.41):
 *
 * ```
 *  0 ProtocolId FD 'S' 'M' 'B'     20 Nonce (16)              40 Reserved u16
 *  4 Signature (16) = AEAD tag     36 OriginalMessageSize u32  42 Flags u16 = 0x0001 (encrypted)
 *                                                              44 SessionId u64
 * ```
 *
 * The AEAD nonce is the first 11 (CCM) or 12 (GCM) bytes of Nonce; the associated data is the 32
 * header bytes from Nonce through SessionId (all 16 Nonce bytes, even the reserved ones); the tag
 * is the Signature. node:crypto does the AEAD.
 *
 * The header is laid out here rather than through src/wire/TransformHeader.ts (written in
 * parallel) so the two can be folded together later; only the offsets above are used.
 *
 * Copies: GCM encrypts part by part straight into the output frame (one copy of the payload,
 * which node:crypto's `update` forces anyway); CCM must see the whole plaintext in a single
 * `update`, so several parts are joined first (one extra copy, CCM only).
 *
 * @since 0.1.0
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import type { CipherCCMTypes, CipherGCMTypes } from "node:crypto"
import * as Either from "effect/Either"
import { DecodeError, TransformFailed } from "../errors.js"
import { concatBytes } from "../wire/Reader.js"

/**
 * SMB2 cipher ids (MS-SMB2 2.2.3.1.2).
 *
 * @since 0.1.0
 * @category constants
 */
export const Cipher = {
  AES_128_CCM: 0x0001,
  AES_128_GCM: 0x0002,
  AES_256_CCM: 0x0003,
  AES_256_GCM: 0x0004
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type CipherId = (typeof Cipher)[keyof typeof Cipher]

const CIPHER_NAMES: Record<CipherId, string> = {
  [Cipher.AES_128_CCM]: "AES-128-CCM",
  [Cipher.AES_128_GCM]: "AES-128-GCM",
  [Cipher.AES_256_CCM]: "AES-256-CCM",
  [Cipher.AES_256_GCM]: "AES-256-GCM"
}

/** @since 0.1.0 */
export const cipherName = (cipher: CipherId): string => CIPHER_NAMES[cipher]

/** Key length in bytes: 16 for the AES-128 ciphers, 32 for AES-256. @since 0.1.0 */
export const cipherKeyLength = (cipher: CipherId): 16 | 32 =>
  cipher === Cipher.AES_256_CCM || cipher === Cipher.AES_256_GCM ? 32 : 16

/** AEAD nonce length in bytes: 11 for CCM, 12 for GCM. @since 0.1.0 */
export const nonceLength = (cipher: CipherId): 11 | 12 =>
  cipher === Cipher.AES_128_CCM || cipher === Cipher.AES_256_CCM ? 11 : 12

const isCcm = (cipher: CipherId): boolean => nonceLength(cipher) === 11
const ccmAlgorithm = (cipher: CipherId): CipherCCMTypes => (cipherKeyLength(cipher) === 32 ? "aes-256-ccm" : "aes-128-ccm")
const gcmAlgorithm = (cipher: CipherId): CipherGCMTypes => (cipherKeyLength(cipher) === 32 ? "aes-256-gcm" : "aes-128-gcm")

/** @since 0.1.0 @category constants */
export const TRANSFORM_HEADER_SIZE = 52

const PROTOCOL_ID = [0xfd, 0x53, 0x4d, 0x42] as const
const SIGNATURE = 4
const NONCE = 20
const ORIGINAL_MESSAGE_SIZE = 36
const FLAGS = 42
const SESSION_ID = 44
const FLAGS_ENCRYPTED = 0x0001
const TAG_LENGTH = 16

const failure = (reason: "Encrypt" | "Decrypt", cause: unknown) => Either.left(new TransformFailed({ reason, cause }))

const checkKey = (cipher: CipherId, key: Uint8Array): string | undefined =>
  key.byteLength === cipherKeyLength(cipher)
    ? undefined
    : `${cipherName(cipher)} needs a ${cipherKeyLength(cipher)}-byte key, got ${key.byteLength} bytes`

/**
 * Encrypts a message (given whole or in parts) into a frame: the 52-byte TRANSFORM_HEADER
 * followed by the ciphertext, ready for framing. `nonce` is either the AEAD nonce (11 or 12
 * bytes; the rest of the Nonce field is zero) or the whole 16-byte Nonce field.
 *
 * @since 0.1.0
 * @category encryption
 */
export const encrypt = (
  cipher: CipherId,
  key: Uint8Array,
  sessionId: bigint,
  nonce: Uint8Array,
  plaintext: Uint8Array | ReadonlyArray<Uint8Array>
): Either.Either<Uint8Array, TransformFailed> => {
  const keyProblem = checkKey(cipher, key)
  if (keyProblem !== undefined) return failure("Encrypt", keyProblem)
  if (nonce.byteLength !== nonceLength(cipher) && nonce.byteLength !== 16) {
    return failure("Encrypt", `${cipherName(cipher)} needs an ${nonceLength(cipher)}-byte nonce, got ${nonce.byteLength}`)
  }
  const parts = plaintext instanceof Uint8Array ? [plaintext] : plaintext
  let size = 0
  for (const part of parts) size += part.byteLength
  if (size > 0xffffffff) return failure("Encrypt", `message of ${size} bytes does not fit OriginalMessageSize`)

  const frame = new Uint8Array(TRANSFORM_HEADER_SIZE + size)
  const view = new DataView(frame.buffer)
  frame.set(PROTOCOL_ID, 0)
  frame.set(nonce, NONCE)
  view.setUint32(ORIGINAL_MESSAGE_SIZE, size, true)
  view.setUint16(FLAGS, FLAGS_ENCRYPTED, true)
  view.setBigUint64(SESSION_ID, BigInt.asUintN(64, sessionId), true)
  const aad = frame.subarray(NONCE, TRANSFORM_HEADER_SIZE)
  const iv = frame.subarray(NONCE, NONCE + nonceLength(cipher))

  try {
    let tag: Uint8Array
    if (isCcm(cipher)) {
      const c = createCipheriv(ccmAlgorithm(cipher), key, iv, { authTagLength: TAG_LENGTH })
      c.setAAD(aad, { plaintextLength: size })
      frame.set(c.update(parts.length === 1 ? parts[0]! : concatBytes(parts)), TRANSFORM_HEADER_SIZE)
      c.final()
      tag = c.getAuthTag()
    } else {
      const c = createCipheriv(gcmAlgorithm(cipher), key, iv)
      c.setAAD(aad)
      let at = TRANSFORM_HEADER_SIZE
      for (const part of parts) {
        const out = c.update(part)
        frame.set(out, at)
        at += out.byteLength
      }
      c.final()
      tag = c.getAuthTag()
    }
    frame.set(tag, SIGNATURE)
    return Either.right(frame)
  } catch (cause) {
    return failure("Encrypt", cause)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Decrypted {
  readonly sessionId: bigint
  readonly plaintext: Uint8Array
}

const malformed = (field: string, reason: DecodeError["reason"], detail: string) =>
  failure("Decrypt", new DecodeError({ reason, structure: "TRANSFORM_HEADER", field, detail }))

/**
 * Checks and decrypts a frame that starts with a TRANSFORM_HEADER. A truncated or malformed frame,
 * a wrong key or a bad tag is a Left; nothing throws.
 *
 * @since 0.1.0
 * @category encryption
 */
export const decrypt = (cipher: CipherId, key: Uint8Array, frame: Uint8Array): Either.Either<Decrypted, TransformFailed> => {
  const keyProblem = checkKey(cipher, key)
  if (keyProblem !== undefined) return failure("Decrypt", keyProblem)
  if (frame.byteLength < TRANSFORM_HEADER_SIZE) {
    return malformed("*", "Truncated", `needs ${TRANSFORM_HEADER_SIZE} bytes, have ${frame.byteLength}`)
  }
  for (let i = 0; i < 4; i++) {
    if (frame[i] !== PROTOCOL_ID[i]) return malformed("ProtocolId", "Invalid", "not FD 'S' 'M' 'B'")
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const size = view.getUint32(ORIGINAL_MESSAGE_SIZE, true)
  if (size !== frame.byteLength - TRANSFORM_HEADER_SIZE) {
    return malformed("OriginalMessageSize", "OutOfBounds", `${size}, but ${frame.byteLength - TRANSFORM_HEADER_SIZE} bytes follow`)
  }
  const flags = view.getUint16(FLAGS, true)
  if (flags !== FLAGS_ENCRYPTED) return malformed("Flags", "Invalid", `0x${flags.toString(16)}`)

  const iv = frame.subarray(NONCE, NONCE + nonceLength(cipher))
  const aad = frame.subarray(NONCE, TRANSFORM_HEADER_SIZE)
  const tag = frame.subarray(SIGNATURE, SIGNATURE + TAG_LENGTH)
  const ciphertext = frame.subarray(TRANSFORM_HEADER_SIZE)
  try {
    let plaintext: Uint8Array
    if (isCcm(cipher)) {
      const d = createDecipheriv(ccmAlgorithm(cipher), key, iv, { authTagLength: TAG_LENGTH })
      d.setAuthTag(tag)
      d.setAAD(aad, { plaintextLength: size })
      plaintext = d.update(ciphertext)
      d.final()
    } else {
      const d = createDecipheriv(gcmAlgorithm(cipher), key, iv)
      d.setAuthTag(tag)
      d.setAAD(aad)
      plaintext = d.update(ciphertext)
      d.final()
    }
    return Either.right({ sessionId: view.getBigUint64(SESSION_ID, true), plaintext })
  } catch (cause) {
    return failure("Decrypt", cause)
  }
}

/**
 * Hands out AEAD nonces that never repeat for one key. The first 8 bytes are a 64-bit counter
 * (little-endian) that starts at a random value and increments per message, so one generator
 * cannot repeat a nonce before 2^64 messages. The remaining 3 (CCM) or 4 (GCM) bytes are random
 * per generator, so two generators that happen to share a key (one per channel of a multichannel
 * session) collide only if both their counter ranges overlap and their random tails match.
 *
 * @since 0.1.0
 * @category encryption
 */
export class NonceGenerator {
  readonly #length: number
  readonly #tail: Uint8Array
  #counter: bigint

  constructor(cipher: CipherId, random: (size: number) => Uint8Array = randomBytes) {
    this.#length = nonceLength(cipher)
    const seed = random(this.#length)
    this.#counter = new DataView(seed.buffer, seed.byteOffset, 8).getBigUint64(0, true)
    this.#tail = new Uint8Array(seed.subarray(8))
  }

  next(): Uint8Array {
    const nonce = new Uint8Array(this.#length)
    new DataView(nonce.buffer).setBigUint64(0, this.#counter, true)
    nonce.set(this.#tail, 8)
    this.#counter = BigInt.asUintN(64, this.#counter + 1n)
    return nonce
  }
}
