/**
 * A clock that runs ahead of the test's clock by what `set` last gave it, for TTL tests (a cached
 * referral's age); sleeps and timeouts keep real time, so nothing else waits longer.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

export const clockAhead = Effect.map(Effect.clock, (clock) => {
  let ahead = 0
  const later: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => clock.unsafeCurrentTimeMillis() + ahead,
    unsafeCurrentTimeNanos: () => clock.unsafeCurrentTimeNanos() + BigInt(ahead) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => clock.unsafeCurrentTimeMillis() + ahead),
    currentTimeNanos: Effect.sync(() => clock.unsafeCurrentTimeNanos() + BigInt(ahead) * 1_000_000n),
    sleep: (duration) => clock.sleep(duration)
  }
  return {
    clock: later,
    /** Runs the clock `millis` ahead from now on. */
    set: (millis: number): void => {
      ahead = millis
    }
  }
})
