/**
 * Direct TCP session framing (MS-SMB2 2.1): every SMB2 frame travels behind a 4-byte header, a zero
 * byte then the frame's length as a 24-bit big-endian number.
 *
 * The deframer is shared by the TCP and in-memory transports (and the test peer), so that garbage,
 * truncated and split frames behave the same in tests as on the wire. It is built for large
 * transfers: the announced length is checked before anything is allocated, a frame that sits whole
 * inside one received chunk is handed out as a view of that chunk, and a frame that spans chunks
 * gets a buffer of its announced size only once a good part of it has arrived (so that 4 bytes
 * cannot make us reserve 16 MiB). Reading in place (`readTarget` + `commit`) goes further: the
 * rest of a large frame is read straight into that buffer, and between frames reads go into one
 * reused scratch buffer rather than a fresh one per read.
 *
 * @since 0.1.0
 */
import * as FramePool from "./FramePool.js"
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
 * transport and the test peer; the TCP transport joins only small frames (see writeFrame).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFrame = (frame: Frame): Uint8Array => {
  const length = frameLength(frame)
  const out = new Uint8Array(PREFIX_SIZE + length)
  writeFrame(out, frame, length)
  return out
}

/**
 * Writes the session header for `length` and the frame's parts into `out` (at least
 * PREFIX_SIZE + length bytes).
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeFrame = (out: Uint8Array, frame: Frame, length: number): void => {
  writePrefix(out, 0, length)
  if (frame instanceof Uint8Array) {
    out.set(frame, PREFIX_SIZE)
    return
  }
  let at = PREFIX_SIZE
  for (const part of frame) {
    out.set(part, at)
    at += part.byteLength
  }
}

/**
 * The error for a frame of `length` bytes that the session header cannot describe (the caller
 * has the length at hand: `frameLength`).
 *
 * @since 0.1.0
 */
export const checkOutgoing = (length: number): TransportError | undefined =>
  length > MAX_DIRECT_TCP_FRAME
    ? new TransportError({
      reason: "FrameTooLarge",
      detail: `cannot send a ${length}-byte frame, the maximum is ${MAX_DIRECT_TCP_FRAME}`
    })
    : undefined

/**
 * Cuts a byte stream into frames. Stateful: feed it every received chunk in order, either with
 * `push` (chunks it may keep) or with `readTarget` + `commit` (reads into memory it supplies).
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
  /**
   * Where the next read should put its bytes: the rest of the current frame's buffer once that
   * exists (so that a large frame is read in place, never copied), otherwise a scratch buffer
   * that the deframer reuses (frames are then copied out of it: none ever views it).
   */
  readonly readTarget: () => Uint8Array
  /** `read` (the buffer last returned by `readTarget`) now holds `n` received bytes; as `push`. */
  readonly commit: (read: Uint8Array, n: number, onFrame: (frame: Uint8Array) => void) => TransportError | undefined
  /** Bytes held of an incomplete frame (session header included): non-zero means mid-frame. */
  readonly buffered: () => number
}

/** Size of the reused buffer that reads go into between frames (and for small frames). */
const SCRATCH_SIZE = 256 * 1024

/**
 * A frame's buffer is allocated once its received bytes reach 1/ALLOCATION_RATIO of the announced
 * length (or at once for frames up to SMALL_FRAME): a peer cannot make us reserve more than this
 * many times what it actually sent. Until then the bytes wait as pieces, copied once into the
 * frame's buffer when it is allocated.
 */
const ALLOCATION_RATIO = 8
const SMALL_FRAME = 64 * 1024

/**
 * A buffer that owns its whole ArrayBuffer (so it can be transferred to a worker thread), from
 * the pool for large frames. Not zero-filled: every byte is overwritten before it is handed out.
 */
const allocateFrame = FramePool.allocate

const copyOf = (bytes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  return out
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeDeframer = (options?: { readonly maxFrameSize?: number | undefined }): Deframer => {
  const maxFrameSize = resolveMaxFrameSize(options?.maxFrameSize)
  const prefix = new Uint8Array(PREFIX_SIZE)
  let prefixFill = 0
  /** The announced length of the frame being received, once its header is complete. */
  let length = 0
  /** Received bytes of that frame, before its buffer exists. */
  let pieces: Array<Uint8Array> | undefined
  let piecesFill = 0
  let body: Uint8Array | undefined
  let bodyFill = 0
  let scratch: Uint8Array | undefined
  /** What `readTarget` last handed out into `body`, to recognise it in `commit`. */
  let target: Uint8Array | undefined
  let failure: TransportError | undefined

  const fail = (error: TransportError): TransportError => {
    failure = error
    body = undefined
    pieces = undefined
    target = undefined
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
  const checkLength = (announced: number): TransportError | undefined =>
    announced <= maxFrameSize ? undefined : fail(
      new TransportError({
        reason: "FrameTooLarge",
        detail: `peer announced a ${announced}-byte frame, the maximum is ${maxFrameSize}`
      })
    )

  /**
   * Moves the waiting pieces into the frame's buffer once enough of the frame has arrived, or at
   * once when the pool holds an idle buffer of that size (memory already reserved: nothing for a
   * lying peer to gain, and the bytes are copied only once).
   */
  const allocateIfDue = (): void => {
    if (pieces === undefined) return
    if (length > SMALL_FRAME && piecesFill * ALLOCATION_RATIO < length && !FramePool.hasIdle(length)) return
    body = allocateFrame(length)
    bodyFill = 0
    for (const piece of pieces) {
      body.set(piece, bodyFill)
      bodyFill += piece.byteLength
    }
    pieces = undefined
    piecesFill = 0
  }

  const deliverIfComplete = (onFrame: (frame: Uint8Array) => void): void => {
    if (body === undefined || bodyFill < body.byteLength) return
    const frame = body
    body = undefined
    onFrame(frame)
  }

  /** `owned`: the chunk is never reused, so frames and pieces may be views of it. */
  const feed = (chunk: Uint8Array, owned: boolean, onFrame: (frame: Uint8Array) => void): TransportError | undefined => {
    if (failure !== undefined) return failure
    const end = chunk.byteLength
    let at = 0
    while (at < end) {
      if (body !== undefined) {
        const take = Math.min(body.byteLength - bodyFill, end - at)
        body.set(chunk.subarray(at, at + take), bodyFill)
        bodyFill += take
        at += take
        deliverIfComplete(onFrame)
        continue
      }
      if (pieces !== undefined) {
        const take = Math.min(length - piecesFill, end - at)
        const piece = chunk.subarray(at, at + take)
        pieces.push(owned ? piece : copyOf(piece))
        piecesFill += take
        at += take
        allocateIfDue()
        deliverIfComplete(onFrame)
        continue
      }
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
        // A plain Uint8Array view even when `chunk` is a Buffer (whose subarray would be a Buffer).
        onFrame(
          owned ? new Uint8Array(chunk.buffer, chunk.byteOffset + at, length) : copyOf(chunk.subarray(at, at + length))
        )
        at += length
      } else {
        pieces = []
        piecesFill = 0
        allocateIfDue()
      }
    }
    return undefined
  }

  return {
    push: (chunk, onFrame) => feed(chunk, true, onFrame),
    readTarget: () => {
      // `fail` drops `body`, so a failed deframer always hands out the scratch buffer.
      if (body !== undefined && bodyFill < body.byteLength) {
        target = body.subarray(bodyFill)
        return target
      }
      target = undefined
      scratch ??= new Uint8Array(SCRATCH_SIZE)
      return scratch
    },
    commit: (read, n, onFrame) => {
      if (failure !== undefined) return failure
      if (read !== target || body === undefined) return feed(read.subarray(0, n), false, onFrame)
      target = undefined
      bodyFill += n
      deliverIfComplete(onFrame)
      return undefined
    },
    buffered: () =>
      body !== undefined
        ? PREFIX_SIZE + bodyFill
        : pieces !== undefined
        ? PREFIX_SIZE + piecesFill
        : prefixFill
  }
}
