/**
 * A durable reconnect that Samba refuses: smbd compares the file's stat with the note it took at
 * the disconnect and answers the DH2C with OBJECT_NAME_NOT_FOUND when anything differs (a WRITE
 * still running in smbd at the cut changes the size, a READ the access time). The tests change
 * the file on disk while the proxy holds the reconnect back: a read-only open whose file kept its
 * size and times, and an upload's temporary file, are opened again by name and complete; a file
 * that was written meanwhile fails with HandleLost. smbd's log (level 1) shows the refusal, so a
 * test whose change came too early to be refused fails rather than passing untested.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
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

/**
 * Holds a reconnect for 300 ms, applying `change` every 30 ms: smbd takes its note when it sees
 * the cut, and a change after it is what it refuses.
 */
const changing = (change: () => void) => async () => {
  for (let waited = 0; waited < 300; waited += 30) {
    change()
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
}

/** The access time only (touch -a leaves the write time as it is, to the nanosecond). */
const touchAccess = (path: string) => () => execFileSync("touch", ["-a", path])

const refusedInLog = (logPath: string, name: string) =>
  readFileSync(logPath, "utf8").split("\n").some((line) => line.includes(`(${name}): stat_ex.`) && line.includes("denying durable reconnect"))

describeSamba("reconnect: a refused durable reconnect", (servers) => {
  it.scopedLive("a read-only open whose file kept its size and times is opened again by name", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = "reconnect-refused-read.bin"
      const path = join(server.sharePath, name)
      const data = seededBytes(2 * MiB, name)
      writeFileSync(path, data)
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      const handle = yield* Files.open(tree, name, { access: "read", durable: true })
      expect(Buffer.compare(yield* handle.read(0, MiB), data.subarray(0, MiB))).toBe(0)
      const next = proxy.connections()
      proxy.hold = (i) => (i === next ? changing(touchAccess(path))() : undefined)
      proxy.cutAll("reset")
      expect(Buffer.compare(yield* handle.read(MiB, MiB), data.subarray(MiB))).toBe(0)
      expect(refusedInLog(server.logPath, name)).toBe(true)
      const stats = yield* connection.reconnect!.stats
      expect(stats).toMatchObject({ reconnects: 1, handlesRecovered: 1, handlesLost: 0 })
      // durable again: a second cut reconnects it the ordinary way
      proxy.cutAll("reset")
      expect(Buffer.compare(yield* handle.read(0, MiB), data.subarray(0, MiB))).toBe(0)
      expect(yield* connection.reconnect!.stats).toMatchObject({ reconnects: 2, handlesRecovered: 2, handlesLost: 0 })
    }), 30_000)

  it.scopedLive("a read-only open whose file was written meanwhile fails with HandleLost", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = "reconnect-refused-written.bin"
      const path = join(server.sharePath, name)
      writeFileSync(path, seededBytes(MiB, name))
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port })
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      const handle = yield* Files.open(tree, name, { access: "read", durable: true })
      yield* handle.read(0, 4096)
      const next = proxy.connections()
      proxy.hold = (i) => (i === next ? changing(() => appendFileSync(path, "x"))() : undefined)
      proxy.cutAll("reset")
      expect(failureOf(yield* Effect.exit(handle.read(0, 4096)))).toMatchObject({
        _tag: "HandleLost",
        reason: "ReopenFailed",
        detail: "the file changed while the connection was down"
      })
      expect(refusedInLog(server.logPath, name)).toBe(true)
      expect(yield* connection.reconnect!.stats).toMatchObject({ reconnects: 1, handlesRecovered: 0, handlesLost: 1 })
    }), 30_000)

  it.scopedLive("an upload's temporary file is opened again by name and the upload completes", () =>
    Effect.gen(function*() {
      const server = servers.default
      const name = "reconnect-refused-upload.bin"
      const dir = mkdtempSync(join(tmpdir(), "effect-smb-refused-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const data = seededBytes(8 * MiB, name)
      writeFileSync(join(dir, name), data)
      // the first connection is reset amid the upload
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port }, (i) => (i === 0 ? { after: 4 * MiB, mode: "reset" } : undefined))
      const { connection, tree } = yield* scenario({ ...server, host: proxy.host, port: proxy.port }, {})
      const temporary = () => readdirSync(server.sharePath).find((entry) => entry.startsWith(`.${name}.smb-`))
      proxy.hold = (i) => (i === 1 ? changing(() => temporary() !== undefined && touchAccess(join(server.sharePath, temporary()!))())() : undefined)
      yield* Files.upload(tree, join(dir, name), name, { chunkSize: MiB / 2, concurrency: 4 })
      expect(Buffer.compare(readFileSync(join(server.sharePath, name)), data)).toBe(0)
      expect(readFileSync(server.logPath, "utf8")).toMatch(new RegExp(`\\(\\.${name.replaceAll(".", "\\.")}\\.smb-[0-9a-f]+\\.part\\): stat_ex\\.`))
      expect(yield* connection.reconnect!.stats).toMatchObject({ reconnects: 1, handlesRecovered: 1, handlesLost: 0 })
    }).pipe(Effect.provide(NodeFileSystem.layer)), 30_000)
})
