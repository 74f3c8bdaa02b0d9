/**
 * The SMB 3.x key derivation function (MS-SMB2 3.1.4.2): NIST SP 800-108 KDF in counter mode with
 * HMAC-SHA256 as the PRF, r = 32, the counter before the fixed input, and the fixed input built as
 * Label || 0x00 || Context || [L]32 (counter and L big-endian).
 *
 * SMB asks for at most 256 bits, which is one HMAC-SHA256 block, so the counter is always 1 and
 * the result is the first L/8 bytes of that block. node:crypto's HMAC does the work (Node 20 has
 * no SP 800-108 KDF of its own).
 *
 * @since 0.1.0
 */
import { createHmac } from "node:crypto"

/**
 * Key length in bits: 128 for AES-128 keys and all signing keys, 256 for AES-256 cipher keys.
 *
 * @since 0.1.0
 * @category models
 */
export type KeyLength = 128 | 256

const COUNTER_1 = new Uint8Array([0, 0, 0, 1])

/**
 * SP 800-108 counter mode, HMAC-SHA256, over an opaque fixed input (the form NIST CAVP tests).
 *
 * @since 0.1.0
 * @category kdf
 */
export const kdfCounterHmacSha256 = (key: Uint8Array, fixedInput: Uint8Array, length: KeyLength): Uint8Array => {
  const block = createHmac("sha256", key).update(COUNTER_1).update(fixedInput).digest()
  return new Uint8Array(block.subarray(0, length / 8))
}

/**
 * KDF(key, label, context, L) as SMB uses it. `label` and `context` are passed as the spec writes
 * them, including their own trailing NUL (e.g. "SMB2AESCMAC\0"); the separator 0x00 is added here.
 *
 * @since 0.1.0
 * @category kdf
 */
export const deriveKey = (key: Uint8Array, label: Uint8Array, context: Uint8Array, length: KeyLength): Uint8Array => {
  const fixed = new Uint8Array(label.byteLength + 1 + context.byteLength + 4)
  fixed.set(label, 0)
  fixed.set(context, label.byteLength + 1)
  new DataView(fixed.buffer).setUint32(fixed.byteLength - 4, length, false)
  return kdfCounterHmacSha256(key, fixed, length)
}
