/**
 * Small operations with and without compound requests, against a private Samba, in one process:
 * 1,000 stats, 1,000 writeFile and 1,000 readFile of 4 KiB, each at 1 and at 16 in flight.
 * "compound" is Files as it is (CREATE + op + CLOSE in one round trip); "sequential" is the same
 * operation as open, act, close, three round trips, as Files did before (File.open, the handle's
 * operation, the close). The two alternate run after run (which goes first alternates too) and
 * the medians are compared, since the machine's load drifts.
 *
 *   npx vite-node scripts/bench-small.ts [--runs 5] [--count 1000] [--json]
 *
 * Kept apart from scripts/bench.ts (whose small-operations section compares with smbclient):
 * this one measures what compounding itself buys.
 */
import { chownSync, mkdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as File from "../src/client/File.js"
import * as Files from "../src/client/Files.js"
import * as Session from "../src/client/Session.js"
import * as Tree from "../src/client/Tree.js"
import * as Connection from "../src/connection/Connection.js"
import { AccessMask } from "../src/wire/Create.js"
import { ensureSambaInstalled, startSamba, stopSamba } from "../test/support/samba/Samba.js"

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const RUNS = arg("runs", 5)
const COUNT = arg("count", 1000)
const SIZE = 4096
const DIR = "bench-small"

type Op = "stat" | "writeFile" | "readFile"
type Mode = "compound" | "sequential"

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const one = (tree: Tree.TreeShape, op: Op, mode: Mode, path: string, data: Uint8Array): Effect.Effect<unknown, unknown> => {
  if (mode === "compound") {
    switch (op) {
      case "stat":
        return Files.stat(tree, path)
      case "writeFile":
        return Files.writeFile(tree, path, data)
      case "readFile":
        return Files.readFile(tree, path)
    }
  }
  switch (op) {
    case "stat":
      return Effect.scoped(Effect.map(File.open(tree, path, { access: AccessMask.FILE_READ_ATTRIBUTES }), (h) => h.info))
    case "writeFile":
      return Effect.scoped(
        Effect.flatMap(File.open(tree, path, { access: "write", disposition: "overwriteIf", directory: false }), (h) => h.write(data))
      )
    case "readFile":
      return Effect.scoped(Effect.flatMap(File.open(tree, path, { access: "read", directory: false }), (h) => h.read(0, h.size)))
  }
}

const main = async () => {
  await ensureSambaInstalled({ testsuite: true })
  const server = await startSamba({ variant: "default" })
  try {
    const onDisk = join(server.sharePath, DIR)
    mkdirSync(onDisk, { recursive: true })
    const owner = statSync(server.sharePath)
    chownSync(onDisk, owner.uid, owner.gid)
    const data = new Uint8Array(SIZE).map((_, i) => i * 7)
    for (let i = 0; i < COUNT; i++) {
      const file = join(onDisk, `f${i}`)
      writeFileSync(file, data)
      chownSync(file, owner.uid, owner.gid)
    }
    const program = Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(Connection.layer({ host: server.host, port: server.port }))
      const connection = Context.get(context, Connection.Connection)
      const session = yield* Session.make(connection, Session.user(server.user, Redacted.make(server.password)))
      const tree = yield* Tree.make(session, server.share)
      const time = (op: Op, mode: Mode, depth: number) =>
        Effect.gen(function*() {
          const started = performance.now()
          yield* Effect.forEach(
            Array.from({ length: COUNT }, (_, i) => `${DIR}/f${i}`),
            (path) => one(tree, op, mode, path, data),
            { concurrency: depth, discard: true }
          )
          return performance.now() - started
        })
      // warm-up: the session's compound probe, JIT, Samba's caches
      for (const mode of ["compound", "sequential"] as const) yield* time("stat", mode, 16)
      const results: Array<Record<string, unknown>> = []
      for (const op of ["stat", "writeFile", "readFile"] as const) {
        for (const depth of [1, 16]) {
          const ms: Record<Mode, Array<number>> = { compound: [], sequential: [] }
          for (let run = 0; run < RUNS; run++) {
            const order: ReadonlyArray<Mode> = run % 2 === 0 ? ["compound", "sequential"] : ["sequential", "compound"]
            for (const mode of order) ms[mode].push(yield* time(op, mode, depth))
          }
          const compound = median(ms.compound)
          const sequential = median(ms.sequential)
          const row = {
            op,
            depth,
            count: COUNT,
            compoundMs: Math.round(compound),
            sequentialMs: Math.round(sequential),
            speedup: Number((sequential / compound).toFixed(2)),
            runs: ms
          }
          results.push(row)
          process.stderr.write(
            `${op.padEnd(9)} x${COUNT} at ${String(depth).padStart(2)} in flight: compound ${row.compoundMs} ms, sequential ${row.sequentialMs} ms (${row.speedup}x)\n`
          )
        }
      }
      return results
    }))
    const results = await Effect.runPromise(program)
    if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(results)}\n`)
  } finally {
    await stopSamba(server)
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`)
  process.exitCode = 1
})
