/**
 * Helpers for the tests of the negotiate, session, tree, transform and compound codecs: wrapping
 * a body in a header, negotiate-context arbitraries, and the robustness properties every decoder
 * must pass (random bytes and mutated valid messages decode to a Right or to a deliberate
 * DecodeError; see `expectTotal` in ../support/codec.ts).
 */
import { expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type { DecodeError } from "../../src/errors.js"
import { encodeHeader, makeHeader } from "../../src/wire/Header.js"
import { type NegotiateContext, NegotiateContextType } from "../../src/wire/NegotiateContext.js"
import { concatBytes } from "../../src/wire/Reader.js"
import { bytes, expectRight, expectTotal, u16, u32 } from "../support/codec.js"

/** A whole message: a zeroed header for `command` followed by `body`. */
export const withHeader = (command: number, body: Uint8Array): Uint8Array =>
  concatBytes([encodeHeader(makeHeader({ command, messageId: 0n })), body])

/** A header followed by a StructureSize: random bytes after it reach a body decoder's fields. */
export const bodyPrefix = (structureSize: number): Uint8Array => {
  const prefix = new Uint8Array(66)
  prefix[64] = structureSize & 0xff
  prefix[65] = structureSize >>> 8
  return prefix
}

/** Valid messages with a few bytes changed (biased towards the fixed fields), cut short or extended. */
const mutatedFrom = (seeds: ReadonlyArray<Uint8Array>): FastCheck.Arbitrary<Uint8Array> =>
  FastCheck.record({
    seed: FastCheck.constantFrom(...seeds),
    flips: FastCheck.array(
      FastCheck.tuple(
        FastCheck.oneof(FastCheck.nat({ max: 127 }), FastCheck.nat()),
        FastCheck.integer({ min: 1, max: 255 })
      ),
      { maxLength: 6 }
    ),
    cut: FastCheck.option(FastCheck.nat(), { freq: 3 }),
    extra: FastCheck.uint8Array({ maxLength: 24 })
  }).map(({ cut, extra, flips, seed }) => {
    const bytes = concatBytes([seed, extra])
    for (const [index, xor] of flips) {
      if (bytes.length > 0) bytes[index % bytes.length]! ^= xor
    }
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1))
  })

export interface FuzzOptions<A> {
  /** Valid encodings to mutate. */
  readonly seeds: ReadonlyArray<Uint8Array>
  readonly numRuns: number
  /** Re-encodes a decoded value as a whole message: decoding it again must give the same value. */
  readonly reencode?: (value: A) => Uint8Array
  /** A prefix for the random inputs (e.g. a header and StructureSize) so that they reach the body. */
  readonly prefix?: Uint8Array
}

/** Registers the robustness properties for one decoder. */
export const fuzzDecoder = <A>(
  name: string,
  decoder: (bytes: Uint8Array) => Either.Either<A, DecodeError>,
  options: FuzzOptions<A>
): void => {
  const check = (bytes: Uint8Array): void => {
    const result = decoder(bytes)
    expectTotal(result)
    if (options.reencode !== undefined && Either.isRight(result)) {
      expect(expectRight(decoder(options.reencode(result.right)))).toEqual(result.right)
    }
  }
  const prefix = options.prefix ?? new Uint8Array(0)
  it.prop(
    `${name}: random bytes give a value or a DecodeError`,
    { bytes: FastCheck.uint8Array({ maxLength: 200 }) },
    ({ bytes }) => check(concatBytes([prefix, bytes])),
    { fastCheck: { seed: 42, numRuns: options.numRuns } }
  )
  it.prop(
    `${name}: mutated messages give a value or a DecodeError`,
    { bytes: mutatedFrom(options.seeds) },
    ({ bytes }) => check(bytes),
    { fastCheck: { seed: 42, numRuns: options.numRuns } }
  )
}

/**
 * Text that survives UTF-16LE: whole code points only, and no leading U+FEFF (the shared
 * decoder drops a leading BOM).
 */
export const utf16Text = (maxLength: number): FastCheck.Arbitrary<string> =>
  FastCheck.string({ unit: "binary", maxLength }).filter((s) => !s.startsWith("\uFEFF"))

const knownContextTypes: ReadonlySet<number> = new Set(Object.values(NegotiateContextType))

/** Any valid negotiate context, unknown types included. */
export const negotiateContext: FastCheck.Arbitrary<NegotiateContext> = FastCheck.oneof(
  FastCheck.record({
    _tag: FastCheck.constant("PreauthIntegrity" as const),
    hashAlgorithms: FastCheck.array(u16, { maxLength: 4 }),
    salt: bytes(40)
  }),
  FastCheck.record({
    _tag: FastCheck.constant("Encryption" as const),
    ciphers: FastCheck.array(u16, { maxLength: 6 })
  }),
  FastCheck.record({
    _tag: FastCheck.constant("Compression" as const),
    flags: u32,
    algorithms: FastCheck.array(u16, { maxLength: 6 })
  }),
  FastCheck.record({ _tag: FastCheck.constant("NetName" as const), netName: utf16Text(30) }),
  FastCheck.record({ _tag: FastCheck.constant("Transport" as const), flags: u32 }),
  FastCheck.record({
    _tag: FastCheck.constant("RdmaTransform" as const),
    transformIds: FastCheck.array(u16, { maxLength: 4 })
  }),
  FastCheck.record({
    _tag: FastCheck.constant("Signing" as const),
    algorithms: FastCheck.array(u16, { maxLength: 4 })
  }),
  FastCheck.record({
    _tag: FastCheck.constant("Unknown" as const),
    type: u16.filter((type) => !knownContextTypes.has(type)),
    data: bytes(40)
  })
)
