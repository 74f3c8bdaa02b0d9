/**
 * The connection core's throughput and CPU cost per request: MessageHandler.sendRecv of an ECHO
 * against the in-memory scriptable peer (src/testing/TestPeer.ts, echo handler granting what each
 * request asks for), with 1 and with 64 requests in flight, for ParallelWorker + FiberBackend and
 * for SingleWorker (depth 1 only: it serves one request at a time), with the request span
 * ("smb.request") traced and with the tracer disabled.
 *
 * The peer runs in the same process, so the CPU time per request covers both ends: the client
 * core plus the fake server's deframing, header decoding and response encoding.
 *
 *   npm run bench:core -- [--runs 5] [--seconds 2] [--warmup 1] [--only parallel-64] [--out file]
 *   (the same as npx vite-node scripts/bench-core.ts ...)
 *
 * Prints the medians as a table and writes every run to bench-results-core.json.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { writeFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { machine } from "./internal/machine.js"
import { roundTrips } from "./internal/roundTrips.js"
import * as FiberBackend from "../src/connection/FiberBackend.js"
import * as MessageHandler from "../src/connection/MessageHandler.js"
import * as ParallelWorker from "../src/connection/ParallelWorker.js"
import * as SingleWorker from "../src/connection/SingleWorker.js"
import type { Worker } from "../src/connection/Worker.js"
import * as TestPeer from "../src/testing/TestPeer.js"
import type { Transport } from "../src/transport/Transport.js"
import { Command } from "../src/wire/Command.js"
import { encodeEchoRequest } from "../src/wire/Echo.js"

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    seconds: { type: "string", default: "2" },
    warmup: { type: "string", default: "1" },
    only: { type: "string" },
    out: { type: "string", default: "bench-results-core.json" }
  }
})
const RUNS = Number(args.runs)
const SECONDS = Number(args.seconds)
const WARMUP_SECONDS = Number(args.warmup)

interface Configuration {
  readonly id: string
  readonly worker: string
  readonly depth: number
  readonly layer: Layer.Layer<Worker, unknown, Transport>
}

const parallel = ParallelWorker.layer().pipe(Layer.provide(FiberBackend.layer))
const configurations: ReadonlyArray<Configuration> = [
  { id: "parallel-1", worker: "ParallelWorker+FiberBackend", depth: 1, layer: parallel },
  { id: "parallel-64", worker: "ParallelWorker+FiberBackend", depth: 64, layer: parallel },
  { id: "single-1", worker: "SingleWorker", depth: 1, layer: SingleWorker.layer() }
]

interface Run {
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly cpuMicrosPerRequest: number
}

const echo: MessageHandler.Request = { command: Command.ECHO, body: encodeEchoRequest() }

/** `depth` callers, each sending ECHO after ECHO until the time is up. */
const measure = (handler: MessageHandler.MessageHandlerShape, depth: number, seconds: number): Effect.Effect<Run, unknown> =>
  Effect.suspend(() => {
    const cpu = process.cpuUsage()
    return Effect.map(roundTrips(handler.sendRecv(echo), depth, seconds), (run) => {
      const used = process.cpuUsage(cpu)
      return {
        requests: run.requests,
        seconds: run.seconds,
        requestsPerSecond: run.perSecond,
        cpuMicrosPerRequest: (used.user + used.system) / run.requests
      }
    })
  })

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

interface Result {
  readonly id: string
  readonly worker: string
  readonly depth: number
  readonly tracing: boolean
  readonly runs: ReadonlyArray<Run>
  readonly median: { readonly requestsPerSecond: number; readonly cpuMicrosPerRequest: number }
}

/**
 * One connection per configuration: warm up, then the timed runs, traced and untraced in turn so
 * that a change in the machine's load over time touches both alike.
 */
const bench = (configuration: Configuration): Effect.Effect<ReadonlyArray<Result>, unknown> =>
  Effect.gen(function*() {
    const handler = yield* MessageHandler.MessageHandler
    yield* measure(handler, configuration.depth, WARMUP_SECONDS)
    const runs = { on: [] as Array<Run>, off: [] as Array<Run> }
    for (let i = 0; i < RUNS; i++) {
      runs.on.push(yield* Effect.withTracerEnabled(measure(handler, configuration.depth, SECONDS), true))
      runs.off.push(yield* Effect.withTracerEnabled(measure(handler, configuration.depth, SECONDS), false))
    }
    return [true, false].map((tracing): Result => {
      const own = tracing ? runs.on : runs.off
      return {
        id: configuration.id,
        worker: configuration.worker,
        depth: configuration.depth,
        tracing,
        runs: own,
        median: {
          requestsPerSecond: median(own.map((r) => r.requestsPerSecond)),
          cpuMicrosPerRequest: median(own.map((r) => r.cpuMicrosPerRequest))
        }
      }
    })
  }).pipe(
    Effect.provide(
      MessageHandler.layer({ creditBacklog: 256 }).pipe(
        Layer.provide(configuration.layer),
        Layer.provide(TestPeer.layer(TestPeer.echoHandler))
      )
    ),
    Effect.scoped
  )

const table = (results: ReadonlyArray<Result>): string => {
  const rows = [
    ["worker", "in flight", "tracing", "requests/s", "(min-max)", "CPU µs/request", "(min-max)"],
    ...results.map((r) => {
      const rps = r.runs.map((run) => Math.round(run.requestsPerSecond))
      const cpu = r.runs.map((run) => run.cpuMicrosPerRequest)
      return [
        r.worker,
        String(r.depth),
        r.tracing ? "on" : "off",
        Math.round(r.median.requestsPerSecond).toLocaleString("en-US"),
        `${Math.min(...rps)}-${Math.max(...rps)}`,
        r.median.cpuMicrosPerRequest.toFixed(1),
        `${Math.min(...cpu).toFixed(0)}-${Math.max(...cpu).toFixed(0)}`
      ]
    })
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)).join("  ")).join("\n")
}

const main = Effect.gen(function*() {
  const host = machine()
  const selected = configurations.filter((c) => args.only === undefined || c.id === args.only)
  const results: Array<Result> = []
  for (const configuration of selected) {
    results.push(...(yield* bench(configuration)))
    console.error(`${configuration.id} done`)
  }
  console.log(table(results))
  const ran = host.end()
  console.log(`${ran.line}`)
  writeFileSync(
    args.out,
    JSON.stringify(
      {
        ...ran.record,
        settings: { runs: RUNS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
        results
      },
      null,
      2
    ) + "\n"
  )
  console.error(`wrote ${args.out}`)
})

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
