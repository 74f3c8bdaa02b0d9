import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type { CipherId } from "../../src/crypto/Encryption.js"
import { cipherKeyLength, decrypt, encrypt, NonceGenerator, nonceLength } from "../../src/crypto/Encryption.js"
import { Cipher } from "../../src/wire/NegotiateContext.js"
import { TRANSFORM_HEADER_SIZE } from "../../src/wire/TransformHeader.js"
import { concatBytes } from "../../src/wire/Reader.js"
import { fromHex, toUpperHex } from "../support/bytes.js"
import { ENCRYPT_300_CCM, ENCRYPT_311_CCM, ENCRYPT_311_GCM } from "./msblog.js"

/** The frame `encrypt` gives as parts, in one buffer. */
const whole = (parts: Either.Either<ReadonlyArray<Uint8Array>, unknown>): Uint8Array => concatBytes(Either.getOrThrow(parts))

// The three traces are from the Microsoft Open Specifications blog (sources in msblog.ts):
// ENCRYPT_300_CCM: https://learn.microsoft.com/en-us/archive/blogs/openspecification/encryption-in-smb-3-0-a-protocol-perspective
// ENCRYPT_311_GCM / _CCM: https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-3-1-1-encryption-in-windows-10 (A.1, A.2)
const TRACES = [
  { name: "SMB 3.0 AES-128-CCM", cipher: Cipher.AES_128_CCM, trace: ENCRYPT_300_CCM },
  { name: "SMB 3.1.1 AES-128-GCM", cipher: Cipher.AES_128_GCM, trace: ENCRYPT_311_GCM },
  { name: "SMB 3.1.1 AES-128-CCM", cipher: Cipher.AES_128_CCM, trace: ENCRYPT_311_CCM }
] as const

const CASES = TRACES.flatMap(({ cipher, name, trace }) =>
  trace.messages.map((message) => ({
    label: `${name}: ${message.name}`,
    cipher,
    key: fromHex(message.fromClient ? trace.encryptionKey : trace.decryptionKey),
    message
  }))
)

const ALL_CIPHERS: ReadonlyArray<CipherId> = [Cipher.AES_128_CCM, Cipher.AES_128_GCM, Cipher.AES_256_CCM, Cipher.AES_256_GCM]

const keyFor = (cipher: CipherId): Uint8Array => new Uint8Array(cipherKeyLength(cipher)).map((_, i) => i * 7 + 1)

describe("TRANSFORM_HEADER encryption", () => {
  it.each(CASES)("$label: decrypts to the plaintext", ({ cipher, key, message }) => {
    const frame = fromHex(message.frame)
    const result = Either.getOrThrow(decrypt(cipher, key, frame))
    expect(toUpperHex(result.plaintext)).toBe(message.plaintext)
    expect(result.sessionId).toBe(new DataView(frame.buffer).getBigUint64(44, true))
  })

  it.each(CASES)("$label: encrypting the plaintext with the trace's nonce gives the frame", ({ cipher, key, message }) => {
    const frame = fromHex(message.frame)
    const view = new DataView(frame.buffer)
    const nonce = frame.subarray(20, 36)
    const sessionId = view.getBigUint64(44, true)
    const plaintext = fromHex(message.plaintext)
    expect(toUpperHex(whole(encrypt(cipher, key, sessionId, nonce, plaintext)))).toBe(message.frame)
    const parts = [plaintext.subarray(0, 64), plaintext.subarray(64, 70), plaintext.subarray(70)]
    expect(toUpperHex(whole(encrypt(cipher, key, sessionId, nonce, parts)))).toBe(message.frame)
  })

  it.each(ALL_CIPHERS)("cipher %i: encrypt then decrypt round-trips, parts or whole", (cipher) => {
    const key = keyFor(cipher)
    const nonces = new NonceGenerator(cipher)
    const body = new Uint8Array(70_000).map((_, i) => i & 0xff)
    const header = new Uint8Array(64).fill(0xfe)
    const frame = whole(encrypt(cipher, key, 0x1122334455667788n, nonces.next(), [header, body]))
    expect(frame.length).toBe(TRANSFORM_HEADER_SIZE + 64 + body.length)
    expect(toUpperHex(frame.subarray(0, 4))).toBe("FD534D42")
    const decrypted = Either.getOrThrow(decrypt(cipher, key, frame))
    expect(decrypted.sessionId).toBe(0x1122334455667788n)
    expect(toUpperHex(decrypted.plaintext.subarray(0, 64))).toBe(toUpperHex(header))
    expect(toUpperHex(decrypted.plaintext.subarray(64))).toBe(toUpperHex(body))
  })

  it.each(ALL_CIPHERS)("cipher %i: in place, GCM overwrites the frame over several slices; CCM decrypts as usual", (cipher) => {
    const key = keyFor(cipher)
    // Over three in-place slices, the last one partial.
    const body = new Uint8Array(600_001).map((_, i) => (i * 13) & 0xff)
    const header = new Uint8Array(64).fill(0xfe)
    const frame = whole(encrypt(cipher, key, 9n, new NonceGenerator(cipher).next(), [header, body]))
    const copy = frame.slice()
    const decrypted = Either.getOrThrow(decrypt(cipher, key, frame, true))
    expect(decrypted.plaintext.length).toBe(64 + body.length)
    expect(toUpperHex(decrypted.plaintext.subarray(64))).toBe(toUpperHex(body))
    const gcm = cipher === Cipher.AES_128_GCM || cipher === Cipher.AES_256_GCM
    expect(decrypted.plaintext.buffer === frame.buffer).toBe(gcm)
    if (gcm) expect(decrypted.plaintext.byteOffset).toBe(frame.byteOffset + TRANSFORM_HEADER_SIZE)
    // A tampered frame in place is still a Left (the plaintext is never returned).
    copy[copy.length - 1]! ^= 0x01
    expect(Either.isLeft(decrypt(cipher, key, copy, true))).toBe(true)
  })

  it.each(CASES)("$label: encrypting in place gives the trace's frame too", ({ cipher, key, message }) => {
    const frame = fromHex(message.frame)
    const nonce = frame.subarray(20, 36)
    const sessionId = new DataView(frame.buffer).getBigUint64(44, true)
    const parts = [fromHex(message.plaintext.slice(0, 128)), fromHex(message.plaintext.slice(128))]
    const out = Either.getOrThrow(encrypt(cipher, key, sessionId, nonce, parts, true))
    expect(toUpperHex(concatBytes(out))).toBe(message.frame)
    const gcm = cipher === Cipher.AES_128_GCM
    // GCM's frame holds the parts themselves, now ciphertext; CCM leaves them alone.
    expect(out.slice(1).every((part, i) => part === parts[i])).toBe(gcm)
    expect(toUpperHex(concatBytes(parts)) === message.plaintext).toBe(!gcm)
  })

  it.each(ALL_CIPHERS)("cipher %i: in place over several slices; parts sharing a buffer are not overwritten", (cipher) => {
    const key = keyFor(cipher)
    const body = new Uint8Array(600_001).map((_, i) => (i * 11) & 0xff)
    const expected = body.slice()
    const nonce = new NonceGenerator(cipher).next()
    const frame = whole(encrypt(cipher, key, 9n, nonce, [new Uint8Array(64).fill(0xfe), body], true))
    expect(toUpperHex(frame)).toBe(toUpperHex(whole(encrypt(cipher, key, 9n, nonce, [new Uint8Array(64).fill(0xfe), expected]))))
    expect(toUpperHex(Either.getOrThrow(decrypt(cipher, key, frame)).plaintext.subarray(64))).toBe(toUpperHex(expected))
    // The same bytes twice in one message: encrypting the first in place would change the second.
    const twice = expected.slice()
    const aliased = whole(encrypt(cipher, key, 9n, nonce, [twice, twice], true))
    expect(toUpperHex(twice)).toBe(toUpperHex(expected))
    expect(toUpperHex(Either.getOrThrow(decrypt(cipher, key, aliased)).plaintext)).toBe(toUpperHex(concatBytes([expected, expected])))
  })

  it.each(ALL_CIPHERS)("cipher %i: a flipped bit anywhere after the ProtocolId is a Left", (cipher) => {
    const key = keyFor(cipher)
    const frame = whole(encrypt(cipher, key, 7n, new NonceGenerator(cipher).next(), new Uint8Array(100).fill(3)))
    // Signature, Nonce (all 16 bytes are authenticated), OriginalMessageSize, Flags, SessionId, ciphertext.
    for (const at of [4, 19, 20, 35, 36, 42, 44, 51, 52, frame.length - 1]) {
      const tampered = frame.slice()
      tampered[at]! ^= 0x01
      const result = decrypt(cipher, key, tampered)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(result.left.reason).toBe("Decrypt")
    }
  })

  it("a wrong key is a Left, not a throw", () => {
    const frame = whole(encrypt(Cipher.AES_128_GCM, keyFor(Cipher.AES_128_GCM), 1n, new Uint8Array(12), new Uint8Array(8)))
    expect(Either.isLeft(decrypt(Cipher.AES_128_GCM, new Uint8Array(16), frame))).toBe(true)
    expect(Either.isLeft(decrypt(Cipher.AES_256_GCM, keyFor(Cipher.AES_128_GCM), frame))).toBe(true)
    expect(Either.isLeft(encrypt(Cipher.AES_256_CCM, new Uint8Array(16), 1n, new Uint8Array(11), new Uint8Array(8)))).toBe(true)
    expect(Either.isLeft(encrypt(Cipher.AES_128_CCM, new Uint8Array(16), 1n, new Uint8Array(12), new Uint8Array(8)))).toBe(true)
  })

  it("a truncated frame or one with a bad ProtocolId is a Left", () => {
    const cipher = Cipher.AES_128_CCM
    const frame = whole(encrypt(cipher, keyFor(cipher), 1n, new Uint8Array(11), new Uint8Array(40)))
    for (const length of [0, 3, 51, 52, frame.length - 1]) {
      expect(Either.isLeft(decrypt(cipher, keyFor(cipher), frame.subarray(0, length)))).toBe(true)
    }
    const wrongProtocol = frame.slice()
    wrongProtocol[0] = 0xfe
    const result = decrypt(cipher, keyFor(cipher), wrongProtocol)
    expect(Either.isLeft(result) && result.left.cause).toMatchObject({ _tag: "DecodeError", field: "ProtocolId" })
  })

  it.prop(
    "decrypt never throws on arbitrary bytes",
    [FastCheck.constantFrom(...ALL_CIPHERS), FastCheck.uint8Array({ maxLength: 200 })],
    ([cipher, bytes]) => {
      const frame = bytes.slice()
      if (frame.length >= 4) frame.set([0xfd, 0x53, 0x4d, 0x42])
      if (frame.length >= 44) new DataView(frame.buffer).setUint32(36, frame.length - TRANSFORM_HEADER_SIZE, true)
      if (frame.length >= 44) frame.set([1, 0], 42)
      expect(Either.isLeft(decrypt(cipher, keyFor(cipher), frame))).toBe(true)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  // Every case reaches an assertion: a valid frame (any cipher, plaintext, session id and nonce)
  // decrypts to its plaintext, and the same frame with one byte changed, or cut short, is a Left
  // (every byte after the ProtocolId is authenticated: the signature is the tag, the rest of the
  // header the associated data). Both kinds of case are counted and must both occur.
  it("decrypt of a valid frame gives the plaintext; of that frame mutated, a Left; never a throw", () => {
    const reached = { valid: 0, mutated: 0 }
    const nonceBytes = FastCheck.uint8Array({ minLength: 16, maxLength: 16 })
    FastCheck.assert(
      FastCheck.property(
        FastCheck.constantFrom(...ALL_CIPHERS),
        FastCheck.uint8Array({ maxLength: 64 }),
        FastCheck.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
        nonceBytes,
        FastCheck.option(FastCheck.record({ at: FastCheck.nat(), xor: FastCheck.integer({ min: 1, max: 255 }), cut: FastCheck.nat({ max: 4 }) })),
        (cipher, plaintext, sessionId, seed, mutation) => {
          const nonce = new NonceGenerator(cipher, () => seed.subarray(0, nonceLength(cipher))).next()
          const frame = whole(encrypt(cipher, keyFor(cipher), sessionId, nonce, plaintext))
          if (mutation === null) {
            reached.valid++
            const result = decrypt(cipher, keyFor(cipher), frame)
            expect(Either.isRight(result)).toBe(true)
            expect(toUpperHex(Either.getOrThrow(result).plaintext)).toBe(toUpperHex(plaintext))
            expect(Either.getOrThrow(result).sessionId).toBe(sessionId)
            return
          }
          reached.mutated++
          const mutated = frame.slice(0, frame.length - mutation.cut)
          // a byte after the ProtocolId (a changed ProtocolId is a Left too, tested above)
          if (mutation.cut === 0) mutated[4 + mutation.at % (mutated.length - 4)]! ^= mutation.xor
          expect(Either.isLeft(decrypt(cipher, keyFor(cipher), mutated))).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
    expect(reached.valid + reached.mutated).toBe(300)
    expect(reached.valid).toBeGreaterThan(0)
    expect(reached.mutated).toBeGreaterThan(0)
  })
})

describe("NonceGenerator", () => {
  it.each(ALL_CIPHERS)("cipher %i: nonces have the cipher's length and never repeat", (cipher) => {
    const generator = new NonceGenerator(cipher)
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const nonce = generator.next()
      expect(nonce.length).toBe(nonceLength(cipher))
      seen.add(toUpperHex(nonce))
    }
    expect(seen.size).toBe(1000)
  })

  it("counts up from a random start and wraps at 2^64", () => {
    const seed = new Uint8Array([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xbb, 0xcc, 0xdd])
    const generator = new NonceGenerator(Cipher.AES_128_GCM, () => seed)
    expect(toUpperHex(generator.next())).toBe("FEFFFFFFFFFFFFFFAABBCCDD")
    expect(toUpperHex(generator.next())).toBe("FFFFFFFFFFFFFFFFAABBCCDD")
    expect(toUpperHex(generator.next())).toBe("0000000000000000AABBCCDD")
  })
})
