/**
 * Reconnect against Samba through the fault proxy: a request after a cut goes through on a new
 * connection (session and tree re-established), with the same ClientGuid; many durable handles
 * come back together (their DH2Cs go out concurrently), each with its own file.
 */
import { expect, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import { describeSamba } from "../support/samba/index.js"
import { makeFaultProxy } from "../support/faultProxy.js"
import { scenario } from "../samba/scenario.js"

describeSamba("reconnect: basics", (servers) => {
  it.scopedLive("a request after a reset reconnects and succeeds", () =>
    Effect.gen(function*() {
      const server = servers.default
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      yield* Files.writeFile(tree, "reconnect-basic.txt", new TextEncoder().encode("hello"))
      proxy.cutAll("reset")
      const data = yield* Files.readFile(tree, "reconnect-basic.txt")
      expect(new TextDecoder().decode(data)).toBe("hello")
      const stats = yield* connection.reconnect!.stats
      expect(stats.reconnects).toBe(1)
      expect(proxy.connections()).toBe(2)
    }))

  it.scopedLive("24 durable handles all come back after a cut, each on its own file", () =>
    Effect.gen(function*() {
      const server = servers.default
      const names = Array.from({ length: 24 }, (_, i) => `reconnect-many-${i}.txt`)
      names.forEach((name) => writeFileSync(join(server.sharePath, name), name))
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      const phases: Array<unknown> = []
      yield* connection.reconnect!.events.pipe(
        Stream.runForEach((event) => Effect.sync(() => event._tag === "Reconnected" && phases.push(event.phases))),
        Effect.forkScoped
      )
      yield* Effect.yieldNow()
      const handles = yield* Effect.forEach(names, (name) => Files.open(tree, name, { access: "read", durable: true }))
      proxy.cutAll("reset")
      const contents = yield* Effect.forEach(handles, (handle) => handle.read(0, 64), { concurrency: "unbounded" })
      expect(contents.map((bytes) => new TextDecoder().decode(bytes))).toEqual(names)
      expect(yield* connection.reconnect!.stats).toMatchObject({ reconnects: 1, handlesRecovered: 24, handlesLost: 0 })
      expect(phases).toEqual([expect.objectContaining({ negotiate: expect.any(Number), session: expect.any(Number), handle: expect.any(Number) })])
    }))
})
