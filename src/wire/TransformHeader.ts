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

const SIGNATURE_OFFSET = 4
const AAD_OFFSET = 20
const NONCE_END = 36

/**
 * The fields `writeTransformHeader` needs: the Signature may be left out while the AEAD tag is
 * not known yet (the field is then zeroed; the tag goes into `transformSignature` afterwards).
 *
 * @since 0.1.0
 * @category models
 */
export type TransformHeaderFields = Omit<TransformHeader, "signature"> & { readonly signature?: Uint8Array }

/**
 * Writes the 52-byte header into `out` at `offset`, every byte of it (Reserved and the padding of
 * a short nonce are zeroed), so that an encrypting sender can lay it out in place in front of the
 * ciphertext without a separate header buffer.
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeTransformHeader = (out: Uint8Array, offset: number, header: TransformHeaderFields): void => {
  const v = viewOf(out)
  v.setUint32(offset, TRANSFORM_PROTOCOL_ID, true)
  const signature = header.signature?.subarray(0, 16)
  if (signature !== undefined) out.set(signature, offset + SIGNATURE_OFFSET)
  out.fill(0, offset + SIGNATURE_OFFSET + (signature?.byteLength ?? 0), offset + AAD_OFFSET)
  const nonce = header.nonce.subarray(0, 16)
  out.set(nonce, offset + AAD_OFFSET)
  out.fill(0, offset + AAD_OFFSET + nonce.byteLength, offset + NONCE_END)
  v.setUint32(offset + 36, header.originalMessageSize >>> 0, true)
  v.setUint16(offset + 40, 0, true)
  v.setUint16(offset + 42, header.flags, true)
  v.setBigUint64(offset + 44, header.sessionId, true)
}

/**
 * The 52-byte header.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeTransformHeader = (header: TransformHeader): Uint8Array => {
  const out = new Uint8Array(TRANSFORM_HEADER_SIZE)
  writeTransformHeader(out, 0, header)
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
      signature: r.bytesAt(SIGNATURE_OFFSET, 16, "Signature"),
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

/**
 * The 16-byte Signature field (the AEAD tag) of the header at the start of `frame`: a zero-copy
 * view, to write the tag into after encrypting, or to read it from before decrypting.
 *
 * @since 0.1.0
 */
export const transformSignature = (frame: Uint8Array): Uint8Array => frame.subarray(SIGNATURE_OFFSET, AAD_OFFSET)
