/**
 * A 10,000-entry listing cut in the middle: the directory handle is not durable, so the listing
 * opens the directory again after the reconnect and leaves out what it emitted: every entry once.
 * (Folders.walk lists with Files.list, so a walk carries on the same way.)
 */
import { expect, it } from "@effect/vitest"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import { makeFaultProxy } from "../support/faultProxy.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "../samba/scenario.js"

const COUNT = 10_000

describeSamba("reconnect: listings", (servers) => {
  it.scopedLive("a 10,000-entry listing cut in the middle yields every entry once", () =>
    Effect.gen(function*() {
      const server = servers.default
      const dir = join(server.sharePath, "reconnect-listing")
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          mkdirSync(dir)
          for (let i = 0; i < COUNT; i++) writeFileSync(join(dir, `entry-${String(i).padStart(5, "0")}.txt`), "")
        }),
        () => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      let seen = 0
      const listed = yield* Files.list(tree, "reconnect-listing").pipe(
        Stream.tap(() => Effect.sync(() => ++seen === COUNT / 2 && proxy.cutAll("reset"))),
        Stream.runCollect
      )
      const names = Chunk.toReadonlyArray(listed).map((entry) => entry.name)
      expect(names.length).toBe(COUNT)
      expect(new Set(names).size).toBe(COUNT)
      expect(names.every((name) => /^entry-\d{5}\.txt$/.test(name))).toBe(true)
      expect(yield* connection.reconnect!.stats).toMatchObject({ reconnects: 1 })

    }), 30_000)
})
