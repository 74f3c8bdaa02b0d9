/**
 * Durable v1 (DHnQ / DHnC, MS-SMB2 2.2.13.2.3 / 2.2.13.2.4) on an SMB 2.1 connection, where
 * durable v2 does not exist: a download and an upload through cuts complete with the same sha256
 * on both sides and the server's file of the right size, every handle reopened with DHnC.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Files from "../../src/client/Files.js"
import { Dialect } from "../../src/wire/Negotiate.js"
import { cutsAt, makeFaultProxy } from "../support/faultProxy.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "../samba/scenario.js"

const MiB = 1024 * 1024
const SIZE = 8 * MiB

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const localDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-smb-durable-v1-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

// 512 KiB chunks, so that every connection between two cuts completes some.
const transfer = { chunkSize: MiB / 2, concurrency: 4 }

const cuts = cutsAt([2 * MiB + 123, 3 * MiB + 4567, 2 * MiB + 89], "reset")

describeSamba("reconnect: durable v1 on SMB 2.1", (servers) => {
  it.scopedLive("2.1: a download and an upload through three cuts each, handles reopened with DHnC", () =>
    Effect.gen(function*() {
      const server = servers.default
      const data = seededBytes(SIZE, "durable v1")
      const digest = sha256(data)
      const name = "reconnect-durable-v1"
      const source = join(server.sharePath, `${name}.src`)
      const onServer = join(server.sharePath, `${name}.dst`)
      yield* Effect.addFinalizer(() => Effect.sync(() => [source, onServer].forEach((path) => rmSync(path, { force: true }))))
      writeFileSync(source, data)
      const dir = yield* localDir
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port }, cuts)
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, { maxDialect: "2.1" })
      expect(connection.negotiated.dialectRevision).toBe(Dialect.SMB_2_1)

      const local = join(dir, "down")
      expect(yield* Files.download(tree, `${name}.src`, local, transfer)).toBe(SIZE)
      expect(sha256(readFileSync(local))).toBe(digest)
      expect(proxy.cuts()).toBe(3)
      const afterDownload = yield* connection.reconnect!.stats
      expect(afterDownload.handlesRecovered).toBeGreaterThanOrEqual(3)

      const start = proxy.connections()
      proxy.plan = (index) => cuts(index - start)
      proxy.cutAll("reset")
      expect(yield* Files.upload(tree, local, `${name}.dst`, transfer)).toBe(SIZE)
      expect(statSync(onServer).size).toBe(SIZE)
      expect(sha256(readFileSync(onServer))).toBe(digest)
      expect(proxy.cuts()).toBe(7)
      const stats = yield* connection.reconnect!.stats
      expect(stats.handlesRecovered).toBeGreaterThanOrEqual(afterDownload.handlesRecovered + 3)
      expect(stats.handlesLost).toBe(0)
    }).pipe(Effect.provide(NodeFileSystem.layer)), 60_000)
})
