/**
 * RC4 (the keystream of RFC 6229's test vectors), used by NTLM for the key exchange
 * (EncryptedRandomSessionKey = RC4K(KeyExchangeKey, ExportedSessionKey)) and to encrypt the
 * checksum of an NTLM signature when KEY_EXCH is negotiated (MS-NLMP 3.4.4.2).
 *
 * Hand-written because Node 20's OpenSSL 3 moved RC4 to the legacy provider, so
 * `createCipheriv("rc4", ...)` is not available by default. It only ever touches 8 or 16 bytes.
 *
 * A handle is stateful: NTLM keeps one per direction and its keystream continues across calls.
 * The state lives in private fields, so neither JSON nor inspect output shows it.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export class Rc4 {
  readonly #s = new Uint8Array(256)
  #i = 0
  #j = 0

  constructor(key: Uint8Array) {
    const s = this.#s
    for (let i = 0; i < 256; i++) s[i] = i
    let j = 0
    for (let i = 0; i < 256; i++) {
      j = (j + s[i]! + key[i % key.byteLength]!) & 0xff
      const t = s[i]!
      s[i] = s[j]!
      s[j] = t
    }
  }

  /** XORs `data` with the next bytes of the keystream (encrypts and decrypts alike). */
  update(data: Uint8Array): Uint8Array {
    const s = this.#s
    const out = new Uint8Array(data.byteLength)
    let i = this.#i
    let j = this.#j
    for (let n = 0; n < data.byteLength; n++) {
      i = (i + 1) & 0xff
      j = (j + s[i]!) & 0xff
      const t = s[i]!
      s[i] = s[j]!
      s[j] = t
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!
    }
    this.#i = i
    this.#j = j
    return out
  }
}

/**
 * One-shot RC4 with a fresh handle (MS-NLMP's RC4K).
 *
 * @since 0.1.0
 * @category encryption
 */
export const rc4 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Rc4(key).update(data)
