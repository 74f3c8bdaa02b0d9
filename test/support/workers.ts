/**
 * Which worker runs a connection, checked rather than assumed: the worker's stats say its kind,
 * and a thread worker's thread id (reported from inside the thread) must be the id of a worker
 * thread this process spawned while the test watched and that is still running.
 */
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as DiagnosticsChannel from "node:diagnostics_channel"
import * as WorkerThreads from "node:worker_threads"
import type { WorkerKind, WorkerShape } from "../../src/connection/Worker.js"

export interface ThreadWatch {
  /** The worker threads constructed since the watch began, with whether each has exited. */
  readonly spawned: ReadonlyArray<{ readonly worker: WorkerThreads.Worker; readonly threadId: number; exited: boolean }>
}

/** Watches the worker threads this process constructs, while the Scope is open. */
export const watchThreads: Effect.Effect<ThreadWatch, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => {
    const spawned: Array<{ readonly worker: WorkerThreads.Worker; readonly threadId: number; exited: boolean }> = []
    const onWorker = (message: unknown): void => {
      const worker = (message as { readonly worker: WorkerThreads.Worker }).worker
      const entry = { worker, threadId: worker.threadId, exited: false }
      worker.once("exit", () => (entry.exited = true))
      spawned.push(entry)
    }
    DiagnosticsChannel.subscribe("worker_threads", onWorker)
    return { watch: { spawned }, onWorker }
  }),
  ({ onWorker }) => Effect.sync(() => DiagnosticsChannel.unsubscribe("worker_threads", onWorker))
).pipe(Effect.map(({ watch }) => watch))

/**
 * Fails unless `worker` is of `kind`; for "parallel-thread", also unless the thread id it reports
 * (from the thread) is another thread's than this one's and, given a watch, one of the live
 * worker threads the watch saw spawned.
 */
export const expectWorker = (worker: Pick<WorkerShape, "stats">, kind: WorkerKind, watch?: ThreadWatch) =>
  Effect.gen(function*() {
    const stats = yield* worker.stats
    expect(stats.kind).toBe(kind)
    if (kind !== "parallel-thread") {
      expect(stats.threadId).toBeUndefined()
      return stats
    }
    expect(stats.threadId).toBeTypeOf("number")
    expect(stats.threadId).not.toBe(WorkerThreads.threadId)
    if (watch !== undefined) {
      const thread = watch.spawned.find((t) => t.threadId === stats.threadId)
      expect(thread, `no watched worker thread has id ${stats.threadId}`).toBeDefined()
      expect(thread!.exited).toBe(false)
    }
    return stats
  })
