/**
 * SMB2/3 message signing (MS-SMB2 3.1.4.1 sign, 3.1.5.1 verify). The signature is a MAC over the
 * whole message (one element of a compound including its padding), computed with the header's
 * 16-byte Signature field (offset 48) taken as zero:
 *
 * - HMAC-SHA256 (2.0.2, 2.1): the first 16 bytes of the HMAC.
 * - AES-128-CMAC (3.0, 3.0.2, 3.1.1 by default): RFC 4493, see Cmac.ts.
 * - AES-128-GMAC (3.1.1 with SIGNING_CAPABILITIES): AES-128-GCM with an empty plaintext and the
 *   message as associated data; the tag is the signature. The 12-byte nonce is MessageId (8
 *   bytes, little-endian) followed by a 32-bit little-endian word whose bit 0 is set when the
 *   sender is the server and bit 1 when the message is an SMB2 CANCEL request. Both come from the
 *   message's own header (Flags.SERVER_TO_REDIR, Command), so callers pass nothing extra.
 *
 * The message can be given in parts (header, body, payload...). Nothing is copied: the MACs are
 * fed part by part, the Signature field is replaced by zeros on the fly (the input is never
 * mutated), and GMAC passes each part to `setAAD` in turn (OpenSSL's GCM accepts the associated
 * data in several calls before any plaintext).
 *
 * Keys are Session.SigningKey / Channel.SigningKey (16 bytes; a different length is truncated or
 * zero-padded, as MS-SMB2 3.2.1.3 defines the session key).
 *
 * @since 0.1.0
 */
import { createCipheriv, createHmac, timingSafeEqual } from "node:crypto"
import { signingName } from "../wire/NegotiateContext.js"
import { HEADER_SIZE, HeaderFlags } from "../wire/Header.js"
import { Command } from "../wire/Command.js"
import { SigningAlgorithm } from "../wire/NegotiateContext.js"
import { AesCmac } from "./Cmac.js"

/**
 * A signing algorithm id of `SigningAlgorithm` (MS-SMB2 2.2.3.1.7, in
 * src/wire/NegotiateContext.ts).
 *
 * @since 0.1.0
 * @category models
 */
export type SigningAlgorithmId = (typeof SigningAlgorithm)[keyof typeof SigningAlgorithm]

/** The name users write ("AES-128-CMAC"), from the table in src/wire/NegotiateContext.ts. @since 0.1.0 */
export const signingAlgorithmName = (algorithm: SigningAlgorithmId): string => signingName(algorithm)!

/** @since 0.1.0 @category constants */
export const SIGNATURE_OFFSET = 48
/** @since 0.1.0 @category constants */
export const SIGNATURE_SIZE = 16
const SIGNATURE_END = SIGNATURE_OFFSET + SIGNATURE_SIZE
const ZEROS = new Uint8Array(SIGNATURE_SIZE)

type Message = Uint8Array | ReadonlyArray<Uint8Array>

const partsOf = (message: Message): ReadonlyArray<Uint8Array> => (message instanceof Uint8Array ? [message] : message)

/** Feeds the message to `emit` in order, with bytes 48..64 (the Signature field) as zeros. */
const forEachSigned = (parts: ReadonlyArray<Uint8Array>, emit: (bytes: Uint8Array) => void): void => {
  let offset = 0
  for (const part of parts) {
    const start = offset
    const end = offset + part.byteLength
    offset = end
    if (start < SIGNATURE_OFFSET) {
      const before = part.subarray(0, Math.min(part.byteLength, SIGNATURE_OFFSET - start))
      if (before.byteLength > 0) emit(before)
    }
    const zeroFrom = Math.max(start, SIGNATURE_OFFSET)
    const zeroTo = Math.min(end, SIGNATURE_END)
    if (zeroTo > zeroFrom) emit(ZEROS.subarray(0, zeroTo - zeroFrom))
    if (end > SIGNATURE_END) emit(start >= SIGNATURE_END ? part : part.subarray(SIGNATURE_END - start))
  }
}

/** Bytes [from, to) of the message, copied out of however many parts hold them (zero-filled past the end). */
const bytesAt = (parts: ReadonlyArray<Uint8Array>, from: number, to: number): Uint8Array => {
  const out = new Uint8Array(to - from)
  let offset = 0
  for (const part of parts) {
    const start = Math.max(from, offset)
    const end = Math.min(to, offset + part.byteLength)
    if (end > start) out.set(part.subarray(start - offset, end - offset), start - from)
    offset += part.byteLength
    if (offset >= to) break
  }
  return out
}

const signingKey = (key: Uint8Array): Uint8Array => {
  if (key.byteLength === 16) return key
  const out = new Uint8Array(16)
  out.set(key.subarray(0, 16))
  return out
}

/** The GMAC nonce from the message's header: MessageId, then the sender and CANCEL bits. */
const gmacNonce = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const header = bytesAt(parts, 0, 32)
  const view = new DataView(header.buffer)
  const nonce = new Uint8Array(12)
  nonce.set(header.subarray(24, 32), 0)
  const fromServer = (view.getUint32(16, true) & HeaderFlags.SERVER_TO_REDIR) !== 0
  const cancel = view.getUint16(12, true) === Command.CANCEL
  nonce[8] = (fromServer ? 1 : 0) | (cancel ? 2 : 0)
  return nonce
}

/**
 * The 16-byte signature of a message (whole or in parts), computed as if its Signature field were
 * zero. Writing it into the header is the caller's job.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = (algorithm: SigningAlgorithmId, key: Uint8Array, message: Message): Uint8Array => {
  const parts = partsOf(message)
  switch (algorithm) {
    case SigningAlgorithm.HMAC_SHA256: {
      const hmac = createHmac("sha256", signingKey(key))
      forEachSigned(parts, (bytes) => hmac.update(bytes))
      return new Uint8Array(hmac.digest().subarray(0, SIGNATURE_SIZE))
    }
    case SigningAlgorithm.AES_CMAC: {
      const cmac = new AesCmac(signingKey(key))
      forEachSigned(parts, (bytes) => cmac.update(bytes))
      return cmac.digest()
    }
    case SigningAlgorithm.AES_GMAC: {
      const gcm = createCipheriv("aes-128-gcm", signingKey(key), gmacNonce(parts))
      forEachSigned(parts, (bytes) => gcm.setAAD(bytes))
      gcm.final()
      return new Uint8Array(gcm.getAuthTag())
    }
  }
}

/**
 * Whether the message's Signature field holds its signature under `key`. Compared in constant
 * time; a message shorter than the header never verifies.
 *
 * @since 0.1.0
 * @category signing
 */
export const verify = (algorithm: SigningAlgorithmId, key: Uint8Array, message: Message): boolean => {
  const parts = partsOf(message)
  let length = 0
  for (const part of parts) length += part.byteLength
  if (length < HEADER_SIZE) return false
  return timingSafeEqual(sign(algorithm, key, parts), bytesAt(parts, SIGNATURE_OFFSET, SIGNATURE_END))
}
