/**
 * The full fuzzing run of the receive path (test/reliability/fuzzing.ts says what each target
 * checks; `npm test` runs a few thousand cases of the same properties):
 *
 * - deframing: byte streams of framed, garbage and bogus-header pieces, cut anywhere;
 * - the Transformer without keys, and with the corpus's session keys (verify and decrypt paths,
 *   the security rules), header and body decoders on every message it yields;
 * - the receive loop: ParallelWorker + FiberBackend over the in-memory peer, garbage between the
 *   responses to 16 requests in flight per round.
 *
 *   npm run fuzz -- [--frames 1000000] [--seed 42]
 *   (the same as npx vite-node scripts/fuzz.ts ...)
 *
 * `--frames` is the total over all targets: 20% deframing, 20% Transformer without keys, 50% with
 * keys, 10% through the receive loop. Seeded: a run is repeatable, and a failure prints the
 * counterexample and the seed and path that replay it. Exits non-zero on a failure.
 */
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { parseArgs } from "node:util"
import {
  checkStream,
  emptyLoopTally,
  frameArbitrary,
  receiveLoopRound,
  streamArbitrary,
  type Tally,
  TransformerCheck
} from "../test/reliability/fuzzing.js"

const { values: args } = parseArgs({
  options: {
    frames: { type: "string", default: "1000000" },
    seed: { type: "string", default: "42" }
  }
})
const FRAMES = Number(args.frames)
const SEED = Number(args.seed)
const LOOP_BATCH = 100

interface Row {
  readonly target: string
  readonly frames: number
  readonly millis: number
  readonly detail: string
}
const rows: Array<Row> = []

const timed = async <A>(target: string, run: () => Promise<A> | A, describe: (a: A) => { frames: number; detail: string }) => {
  const started = performance.now()
  const result = await run()
  const { frames, detail } = describe(result)
  rows.push({ target, frames, millis: performance.now() - started, detail })
  process.stdout.write(`${target}: ${frames.toLocaleString("en")} frames in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}

const failures = (tally: Tally): string =>
  Object.entries(tally.failures)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ")

const describeTally = (tally: Tally) => ({
  frames: tally.frames,
  detail: `${tally.messages} messages (${tally.verified} verified, ${tally.encrypted} decrypted); failures: ${failures(tally)}; ` +
    `bodies decoded ${tally.decoded}, rejected ${tally.decodeErrors}`
})

const transformerRun = (keyed: boolean, frames: number, seed: number) => () => {
  const check = keyed ? new TransformerCheck() : new TransformerCheck([])
  FastCheck.assert(FastCheck.property(frameArbitrary(), (frame) => {
    check.check(frame)
  }), { seed, numRuns: frames })
  return check.tally
}

const deframingRun = (frames: number, seed: number) => () => {
  let fed = 0
  let delivered = 0
  let streams = 0
  let bytes = 0
  // A stream holds 8/3 framed frames on average (up to 8 pieces, two thirds of them frames).
  const runs = Math.ceil((frames * 3) / 8)
  FastCheck.assert(FastCheck.property(streamArbitrary(), (stream) => {
    streams++
    fed += stream.pieces.filter((p) => p.frame !== undefined).length
    bytes += stream.pieces.reduce((n, p) => n + p.bytes.byteLength, 0)
    delivered += checkStream(stream)
  }), { seed, numRuns: runs })
  return { fed, delivered, streams, bytes }
}

const loopRun = (frames: number, seed: number) => async () => {
  const rounds = Math.ceil(frames / LOOP_BATCH)
  const total = emptyLoopTally()
  const arbitrary = FastCheck.array(frameArbitrary(), { minLength: LOOP_BATCH, maxLength: LOOP_BATCH })
  for (let round = 0; round < rounds; round++) {
    const [garbage] = FastCheck.sample(arbitrary, { seed: seed + round, numRuns: 1 })
    const tally = await Effect.runPromise(Effect.scoped(receiveLoopRound(garbage!)))
    total.garbage += tally.garbage
    total.skipped += tally.skipped
    total.undeliverable += tally.undeliverable
    total.unknown += tally.unknown
    total.notifications += tally.notifications
    total.requests += tally.requests
  }
  return { total, rounds }
}

const main = async () => {
  process.stdout.write(`fuzzing the receive path: ${FRAMES.toLocaleString("en")} frames, seed ${SEED}\n`)
  const started = performance.now()
  await timed("deframing", deframingRun(Math.round(FRAMES * 0.2), SEED), ({ bytes, delivered, fed, streams }) => ({
    frames: fed,
    detail: `${streams} streams, ${(bytes / 1e6).toFixed(1)} MB; ${delivered} frames delivered (a framing error ends its stream)`
  }))
  await timed("transformer, no keys", transformerRun(false, Math.round(FRAMES * 0.2), SEED + 1), describeTally)
  await timed("transformer, session keys", transformerRun(true, Math.round(FRAMES * 0.5), SEED + 2), describeTally)
  await timed("receive loop", loopRun(Math.round(FRAMES * 0.1), SEED + 3), ({ rounds, total }) => ({
    frames: total.garbage + total.requests,
    detail: `${rounds} rounds: ${total.requests} requests all answered, ${total.garbage} garbage frames ` +
      `(${total.undeliverable} undeliverable, ${total.unknown} unknown, ${total.notifications} notifications counted exactly; ` +
      `${total.skipped} left out as they would answer a live request)`
  }))
  const seconds = (performance.now() - started) / 1000
  const frames = rows.reduce((n, row) => n + row.frames, 0)
  process.stdout.write("\n")
  for (const row of rows) {
    const rate = Math.round(row.frames / (row.millis / 1000)).toLocaleString("en")
    process.stdout.write(`${row.target.padEnd(26)} ${row.frames.toLocaleString("en").padStart(10)} frames ${(row.millis / 1000).toFixed(1).padStart(6)} s ${rate.padStart(9)}/s\n`)
    process.stdout.write(`${"".padEnd(26)} ${row.detail}\n`)
  }
  process.stdout.write(`\ntotal: ${frames.toLocaleString("en")} frames in ${seconds.toFixed(1)} s, no failure\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`fuzzing failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
