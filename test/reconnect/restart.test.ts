/**
 * A server restart during a transfer: a private smbd is killed (SIGKILL) and started again on the
 * same address and port, with its state kept. The client reconnects once it accepts again; the
 * server remembers none of the durable handles, so a handle open for writing fails with
 * HandleLost("ReopenFailed") and its writes in flight fail with it, typed, nothing left waiting;
 * a read-only handle whose file kept its size and times is opened again by name and reads on.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Files from "../../src/client/Files.js"
import type { SambaInstance } from "../support/samba/index.js"
import { describeSamba, restartSamba, startSamba, stopSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "../samba/scenario.js"

const MiB = 1024 * 1024

// The first failure (four writes in flight may fail together).
const failureOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

describeSamba("reconnect: a server restart", () => {
  let server: SambaInstance | undefined
  beforeAll(async () => {
    server = await startSamba({ variant: "default" })
  })
  afterAll(async () => {
    if (server !== undefined) await stopSamba(server)
  })

  it.scopedLive("the handles are gone and the errors say so; a read of an unchanged file goes on; nothing hangs", () =>
    Effect.gen(function*() {
      const data = seededBytes(2 * MiB, "reconnect restart")
      writeFileSync(join(server!.sharePath, "restart-read.bin"), data)
      const { connection, tree } = yield* scenario(server!, { reconnect: { attempts: 20, backoff: "50 millis", maxBackoff: "500 millis" } })
      const reader = yield* Files.open(tree, "restart-read.bin", { access: "read", durable: true })
      const writer = yield* Files.open(tree, "restart-write.bin", { access: "write", disposition: "overwriteIf", durable: true })
      const chunk = seededBytes(MiB, "restart chunk")
      // writes keep going until one fails
      const writing = yield* Effect.fork(Effect.forever(Effect.forEach([0, 1, 2, 3], (i) => writer.write(chunk, { offset: i * MiB }), { concurrency: 4, discard: true })))
      yield* Effect.sleep("100 millis")
      server = yield* Effect.promise(() => restartSamba(server!))
      const writes = yield* Fiber.await(writing)
      expect(failureOf(writes)).toMatchObject({ _tag: "HandleLost", reason: "ReopenFailed" })
      expect(failureOf(yield* Effect.exit(writer.write(chunk)))).toMatchObject({ _tag: "HandleLost", reason: "ReopenFailed" })
      expect(Buffer.compare(yield* reader.read(0, 2 * MiB), data)).toBe(0)
      const stats = yield* connection.reconnect!.stats
      expect(stats).toMatchObject({ reconnects: 1, handlesRecovered: 1, handlesLost: 1 })
    }).pipe(Effect.timeout("20 seconds")), 30_000)
})
