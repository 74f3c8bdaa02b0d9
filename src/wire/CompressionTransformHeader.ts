/**
 * The SMB2 COMPRESSION_TRANSFORM_HEADER framing (MS-SMB2 2.2.42), without the algorithms.
 *
 * Two forms share the first 8 bytes (ProtocolId 0xFC 'SMB', OriginalCompressedSegmentSize); the
 * Flags field at byte 10 tells them apart:
 * - unchained (Flags NONE, 2.2.42.1): CompressionAlgorithm, Flags, Offset; the `Offset` bytes after
 *   the 16-byte header are sent uncompressed, the rest is one compressed segment;
 * - chained (Flags CHAINED, 2.2.42.2): a run of payload headers to the end of the frame, each
 *   CompressionAlgorithm, Flags, Length and, for algorithms that really compress (not NONE, not
 *   Pattern_V1), OriginalPayloadSize, which Length counts.
 *
 * Decoded payloads are zero-copy views into the frame; every length is bounded by it.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { COMPRESSION_PROTOCOL_ID } from "./Header.js"
import { CompressionAlgorithm } from "./NegotiateContext.js"
import { concatBytes, decode, Reader, viewOf } from "./Reader.js"

/** @since 0.1.0 @category constants */
export const CompressionFlags = {
  NONE: 0x0000,
  CHAINED: 0x0001
} as const

/** @since 0.1.0 @category constants */
export const UNCHAINED_HEADER_SIZE = 16

/** @since 0.1.0 @category models */
export interface UnchainedCompressionTransform {
  readonly _tag: "Unchained"
  /** Size of the whole message once decompressed. */
  readonly originalCompressedSegmentSize: number
  readonly compressionAlgorithm: number
  /** The bytes sent as is before the compressed segment (their length is the Offset field). */
  readonly uncompressed: Uint8Array
  readonly compressed: Uint8Array
}

/** @since 0.1.0 @category models */
export interface ChainedPayload {
  readonly compressionAlgorithm: number
  /** Present exactly when `hasOriginalPayloadSize(compressionAlgorithm)`. */
  readonly originalPayloadSize?: number
  /** The payload after the payload header (and after OriginalPayloadSize when present). */
  readonly data: Uint8Array
}

/**
 * The first payload header carries Flags CHAINED and the others NONE; the encoder writes them so
 * and the decoder ignores the Flags of the others (Windows has been seen sending junk there).
 *
 * @since 0.1.0
 * @category models
 */
export interface ChainedCompressionTransform {
  readonly _tag: "Chained"
  readonly originalCompressedSegmentSize: number
  readonly payloads: readonly [ChainedPayload, ...Array<ChainedPayload>]
}

/** @since 0.1.0 @category models */
export type CompressionTransform = UnchainedCompressionTransform | ChainedCompressionTransform

/**
 * Whether a chained payload header of this algorithm carries OriginalPayloadSize.
 *
 * @since 0.1.0
 */
export const hasOriginalPayloadSize = (algorithm: number): boolean =>
  algorithm !== CompressionAlgorithm.NONE && algorithm !== CompressionAlgorithm.PATTERN_V1

const PAYLOAD_HEADER_SIZE = 8

const encodeUnchained = (message: UnchainedCompressionTransform): Uint8Array => {
  const out = new Uint8Array(UNCHAINED_HEADER_SIZE + message.uncompressed.byteLength + message.compressed.byteLength)
  const v = viewOf(out)
  v.setUint32(0, COMPRESSION_PROTOCOL_ID, true)
  v.setUint32(4, message.originalCompressedSegmentSize >>> 0, true)
  v.setUint16(8, message.compressionAlgorithm, true)
  v.setUint16(10, CompressionFlags.NONE, true)
  v.setUint32(12, message.uncompressed.byteLength, true)
  out.set(message.uncompressed, UNCHAINED_HEADER_SIZE)
  out.set(message.compressed, UNCHAINED_HEADER_SIZE + message.uncompressed.byteLength)
  return out
}

const encodePayload = (payload: ChainedPayload, first: boolean): Uint8Array => {
  const sized = hasOriginalPayloadSize(payload.compressionAlgorithm)
  const prefix = sized ? 4 : 0
  const out = new Uint8Array(PAYLOAD_HEADER_SIZE + prefix + payload.data.byteLength)
  const v = viewOf(out)
  v.setUint16(0, payload.compressionAlgorithm, true)
  v.setUint16(2, first ? CompressionFlags.CHAINED : CompressionFlags.NONE, true)
  v.setUint32(4, prefix + payload.data.byteLength, true)
  if (sized) v.setUint32(PAYLOAD_HEADER_SIZE, (payload.originalPayloadSize ?? 0) >>> 0, true)
  out.set(payload.data, PAYLOAD_HEADER_SIZE + prefix)
  return out
}

const encodeChained = (message: ChainedCompressionTransform): Uint8Array => {
  const head = new Uint8Array(8)
  const v = viewOf(head)
  v.setUint32(0, COMPRESSION_PROTOCOL_ID, true)
  v.setUint32(4, message.originalCompressedSegmentSize >>> 0, true)
  return concatBytes([head, ...message.payloads.map((payload, i) => encodePayload(payload, i === 0))])
}

/**
 * The complete compressed message: header(s) and payload bytes.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeCompressionTransform = (message: CompressionTransform): Uint8Array =>
  message._tag === "Unchained" ? encodeUnchained(message) : encodeChained(message)

const readPayload = (r: Reader, at: number): { readonly payload: ChainedPayload; readonly end: number } => {
  const compressionAlgorithm = r.u16(at, "CompressionAlgorithm")
  const length = r.u32(at + 4, "Length")
  const start = at + PAYLOAD_HEADER_SIZE
  r.need(start, length, "Length")
  if (!hasOriginalPayloadSize(compressionAlgorithm)) {
    return { payload: { compressionAlgorithm, data: r.bytesAt(start, length, "Payload") }, end: start + length }
  }
  if (length < 4) r.fail("Length", "Invalid", `${length} cannot hold OriginalPayloadSize`, at + 4)
  return {
    payload: {
      compressionAlgorithm,
      originalPayloadSize: r.u32(start, "OriginalPayloadSize"),
      data: r.bytesAt(start + 4, length - 4, "Payload")
    },
    end: start + length
  }
}

/**
 * Decodes a frame that starts with 0xFC 'SMB'.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeCompressionTransform = (frame: Uint8Array): Either.Either<CompressionTransform, DecodeError> =>
  decode("CompressionTransformHeader", () => {
    const r = new Reader(frame, "CompressionTransformHeader")
    const protocolId = r.u32(0, "ProtocolId")
    if (protocolId !== COMPRESSION_PROTOCOL_ID) r.fail("ProtocolId", "Invalid", `0x${protocolId.toString(16)}`, 0)
    const originalCompressedSegmentSize = r.u32(4, "OriginalCompressedSegmentSize")
    const flags = r.u16(10, "Flags")
    if (flags === CompressionFlags.NONE) {
      const offset = r.u32(12, "Offset")
      const uncompressed = r.bytesAt(UNCHAINED_HEADER_SIZE, offset, "Offset")
      return {
        _tag: "Unchained",
        originalCompressedSegmentSize,
        compressionAlgorithm: r.u16(8, "CompressionAlgorithm"),
        uncompressed,
        compressed: frame.subarray(UNCHAINED_HEADER_SIZE + offset)
      }
    }
    if (flags !== CompressionFlags.CHAINED) r.fail("Flags", "Invalid", `0x${flags.toString(16)}`, 10)
    const first = readPayload(r, 8)
    const payloads: [ChainedPayload, ...Array<ChainedPayload>] = [first.payload]
    let at = first.end
    while (at < frame.byteLength) {
      const next = readPayload(r, at)
      payloads.push(next.payload)
      at = next.end
    }
    return { _tag: "Chained", originalCompressedSegmentSize, payloads }
  })

/** A Pattern_V1 payload (2.2.42.2.2): one byte repeated. @since 0.1.0 @category models */
export interface PatternV1Payload {
  readonly pattern: number
  readonly repetitions: number
}

const PATTERN_V1_SIZE = 8

/**
 * The 8-byte data of a Pattern_V1 chained payload.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePatternV1Payload = (payload: PatternV1Payload): Uint8Array => {
  const out = new Uint8Array(PATTERN_V1_SIZE)
  const v = viewOf(out)
  v.setUint8(0, payload.pattern)
  v.setUint32(4, payload.repetitions >>> 0, true)
  return out
}

/**
 * Reads the data of a Pattern_V1 chained payload; it must be exactly 8 bytes.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodePatternV1Payload = (data: Uint8Array): Either.Either<PatternV1Payload, DecodeError> =>
  decode("PatternV1Payload", () => {
    const r = new Reader(data, "PatternV1Payload")
    if (data.byteLength !== PATTERN_V1_SIZE) r.fail("Length", "Invalid", `expected 8 bytes, got ${data.byteLength}`)
    return { pattern: r.u8(0, "Pattern"), repetitions: r.u32(4, "Repetitions") }
  })
