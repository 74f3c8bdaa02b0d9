/**
 * Our contender in `npm run bench`, run as its own plain `node` process (bundled by the bench
 * with esbuild), so that what is measured is the library as an application runs it: no vite-node
 * in the process, and an RSS that is ours alone. One job per process, given as JSON in argv[2];
 * the result is one JSON line on stdout.
 *
 * - "read": `Files.download` to /dev/null (what `smbclient -c 'get FILE /dev/null'` does), first
 *   in a cold process, then again warm; then `Files.readStream` drained, warm.
 * - "write": `Files.upload` from a local file (like smbclient's `put FILE`), cold then warm.
 * - "echo": ECHO round trips per second with `depth` callers, after a short warm-up.
 *
 * Each transfer is timed from connect to the last byte (as smbclient's whole run is), with the
 * transfer alone beside it, and RSS is sampled every 10 ms.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { roundTrips } from "./internal/roundTrips.js"
import * as Files from "../src/client/Files.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Connection from "../src/connection/Connection.js"
import type { ConnectionOptions } from "../src/connection/ConnectionOptions.js"
import { printResult } from "./internal/printResult.js"

export interface Job {
  readonly op: "read" | "write" | "echo"
  readonly server: { readonly host: string; readonly port: number; readonly user: string; readonly password: string; readonly share: string }
  readonly options: Partial<ConnectionOptions>
  /** read: the remote file; write: the remote name to create. */
  readonly file?: string
  /** write: the local source. */
  readonly local?: string
  readonly depth?: number
  readonly seconds?: number
}

export interface Transfer {
  readonly label: string
  readonly totalMs: number
  readonly transferMs: number
  readonly bytes: number
  readonly rssBefore: number
  readonly rssPeak: number
}

const job: Job = JSON.parse(process.argv[2]!)

let rssPeak = 0
setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
}, 10).unref()

const connected = <A, E>(use: (tree: Tree.TreeShape, connection: Connection.ConnectionShape) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(Connection.layer({ host: job.server.host, port: job.server.port, ...job.options }))
    const connection = Context.get(context, Connection.Connection)
    const session = yield* Session.make(connection, Session.user(job.server.user, Redacted.make(job.server.password)))
    const tree = yield* Tree.make(session, job.server.share)
    return yield* use(tree, connection)
  }))

const timed = (label: string, transfer: (tree: Tree.TreeShape) => Effect.Effect<number, unknown>) =>
  Effect.suspend(() => {
    const rssBefore = process.memoryUsage.rss()
    rssPeak = rssBefore
    const started = performance.now()
    return connected((tree) =>
      Effect.gen(function*() {
        const transferStarted = performance.now()
        const bytes = yield* transfer(tree)
        return { bytes, transferMs: performance.now() - transferStarted }
      })
    ).pipe(Effect.map(({ bytes, transferMs }): Transfer => ({ label, totalMs: performance.now() - started, transferMs, bytes, rssBefore, rssPeak })))
  })

const download = (tree: Tree.TreeShape) => Files.download(tree, job.file!, "/dev/null").pipe(Effect.provide(NodeFileSystem.layer))
const stream = (tree: Tree.TreeShape) => Files.readStream(tree, job.file!).pipe(Stream.runFold(0, (n, chunk) => n + chunk.byteLength))
const write = (tree: Tree.TreeShape) => Files.upload(tree, job.local!, job.file!).pipe(Effect.provide(NodeFileSystem.layer))

const echo = connected((_, connection) =>
  Effect.gen(function*() {
    yield* roundTrips(connection.echo, job.depth ?? 1, 0.5)
    return { perSecond: (yield* roundTrips(connection.echo, job.depth ?? 1, job.seconds ?? 3)).perSecond }
  })
)

const program: Effect.Effect<unknown, unknown> = job.op === "echo"
  ? echo
  : job.op === "read"
  ? Effect.all([timed("download cold", download), timed("download warm", download), timed("stream warm", stream)])
  : Effect.all([timed("write cold", write), timed("write warm", write)])

printResult(program)
