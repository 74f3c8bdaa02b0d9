/**
 * Resource hygiene checks for the reliability tests (DESIGN.md invariant 7: after the Scope
 * closes, no fiber, timer or socket is left). A scenario runs in a Scope of its own under a
 * fiber supervisor; once that Scope has closed, `hygienic` waits (bounded) until every fiber the
 * scenario forked is done and the process holds no more sockets, servers or timers than before.
 *
 * Sockets and servers are counted process-wide (`process._getActiveHandles`) and compared with the
 * moment the scenario started; timers are tracked from their creation (async_hooks), and one
 * that is unref'd does not count, as it does not keep the process alive.
 *
 * Checks use node:assert, so that scripts (scripts/soak.ts) can use these helpers outside vitest.
 */
import assert from "node:assert/strict"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as Net from "node:net"
import { createHook } from "node:async_hooks"
import { runInNewContext } from "node:vm"
import { setFlagsFromString } from "node:v8"
import type { WorkerStats } from "../../src/connection/Worker.js"

/** What the process holds at one moment. */
export interface Snapshot {
  readonly sockets: number
  readonly servers: number
}

const activeHandles = (): ReadonlyArray<unknown> =>
  (process as unknown as { _getActiveHandles: () => ReadonlyArray<unknown> })._getActiveHandles()

/** Connected (or connecting) TCP sockets: stdio pipes are sockets too, but have no remote address. */
const isTcpSocket = (handle: unknown): boolean =>
  handle instanceof Net.Socket && (handle.remoteAddress !== undefined || handle.connecting)

export const snapshot = (): Snapshot => {
  const handles = activeHandles()
  return {
    sockets: handles.filter(isTcpSocket).length,
    servers: handles.filter((h) => h instanceof Net.Server).length
  }
}

const exceeds = (now: Snapshot, before: Snapshot): boolean => now.sockets > before.sockets || now.servers > before.servers

interface TimerResource {
  hasRef?: () => boolean
  _destroyed?: boolean
  _idleTimeout?: number
}

/**
 * The timers created while it is enabled that are still pending and keep the process alive.
 * Not counted: an unref'd timer (e.g. a socket's bounded close grace), and one cleared without
 * a destroy event (Node marks those with `_destroyed` or an `_idleTimeout` of -1).
 */
const makeTimerTracker = () => {
  const pending = new Map<number, TimerResource>()
  const hook = createHook({
    init: (asyncId, type, _trigger, resource) => {
      if (type === "Timeout") pending.set(asyncId, resource as TimerResource)
    },
    destroy: (asyncId) => {
      pending.delete(asyncId)
    }
  })
  const live = (timer: TimerResource): boolean =>
    timer._destroyed !== true && timer._idleTimeout !== -1 && timer.hasRef?.() !== false
  return { hook, leaked: (): number => [...pending.values()].filter(live).length }
}

const alive = (fibers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>) => fibers.filter((f) => f.unsafePoll() === null)

/**
 * Runs `body` in a Scope of its own, closes it, then checks that nothing it started is left:
 * no live fiber forked under it, no timer it created still pending, no more sockets or servers
 * than the process had before. Handles close asynchronously, so the check polls for up to
 * `settleMillis`.
 */
export const hygienic = <A, E, R>(
  body: Effect.Effect<A, E, R | Scope.Scope>,
  options: { readonly settleMillis?: number } = {}
): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.suspend(() => {
    const before = snapshot()
    const timers = makeTimerTracker()
    timers.hook.enable()
    return Effect.gen(function*() {
      const supervisor = yield* Supervisor.track
      const result = yield* Effect.scoped(Effect.supervised(body, supervisor))
      const deadline = Date.now() + (options.settleMillis ?? 2000)
      const state = () =>
        Effect.map(supervisor.value, (fibers) => ({ fibers: alive(fibers).map((f) => f.id()), ...snapshot(), timers: timers.leaked() }))
      let now = yield* state()
      while ((now.fibers.length > 0 || exceeds(now, before) || now.timers > 0) && Date.now() < deadline) {
        yield* Effect.sleep("10 millis")
        now = yield* state()
      }
      assert.deepEqual(
        now,
        { fibers: [], sockets: Math.min(now.sockets, before.sockets), servers: Math.min(now.servers, before.servers), timers: 0 },
        "left behind by the scenario"
      )
      return result
    }).pipe(Effect.ensuring(Effect.sync(() => timers.hook.disable())))
  })

/**
 * The worker's routing state is empty (nothing in flight, awaited or stashed) and its credit
 * window holds exactly `creditBalance`.
 */
export const expectIdle = (stats: WorkerStats, creditBalance: number): void => {
  assert.deepEqual(
    { inFlight: stats.inFlight, awaiting: stats.awaiting, stashed: stats.stashed, abandoned: stats.abandoned, creditBalance: stats.creditBalance },
    { inFlight: 0, awaiting: 0, stashed: 0, abandoned: 0, creditBalance }
  )
  assert.equal(stats.creditBalance, 1 + stats.creditsGranted - stats.creditsSpent, "balance = initial credit + granted - spent")
}

/**
 * Polls the worker's stats until `done` holds (live clock), sleeping a millisecond between polls
 * so that the receive loop runs; dies after `millis`.
 */
export const eventually = (
  stats: Effect.Effect<WorkerStats>,
  done: (stats: WorkerStats) => boolean,
  millis = 2000
): Effect.Effect<WorkerStats> =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    for (;;) {
      const now = yield* stats
      if (done(now)) return now
      if (Date.now() > deadline) return yield* Effect.dieMessage(`condition not reached: ${JSON.stringify(now)}`)
      yield* Effect.sleep("1 millis")
    }
  })

let gcFunction: (() => void) | undefined

/**
 * A full garbage collection, for heap measurements. Node exposes `gc` only with --expose-gc; the
 * flag can also be set at run time, and a new V8 context then sees the function.
 */
export const collectGarbage = (): void => {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed !== undefined) gcFunction = exposed
    else {
      setFlagsFromString("--expose-gc")
      gcFunction = runInNewContext("gc") as () => void
    }
  }
  gcFunction()
}
