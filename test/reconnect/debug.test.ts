import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Files from "../../src/client/Files.js"
import { describeSamba } from "../support/samba/index.js"
import { cutsAt, makeFaultProxy } from "../support/faultProxy.js"
import { scenario } from "../samba/scenario.js"

const MiB = 1024 * 1024
describeSamba("reconnect: debug", (servers) => {
  it.scopedLive("dbg", () =>
    Effect.gen(function*() {
      const server = servers.default
      writeFileSync(join(server.sharePath, "dbg.src"), new Uint8Array(16 * MiB).fill(7))
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port }, cutsAt([5 * MiB], "reset"))
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      yield* connection.reconnect!.events.pipe(Stream.runForEach((e) => Effect.flatMap(connection.handler.stats, (st) => Effect.sync(() => console.log("EVENT", Date.now() % 100000, e._tag, JSON.stringify(st, (k, v) => typeof v === "bigint" ? String(v) : v))))), Effect.forkScoped)
      yield* Effect.sleep(10)
      yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep("3 seconds"), Effect.flatMap(Effect.zip(connection.handler.stats, connection.reconnect!.stats), (st) => Effect.sync(() => process.stderr.write("STATS " + Date.now() % 100000 + JSON.stringify(st) + "\n"))))))
      const t = Date.now()
      process.stderr.write("START " + t % 100000 + "\n")
      const n = yield* Files.download(tree, "dbg.src", "/tmp/rc-dbg.down").pipe(Effect.timeout("20 seconds"), Effect.tapErrorCause((c) => Effect.sync(() => console.log("ERR", String(c)))))
      process.stderr.write("DONE\n")
      console.log("done", n, Date.now() - t, yield* connection.reconnect!.stats, proxy.connections())
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.timeout("30 seconds")), 40000)
})
