/**
 * The thread backend's benchmark: a 256 MiB write and read over an encrypted SMB 3.1.1 session
 * (AES-128-GCM) against a Samba it starts on loopback, with the fiber backend and with the thread
 * backend side by side, alternating. For each: throughput, and the main thread's event-loop delay
 * during the transfer (perf_hooks monitorEventLoopDelay: p50, p99, max). The goal: p99 under
 * 10 ms with the thread backend, at a throughput no lower than the fiber backend's.
 *
 * Two reads: `Files.download` to /dev/null, whose frames go back to the pool they came from (the
 * thread's, with the thread backend), and `Files.readStream` drained, whose chunks belong to the
 * consumer and are left to the GC. Two writes: `Files.upload` of a local file (chunk buffers
 * filled by positional reads), and `Files.writeStream` of fresh 4 MiB chunks made on the main
 * thread (a producer in the application).
 *
 * The control row: a separate idle node process measures its own event-loop delay during the
 * thread backend's transfers. On 2 cores, smbd, the connection's thread and the main thread all
 * want a core; what the idle process sees is the delay that scheduling alone causes.
 *
 *   npx vite-node scripts/bench-thread-encrypted.ts [--runs 3] [--mib 256]
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { spawn } from "node:child_process"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as Readline from "node:readline"
import { closeSync, openSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import * as Files from "../src/client/Files.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Connection from "../src/connection/Connection.js"
import { threadEntry } from "../test/connection/subjects.js"
import { startSamba, stopSamba } from "../test/support/samba/Samba.js"

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "3" }, mib: { type: "string", default: "256" } } })
const runs = Number(args.runs)
const size = Number(args.mib) * 1024 * 1024
const CHUNK = 4 * 1024 * 1024

interface Sample {
  readonly mibPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The idle process: "start" on stdin enables its delay monitor, "stop" prints the figures. */
const CONTROL = `
const { monitorEventLoopDelay } = require("node:perf_hooks")
let delay
require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "start") { delay = monitorEventLoopDelay({ resolution: 1 }); delay.enable(); return }
  delay.disable()
  console.log(JSON.stringify({ p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }))
})
setInterval(() => {}, 1 << 30)
`

const control = Effect.acquireRelease(
  Effect.sync(() => {
    const child = spawn(process.execPath, ["-e", CONTROL], { stdio: ["pipe", "pipe", "inherit"] })
    const lines = Readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    return {
      child,
      start: () => child.stdin.write("start\n"),
      stop: async () => {
        child.stdin.write("stop\n")
        return JSON.parse((await lines.next()).value as string) as Omit<Sample, "mibPerSecond">
      }
    }
  }),
  ({ child }) => Effect.sync(() => child.kill())
)

const measured = <A, E>(effect: Effect.Effect<A, E>, idle?: Effect.Effect.Success<typeof control>, controls?: Array<Sample>) =>
  Effect.gen(function*() {
    const delay = monitorEventLoopDelay({ resolution: 1 })
    delay.enable()
    idle?.start()
    const start = performance.now()
    yield* effect
    const seconds = (performance.now() - start) / 1000
    delay.disable()
    const mibPerSecond = size / 1024 / 1024 / seconds
    if (idle !== undefined) controls?.push({ mibPerSecond, ...(yield* Effect.promise(idle.stop)) })
    return {
      mibPerSecond,
      p50: delay.percentile(50) / 1e6,
      p99: delay.percentile(99) / 1e6,
      max: delay.max / 1e6
    } satisfies Sample
  })

const main = Effect.gen(function*() {
  const server = yield* Effect.promise(() => startSamba({ variant: "default" }))
  yield* Effect.addFinalizer(() => Effect.promise(() => stopSamba(server)))
  const entry = yield* threadEntry
  const idle = yield* control
  const controls = { write: [] as Array<Sample>, read: [] as Array<Sample> }
  const chunk = new Uint8Array(CHUNK).map((_, i) => (i * 31) & 0xff)
  const local = join(tmpdir(), `effect-smb-bench-${process.pid}.bin`)
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      const fd = openSync(local, "w")
      for (let done = 0; done < size; done += CHUNK) writeSync(fd, chunk)
      closeSync(fd)
    }),
    () => Effect.sync(() => rmSync(local, { force: true }))
  )
  const results: Record<string, Record<"write" | "writeStream" | "read" | "stream", Array<Sample>>> = {
    fiber: { write: [], writeStream: [], read: [], stream: [] },
    thread: { write: [], writeStream: [], read: [], stream: [] }
  }
  for (let run = 0; run < runs; run++) {
    for (const worker of ["fiber", "thread"] as const) {
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(Connection.layer({
          host: server.host,
          port: server.port,
          worker,
          threadEntry: entry,
          encryption: "required",
          ciphers: ["AES-128-GCM"]
        }))
        const connection = Context.get(context, Connection.Connection)
        const session = yield* Session.make(connection, Session.user(server.user, Redacted.make(server.password)))
        const tree = yield* Tree.make(session, server.share)
        // Fresh chunks: a sent body may be handed to the thread and detached.
        const source = Stream.repeatEffect(Effect.sync(() => chunk.slice())).pipe(Stream.take(size / CHUNK))
        const watch = worker === "thread" ? idle : undefined
        const upload = Files.upload(tree, local, `bench-${worker}.bin`).pipe(Effect.provide(NodeFileSystem.layer))
        results[worker]!.write.push(yield* measured(upload, watch, controls.write))
        const download = Files.download(tree, `bench-${worker}.bin`, "/dev/null").pipe(Effect.provide(NodeFileSystem.layer))
        results[worker]!.read.push(yield* measured(download, watch, controls.read))
        results[worker]!.stream.push(yield* measured(Stream.run(Files.readStream(tree, `bench-${worker}.bin`), Sink.drain)))
        // Last, and removed at once: a second file's dirty pages being written back to disk
        // during the reads slowed them (and the idle process) measurably.
        results[worker]!.writeStream.push(yield* measured(Files.writeStream(tree, `bench-${worker}-stream.bin`, source)))
        yield* Files.remove(tree, `bench-${worker}-stream.bin`)
        yield* Files.remove(tree, `bench-${worker}.bin`)
      }))
    }
  }
  const row = (name: string, samples: ReadonlyArray<Sample>) =>
    `${name.padEnd(14)} ${median(samples.map((s) => s.mibPerSecond)).toFixed(0).padStart(6)} MiB/s   event-loop delay p50 ${
      median(samples.map((s) => s.p50)).toFixed(2)
    } ms, p99 ${median(samples.map((s) => s.p99)).toFixed(2)} ms, max ${median(samples.map((s) => s.max)).toFixed(2)} ms`
  console.log(`${args.mib} MiB over SMB 3.1.1 + AES-128-GCM, medians of ${runs} runs (fiber and thread alternating)`)
  for (const worker of ["fiber", "thread"] as const) {
    console.log(row(`${worker} write`, results[worker]!.write))
    console.log(row(`${worker} wstream`, results[worker]!.writeStream))
    console.log(row(`${worker} read`, results[worker]!.read))
    console.log(row(`${worker} stream`, results[worker]!.stream))
  }
  console.log(row("idle, t. write", controls.write))
  console.log(row("idle, t. read", controls.read))
})

Effect.runPromise(Effect.scoped(main)).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
