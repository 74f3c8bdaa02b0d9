// Direct TCP session framing: MS-SMB2 2.1 ("Transport"): a zero byte, then the 24-bit
// big-endian StreamProtocolLength, then the SMB2 message.
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { afterEach, vi } from "vitest"
import { encodeFrame, encodePrefix, makeDeframer, resolveMaxFrameSize } from "../../src/transport/Framing.js"
import * as FramePool from "../../src/transport/FramePool.js"
import { concatBytes } from "../../src/wire/Reader.js"

const deframeAll = (chunks: ReadonlyArray<Uint8Array>, maxFrameSize?: number) => {
  const deframer = makeDeframer({ maxFrameSize })
  const frames: Array<Uint8Array> = []
  const errors = chunks.map((chunk) => deframer.push(chunk, (frame) => frames.push(frame)))
  return { frames, errors, deframer }
}

const splitAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let from = 0
  for (const p of [...points, bytes.byteLength]) {
    chunks.push(bytes.subarray(from, p))
    from = p
  }
  return chunks
}

const concat = concatBytes

describe("Framing", () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("encodes the session header as 0x00 and a 24-bit big-endian length", () => {
    expect([...encodePrefix(0x123456)]).toEqual([0x00, 0x12, 0x34, 0x56])
    expect([...encodePrefix(0xffffff)]).toEqual([0x00, 0xff, 0xff, 0xff])
    expect([...encodeFrame([Uint8Array.of(1, 2), Uint8Array.of(3)])]).toEqual([0, 0, 0, 3, 1, 2, 3])
  })

  it.prop(
    "any frames, split at any points, deframe to the same frames",
    {
      frames: FastCheck.array(FastCheck.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      cuts: FastCheck.array(FastCheck.nat(), { maxLength: 40 })
    },
    ({ cuts, frames }) => {
      const stream = concat(frames.map((f) => encodeFrame(f)))
      const chunks = splitAt(stream, cuts)
      const { errors, frames: out, deframer } = deframeAll(chunks)
      expect(errors.every((e) => e === undefined)).toBe(true)
      expect(out.map((f) => [...f])).toEqual(frames.map((f) => [...f]))
      expect(deframer.buffered()).toBe(0)
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  it("hands out a frame whole inside a chunk as a view of it, and copies one that spans chunks", () => {
    const a = Uint8Array.of(1, 2, 3)
    const b = Uint8Array.of(4, 5, 6, 7)
    const chunk1 = concat([encodeFrame(a), encodeFrame(b).subarray(0, 6)])
    const chunk2 = encodeFrame(b).subarray(6)
    const { frames } = deframeAll([chunk1, chunk2])
    expect(frames[0]!.buffer).toBe(chunk1.buffer)
    expect(frames[1]!.buffer).not.toBe(chunk1.buffer)
    expect(frames[1]!.buffer).not.toBe(chunk2.buffer)
    expect([...frames[1]!]).toEqual([...b])
  })

  it("hands out plain Uint8Arrays, never Node Buffers", () => {
    const { frames } = deframeAll([Buffer.from(encodeFrame(Uint8Array.of(9, 9)))])
    expect(frames[0]!.constructor).toBe(Uint8Array)
  })

  it("reassembles a 1 MiB frame from 64 KiB chunks, a session header split 1+3 bytes", () => {
    const big = new Uint8Array(1 << 20).map((_, i) => i * 7)
    const stream = encodeFrame(big)
    const chunks = [stream.subarray(0, 1), ...splitAt(stream.subarray(1), Array.from({ length: 16 }, (_, i) => 3 + i * 65536))]
    const { frames, errors } = deframeAll(chunks)
    expect(errors.every((e) => e === undefined)).toBe(true)
    expect(frames).toHaveLength(1)
    expect(Buffer.compare(frames[0]!, big)).toBe(0)
  })

  it("reports an incomplete frame as buffered bytes", () => {
    const deframer = makeDeframer()
    deframer.push(Uint8Array.of(0, 0), () => undefined)
    expect(deframer.buffered()).toBe(2)
    deframer.push(Uint8Array.of(0, 10, 1, 2, 3), () => undefined)
    expect(deframer.buffered()).toBe(4 + 3)
  })

  it("delivers a zero-length frame", () => {
    expect(deframeAll([Uint8Array.of(0, 0, 0, 0)]).frames).toEqual([new Uint8Array(0)])
  })

  it("rejects an announced length above the maximum before allocating, from the header alone", () => {
    const alloc = vi.spyOn(Buffer, "allocUnsafeSlow")
    const { errors, frames } = deframeAll([encodeFrame(Uint8Array.of(1)), Uint8Array.of(0, 0xff, 0xff, 0xff)], 1024)
    expect(frames).toHaveLength(1)
    expect(errors[1]?.reason).toBe("FrameTooLarge")
    expect(alloc).not.toHaveBeenCalled()
  })

  it("accepts a frame of exactly the maximum", () => {
    const { errors, frames } = deframeAll([encodeFrame(new Uint8Array(100))], 100)
    expect(errors).toEqual([undefined])
    expect(frames[0]!.byteLength).toBe(100)
  })

  it("rejects a non-zero first byte as Malformed, after delivering the frames before it, and stays failed", () => {
    const deframer = makeDeframer()
    const frames: Array<Uint8Array> = []
    const onFrame = (f: Uint8Array) => frames.push(f)
    const error = deframer.push(concat([encodeFrame(Uint8Array.of(1)), Uint8Array.of(0x85, 0, 0, 0)]), onFrame)
    expect(error?.reason).toBe("Malformed")
    expect(frames).toHaveLength(1)
    expect(deframer.push(encodeFrame(Uint8Array.of(2)), onFrame)).toBe(error)
    expect(frames).toHaveLength(1)
  })

  it("rejects a non-zero first byte that arrives alone", () => {
    expect(deframeAll([Uint8Array.of(0xfe)]).errors[0]?.reason).toBe("Malformed")
  })

  it("allocates a spanning frame's buffer only once an eighth of it has arrived, then once, whole", () => {
    const alloc = vi.spyOn(Buffer, "allocUnsafeSlow")
    const big = new Uint8Array(0xffffff).map((_, i) => i * 13)
    const stream = encodeFrame(big)
    const deframer = makeDeframer()
    const frames: Array<Uint8Array> = []
    deframer.push(stream.subarray(0, 5), (f) => frames.push(f))
    expect(alloc).not.toHaveBeenCalled()
    const eighth = Math.ceil(0xffffff / 8)
    deframer.push(stream.subarray(5, 4 + eighth - 1), (f) => frames.push(f))
    expect(alloc).not.toHaveBeenCalled()
    deframer.push(stream.subarray(4 + eighth - 1, 4 + eighth), (f) => frames.push(f))
    expect(alloc.mock.calls).toEqual([[0xffffff]])
    deframer.push(stream.subarray(4 + eighth), (f) => frames.push(f))
    expect(frames).toHaveLength(1)
    expect(Buffer.compare(frames[0]!, big)).toBe(0)
  })

  /** Reads `stream` the way net's `onread` does: each read fills part of `readTarget()`. */
  const readInPlace = (stream: Uint8Array, readSizes: ReadonlyArray<number>) => {
    const deframer = makeDeframer()
    const frames: Array<Uint8Array> = []
    const targets = new Set<ArrayBufferLike>()
    const order: Array<ArrayBufferLike> = []
    let at = 0
    for (let i = 0; at < stream.byteLength; i++) {
      const target = deframer.readTarget()
      const n = Math.min(target.byteLength, Math.max(1, readSizes[i % Math.max(1, readSizes.length)] ?? 1), stream.byteLength - at)
      target.set(stream.subarray(at, at + n))
      at += n
      const error = deframer.commit(target, n, (f) => frames.push(f))
      expect(error).toBeUndefined()
      targets.add(target.buffer)
      order.push(target.buffer)
    }
    return { frames, deframer, targets, order }
  }

  it.prop(
    "read in place: any frames, read in any sizes, deframe to the same frames, none aliasing the reused buffer",
    {
      frames: FastCheck.array(FastCheck.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      reads: FastCheck.array(FastCheck.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 })
    },
    ({ frames, reads }) => {
      const { deframer, frames: out } = readInPlace(concat(frames.map((f) => encodeFrame(f))), reads)
      expect(out.map((f) => [...f])).toEqual(frames.map((f) => [...f]))
      const scratch = deframer.readTarget().buffer
      expect(out.every((f) => f.buffer !== scratch)).toBe(true)
      expect(deframer.buffered()).toBe(0)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  it("read in place: the rest of a large frame is read straight into its buffer, which the frame owns", () => {
    const big = new Uint8Array(4 << 20).map((_, i) => i * 7)
    const small = Uint8Array.of(1, 2, 3)
    const { deframer, frames, targets } = readInPlace(concat([encodeFrame(small), encodeFrame(big), encodeFrame(small)]), [65536])
    expect(frames.map((f) => f.byteLength)).toEqual([3, 4 << 20, 3])
    expect(Buffer.compare(frames[1]!, big)).toBe(0)
    expect([...frames[2]!]).toEqual([1, 2, 3])
    // the reused scratch buffer, and the large frame's own buffer
    expect(targets.size).toBe(2)
    expect(targets.has(frames[1]!.buffer)).toBe(true)
    expect(frames[1]!.buffer.byteLength).toBe(4 << 20)
    expect(deframer.buffered()).toBe(0)
  })

  it("read in place: with an idle pooled buffer of its size, a large frame goes into it from its first read", () => {
    const size = (4 << 20) + 5
    const idle = FramePool.allocate(size)
    FramePool.recycle(idle)
    const alloc = vi.spyOn(Buffer, "allocUnsafeSlow")
    const big = new Uint8Array(size).map((_, i) => i * 11)
    const { frames, order } = readInPlace(encodeFrame(big), [65536])
    expect(alloc).not.toHaveBeenCalled()
    expect(frames[0]!.buffer).toBe(idle.buffer)
    expect(Buffer.compare(frames[0]!, big)).toBe(0)
    // the scratch buffer for the first read only (the session header): every later read lands in the frame
    expect(order.slice(1).every((buffer) => buffer === idle.buffer)).toBe(true)
  })

  it("clamps the configured maximum to what direct TCP can carry", () => {
    expect(resolveMaxFrameSize(undefined)).toBe(0xffffff)
    expect(resolveMaxFrameSize(1 << 30)).toBe(0xffffff)
    expect(resolveMaxFrameSize(4096)).toBe(4096)
  })
})
