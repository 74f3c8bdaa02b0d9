/**
 * ThreadBackend against FiberBackend, both under ParallelWorker + MessageHandler over TCP
 * loopback:
 *
 * 1. ECHO round trips per second with 1 and 64 requests in flight, against the in-process TCP
 *    test peer (src/testing/TestPeer.ts makeTcp) and against a peer in a child process. The
 *    in-process peer shares the main thread with the client, which is what a test sees; the child
 *    process leaves the main thread to the client alone, which is closer to a real server.
 * 2. The main thread's event-loop delay (perf_hooks monitorEventLoopDelay, 1 ms resolution)
 *    during a run of ECHOs carrying 1 MiB bodies, answered with the same 1 MiB, against the peer
 *    in the child process (in process, the peer's own copying would be measured too). This is
 *    what the thread backend is for: the transform's CPU time leaves the main event loop.
 *
 * CPU time is given per round trip (and per MiB): for all threads, and for the main thread alone.
 * On a loaded machine it is steadier than the rates.
 *
 * The encrypted 256 MiB Samba transfer (the benchmark) joins as a third part once the
 * Transformer encrypts: it needs a session with keys, which this script does not set up.
 *
 *   npx vite-node scripts/bench-thread-backend.ts [--runs 3] [--seconds 2] [--warmup 1] [--large 128]
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Os from "node:os"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { roundTrips } from "./internal/roundTrips.js"
import * as FiberBackend from "../src/connection/FiberBackend.js"
import * as MessageHandler from "../src/connection/MessageHandler.js"
import type { MultiWorkerBackend } from "../src/connection/MultiWorkerBackend.js"
import * as ParallelWorker from "../src/connection/ParallelWorker.js"
import * as ThreadBackend from "../src/connection/ThreadBackend.js"
import * as TestPeer from "../src/testing/TestPeer.js"
import * as TcpTransport from "../src/transport/TcpTransport.js"
import { Command } from "../src/wire/Command.js"
import { threadEntry } from "../test/connection/subjects.js"

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    warmup: { type: "string", default: "1" },
    large: { type: "string", default: "128" }
  }
})
const RUNS = Number(args.runs)
const SECONDS = Number(args.seconds)
const WARMUP_SECONDS = Number(args.warmup)
const LARGE_COUNT = Number(args.large)
const LARGE_SIZE = 1 << 20
const LARGE_IN_FLIGHT = 4

type Backend = "FiberBackend" | "ThreadBackend"

const backendLayer = (backend: Backend, port: number, entry: URL): Layer.Layer<MultiWorkerBackend, unknown> =>
  backend === "FiberBackend"
    ? FiberBackend.layer.pipe(Layer.provide(TcpTransport.layer({ host: "127.0.0.1", port })))
    : ThreadBackend.layer({ host: "127.0.0.1", port, entry })

const handlerLayer = (backend: Backend, port: number, entry: URL) =>
  MessageHandler.layer({ creditBacklog: 256 }).pipe(
    Layer.provide(ParallelWorker.layer()),
    Layer.provide(backendLayer(backend, port, entry))
  )

/** Answers every request with its own body, granting what it asks for. */
const echoBack: TestPeer.Handler = (request, peer) =>
  request.header.command === Command.CANCEL
    ? Effect.void
    : peer.respond(request, { credits: Math.max(1, request.header.credits), body: request.body })

/**
 * A peer in a child process: plain Node, no Effect. Answers each frame with itself, turned into
 * a response (SERVER_TO_REDIR set, STATUS_SUCCESS, the credits asked for, at least 1).
 */
const childPeerSource = `
const net = require("node:net")
const server = net.createServer({ noDelay: true }, (socket) => {
  let pending = Buffer.alloc(0)
  socket.on("data", (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    const out = []
    while (pending.length >= 4) {
      const length = pending.readUIntBE(1, 3)
      if (pending.length < 4 + length) break
      const frame = Buffer.from(pending.subarray(0, 4 + length))
      pending = pending.subarray(4 + length)
      frame.writeUInt32LE(0, 4 + 8)
      frame.writeUInt16LE(Math.max(1, frame.readUInt16LE(4 + 14)), 4 + 14)
      frame.writeUInt32LE(frame.readUInt32LE(4 + 16) | 1, 4 + 16)
      out.push(frame)
    }
    if (out.length > 0) socket.write(out.length === 1 ? out[0] : Buffer.concat(out))
  })
  socket.on("error", () => {})
})
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"))
`

const childPeer = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly kill: () => void }, Error>((resume) => {
    const child = spawn(process.execPath, ["-e", childPeerSource], { stdio: ["ignore", "pipe", "inherit"] })
    child.once("error", (cause) => resume(Effect.fail(cause)))
    child.stdout.once("data", (data: Buffer) => resume(Effect.succeed({ port: Number(String(data).trim()), kill: () => child.kill() })))
  }),
  (peer) => Effect.sync(() => peer.kill())
).pipe(Effect.map((peer) => peer.port))

const inProcessPeer = Effect.gen(function*() {
  const server = yield* TestPeer.makeTcp()
  // Every connection the client makes is served, for as long as the Scope is open.
  yield* server.connections.pipe(
    Effect.flatMap((peer) => peer.serve(echoBack)),
    Effect.forever,
    Effect.forkScoped
  )
  return server.port
})

const smallEcho: MessageHandler.Request = { command: Command.ECHO, body: new Uint8Array([4, 0, 0, 0]) }

/**
 * CPU time of the main thread alone, in µs, where /proc tells (Linux; clock ticks of 10 ms, so
 * read over runs of seconds). process.cpuUsage() counts every thread, the worker's included.
 */
const mainThreadCpu = (): number => {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return Number.NaN
  }
}

interface Cost {
  /** CPU µs per round trip (or per MiB), all threads. */
  readonly cpu: number
  /** Main-thread CPU µs per round trip (or per MiB). */
  readonly mainCpu: number
}

/** Runs `effect` and divides the CPU time it took by `per(result)`. */
const costOf = <A, E, R>(effect: Effect.Effect<A, E, R>, per: (a: A) => number) =>
  Effect.suspend(() => {
    const cpu = process.cpuUsage()
    const main = mainThreadCpu()
    return Effect.map(effect, (a) => {
      const used = process.cpuUsage(cpu)
      return [a, { cpu: (used.user + used.system) / per(a), mainCpu: (mainThreadCpu() - main) / per(a) }] as const
    })
  })

/** `depth` callers, each sending ECHO after ECHO until the time is up. */
const echoes = (handler: MessageHandler.MessageHandlerShape, depth: number, seconds: number) =>
  costOf(roundTrips(handler.sendRecv(smallEcho), depth, seconds), (run) => run.requests).pipe(
    Effect.map(([run, cost]) => ({ perSecond: run.perSecond, ...cost }))
  )

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const measureRoundTrips = (backend: Backend, port: number, entry: URL, depth: number) =>
  Effect.gen(function*() {
    const handler = yield* MessageHandler.MessageHandler
    yield* echoes(handler, depth, WARMUP_SECONDS)
    const runs: Array<{ readonly perSecond: number } & Cost> = []
    for (let i = 0; i < RUNS; i++) runs.push(yield* echoes(handler, depth, SECONDS))
    return runs
  }).pipe(Effect.provide(handlerLayer(backend, port, entry)), Effect.scoped)

/** LARGE_COUNT ECHOs with 1 MiB bodies, LARGE_IN_FLIGHT at a time, under the event-loop monitor. */
const measureLarge = (backend: Backend, port: number, entry: URL) =>
  Effect.gen(function*() {
    const handler = yield* MessageHandler.MessageHandler
    const send = () => handler.sendRecv({ command: Command.ECHO, body: new Uint8Array(LARGE_SIZE).fill(7) })
    yield* Effect.forEach(Array.from({ length: 8 }), send, { concurrency: LARGE_IN_FLIGHT, discard: true })
    const histogram = monitorEventLoopDelay({ resolution: 1 })
    const started = performance.now()
    histogram.enable()
    const [, cost] = yield* costOf(
      Effect.forEach(Array.from({ length: LARGE_COUNT }), send, { concurrency: LARGE_IN_FLIGHT, discard: true }),
      () => LARGE_COUNT * 2
    )
    histogram.disable()
    const seconds = (performance.now() - started) / 1000
    const millis = (nanos: number) => nanos / 1e6
    return {
      mibPerSecond: (LARGE_COUNT * 2) / seconds,
      ...cost,
      p50: millis(histogram.percentile(50)),
      p99: millis(histogram.percentile(99)),
      max: millis(histogram.max)
    }
  }).pipe(Effect.provide(handlerLayer(backend, port, entry)), Effect.scoped)

/** A table: the first two columns (backend, peer) left-aligned, numbers right-aligned. */
const format = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)).join("  "))
    .join("\n")
}

const main = Effect.gen(function*() {
  const entry = yield* threadEntry
  const peers = { "in process": yield* inProcessPeer, "child process": yield* childPeer }
  const backends: ReadonlyArray<Backend> = ["FiberBackend", "ThreadBackend"]

  const tripRows: Array<Array<string>> = [
    ["backend", "peer", "in flight", "round trips/s", "(min-max)", "CPU µs/trip", "main thread µs/trip"]
  ]
  for (const [peer, port] of Object.entries(peers)) {
    for (const depth of [1, 64]) {
      for (const backend of backends) {
        const runs = yield* measureRoundTrips(backend, port, entry, depth)
        const perSecond = runs.map((run) => run.perSecond)
        tripRows.push([
          backend,
          peer,
          String(depth),
          Math.round(median(perSecond)).toLocaleString("en-US"),
          `${Math.round(Math.min(...perSecond))}-${Math.round(Math.max(...perSecond))}`,
          median(runs.map((run) => run.cpu)).toFixed(0),
          median(runs.map((run) => run.mainCpu)).toFixed(0)
        ])
        console.error(`${backend}, ${peer} peer, ${depth} in flight: ${Math.round(median(perSecond))} round trips/s`)
      }
    }
  }

  const delayRows: Array<Array<string>> = [
    ["backend", "peer", "MiB/s (both ways)", "CPU µs/MiB", "main thread µs/MiB", "delay p50 ms", "p99 ms", "max ms"]
  ]
  for (const backend of backends) {
    const large = yield* measureLarge(backend, peers["child process"], entry)
    delayRows.push([
      backend,
      "child process",
      large.mibPerSecond.toFixed(0),
      large.cpu.toFixed(0),
      large.mainCpu.toFixed(0),
      large.p50.toFixed(2),
      large.p99.toFixed(2),
      large.max.toFixed(2)
    ])
  }

  console.log(`\nECHO round trips (median of ${RUNS} runs of ${SECONDS} s after ${WARMUP_SECONDS} s warm-up)\n`)
  console.log(format(tripRows))
  console.log(
    `\nMain thread event-loop delay during ${LARGE_COUNT} ECHOs of 1 MiB each way, ${LARGE_IN_FLIGHT} in flight\n`
  )
  console.log(format(delayRows))
  console.log(`\n${Os.cpus().length} CPUs (${Os.cpus()[0]?.model}), Node ${process.version}, load ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`)
}).pipe(Effect.scoped)

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
