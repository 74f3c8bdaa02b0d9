/**
 * Reconnect benchmark (issue 17): a download and an upload of a large file (default 1 GiB)
 * through the fault proxy, which cuts every connection once `--every` MiB (default 100) have
 * crossed it, against the same transfers through the proxy without cuts, alternating. For each
 * transfer: the time, whether the sha256 and size match on both sides, the reconnects and the
 * time each took (from the loss being noticed to the recovered connection).
 *
 *   npx vite-node scripts/reconnect-bench.ts [--mib 1024] [--every 100] [--runs 1] [--mode reset|close]
 *     [--worker fiber|thread|single] [--chunk-kib 1024] [--log-level 1] [--log smbd.log]
 *
 * The time of a first connection (TCP, NEGOTIATE, SESSION_SETUP, TREE_CONNECT) is printed too:
 * a reconnect does the same and a DH2C per open handle, so the ratio says what the reconnect adds.
 *
 * Goal: the transfers complete with nothing lost through 10 cuts, each reconnect under 100 ms on
 * loopback.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { closeSync, copyFileSync, createReadStream, openSync, rmSync, statSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Files from "../src/client/Files.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Connection from "../src/connection/Connection.js"
import type { ReconnectPhases } from "../src/connection/Reconnect.js"
import { threadEntry } from "../test/connection/subjects.js"
import { makeFaultProxy } from "../test/support/faultProxy.js"
import type { CutMode } from "../test/support/faultProxy.js"
import { startSamba, stopSamba } from "../test/support/samba/Samba.js"

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}
const MiB = 1024 * 1024
const mib = Number(arg("mib", "1024"))
const every = Number(arg("every", "100"))
const runs = Number(arg("runs", "1"))
const mode = arg("mode", "reset") as CutMode
const worker = arg("worker", "fiber") as "fiber" | "thread" | "single"
// Bytes per READ/WRITE (default: the transfer plan's, 8 MiB on loopback Samba).
const chunkKiB = Number(arg("chunk-kib", "0"))
const transfer = chunkKiB > 0 ? { chunkSize: chunkKiB * 1024 } : {}
// smbd's log level, and where to copy its log at the end (Samba says there why it refused a DH2C).
const logLevel = Number(arg("log-level", "1"))
const logCopy = arg("log", "")

const sha256File = (path: string) =>
  Effect.async<string>((resume) => {
    const hash = createHash("sha256")
    createReadStream(path).on("data", (chunk) => hash.update(chunk)).on("end", () => resume(Effect.succeed(hash.digest("hex"))))
  })

interface Row {
  readonly transfer: string
  readonly cuts: boolean
  readonly seconds: number
  readonly ok: boolean
  readonly reconnects: number
  readonly reconnectMillis: ReadonlyArray<number>
  readonly phases: ReadonlyArray<ReconnectPhases>
}

const main = Effect.gen(function*() {
  const server = yield* Effect.promise(() => startSamba({ variant: "default", logLevel }))
  yield* Effect.addFinalizer(() =>
    Effect.promise(() => {
      if (logCopy !== "") copyFileSync(server.logPath, logCopy)
      return stopSamba(server)
    })
  )
  const entry = worker === "thread" ? yield* threadEntry : undefined
  const local = join(tmpdir(), `effect-smb-reconnect-bench-${process.pid}.bin`)
  const back = `${local}.back`
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      const chunk = new Uint8Array(MiB)
      const fd = openSync(local, "w")
      for (let i = 0; i < mib; i++) {
        chunk.fill(i & 0xff)
        chunk[0] = i >> 8
        writeSync(fd, chunk)
      }
      closeSync(fd)
    }),
    () => Effect.sync(() => [local, back].forEach((path) => rmSync(path, { force: true })))
  )
  const digest = yield* sha256File(local)
  const rows: Array<Row> = []
  const connectMillis: Array<number> = []

  const once = (cuts: boolean) =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* makeFaultProxy({ host: server.host, port: server.port }, () => cuts ? { after: every * MiB, mode } : undefined)
      const connecting = performance.now()
      const context = yield* Layer.build(Connection.layer({ host: proxy.host, port: proxy.port, worker, ...(entry === undefined ? {} : { threadEntry: entry }) }))
      const connection = Context.get(context, Connection.Connection)
      const phases: Array<ReconnectPhases> = []
      yield* connection.reconnect!.events.pipe(
        Stream.runForEach((event) => Effect.sync(() => event._tag === "Reconnected" && phases.push(event.phases))),
        Effect.forkScoped
      )
      const session = yield* Session.make(connection, Session.user(server.user, Redacted.make(server.password)))
      const tree = yield* Tree.make(session, server.share)
      // What a first connection costs here (connect, negotiate, session setup, tree connect): the
      // yardstick for a reconnect on this machine, whose load the absolute figures depend on.
      connectMillis.push(performance.now() - connecting)
      const name = `bench-${cuts ? "cut" : "plain"}.bin`

      let before = yield* connection.reconnect!.stats
      let started = performance.now()
      yield* Files.upload(tree, local, name, transfer)
      let seconds = (performance.now() - started) / 1000
      let after = yield* connection.reconnect!.stats
      const remote = join(server.sharePath, name)
      rows.push({
        transfer: "upload",
        cuts,
        seconds,
        ok: statSync(remote).size === mib * MiB && (yield* sha256File(remote)) === digest,
        reconnects: after.reconnects - before.reconnects,
        reconnectMillis: after.reconnectMillis.slice(before.reconnectMillis.length),
        phases: phases.splice(0)
      })

      before = after
      started = performance.now()
      yield* Files.download(tree, name, back, transfer)
      seconds = (performance.now() - started) / 1000
      after = yield* connection.reconnect!.stats
      rows.push({
        transfer: "download",
        cuts,
        seconds,
        ok: statSync(back).size === mib * MiB && (yield* sha256File(back)) === digest,
        reconnects: after.reconnects - before.reconnects,
        reconnectMillis: after.reconnectMillis.slice(before.reconnectMillis.length),
        phases: phases.splice(0)
      })
      rmSync(remote, { force: true })
    }))

  for (let run = 0; run < runs; run++) {
    yield* once(false)
    yield* once(true)
  }
  console.log(`${mib} MiB, ${worker} worker, chunks ${chunkKiB > 0 ? `${chunkKiB} KiB` : "default"}, cut (${mode}) every ${every} MiB; loopback Samba ${server.port}`)
  console.log(`first connection + session + tree: ${connectMillis.map((ms) => ms.toFixed(0)).join(", ")} ms`)
  for (const row of rows) {
    const sorted = [...row.reconnectMillis].sort((a, b) => a - b)
    const median = sorted.length === 0 ? "-" : sorted[Math.floor(sorted.length / 2)]
    console.log(
      `${row.transfer.padEnd(8)} ${row.cuts ? "cuts   " : "no cuts"} ${row.seconds.toFixed(2).padStart(7)} s ` +
        `${(mib / row.seconds).toFixed(0).padStart(5)} MiB/s  ${row.ok ? "sha256 and size equal" : "MISMATCH"}  ` +
        `reconnects ${row.reconnects}${row.reconnects > 0 ? ` (ms: ${row.reconnectMillis.join(", ")}; median ${median})` : ""}`
    )
    if (row.phases.length > 0) {
      const names = ["waited", "negotiate", "session", "tree", "handle"] as const
      const medianOf = (values: Array<number>) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
      console.log(`  median per phase (ms): ${names.map((name) => `${name} ${medianOf(row.phases.map((p) => p[name]))}`).join(", ")}`)
      console.log(`  each (waited/negotiate/session/tree/handle): ${row.phases.map((p) => names.map((name) => p[name]).join("/")).join("  ")}`)
    }
  }
}).pipe(Effect.provide(NodeFileSystem.layer))

Effect.runPromise(Effect.scoped(main)).catch((error) => {
  console.error(error)
  process.exit(1)
})
