/**
 * Direct TCP session framing (MS-SMB2 2.1): every SMB2 frame travels behind a 4-byte header, a zero
 * byte then the frame's length as a 24-bit big-endian number.
 *
 * The deframer is shared by the TCP and in-memory transports (and the test peer), so that garbage,
 * truncated and split frames behave the same in tests as on the wire. It is built for large
 * transfers: the announced length is checked before anything is allocated, a frame that sits whole
 * inside one received chunk is handed out as a view of that chunk, and only a frame that spans
 * chunks is copied, once, into a buffer of its announced size.
 *
 * @since 0.1.0
 */
import { TransportError } from "../errors.js"
import { type Frame, frameLength, MAX_DIRECT_TCP_FRAME } from "./Transport.js"

/** @since 0.1.0 @category constants */
export const PREFIX_SIZE = 4

/**
 * Clamps a configured maximum frame size to what direct TCP can carry (default: the protocol
 * maximum, 0xFFFFFF).
 *
 * @since 0.1.0
 */
export const resolveMaxFrameSize = (maxFrameSize: number | undefined): number =>
  maxFrameSize === undefined || !(maxFrameSize >= 0)
    ? MAX_DIRECT_TCP_FRAME
    : Math.min(Math.floor(maxFrameSize), MAX_DIRECT_TCP_FRAME)

/**
 * Writes the 4-byte session header for a frame of `length` bytes (at most 0xFFFFFF) into `out`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const writePrefix = (out: Uint8Array, offset: number, length: number): void => {
  out[offset] = 0
  out[offset + 1] = (length >>> 16) & 0xff
  out[offset + 2] = (length >>> 8) & 0xff
  out[offset + 3] = length & 0xff
}

/**
 * The 4-byte session header for a frame of `length` bytes (at most 0xFFFFFF).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePrefix = (length: number): Uint8Array => {
  const out = new Uint8Array(PREFIX_SIZE)
  writePrefix(out, 0, length)
  return out
}

/**
 * The session header and the frame's parts in one new buffer (one copy). For the in-memory
 * transport and the test peer; the TCP transport writes the parts without joining them.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFrame = (frame: Frame): Uint8Array => {
  const length = frameLength(frame)
  const out = new Uint8Array(PREFIX_SIZE + length)
  writePrefix(out, 0, length)
  if (frame instanceof Uint8Array) {
    out.set(frame, PREFIX_SIZE)
  } else {
    let at = PREFIX_SIZE
    for (const part of frame) {
      out.set(part, at)
      at += part.byteLength
    }
  }
  return out
}

/**
 * A frame that the session header cannot describe.
 *
 * @since 0.1.0
 */
export const checkOutgoing = (frame: Frame): TransportError | undefined => {
  const length = frameLength(frame)
  return length > MAX_DIRECT_TCP_FRAME
    ? new TransportError({
      reason: "FrameTooLarge",
      detail: `cannot send a ${length}-byte frame, the maximum is ${MAX_DIRECT_TCP_FRAME}`
    })
    : undefined
}

/**
 * Cuts a byte stream into frames. Stateful: feed it every received chunk in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Deframer {
  /**
   * Feeds one chunk; calls `onFrame` for every frame it completes, in order. Returns the error if
   * the chunk breaks framing (a non-zero first byte, or a length above the maximum); the frames
   * before the fault are still delivered, and every later push returns the same error.
   *
   * Frames are plain Uint8Array views (never Node Buffers, whose `slice` does not copy). A frame
   * that sits whole inside `chunk` shares its memory, so a chunk must not be reused after a push.
   */
  readonly push: (chunk: Uint8Array, onFrame: (frame: Uint8Array) => void) => TransportError | undefined
  /** Bytes held of an incomplete frame (session header included): non-zero means mid-frame. */
  readonly buffered: () => number
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeDeframer = (options?: { readonly maxFrameSize?: number | undefined }): Deframer => {
  const maxFrameSize = resolveMaxFrameSize(options?.maxFrameSize)
  const prefix = new Uint8Array(PREFIX_SIZE)
  let prefixFill = 0
  let body: Uint8Array | undefined
  let bodyFill = 0
  let failure: TransportError | undefined

  const fail = (error: TransportError): TransportError => {
    failure = error
    body = undefined
    prefixFill = 0
    return error
  }
  const checkFirstByte = (byte: number): TransportError | undefined =>
    byte === 0 ? undefined : fail(
      new TransportError({
        reason: "Malformed",
        detail: `session header starts with 0x${byte.toString(16).padStart(2, "0")}, expected 0x00`
      })
    )
  const checkLength = (length: number): TransportError | undefined =>
    length <= maxFrameSize ? undefined : fail(
      new TransportError({
        reason: "FrameTooLarge",
        detail: `peer announced a ${length}-byte frame, the maximum is ${maxFrameSize}`
      })
    )

  const push = (chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): TransportError | undefined => {
    if (failure !== undefined) return failure
    const end = chunk.byteLength
    let at = 0
    while (at < end) {
      if (body !== undefined) {
        const take = Math.min(body.byteLength - bodyFill, end - at)
        body.set(chunk.subarray(at, at + take), bodyFill)
        bodyFill += take
        at += take
        if (bodyFill === body.byteLength) {
          const frame = body
          body = undefined
          onFrame(frame)
        }
        continue
      }
      let length: number
      if (prefixFill === 0 && end - at >= PREFIX_SIZE) {
        const error = checkFirstByte(chunk[at]!)
        if (error !== undefined) return error
        length = (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!
        at += PREFIX_SIZE
      } else {
        const take = Math.min(PREFIX_SIZE - prefixFill, end - at)
        prefix.set(chunk.subarray(at, at + take), prefixFill)
        prefixFill += take
        at += take
        const error = checkFirstByte(prefix[0]!)
        if (error !== undefined) return error
        if (prefixFill < PREFIX_SIZE) break
        prefixFill = 0
        length = (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!
      }
      const error = checkLength(length)
      if (error !== undefined) return error
      if (end - at >= length) {
        onFrame(new Uint8Array(chunk.buffer, chunk.byteOffset + at, length))
        at += length
      } else {
        // Not zero-filled: every byte is overwritten before the frame is handed out. Unpooled, so
        // the frame owns its whole ArrayBuffer and can be transferred to a worker thread.
        const slow = Buffer.allocUnsafeSlow(length)
        body = new Uint8Array(slow.buffer, slow.byteOffset, length)
        bodyFill = 0
      }
    }
    return undefined
  }

  return {
    push,
    buffered: () => (body === undefined ? prefixFill : PREFIX_SIZE + bodyFill)
  }
}
