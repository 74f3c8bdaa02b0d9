/**
 * ChunkWriter: bytes pushed in any sizes come out as contiguous chunks of `chunkSize` (the last
 * one shorter), never more than `concurrency` in flight, and a failed write fails the writer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as ChunkWriter from "../../src/client/internal/ChunkWriter.js"
import { InvalidState } from "../../src/errors.js"

interface Written {
  readonly offset: number
  readonly length: number
  readonly bytes: Uint8Array
  readonly parts: number
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const recordingWriter = (options: { offset: number; chunkSize: number; concurrency: number }) =>
  Effect.gen(function*() {
    const written: Array<Written> = []
    let active = 0
    let maxActive = 0
    const writer = yield* ChunkWriter.make({
      ...options,
      writeAt: (offset, parts, length) =>
        Effect.gen(function*() {
          active++
          maxActive = Math.max(maxActive, active)
          yield* Effect.yieldNow()
          written.push({ offset, length, bytes: concat(parts), parts: parts.length })
          active--
        })
    })
    return { writer, written, maxActive: () => maxActive }
  })

const pattern = new Uint8Array(64 * 1024).map((_, i) => (i * 131 + (i >> 8)) & 0xff)

describe("ChunkWriter", () => {
  it.effect.prop(
    "reassembles any split into contiguous chunks within the limits",
    [
      FastCheck.array(FastCheck.integer({ min: 0, max: 40_000 }), { maxLength: 10 }),
      FastCheck.integer({ min: 4096, max: 100_000 }),
      FastCheck.integer({ min: 1, max: 4 }),
      FastCheck.integer({ min: 0, max: 1000 })
    ],
    ([sizes, chunkSize, concurrency, offset]) =>
      Effect.scoped(Effect.gen(function*() {
        const { writer, written, maxActive } = yield* recordingWriter({ offset, chunkSize, concurrency })
        const pieces = sizes.map((size, i) => pattern.slice(i * 1009, i * 1009 + size))
        for (const piece of pieces) yield* writer.push(piece)
        const total = yield* writer.finish
        const input = concat(pieces)
        expect(total).toBe(input.length)
        const sorted = [...written].sort((a, b) => a.offset - b.offset)
        let at = offset
        for (const [i, w] of sorted.entries()) {
          expect(w.offset).toBe(at)
          expect(w.bytes.length).toBe(w.length)
          if (i < sorted.length - 1) expect(w.length).toBe(chunkSize)
          else expect(w.length).toBeLessThanOrEqual(chunkSize)
          at += w.length
        }
        expect(Buffer.from(concat(sorted.map((w) => w.bytes))).equals(Buffer.from(input))).toBe(true)
        expect(maxActive()).toBeLessThanOrEqual(concurrency)
      })),
    { fastCheck: { seed: 42, numRuns: 60 } }
  )

  it.scoped("sends large pieces as their own parts and gathers small ones", () =>
    Effect.gen(function*() {
      const { writer, written } = yield* recordingWriter({ offset: 0, chunkSize: 1 << 20, concurrency: 2 })
      const large = new Uint8Array(200_000)
      yield* writer.push(large)
      for (let i = 0; i < 100; i++) yield* writer.push(new Uint8Array(100))
      yield* writer.push(large)
      yield* writer.finish
      // [large], [100 small pieces in one staged part], [large]
      expect(written).toHaveLength(1)
      expect(written[0]!.parts).toBe(3)
    }))

  it.scoped("a failed write fails the next push or finish", () =>
    Effect.gen(function*() {
      const error = new InvalidState({ reason: "ShortWrite", detail: "disk full" })
      const writer = yield* ChunkWriter.make({
        offset: 0,
        chunkSize: 10,
        concurrency: 1,
        writeAt: (offset) => (offset === 10 ? Effect.fail(error) : Effect.void)
      })
      yield* writer.push(new Uint8Array(25))
      const exit = yield* Effect.exit(Effect.zipRight(writer.push(new Uint8Array(10)), writer.finish))
      expect(exit).toStrictEqual(Exit.fail(error))
    }))
})
