/**
 * Direct-TCP framing (MS-SMB2 2.1): each SMB2 message (or TRANSFORM frame) is preceded by four
 * bytes, a zero then a 24-bit big-endian length. The splitter turns an arbitrary sequence of TCP
 * chunks (a frame cut anywhere, several frames in one chunk) into whole frames, without the
 * 4-byte prefix; `frameOf` adds the prefix back.
 */

/** The largest length 3 bytes can hold. */
export const MAX_FRAME = 0xffffff

export class FramingError extends Error {
  constructor(readonly detail: string) {
    super(`direct-TCP framing: ${detail}`)
    this.name = "FramingError"
  }
}

/** Accumulates chunks and yields the complete frames they contain (payloads, prefix removed). */
export class FrameSplitter {
  private chunks: Array<Uint8Array> = []
  private buffered = 0

  /** Bytes held that do not yet make a whole frame. */
  get pending(): number {
    return this.buffered
  }

  /** Adds a chunk; returns every frame completed by it, in order. Throws FramingError on a bad prefix. */
  push(chunk: Uint8Array): Array<Uint8Array> {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.byteLength
    }
    const frames: Array<Uint8Array> = []
    for (;;) {
      if (this.buffered < 4) return frames
      const prefix = this.peek(4)
      if (prefix[0] !== 0) throw new FramingError(`first prefix byte is 0x${prefix[0]!.toString(16)}, not 0`)
      const length = (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!
      if (this.buffered < 4 + length) return frames
      const whole = this.take(4 + length)
      frames.push(whole.subarray(4))
    }
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!
    if (first.byteLength >= n) return first.subarray(0, n)
    const out = new Uint8Array(n)
    let at = 0
    for (const chunk of this.chunks) {
      const part = chunk.subarray(0, n - at)
      out.set(part, at)
      at += part.byteLength
      if (at === n) break
    }
    return out
  }

  /** Removes and returns the first n bytes (a fresh copy, so callers may keep or modify it). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let at = 0
    while (at < n) {
      const chunk = this.chunks[0]!
      const part = chunk.subarray(0, n - at)
      out.set(part, at)
      at += part.byteLength
      if (part.byteLength === chunk.byteLength) this.chunks.shift()
      else this.chunks[0] = chunk.subarray(part.byteLength)
    }
    this.buffered -= n
    return out
  }
}

/** The frame with its 4-byte direct-TCP prefix. */
export const frameOf = (payload: Uint8Array): Uint8Array => {
  if (payload.byteLength > MAX_FRAME) throw new FramingError(`frame of ${payload.byteLength} bytes is too large`)
  const out = new Uint8Array(4 + payload.byteLength)
  out[1] = (payload.byteLength >>> 16) & 0xff
  out[2] = (payload.byteLength >>> 8) & 0xff
  out[3] = payload.byteLength & 0xff
  out.set(payload, 4)
  return out
}
