/**
 * ChunkWriter: turns bytes pushed in any sizes into WRITE-sized chunks, with several chunks in
 * flight. What a streaming upload is built on.
 *
 * A chunk is a list of parts sent as [head, ...parts], so large input buffers go to the socket
 * without a copy; only small inputs (under `SMALL_PART`) are copied, into staging segments, so
 * that a stream of tiny chunks does not become a WRITE of thousands of parts. Consequence: a
 * pushed buffer is referenced until its chunk is written, so producers must not reuse buffers.
 *
 * Backpressure: `push` waits while `concurrency` chunks are in flight. The first failed write
 * fails the next `push` or `finish`.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"

/** Inputs below this size are copied into a staging segment rather than sent as their own part. */
const SMALL_PART = 16 * 1024
const SEGMENT_SIZE = 1024 * 1024

/**
 * @since 0.1.0
 * @internal
 */
export interface ChunkWriter<E> {
  /** Adds bytes after those pushed before. Waits while the pipeline is full. */
  readonly push: (bytes: Uint8Array) => Effect.Effect<void, E>
  /** Writes what is left, waits for every write, and returns the bytes written. */
  readonly finish: Effect.Effect<number, E>
}

/**
 * A writer whose chunks start at `offset`; `writeAt(offset, parts, length)` writes one chunk
 * whole (short writes are its business). Lives as long as the Scope: closing it interrupts the
 * writes in flight.
 *
 * @since 0.1.0
 * @internal
 */
export const make = <E>(options: {
  readonly offset: number
  readonly chunkSize: number
  readonly concurrency: number
  readonly writeAt: (offset: number, parts: ReadonlyArray<Uint8Array>, length: number) => Effect.Effect<void, E>
}): Effect.Effect<ChunkWriter<E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { chunkSize, concurrency, writeAt } = options
    const permits = yield* Effect.makeSemaphore(concurrency)
    const failure = yield* Deferred.make<never, E>()
    const fibers = yield* FiberSet.make<void, never>()
    let parts: Array<Uint8Array> = []
    let pending = 0
    let next = options.offset
    let written = 0
    let segment: Uint8Array | undefined
    let segmentStart = 0
    let segmentUsed = 0

    const flushStaged = (): void => {
      if (segment === undefined || segmentUsed === segmentStart) return
      parts.push(segment.subarray(segmentStart, segmentUsed))
      segmentStart = segmentUsed
    }

    const stage = (piece: Uint8Array): void => {
      if (segment === undefined || segment.length - segmentUsed < piece.length) {
        flushStaged()
        segment = new Uint8Array(Math.min(SEGMENT_SIZE, chunkSize))
        segmentStart = 0
        segmentUsed = 0
      }
      segment.set(piece, segmentUsed)
      segmentUsed += piece.length
    }

    const failed = Effect.flatMap(Deferred.isDone(failure), (done) => (done ? Deferred.await(failure) : Effect.void))

    const dispatch = Effect.suspend(() => {
      flushStaged()
      if (pending === 0) return Effect.void
      const chunk = parts
      const length = pending
      const at = next
      parts = []
      pending = 0
      next += length
      const write = writeAt(at, chunk, length).pipe(
        Effect.matchCauseEffect({
          onFailure: (cause) => (Cause.isInterruptedOnly(cause) ? Effect.void : Deferred.failCause(failure, cause)),
          onSuccess: () => Effect.sync(() => void (written += length))
        }),
        Effect.ensuring(permits.release(1))
      )
      return Effect.zipRight(permits.take(1), Effect.asVoid(FiberSet.run(fibers, write)))
    })

    const push = (bytes: Uint8Array): Effect.Effect<void, E> =>
      Effect.gen(function*() {
        yield* failed
        let at = 0
        while (at < bytes.length) {
          const take = Math.min(chunkSize - pending, bytes.length - at)
          const piece = take === bytes.length ? bytes : bytes.subarray(at, at + take)
          if (piece.length < SMALL_PART) {
            stage(piece)
          } else {
            flushStaged()
            parts.push(piece)
          }
          pending += take
          at += take
          if (pending === chunkSize) yield* dispatch
        }
      })

    const finish = Effect.gen(function*() {
      yield* failed
      yield* dispatch
      yield* permits.withPermits(concurrency)(Effect.void)
      yield* failed
      return written
    })

    return { push, finish }
  })
