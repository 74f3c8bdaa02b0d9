/**
 * Deterministic stand-ins for the random sources of the tests, so that a failure replays: bytes
 * from a seed (the AES-256-CTR keystream of a key derived from it), and the seed fast-check and
 * Effect's Random use (SMB_TEST_SEED, default fixed; set it to explore other cases).
 */
import { createCipheriv, createHash } from "node:crypto"

/** The seed of every seeded source in the tests: SMB_TEST_SEED, or a fixed default. */
export const TEST_SEED: number = (() => {
  const fromEnv = Number(process.env.SMB_TEST_SEED)
  return Number.isSafeInteger(fromEnv) ? fromEnv : 20240611
})()

/** `length` bytes that look random and are the same for the same `seed` (a string or number). */
export const seededBytes = (length: number, seed: string | number = TEST_SEED): Uint8Array => {
  const key = createHash("sha256").update(`effect-smb test bytes: ${seed}`).digest()
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16))
  const out = new Uint8Array(length)
  const zeros = new Uint8Array(Math.min(length, 1 << 20))
  for (let at = 0; at < length; at += zeros.length) {
    const n = Math.min(zeros.length, length - at)
    out.set(cipher.update(zeros.subarray(0, n)), at)
  }
  return out
}
