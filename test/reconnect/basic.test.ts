/**
 * Reconnect against Samba through the fault proxy: a request after a cut goes through on a new
 * connection (session and tree re-established), with the same ClientGuid.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
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
})
