import { it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Files from "../../src/client/Files.js"
import { describeSamba } from "../support/samba/index.js"
import { makeFaultProxy } from "../support/faultProxy.js"
import { scenario } from "../samba/scenario.js"

describeSamba("reconnect: debug", (servers) => {
  it.scopedLive("dbg", () =>
    Effect.gen(function*() {
      const server = servers.default
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const scope = yield* Scope.make()
      const { connection, tree } = yield* Scope.extend(scenario({ ...server, host: proxy.host, port: proxy.port }, {}), scope)
      yield* Files.writeFile(tree, "reconnect-basic.txt", new TextEncoder().encode("hello"))
      if (process.env.CUT === "1") proxy.cutAll("reset")
      let t = Date.now()
      yield* Files.readFile(tree, "reconnect-basic.txt")
      console.log("read after", Date.now() - t, yield* connection.reconnect!.stats)
      t = Date.now()
      yield* Files.readFile(tree, "reconnect-basic.txt")
      console.log("read 2", Date.now() - t)
      t = Date.now()
      yield* tree.disconnect.pipe(Effect.timeout("3 seconds"), Effect.exit, Effect.tap((e) => Effect.sync(() => console.log("disconnect", Date.now() - t, String(e)))))
      t = Date.now()
      yield* tree.session.logoff.pipe(Effect.timeout("3 seconds"), Effect.exit, Effect.tap((e) => Effect.sync(() => console.log("logoff", Date.now() - t, String(e)))))
      t = Date.now()
      yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("5 seconds"), Effect.exit, Effect.tap((e) => Effect.sync(() => console.log("close", Date.now() - t, String(e)))))
    }).pipe(Effect.timeout("15 seconds")), 20000)
})
