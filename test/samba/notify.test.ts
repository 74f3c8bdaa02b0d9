/**
 * CHANGE_NOTIFY against a real Samba smbd: a change made by another connection completes the
 * pending notification; ending the watch cancels the pending request (SMB2 CANCEL) and the
 * connection, and the directory handle, keep working.
 */
import { expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as File from "../../src/client/File.js"
import type { Change } from "../../src/client/File.js"
import * as Files from "../../src/client/Files.js"
import type { WorkerShape } from "../../src/connection/Worker.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "./scenario.js"

let counter = 0
const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}-${counter++}`

/** Waits until the worker has exactly `n` requests in flight. */
const inFlight = (worker: Pick<WorkerShape, "stats">, n: number) =>
  worker.stats.pipe(
    Effect.filterOrFail((stats) => stats.inFlight === n, () => `in flight is not ${n}`),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
    Effect.orDie
  )

describeSamba("Samba: change notifications", (servers) => {
  it.scopedLive("another connection creating a file completes the watch", () =>
    Effect.gen(function*() {
      const server = servers.default
      const dir = fresh("notify")
      const watcher = yield* scenario(server, {})
      const writer = yield* scenario(server, {})
      yield* Files.mkdir(writer.tree, dir)
      // A file created just before the watch was armed may first show up as "modified" (its data
      // written), so take the first "added".
      const fiber = yield* Files.watch(watcher.tree, dir).pipe(
        Stream.filter((change) => change._tag === "Changed" && change.action === "added"),
        Stream.take(1),
        Stream.runCollect,
        Effect.fork
      )
      // The server records changes only once the first notification is pending: keep creating
      // files until one is reported.
      const created: Array<string> = []
      const creating = yield* Effect.gen(function*() {
        const name = `file-${created.length}.txt`
        created.push(name)
        yield* Files.writeFile(writer.tree, `${dir}/${name}`, new Uint8Array([1]))
      }).pipe(Effect.repeat(Schedule.spaced("100 millis")), Effect.fork)
      const changes = Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      yield* Fiber.interrupt(creating)
      expect(changes).toHaveLength(1)
      const change = changes[0]!
      expect(change._tag).toBe("Changed")
      if (change._tag === "Changed") {
        expect(change.action).toBe("added")
        expect(created).toContain(change.name)
      }
      // the watch's directory handle is closed and its request is gone
      yield* inFlight(watcher.connection.handler, 0)
    }))

  it.scopedLive("recursive watch reports names below the directory with / separators", () =>
    Effect.gen(function*() {
      const server = servers.default
      const dir = fresh("notify-tree")
      const watcher = yield* scenario(server, {})
      const writer = yield* scenario(server, {})
      yield* Files.mkdir(writer.tree, `${dir}/sub`, { recursive: true })
      const fiber = yield* Files.watch(watcher.tree, dir, { recursive: true }).pipe(
        Stream.filter((change): change is Extract<Change, { _tag: "Changed" }> => change._tag === "Changed" && change.action === "added"),
        Stream.take(1),
        Stream.runCollect,
        Effect.fork
      )
      let n = 0
      const creating = yield* Effect.suspend(() => Files.writeFile(writer.tree, `${dir}/sub/deep-${n++}.txt`, new Uint8Array([1]))).pipe(
        Effect.repeat(Schedule.spaced("100 millis")),
        Effect.fork
      )
      const changes = Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      yield* Fiber.interrupt(creating)
      expect(changes[0]?.name).toMatch(/^sub\/deep-\d+\.txt$/)
    }))

  it.scopedLive("interrupting a pending watch sends CANCEL; the handle and the connection keep working", () =>
    Effect.gen(function*() {
      const server = servers.default
      const dir = fresh("notify-cancel")
      const { connection, tree } = yield* scenario(server, {})
      yield* Files.mkdir(tree, dir)
      const worker = connection.handler
      yield* Files.writeFile(tree, `${dir}/data.bin`, new Uint8Array([1, 2, 3]))
      const directory = yield* File.open(tree, dir, { directory: true })
      yield* inFlight(worker, 0)
      const fiber = yield* directory.watch().pipe(Stream.runCollect, Effect.fork)
      yield* inFlight(worker, 1)
      // Samba answers a CHANGE_NOTIFY with STATUS_PENDING at once; let it arrive
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(fiber)
      // The directory is still open, so only CANCEL can complete the request (STATUS_CANCELLED,
      // dropped by the worker): nothing stays in flight.
      yield* inFlight(worker, 0)
      const stats = yield* worker.stats
      expect(stats.abandoned).toBe(0)
      yield* connection.echo
      expect(Array.from(yield* Files.readFile(tree, `${dir}/data.bin`))).toEqual([1, 2, 3])
      // the same handle can watch again
      const again = yield* directory.watch().pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* inFlight(worker, 1)
      yield* Effect.sleep("200 millis")
      yield* Files.writeFile(tree, `${dir}/after.txt`, new Uint8Array([1]))
      const changes = Chunk.toReadonlyArray(yield* Fiber.join(again).pipe(Effect.timeout("10 seconds")))
      expect(changes[0]).toMatchObject({ _tag: "Changed", action: "added", name: "after.txt" })
      yield* directory.close
    }))
})
