/**
 * The load every ECHO benchmark applies: `depth` callers on one connection, each running the
 * request again and again until the time is up.
 */
import * as Effect from "effect/Effect"

export interface RoundTrips {
  readonly requests: number
  readonly seconds: number
  readonly perSecond: number
}

export const roundTrips = <E>(request: Effect.Effect<unknown, E>, depth: number, seconds: number): Effect.Effect<RoundTrips, E> =>
  Effect.suspend(() => {
    let requests = 0
    const started = performance.now()
    const deadline = started + seconds * 1000
    const caller = Effect.gen(function*() {
      while (performance.now() < deadline) {
        yield* request
        requests++
      }
    })
    return Effect.forEach(Array.from({ length: depth }), () => caller, { concurrency: "unbounded", discard: true }).pipe(
      Effect.map(() => {
        const elapsed = (performance.now() - started) / 1000
        return { requests, seconds: elapsed, perSecond: requests / elapsed }
      })
    )
  })
