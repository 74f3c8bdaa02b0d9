/**
 * The frame pool hands large buffers back out only when it is safe: a buffer it lent, returned
 * whole (or as the message it was decrypted to), once; a buffer adopted from another thread goes
 * home; small frames are never pooled and the idle bytes stay bounded.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FramePool from "../../src/transport/FramePool.js"

const LARGE = FramePool.MIN_POOLED + 4096

describe("FramePool", () => {
  it("reuses a large buffer given back whole, once", () => {
    const first = FramePool.allocate(LARGE)
    expect(first.byteOffset).toBe(0)
    expect(first.byteLength).toBe(first.buffer.byteLength)
    FramePool.recycle(first)
    FramePool.recycle(first)
    const again = FramePool.allocate(LARGE)
    expect(again.buffer).toBe(first.buffer)
    // given back twice, lent once: the second allocation of that size is a new buffer
    expect(FramePool.allocate(LARGE).buffer).not.toBe(first.buffer)
  })

  it("refuses a part of a buffer (a compound frame's sibling may still be in use)", () => {
    const frame = FramePool.allocate(LARGE + 1)
    FramePool.recycle(frame.subarray(64))
    expect(FramePool.allocate(LARGE + 1).buffer).not.toBe(frame.buffer)
  })

  it("refuses buffers it did not lend, and never pools small frames", () => {
    const foreign = new Uint8Array(LARGE + 2)
    FramePool.recycle(foreign)
    expect(FramePool.allocate(LARGE + 2).buffer).not.toBe(foreign.buffer)
    const small = FramePool.allocate(1024)
    FramePool.recycle(small)
    expect(FramePool.allocate(1024).buffer).not.toBe(small.buffer)
  })

  it("a frame decrypted in place comes back with the message past its TRANSFORM_HEADER, not the whole frame", () => {
    const frame = FramePool.allocate(LARGE + 3)
    expect(FramePool.isLent(frame)).toBe(true)
    const message = frame.subarray(52)
    FramePool.narrow(message)
    expect(FramePool.isLent(frame)).toBe(false)
    FramePool.recycle(frame)
    FramePool.recycle(message.subarray(0, 64))
    expect(FramePool.allocate(LARGE + 3).buffer).not.toBe(frame.buffer)
    FramePool.recycle(message)
    expect(FramePool.allocate(LARGE + 3).buffer).toBe(frame.buffer)
  })

  it("an adopted frame goes home once when recycled; a restored buffer is lent again", () => {
    const homes: Array<ArrayBuffer> = []
    const fromThread = new Uint8Array(LARGE + 4)
    const message = fromThread.subarray(52)
    FramePool.adopt(message, (buffer) => homes.push(buffer))
    FramePool.recycle(message)
    FramePool.recycle(message)
    expect(homes).toEqual([fromThread.buffer])
    expect(FramePool.isLent(fromThread)).toBe(false)
    // Not adopted: a compound's first message, which stops short of the end.
    const compound = new Uint8Array(LARGE + 4)
    FramePool.adopt(compound.subarray(0, 100), (buffer) => homes.push(buffer))
    FramePool.recycle(compound.subarray(0, 100))
    expect(homes).toHaveLength(1)
    FramePool.restore(fromThread.buffer)
    expect(FramePool.allocate(LARGE + 4).buffer).toBe(fromThread.buffer)
  })

  it("idle buffers of another size make room for the size in use", () => {
    const upload = 8 * 1024 * 1024
    const frame = upload + 132
    const uploads = Array.from({ length: FramePool.MAX_POOLED_BYTES / upload }, () => FramePool.allocate(upload))
    for (const buffer of uploads) FramePool.recycle(buffer)
    const frames = Array.from({ length: 2 }, () => FramePool.allocate(frame))
    for (const buffer of frames) FramePool.recycle(buffer)
    expect(FramePool.hasIdle(frame)).toBe(true)
    expect(FramePool.allocate(frame).buffer).toBe(frames[1]!.buffer)
    expect(FramePool.allocate(frame).buffer).toBe(frames[0]!.buffer)
    expect(FramePool.stats().idleBytes).toBeLessThanOrEqual(FramePool.MAX_POOLED_BYTES)
  })

  it("keeps at most MAX_POOLED_BYTES idle", () => {
    const size = 8 * 1024 * 1024 + 3
    const lent = Array.from({ length: FramePool.MAX_POOLED_BYTES / size + 4 }, () => FramePool.allocate(size))
    for (const frame of lent) FramePool.recycle(frame)
    expect(FramePool.stats().idleBytes).toBeLessThanOrEqual(FramePool.MAX_POOLED_BYTES)
    expect(FramePool.stats().idleBytes).toBeGreaterThan(FramePool.MAX_POOLED_BYTES - 2 * size)
  })
})
