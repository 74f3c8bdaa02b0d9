/**
 * The soak run: one connection to a real Samba that this script starts itself (test/support/samba,
 * needs root and Samba, which it installs when missing), kept busy for a long time, to show that
 * nothing grows and nothing fails:
 *
 * 1. ECHO: 1,000,000 requests, 16 in flight, on an authenticated session;
 * 2. files: 10,000 write/read round trips (Files.writeFile then Files.readFile of 64 KiB, compared).
 *
 * It reports the rates, the process RSS and heap (after a full GC) once warmed up and at the end
 * with the growth in %, the errors (there must be none), and the worker's state at the end
 * (nothing in flight, awaited or stashed).
 *
 *   npm run soak -- [--echoes 1000000] [--concurrency 16] [--roundtrips 10000] [--size 65536]
 *   (the same as npx vite-node scripts/soak.ts ...)
 *
 * Exits non-zero when a request failed, a read did not return what was written, or the worker
 * was left holding anything.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import { parseArgs } from "node:util"
import * as Files from "../src/client/Files.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Connection from "../src/connection/Connection.js"
import type { WorkerStats } from "../src/connection/Worker.js"
import { Command } from "../src/wire/Command.js"
import { collectGarbage } from "../test/support/hygiene.js"
import { ensureSambaInstalled, type SambaInstance, startSamba, stopSamba } from "../test/support/samba/Samba.js"

const { values: args } = parseArgs({
  options: {
    echoes: { type: "string", default: "1000000" },
    concurrency: { type: "string", default: "16" },
    roundtrips: { type: "string", default: "10000" },
    size: { type: "string", default: "65536" }
  }
})
const ECHOES = Number(args.echoes)
const CONCURRENCY = Number(args.concurrency)
const ROUND_TRIPS = Number(args.roundtrips)
const SIZE = Number(args.size)
/** Requests before the "warmed up" measurement: JIT, pools and the credit window have settled. */
const WARM_UP = Math.min(50_000, Math.floor(ECHOES / 10))
const PROGRESS_EVERY = 100_000

const MB = 1024 * 1024
const print = (line: string) => process.stdout.write(`${line}\n`)

interface Memory {
  readonly rss: number
  readonly heapUsed: number
}
const measure = (): Memory => {
  collectGarbage()
  const { heapUsed, rss } = process.memoryUsage()
  return { rss, heapUsed }
}
const growth = (from: number, to: number) => `${(((to - from) / from) * 100).toFixed(1)}%`
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`

interface Report {
  echo: { requests: number; errors: number; seconds: number; warm: Memory; end: Memory; rssRange: readonly [number, number] }
  files: { roundTrips: number; errors: number; mismatches: number; seconds: number; end: Memory }
  stats: WorkerStats
  firstErrors: Array<string>
}

const soak = (server: SambaInstance) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer({ host: server.host, port: server.port, timeout: "30 seconds" }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, Session.user(server.user, Redacted.make(server.password)))
    const tree = yield* Tree.make(session, server.share)
    print(`connected: SMB ${connection.negotiated.dialect}, signing ${session.signingRequired ? "required" : "not required"}`)
    const firstErrors: Array<string> = []
    const noteError = (error: unknown) =>
      Effect.sync(() => {
        if (firstErrors.length < 5) firstErrors.push(String(error))
      })

    // 1. ECHO
    const echo = connection.handler.sendRecv({ command: Command.ECHO, sessionId: session.id, body: new Uint8Array([4, 0, 0, 0]) })
    let sent = 0
    let errors = 0
    let warm: Memory | undefined
    let warmAt = 0
    // RSS at each progress line after the warm-up: it swings with the allocator, so a range says more than two points
    const rssSamples: Array<number> = []
    const started = performance.now()
    let lap = started
    const loop = Effect.gen(function*() {
      while (sent < ECHOES) {
        sent++
        const n = sent
        const exit = yield* Effect.exit(echo)
        if (exit._tag === "Failure") {
          errors++
          yield* noteError(exit.cause)
        }
        if (n === WARM_UP) {
          warm = measure()
          warmAt = performance.now()
          print(`warmed up after ${n.toLocaleString("en")} ECHOs: RSS ${mb(warm.rss)}, heap ${mb(warm.heapUsed)}`)
        }
        if (n % PROGRESS_EVERY === 0) {
          const now = performance.now()
          const rate = Math.round(PROGRESS_EVERY / ((now - lap) / 1000))
          lap = now
          const rss = process.memoryUsage().rss
          if (warm !== undefined) rssSamples.push(rss)
          print(`${n.toLocaleString("en").padStart(10)} ECHOs, ${rate.toLocaleString("en")}/s, RSS ${mb(rss)}, errors ${errors}`)
        }
      }
    })
    yield* Effect.all(Array.from({ length: CONCURRENCY }, () => loop), { concurrency: "unbounded", discard: true })
    const echoSeconds = (performance.now() - started) / 1000
    const echoEnd = measure()
    const steadyRate = Math.round((ECHOES - WARM_UP) / ((performance.now() - warmAt) / 1000))
    print(`ECHO: ${ECHOES.toLocaleString("en")} in ${echoSeconds.toFixed(1)} s (${steadyRate.toLocaleString("en")}/s after warm-up), errors ${errors}`)

    // 2. Files: write/read round trips, each a complete open-write-close then open-read-close.
    let mismatches = 0
    let fileErrors = 0
    const filesStarted = performance.now()
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const data = new Uint8Array(randomBytes(SIZE))
      const path = `soak-${i % 16}.bin`
      const exit = yield* Effect.exit(Effect.zipRight(Files.writeFile(tree, path, data), Files.readFile(tree, path)))
      if (exit._tag === "Failure") {
        fileErrors++
        yield* noteError(exit.cause)
      } else if (!Buffer.from(exit.value).equals(Buffer.from(data))) {
        mismatches++
      }
      if ((i + 1) % 1000 === 0) print(`${(i + 1).toLocaleString("en").padStart(10)} round trips, errors ${fileErrors}, mismatches ${mismatches}`)
    }
    const filesSeconds = (performance.now() - filesStarted) / 1000
    yield* Effect.forEach(Array.from({ length: Math.min(16, ROUND_TRIPS) }, (_, i) => `soak-${i}.bin`), (path) => Effect.ignore(Files.remove(tree, path)), { discard: true })

    const report: Report = {
      echo: {
        requests: ECHOES,
        errors,
        seconds: echoSeconds,
        warm: warm ?? echoEnd,
        end: echoEnd,
        rssRange: [Math.min(echoEnd.rss, ...rssSamples), Math.max(echoEnd.rss, ...rssSamples)]
      },
      files: { roundTrips: ROUND_TRIPS, errors: fileErrors, mismatches, seconds: filesSeconds, end: measure() },
      stats: yield* connection.handler.stats,
      firstErrors
    }
    return report
  }).pipe(Effect.scoped)

const main = async () => {
  await ensureSambaInstalled()
  const server = await startSamba({ variant: "default" })
  print(`samba: ${server.host}:${server.port} (pid ${server.pid}); ${ECHOES.toLocaleString("en")} ECHOs, ${CONCURRENCY} in flight; ` +
    `${ROUND_TRIPS.toLocaleString("en")} round trips of ${SIZE} bytes`)
  let report: Report
  try {
    report = await Effect.runPromise(soak(server))
  } finally {
    await stopSamba(server)
  }
  const { echo, files, stats } = report
  print("")
  print(`ECHO      ${echo.requests.toLocaleString("en")} requests in ${echo.seconds.toFixed(1)} s = ${Math.round(echo.requests / echo.seconds).toLocaleString("en")}/s, errors ${echo.errors}`)
  print(`          RSS ${mb(echo.warm.rss)} after warm-up -> ${mb(echo.end.rss)} at the end (${growth(echo.warm.rss, echo.end.rss)}); ` +
    `heap ${mb(echo.warm.heapUsed)} -> ${mb(echo.end.heapUsed)} (${growth(echo.warm.heapUsed, echo.end.heapUsed)}); ` +
    `RSS between ${mb(echo.rssRange[0])} and ${mb(echo.rssRange[1])} after warm-up`)
  print(`files     ${files.roundTrips.toLocaleString("en")} write/read round trips of ${SIZE} bytes in ${files.seconds.toFixed(1)} s = ` +
    `${Math.round(files.roundTrips / files.seconds).toLocaleString("en")}/s, errors ${files.errors}, mismatches ${files.mismatches}`)
  print(`          RSS at the end ${mb(files.end.rss)}, heap ${mb(files.end.heapUsed)}`)
  print(`worker    in flight ${stats.inFlight}, awaiting ${stats.awaiting}, stashed ${stats.stashed}, abandoned ${stats.abandoned}, ` +
    `unknown ${stats.unknown}, undeliverable ${stats.undeliverable}; credits: balance ${stats.creditBalance}, ` +
    `granted ${stats.creditsGranted}, spent ${stats.creditsSpent}`)
  for (const error of report.firstErrors) print(`error: ${error}`)
  const clean = echo.errors === 0 && files.errors === 0 && files.mismatches === 0 && stats.inFlight === 0 && stats.awaiting === 0 &&
    stats.stashed === 0
  print(clean ? "soak: clean" : "soak: FAILED")
  if (!clean) process.exitCode = 1
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exitCode = 1
})
