/**
 * forEachBounded, under the Folders operations: every element is handled, never more than the
 * bound at once, and a failure is never lost, also one of the last effects as the stream ends.
 * (Against Samba, test/samba/folders.test.ts's upload into a file where a directory should be
 * lost that failure before forEachBounded checked for it once the set was empty; these cases
 * have not reproduced that timing.)
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { forEachBounded } from "../../src/client/internal/forEachBounded.js"

const tracked = (bound: number, fail?: number) => {
  let running = 0
  let most = 0
  const done: Array<number> = []
  const f = (n: number) =>
    Effect.gen(function*() {
      running++
      most = Math.max(most, running)
      yield* Effect.sleep(`${(n * 7) % 5} millis`)
      running--
      if (n === fail) return yield* Effect.fail(`failed at ${n}`)
      done.push(n)
    })
  return { f, done, most: () => most, bound }
}

it.live("handles every element, at most `concurrency` at once", () =>
  Effect.gen(function*() {
    const t = tracked(4)
    yield* forEachBounded(Stream.range(1, 50), t.f, 4)
    expect([...t.done].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(t.most()).toBe(4)
  }))

it.live("fails with an element's failure, in the middle or at the very end", () =>
  Effect.gen(function*() {
    expect(yield* Effect.flip(forEachBounded(Stream.range(1, 50), tracked(4, 10).f, 4))).toBe("failed at 10")
    for (let i = 0; i < 20; i++) {
      expect(yield* Effect.flip(forEachBounded(Stream.range(1, 3), tracked(3, 3).f, 3))).toBe("failed at 3")
    }
    // The one effect fails at once, as the stream ends.
    expect(yield* Effect.flip(forEachBounded(Stream.make(1), () => Effect.fail("at once"), 2))).toBe("at once")
    expect(yield* Effect.flip(forEachBounded(Stream.make(1), () => Effect.yieldNow().pipe(Effect.zipRight(Effect.fail("soon"))), 2))).toBe("soon")
  }))

it.live("fails with the stream's failure", () =>
  Effect.gen(function*() {
    const stream = Stream.concat(Stream.range(1, 5), Stream.fail("stream failed"))
    expect(yield* Effect.flip(forEachBounded(stream, tracked(2).f, 2))).toBe("stream failed")
  }))
