/**
 * MD4 (RFC 1320), the hash under the NT password hash (NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), ...)).
 *
 * Hand-written because Node 20 links OpenSSL 3, whose default provider no longer offers MD4
 * (`createHash("md4")` throws unless the legacy provider is loaded, which we cannot require of
 * users). It only ever hashes a password, so a plain implementation is fast enough.
 *
 * @since 0.1.0
 */

const rotl = (x: number, s: number): number => (x << s) | (x >>> (32 - s))

const ROUND2_ORDER = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15] as const
const ROUND3_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15] as const
const ROUND1_SHIFTS = [3, 7, 11, 19] as const
const ROUND2_SHIFTS = [3, 5, 9, 13] as const
const ROUND3_SHIFTS = [3, 9, 11, 15] as const
/** Step i updates state[w] from state[y], state[z], state[v]: the roles rotate a, d, c, b (RFC 1320 3.4). */
const ROTATIONS = [
  [0, 1, 2, 3],
  [3, 0, 1, 2],
  [2, 3, 0, 1],
  [1, 2, 3, 0]
] as const

/**
 * The 16-byte MD4 digest of `message`.
 *
 * @since 0.1.0
 * @category hashing
 */
export const md4 = (message: Uint8Array): Uint8Array => {
  const length = message.byteLength
  const paddedLength = (((length + 8) >>> 6) + 1) * 64
  const padded = new Uint8Array(paddedLength)
  padded.set(message)
  padded[length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(paddedLength - 8, (length * 8) >>> 0, true)
  view.setUint32(paddedLength - 4, Math.floor(length / 0x20000000), true)

  let a = 0x67452301
  let b = 0xefcdab89
  let c = 0x98badcfe
  let d = 0x10325476
  const x = new Uint32Array(16)
  const state = [0, 0, 0, 0]

  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getUint32(block + i * 4, true)
    state[0] = a
    state[1] = b
    state[2] = c
    state[3] = d
    for (let i = 0; i < 16; i++) {
      const [w, y, z, v] = ROTATIONS[i % 4]!
      state[w] = rotl((state[w]! + ((state[y]! & state[z]!) | (~state[y]! & state[v]!)) + x[i]!) | 0, ROUND1_SHIFTS[i % 4]!)
    }
    for (let i = 0; i < 16; i++) {
      const [w, y, z, v] = ROTATIONS[i % 4]!
      const g = (state[y]! & state[z]!) | (state[y]! & state[v]!) | (state[z]! & state[v]!)
      state[w] = rotl((state[w]! + g + x[ROUND2_ORDER[i]!]! + 0x5a827999) | 0, ROUND2_SHIFTS[i % 4]!)
    }
    for (let i = 0; i < 16; i++) {
      const [w, y, z, v] = ROTATIONS[i % 4]!
      const h = state[y]! ^ state[z]! ^ state[v]!
      state[w] = rotl((state[w]! + h + x[ROUND3_ORDER[i]!]! + 0x6ed9eba1) | 0, ROUND3_SHIFTS[i % 4]!)
    }
    a = (a + state[0]!) | 0
    b = (b + state[1]!) | 0
    c = (c + state[2]!) | 0
    d = (d + state[3]!) | 0
  }

  const out = new Uint8Array(16)
  const outView = new DataView(out.buffer)
  outView.setUint32(0, a >>> 0, true)
  outView.setUint32(4, b >>> 0, true)
  outView.setUint32(8, c >>> 0, true)
  outView.setUint32(12, d >>> 0, true)
  return out
}

