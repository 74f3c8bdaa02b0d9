/**
 * The receive path under random and mutated frames (fuzzing.ts says what each layer must do): a
 * few thousand seeded cases here, a million in scripts/fuzz.ts (`npm run fuzz`). The corpus holds
 * real Windows traffic from Microsoft's Open Specifications blog (test/crypto/msblog.ts cites the
 * posts) and responses built with the wire encoders.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { hygienic } from "../support/hygiene.js"
import { corpus } from "./corpus.js"
import {
  checkStream,
  emptyLoopTally,
  frameArbitrary,
  receiveLoopRound,
  streamArbitrary,
  TransformerCheck
} from "./fuzzing.js"

const SEED = 42

describe("fuzzing the receive path", () => {
  it("the corpus exercises verification and decryption: its frames verify and decrypt under the installed keys", () => {
    const check = new TransformerCheck()
    for (const frame of corpus().frames) check.check(frame)
    const { tally } = check
    // Deliberate failures only: the blog's client requests (unsigned SESSION_SETUP requests on
    // sessions that require signing), the binding channel's final response (signed with the
    // channel's key, not the master session's), the plaintexts of the blog's encrypted messages
    // received bare (meant to travel encrypted: unsigned, or a Signature that is not one), the
    // client-encrypted blog messages (under the key the client sends with), and the synthetic
    // plaintext response on a tree that requires encryption, and the synthetic compound whose
    // messages name another session than the one whose key encrypted it.
    expect(Object.keys(tally.failures).sort()).toEqual([
      "TransformFailed:BadSignature",
      "TransformFailed:Decrypt",
      "TransformFailed:Plaintext",
      "TransformFailed:SessionMismatch",
      "TransformFailed:Unsigned"
    ])
    expect(tally.verified).toBeGreaterThan(50)
    expect(tally.encrypted).toBeGreaterThan(30)
    expect(tally.decoded).toBeGreaterThan(140)
  })

  it.prop(
    "deframing: any byte stream, cut anywhere",
    { stream: streamArbitrary() },
    ({ stream }) => {
      checkStream(stream)
    },
    { fastCheck: { seed: SEED, numRuns: 1500 } }
  )

  it.prop(
    "the Transformer without keys: any frame",
    { frame: frameArbitrary() },
    ({ frame }) => {
      new TransformerCheck([]).check(frame)
    },
    { fastCheck: { seed: SEED, numRuns: 1500 } }
  )

  const keyed = new TransformerCheck()
  it.prop(
    "the Transformer with the corpus's session keys: any frame, and the security rules hold",
    { frame: frameArbitrary() },
    ({ frame }) => {
      keyed.check(frame)
    },
    { fastCheck: { seed: SEED, numRuns: 3000 } }
  )

  it("mutations reach every path: verified, decrypted, and each kind of failure", () => {
    const check = new TransformerCheck()
    for (const frame of FastCheck.sample(frameArbitrary(), { seed: SEED, numRuns: 3000 })) check.check(frame)
    const { tally } = check
    expect(tally.verified).toBeGreaterThan(0)
    expect(tally.encrypted).toBeGreaterThan(0)
    for (const reason of ["BadSignature", "Unsigned", "Decrypt", "Plaintext", "NoKey"]) {
      expect(tally.failures[`TransformFailed:${reason}`] ?? 0).toBeGreaterThan(0)
    }
    expect(tally.failures["DecodeError:Invalid"] ?? 0).toBeGreaterThan(0)
  })

  it.live("the receive loop: garbage between real responses is counted, every request completes, nothing is left", () =>
    Effect.gen(function*() {
      const rounds = FastCheck.sample(FastCheck.array(frameArbitrary(), { minLength: 100, maxLength: 100 }), { seed: SEED, numRuns: 10 })
      const total = emptyLoopTally()
      for (const garbage of rounds) {
        const tally = yield* hygienic(receiveLoopRound(garbage))
        total.garbage += tally.garbage
        total.undeliverable += tally.undeliverable
        total.unknown += tally.unknown
        total.requests += tally.requests
      }
      expect(total.requests).toBe(160)
      expect(total.garbage).toBeGreaterThan(900)
      expect(total.undeliverable).toBeGreaterThan(700)
      expect(total.unknown).toBeGreaterThan(0)
    }))
})
