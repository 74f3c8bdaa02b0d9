/**
 * Leases against Samba: a durable handle's lease is broken by another client's open, and the
 * break is acknowledged at once (without the acknowledgement Samba holds the other open for about
 * 35 s), counted, and the handle keeps working.
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Files from "../../src/client/Files.js"
import * as Durable from "../../src/client/internal/durable.js"
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
})
