/**
 * The SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41) that precedes an encrypted message: 52 bytes of
 * ProtocolId 0xFD 'SMB', Signature (the AEAD tag), Nonce, OriginalMessageSize, Reserved,
 * Flags (3.1.1) / EncryptionAlgorithm (3.0.x), SessionId. The encrypted message follows it.
 *
 * The AEAD's additional data is the 32 header bytes from Nonce to SessionId exactly as they are
 * on the wire, so `transformAad` cuts them from the encoded bytes rather than rebuilding them.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { TRANSFORM_PROTOCOL_ID } from "./Header.js"
import { decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const TRANSFORM_HEADER_SIZE = 52

/**
 * Flags (3.1.1) / EncryptionAlgorithm (3.0, 3.0.2: SMB2_ENCRYPTION_AES128_CCM): the same value.
 *
 * @since 0.1.0
 * @category constants
 */
export const TransformFlags = {
  ENCRYPTED: 0x0001
} as const

/** @since 0.1.0 @category models */
export interface TransformHeader {
  /** 16 bytes: the AEAD tag. */
  readonly signature: Uint8Array
  /**
   * 16 bytes. The cipher uses the first 11 (CCM) or 12 (GCM); the rest is still part of the
   * additional data, whatever its value. A shorter nonce is encoded zero-padded.
   */
  readonly nonce: Uint8Array
  /** Size of the plaintext message (also of the ciphertext that follows). */
  readonly originalMessageSize: number
  readonly flags: number
  readonly sessionId: bigint
}

const AAD_OFFSET = 20

/**
 * The 52-byte header.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeTransformHeader = (header: TransformHeader): Uint8Array => {
  const out = new Uint8Array(TRANSFORM_HEADER_SIZE)
  const v = viewOf(out)
  v.setUint32(0, TRANSFORM_PROTOCOL_ID, true)
  out.set(header.signature.subarray(0, 16), 4)
  out.set(header.nonce.subarray(0, 16), AAD_OFFSET)
  v.setUint32(36, header.originalMessageSize >>> 0, true)
  v.setUint16(42, header.flags, true)
  v.setBigUint64(44, header.sessionId, true)
  return out
}

/**
 * Decodes the header at the start of `frame` (the encrypted message may follow; it is not read).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeTransformHeader = (frame: Uint8Array): Either.Either<TransformHeader, DecodeError> =>
  decode("TransformHeader", () => {
    const r = new Reader(frame, "TransformHeader")
    r.need(0, TRANSFORM_HEADER_SIZE, "TransformHeader")
    const protocolId = r.u32(0, "ProtocolId")
    if (protocolId !== TRANSFORM_PROTOCOL_ID) r.fail("ProtocolId", "Invalid", `0x${protocolId.toString(16)}`, 0)
    return {
      signature: r.bytesAt(4, 16, "Signature"),
      nonce: r.bytesAt(AAD_OFFSET, 16, "Nonce"),
      originalMessageSize: r.u32(36, "OriginalMessageSize"),
      flags: r.u16(42, "Flags"),
      sessionId: r.u64(44, "SessionId")
    }
  })

/**
 * The 32 bytes of additional authenticated data (Nonce through SessionId): a zero-copy view into
 * `frame`, which must start with a whole TRANSFORM_HEADER (one from `encodeTransformHeader`, or a
 * received frame that `decodeTransformHeader` accepted).
 *
 * @since 0.1.0
 */
export const transformAad = (frame: Uint8Array): Uint8Array => frame.subarray(AAD_OFFSET, TRANSFORM_HEADER_SIZE)
