/**
 * Keep-alive against a real Samba smbd, seen through a loopback proxy: an idle connection sends
 * ECHO at its interval, and when the path goes silent (the proxy swallows the server's answers)
 * the unanswered ECHO stops the connection, so the next request fails at once with
 * ConnectionStopped("Unresponsive") instead of waiting out its own timeout.
 */
import { expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Session from "../../src/client/Session.js"
import * as Connection from "../../src/connection/Connection.js"
import { Command } from "../../src/wire/Command.js"
import { describeSamba } from "../support/samba/index.js"
import { scopedProxy, Smb2 } from "../support/tamper/index.js"

describeSamba("Samba: keep-alive", (servers) => {
  it.scopedLive("an idle connection echoes at its interval; a silent path stops it before the next request waits", () =>
    Effect.gen(function*() {
      const server = servers.default
      const proxy = yield* scopedProxy({ targetHost: server.host, targetPort: server.port })
      const connect = (keepAlive: Duration.DurationInput | false) =>
        Effect.map(
          Layer.build(Connection.layer({ host: proxy.host, port: proxy.port, keepAlive, timeout: "300 millis", reconnect: false })),
          Context.get(Connection.Connection)
        )
      const echoes = () =>
        proxy.records({ direction: "toServer" }).filter((r) => Smb2.isSmb2(r.original) && Smb2.headerAt(r.original).command === Command.ECHO)

      const connection = yield* connect("100 millis")
      yield* Session.make(connection, Session.user(server.user, Redacted.make(server.password)))
      yield* Effect.sleep("450 millis")
      expect(echoes().length).toBeGreaterThanOrEqual(3)

      // the server's answers stop reaching the client
      proxy.setHooks({ toClient: () => "drop" })
      yield* Effect.sleep("700 millis")
      const started = Date.now()
      const exit = yield* Effect.exit(connection.echo)
      expect(exit).toMatchObject({ _tag: "Failure", cause: { error: { _tag: "ConnectionStopped", reason: "Unresponsive" } } })
      expect(Date.now() - started).toBeLessThan(100)

      proxy.reset()
      const quiet = yield* connect(false)
      yield* Effect.sleep("350 millis")
      expect(echoes().length).toBe(0)
      yield* quiet.echo
    }))
})
