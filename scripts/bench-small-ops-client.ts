/**
 * Our in-process contender for the small-operations section of `npm run bench`
 * (scripts/bench-small-ops.ts), run as its own plain `node` process on a bundle: it connects once
 * and then times each operation inside that running process, as an application would run them.
 * The job comes as JSON in argv[2]; the result is one JSON line on stdout (milliseconds).
 *
 * - put: `Folders.upload` of the local tree into a new remote folder
 * - get: `Folders.download` of a remote tree into a new local folder
 * - list: `Files.list` of the wide folder, drained (runCount)
 * - stat: `Files.stat` of each of the given paths, 16 in flight
 * - remove: `Folders.remove` of a remote tree
 * - bigList (optional): `Files.list` of a very wide folder through runFold. What it keeps alive
 *   is measured after a full GC every 10,000 entries (the process runs with --expose-gc): the
 *   live heap over the heap before the listing, bounded by a response rather than the folder.
 *   The heap (garbage included) and the RSS are also sampled every 5 ms for their peaks.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Files from "../src/client/Files.js"
import * as Folders from "../src/client/Folders.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Connection from "../src/connection/Connection.js"
import { printResult } from "./internal/printResult.js"

export interface SmallJob {
  readonly server: { readonly host: string; readonly port: number; readonly user: string; readonly password: string; readonly share: string }
  readonly putFrom: string
  readonly putTo: string
  readonly getFrom: string
  readonly getTo: string
  readonly wide: string
  readonly stats: ReadonlyArray<string>
  readonly remove: string
  readonly bigList?: string
}

export interface SmallResult {
  readonly connectMs: number
  readonly putMs: number
  readonly getMs: number
  readonly listMs: number
  readonly listed: number
  readonly statMs: number
  readonly removeMs: number
  readonly bigList?: {
    readonly ms: number
    readonly entries: number
    readonly heapBefore: number
    readonly heapPeak: number
    /** The most the live heap (after a full GC, every 10,000 entries) exceeded heapBefore. */
    readonly liveGrowth: number
    readonly rssBefore: number
    readonly rssPeak: number
  }
}

const job: SmallJob = JSON.parse(process.argv[2]!)

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const started = performance.now()
    return Effect.map(effect, (value) => ({ value, ms: performance.now() - started }))
  })

const program = Effect.scoped(Effect.gen(function*() {
  const connected = yield* timed(Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer({ host: job.server.host, port: job.server.port, encryption: "off" }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, Session.user(job.server.user, Redacted.make(job.server.password)))
    return yield* Tree.make(session, job.server.share)
  }))
  const tree = connected.value
  const put = yield* timed(Folders.upload(tree, job.putFrom, job.putTo))
  const get = yield* timed(Folders.download(tree, job.getFrom, job.getTo))
  const list = yield* timed(Stream.runCount(Files.list(tree, job.wide)))
  const stat = yield* timed(Effect.forEach(job.stats, (path) => Files.stat(tree, path), { concurrency: 16, discard: true }))
  const remove = yield* timed(Folders.remove(tree, job.remove))
  let bigList: SmallResult["bigList"]
  if (job.bigList !== undefined) {
    const gc = global.gc
    if (gc === undefined) throw new Error("the big listing needs node --expose-gc")
    gc()
    const before = process.memoryUsage()
    let heapPeak = before.heapUsed
    let rssPeak = before.rss
    let liveGrowth = 0
    const sampler = setInterval(() => {
      const now = process.memoryUsage()
      heapPeak = Math.max(heapPeak, now.heapUsed)
      rssPeak = Math.max(rssPeak, now.rss)
    }, 5)
    const listed = yield* timed(Stream.runFold(Files.list(tree, job.bigList), 0, (n) => {
      if (n % 10_000 === 0) {
        gc()
        liveGrowth = Math.max(liveGrowth, process.memoryUsage().heapUsed - before.heapUsed)
      }
      return n + 1
    }))
    clearInterval(sampler)
    bigList = { ms: listed.ms, entries: listed.value, heapBefore: before.heapUsed, heapPeak, liveGrowth, rssBefore: before.rss, rssPeak }
  }
  const result: SmallResult = {
    connectMs: connected.ms,
    putMs: put.ms,
    getMs: get.ms,
    listMs: list.ms,
    listed: list.value,
    statMs: stat.ms,
    removeMs: remove.ms,
    ...(bigList === undefined ? {} : { bigList })
  }
  return result
})).pipe(Effect.provide(NodeFileSystem.layer))

printResult(program)
