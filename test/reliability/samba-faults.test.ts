/**
 * A real server dying under load: a dedicated Samba (started here, so that killing it cannot
 * disturb the other suites) whose smbd child serving our connection is killed with SIGKILL while
 * 64 ECHO requests are in flight. To be sure they are in flight, the child is stopped (SIGSTOP)
 * first: the kernel still accepts our requests into its socket buffer, and SIGKILL then closes
 * the socket with unread data, as a crash would. Every request must fail with ConnectionStopped
 * within a second, and the connection's Scope must close within a second, leaving nothing behind.
 */
import { afterAll, beforeAll, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Session from "../../src/client/Session.js"
import * as Connection from "../../src/connection/Connection.js"
import { ConnectionStopped } from "../../src/errors.js"
import { Command } from "../../src/wire/Command.js"
import { eventually, hygienic } from "../support/hygiene.js"
import { describeSamba, type SambaInstance, startSamba, stopSamba } from "../support/samba/index.js"
import { childrenOf } from "../support/samba/proc.js"

describeSamba("Samba: the server process dies under load", () => {
  let server: SambaInstance | undefined
  beforeAll(async () => {
    server = await startSamba({ variant: "default" })
  })
  afterAll(async () => {
    if (server !== undefined) await stopSamba(server)
  })

  it.live("smbd killed with SIGKILL with 64 ECHOs in flight: each fails with ConnectionStopped within 1 s, the Scope closes within 1 s", () =>
    hygienic(Effect.gen(function*() {
      const smb = server!
      const existing = new Set(childrenOf(smb.pid))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Connection.layer({ host: smb.host, port: smb.port, timeout: "10 seconds", reconnect: false }), scope)
      const connection = Context.get(context, Connection.Connection)
      const session = yield* Session.make(connection, Session.user(smb.user, Redacted.make(smb.password))).pipe(Scope.extend(scope))
      const echo = connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, body: new Uint8Array([4, 0, 0, 0]) })
      // a few round trips so that the server has granted enough credits for 64 at once
      yield* Effect.repeatN(echo, 3)
      const worker = connection.handler
      expect((yield* worker.stats).creditBalance).toBeGreaterThanOrEqual(64)

      const children = childrenOf(smb.pid).filter((pid) => !existing.has(pid))
      expect(children).toHaveLength(1)
      const child = children[0]!
      process.kill(child, "SIGSTOP")
      const callers = yield* Effect.forEach(Array.from({ length: 64 }), () => Effect.fork(Effect.exit(echo)))
      yield* eventually(worker.stats, (stats) => stats.inFlight === 64 && stats.awaiting === 64)

      const killed = Date.now()
      process.kill(child, "SIGKILL")
      const exits = yield* Fiber.joinAll(callers)
      const failedAfter = Date.now() - killed
      for (const exit of exits) {
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toBeInstanceOf(ConnectionStopped)
      }
      expect(failedAfter).toBeLessThan(1000)

      const closing = Date.now()
      yield* Scope.close(scope, Exit.void)
      expect(Date.now() - closing).toBeLessThan(1000)
    })), 30_000)
})
