/**
 * Reconnect's other faults against Samba through the fault proxy: a stall (the socket kept open,
 * nothing forwarded) found by the request timeout; 64 requests in flight during a cut, each
 * completing with its bytes; a link that cuts every connection, where the client gives up within
 * its policy with ConnectionStopped("ReconnectFailed") naming the last cause, and nothing is left
 * waiting; a handle that was not durable fails with HandleLost; `reconnect: false` fails as before.
 */
import { expect, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Files from "../../src/client/Files.js"
import { makeFaultProxy } from "../support/faultProxy.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "../samba/scenario.js"

const MiB = 1024 * 1024

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

describeSamba("reconnect: faults", (servers) => {
  it.scopedLive("a stall: the overdue request gives the connection up, the old session is replaced, the download completes", () =>
    Effect.gen(function*() {
      const server = servers.default
      const data = seededBytes(8 * MiB, "reconnect stall")
      writeFileSync(join(server.sharePath, "reconnect-stall.bin"), data)
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port }, (i) => i === 0 ? { after: 3 * MiB, mode: "stall" } : undefined)
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, { timeout: "1 second" })
      const read = yield* Files.readFile(tree, "reconnect-stall.bin", { chunkSize: MiB })
      expect(Buffer.compare(read, data)).toBe(0)
      const stats = yield* connection.reconnect!.stats
      expect(stats.reconnects).toBe(1)
      expect(stats.handlesRecovered).toBe(1)
    }), 30_000)

  it.scopedLive("64 requests in flight during a cut each complete with their own bytes", () =>
    Effect.gen(function*() {
      const server = servers.default
      const data = seededBytes(4 * MiB, "reconnect in flight")
      writeFileSync(join(server.sharePath, "reconnect-inflight.bin"), data)
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      const handle = yield* Files.open(tree, "reconnect-inflight.bin", { access: "read", durable: true })
      const start = proxy.connections() - 1
      // this connection is reset now, the next one once 1 MiB has crossed it: amid the 64 reads
      proxy.plan = (i) => (i === start + 1 ? { after: MiB, mode: "reset" } : undefined)
      proxy.cutAll("reset")
      const reads = yield* Effect.forEach(
        Array.from({ length: 64 }, (_, i) => i),
        (i) => handle.read(i * 65536, 65536),
        { concurrency: "unbounded" }
      )
      reads.forEach((chunk, i) => expect(Buffer.compare(chunk, data.subarray(i * 65536, (i + 1) * 65536))).toBe(0))
      const stats = yield* connection.reconnect!.stats
      expect(stats.reconnects).toBe(2)
      expect(stats.resent).toBeGreaterThan(0)
      expect(stats.handlesLost).toBe(0)
    }), 30_000)

  it.scopedLive("a link that cuts every connection: requests fail within the policy, typed, naming the last cause", () =>
    Effect.gen(function*() {
      const server = servers.default
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {
        reconnect: { attempts: 3, backoff: "20 millis" }
      })
      yield* Files.writeFile(tree, "reconnect-forever.txt", new Uint8Array([1, 2, 3]))
      // every later connection dies during its negotiation
      proxy.plan = () => ({ after: 100, mode: "reset" })
      proxy.cutAll("reset")
      const started = Date.now()
      const exits = yield* Effect.forEach([1, 2, 3, 4], () => Effect.exit(Files.readFile(tree, "reconnect-forever.txt")), { concurrency: "unbounded" })
      expect(Date.now() - started).toBeLessThan(5_000)
      for (const exit of exits) {
        expect(failureOf(exit)).toMatchObject({ _tag: "ConnectionStopped", reason: "ReconnectFailed" })
        expect((failureOf(exit) as { cause: unknown }).cause).toBeDefined()
      }
      const stats = yield* connection.reconnect!.stats
      expect(stats.failedAttempts).toBe(3)
      expect(proxy.connections()).toBe(4)
      // later requests fail at once
      expect(failureOf(yield* Effect.exit(connection.echo))).toMatchObject({ _tag: "ConnectionStopped", reason: "ReconnectFailed" })
    }), 30_000)

  it.scopedLive("a handle that was not durable fails with HandleLost; the connection carries on", () =>
    Effect.gen(function*() {
      const server = servers.default
      writeFileSync(join(server.sharePath, "reconnect-plain.txt"), "plain")
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      const handle = yield* Files.open(tree, "reconnect-plain.txt", { access: "read" })
      proxy.cutAll("reset")
      expect(failureOf(yield* Effect.exit(handle.read(0, 5)))).toMatchObject({ _tag: "HandleLost", reason: "NotDurable" })
      expect(new TextDecoder().decode(yield* Files.readFile(tree, "reconnect-plain.txt"))).toBe("plain")
    }), 30_000)

  it.scopedLive("reconnect: false: a cut fails the request with ConnectionStopped as before, and no new connection is made", () =>
    Effect.gen(function*() {
      const server = servers.default
      writeFileSync(join(server.sharePath, "reconnect-off.txt"), "off")
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, { reconnect: false })
      expect(connection.reconnect).toBeUndefined()
      proxy.cutAll("reset")
      expect(failureOf(yield* Effect.exit(Files.readFile(tree, "reconnect-off.txt")))).toMatchObject({ _tag: "ConnectionStopped", reason: "TransportFailed" })
      expect(proxy.connections()).toBe(1)
    }), 30_000)
})
