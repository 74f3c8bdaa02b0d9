/**
 * Leases against Samba: a durable handle's lease is broken by another client's open, and the
 * break is acknowledged at once (without the acknowledgement Samba holds the other open for about
 * 35 s), counted, and the handle keeps working. A break that arrives during a reconnect (on the
 * new connection, once the handle is back, before the reconnect is complete) is acknowledged when
 * the reconnect is complete.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Files from "../../src/client/Files.js"
import * as Durable from "../../src/client/internal/durable.js"
import { makeFaultProxy } from "../support/faultProxy.js"
import { describeSamba } from "../support/samba/index.js"
import { scenario } from "../samba/scenario.js"

describeSamba("leases", (servers) => {
  it.scopedLive("another client's open breaks the lease; the break is acknowledged at once and the handle carries on", () =>
    Effect.gen(function*() {
      const server = servers.default
      const holder = yield* scenario(server, {})
      yield* Files.writeFile(holder.tree, "lease-break.txt", new TextEncoder().encode("lease"))
      const other = yield* scenario(server, {})
      const handle = yield* Files.open(holder.tree, "lease-break.txt", { access: "readWrite", durable: true })
      const started = Date.now()
      const contents = yield* Files.readFile(other.tree, "lease-break.txt")
      yield* Files.writeFile(other.tree, "lease-break.txt", new TextEncoder().encode("other"), { disposition: "overwrite" })
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(new TextDecoder().decode(contents)).toBe("lease")
      const stats = Durable.statsOf(holder.connection)
      expect(stats.breaks).toBeGreaterThanOrEqual(1)
      expect(stats.acknowledged).toBeGreaterThanOrEqual(1)
      expect(new TextDecoder().decode(yield* handle.read(0, 5))).toBe("other")
    }), 60_000)

  it.scopedLive("a break during a reconnect is acknowledged once the reconnect is complete, and the handle carries on", () =>
    Effect.gen(function*() {
      const server = servers.default
      const testScope = yield* Effect.scope
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const holder = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      yield* Files.writeFile(holder.tree, "lease-reconnect.txt", new TextEncoder().encode("lease"))
      const other = yield* scenario(server, {})
      const handle = yield* Files.open(holder.tree, "lease-reconnect.txt", { access: "readWrite", durable: true })
      let recovered = 0
      let otherRead = 0
      // Registered after the handle's recovery: once the handle is back on the new connection,
      // the other client opens the file (Samba breaks the lease there) while the reconnect waits.
      yield* holder.connection.reconnect!.register("handle", (target) =>
        Effect.gen(function*() {
          while (Buffer.compare(target.currentFileId(handle.fileId), handle.fileId) === 0) yield* Effect.sleep("5 millis")
          yield* Effect.forkIn(Effect.tap(Files.readFile(other.tree, "lease-reconnect.txt"), () => Effect.sync(() => (otherRead = Date.now()))), testScope)
          yield* Effect.sleep("500 millis")
          recovered = Date.now()
        }))
      proxy.cutAll("reset")
      expect(new TextDecoder().decode(yield* handle.read(0, 5))).toBe("lease")
      expect(recovered).toBeGreaterThan(0)
      while (otherRead === 0) yield* Effect.sleep("10 millis")
      // the other open waited for the acknowledgement, which waited for the reconnect
      expect(otherRead).toBeGreaterThanOrEqual(recovered)
      expect(otherRead - recovered).toBeLessThan(10_000)
      const stats = Durable.statsOf(holder.connection)
      expect(stats).toMatchObject({ breaks: 1, acknowledged: 1 })
      expect(yield* holder.connection.reconnect!.stats).toMatchObject({ reconnects: 1, handlesRecovered: 1, handlesLost: 0 })
      expect(new TextDecoder().decode(yield* handle.read(0, 5))).toBe("lease")
    }).pipe(Effect.timeout("30 seconds")), 60_000)
})
