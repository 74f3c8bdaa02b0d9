/**
 * The issue's own sizes: a 256 MiB download and a 256 MiB upload through four cuts each (reset,
 * fiber worker, the transfer plan's default chunks and concurrency), sha256 equal on both sides and
 * the server's file the right size (no duplicated or lost write). One case only, to keep npm test
 * quick; the 16 MiB cases in transfer.test.ts cover the other workers and cut modes.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Files from "../../src/client/Files.js"
import { cutsAt, makeFaultProxy } from "../support/faultProxy.js"
import { describeSamba } from "../support/samba/index.js"
import { seededBytes } from "../support/seeded.js"
import { scenario } from "../samba/scenario.js"

const MiB = 1024 * 1024
const SIZE = 256 * MiB

// One seeded MiB written 256 times, each copy stamped with its index: a misplaced, lost or
// duplicated chunk still changes the digest. Written and hashed a MiB at a time, never held whole
// (a 256 MiB buffer and its keystream cost seconds on a loaded machine).
const writeStamped = (path: string): string => {
  const block = seededBytes(MiB, "reconnect 256 MiB")
  const view = new DataView(block.buffer)
  const hash = createHash("sha256")
  const fd = openSync(path, "w")
  try {
    for (let index = 0; index < SIZE / MiB; index++) {
      view.setUint32(0, index)
      hash.update(block)
      writeSync(fd, block)
    }
  } finally {
    closeSync(fd)
  }
  return hash.digest("hex")
}

const sha256File = (path: string): string => {
  const buffer = new Uint8Array(4 * MiB)
  const hash = createHash("sha256")
  const fd = openSync(path, "r")
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n))
  } finally {
    closeSync(fd)
  }
  return hash.digest("hex")
}

const localDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-smb-reconnect-large-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

// Bytes through each connection before its cut (both directions count), four cuts adding up to
// less than one transfer, so every cut falls inside the transfer it is meant for.
const cuts = cutsAt([41 * MiB + 123, 57 * MiB + 4567, 36 * MiB + 89, 63 * MiB + 1], "reset")

describeSamba("reconnect: 256 MiB through cuts", (servers) => {
  it.scopedLive("fiber worker: 256 MiB download and upload through four cuts each (reset)", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = "reconnect-large"
      const source = join(server.sharePath, `${name}.src`)
      const onServer = join(server.sharePath, `${name}.dst`)
      yield* Effect.addFinalizer(() => Effect.sync(() => [source, onServer].forEach((path) => rmSync(path, { force: true }))))
      const digest = writeStamped(source)
      const dir = yield* localDir
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port }, cuts)
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, { worker: "fiber" })

      const local = join(dir, "down")
      expect(yield* Files.download(tree, `${name}.src`, local)).toBe(SIZE)
      expect(sha256File(local)).toBe(digest)
      expect(proxy.cuts()).toBe(4)

      // The upload starts on a new connection (the one left is cut while idle) and meets four cuts.
      const start = proxy.connections()
      proxy.plan = (index) => cuts(index - start)
      proxy.cutAll("reset")
      expect(yield* Files.upload(tree, local, `${name}.dst`)).toBe(SIZE)
      expect(statSync(onServer).size).toBe(SIZE)
      expect(sha256File(onServer)).toBe(digest)
      expect(proxy.cuts()).toBe(9)
      const stats = yield* connection.reconnect!.stats
      expect(stats.reconnects).toBeGreaterThanOrEqual(9)
      expect(stats.handlesLost).toBe(0)
    }).pipe(Effect.provide(NodeFileSystem.layer)), 60_000)
})
