/**
 * Shared helpers for the message-body and information-class codec tests: arbitraries for names
 * and create contexts, building a whole message from a body, and the robustness properties every
 * decoder must pass (random bytes and mutated valid encodings decode to Right or to a deliberate
 * DecodeError, see `expectTotal` in ../support/codec.ts, and what decodes encodes again).
 */
import { expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type { DecodeError } from "../../src/errors.js"
import { CreateContextName } from "../../src/wire/CreateContext.js"
import { decodeHeader, encodeHeader } from "../../src/wire/Header.js"
import { concatBytes } from "../../src/wire/Reader.js"
import { bytes, expectRight, expectTotal, u32, u64, u8 } from "../support/codec.js"

export const SEED = 42

export const ascii = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1")

/** A whole message: a zero header (or the one given) followed by `body`. */
export const message = (body: Uint8Array, header: Uint8Array = new Uint8Array(64)): Uint8Array =>
  concatBytes([header, body])

/** Re-encodes a captured message from its decoded header and an encoded body. */
export const reencode = (captured: Uint8Array, body: Uint8Array): Uint8Array => {
  const header = decodeHeader(captured)
  if (Either.isLeft(header)) throw header.left
  return concatBytes([encodeHeader(header.right), body])
}

/**
 * Any UTF-16 string without lone surrogates (the wire carries UTF-16LE, and a lone surrogate does
 * not survive decoding). A leading U+FEFF is produced now and then, on purpose: it is a character
 * of the name, not a byte-order mark.
 */
export const utf16 = (maxLength = 24) =>
  FastCheck.oneof(
    FastCheck.string({ unit: "binary", maxLength }),
    FastCheck.string({ unit: "binary", maxLength }).map((s) => `\uFEFF${s}`)
  )

/** Create contexts named by a four-letter tag or by any bytes (GUID names included). */
export const createContext = FastCheck.record({
  name: FastCheck.oneof(
    FastCheck.constantFrom(...Object.values(CreateContextName)),
    FastCheck.string({ unit: "binary-ascii", maxLength: 16 })
  ),
  data: bytes(48)
})

/**
 * The fields of FileNetworkOpenInformation, which the CREATE and CLOSE responses carry too: spread
 * into a FastCheck.record model.
 */
export const networkOpenFields = {
  creationTime: u64,
  lastAccessTime: u64,
  lastWriteTime: u64,
  changeTime: u64,
  allocationSize: u64,
  endOfFile: u64,
  fileAttributes: u32
}

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

const RANDOM_RUNS = 120
const MUTATED_RUNS = 240

/** Each robustness property below runs this many cases per decoder. */
export const FUZZ_RUNS_PER_DECODER = RANDOM_RUNS + MUTATED_RUNS

type Mutation =
  | { readonly kind: "set8"; readonly at: number; readonly value: number }
  | { readonly kind: "set16"; readonly at: number; readonly value: number }
  | { readonly kind: "set32"; readonly at: number; readonly value: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "extend"; readonly tail: Uint8Array }

/** Values that hit the edges of offset and length checks more often than uniform ones would. */
const edgy = (max: number) =>
  FastCheck.oneof(
    FastCheck.integer({ min: 0, max: 256 }),
    FastCheck.constantFrom(max, max - 1, Math.floor(max / 2), Math.floor(max / 2) + 1),
    FastCheck.integer({ min: 0, max })
  )

const mutation: FastCheck.Arbitrary<Mutation> = FastCheck.oneof(
  FastCheck.record({ kind: FastCheck.constant("set8" as const), at: FastCheck.nat(), value: u8 }),
  FastCheck.record({ kind: FastCheck.constant("set16" as const), at: FastCheck.nat(), value: edgy(0xffff) }),
  FastCheck.record({ kind: FastCheck.constant("set32" as const), at: FastCheck.nat(), value: edgy(0xffffffff) }),
  FastCheck.record({ kind: FastCheck.constant("truncate" as const), at: FastCheck.nat() }),
  FastCheck.record({ kind: FastCheck.constant("extend" as const), tail: bytes(40) })
)

const applyMutation = (input: Uint8Array, m: Mutation): Uint8Array => {
  const out = Uint8Array.from(input)
  const view = new DataView(out.buffer)
  switch (m.kind) {
    case "set8":
      if (out.length > 0) out[m.at % out.length] = m.value
      return out
    case "set16":
      if (out.length >= 2) view.setUint16((m.at % (out.length - 1)) & ~1, m.value, true)
      return out
    case "set32":
      if (out.length >= 4) view.setUint32((m.at % (out.length - 3)) & ~3, m.value, true)
      return out
    case "truncate":
      return out.subarray(0, m.at % (out.length + 1))
    case "extend":
      return concatBytes([out, m.tail])
  }
}

/** Valid encodings with one to four mutations applied. */
export const mutated = (valid: FastCheck.Arbitrary<Uint8Array>): FastCheck.Arbitrary<Uint8Array> =>
  FastCheck.tuple(valid, FastCheck.array(mutation, { minLength: 1, maxLength: 4 })).map(([bytes, mutations]) =>
    mutations.reduce(applyMutation, bytes)
  )

/** Random messages: a random header and body, the body's StructureSize set half of the time. */
const randomMessage = (structureSize: number) =>
  FastCheck.tuple(FastCheck.uint8Array({ minLength: 64, maxLength: 64 }), bytes(200), FastCheck.boolean()).map(
    ([header, body, withSize]) => {
      const out = message(body, header)
      if (withSize && body.length >= 2) new DataView(out.buffer).setUint16(64, structureSize, true)
      return out
    }
  )

const expectTotalAndEncodable = <A>(
  decoder: (bytes: Uint8Array) => Either.Either<A, DecodeError>,
  encoder: ((value: A) => Uint8Array) | undefined,
  input: Uint8Array
): void => {
  const result = decoder(input)
  expectTotal(result)
  if (Either.isRight(result) && encoder !== undefined) expect(encoder(result.right)).toBeInstanceOf(Uint8Array)
}

export interface FuzzTarget<A> {
  readonly name: string
  readonly decode: (bytes: Uint8Array) => Either.Either<A, DecodeError>
  /** Whatever decodes must encode again without throwing. */
  readonly encode?: (value: A) => Uint8Array
  /** Valid inputs of the decoder (whole messages, or information buffers). */
  readonly valid: FastCheck.Arbitrary<Uint8Array>
  /** For message decoders: the StructureSize to plant in random bodies. */
  readonly structureSize?: number
}

/** Registers the two robustness properties of one decoder. */
export const fuzz = <A>(target: FuzzTarget<A>): void => {
  const random = target.structureSize === undefined ? bytes(200) : randomMessage(target.structureSize)
  it.prop(
    `${target.name}: random bytes never throw`,
    { input: random },
    ({ input }) => expectTotalAndEncodable(target.decode, target.encode, input),
    { fastCheck: { seed: SEED, numRuns: RANDOM_RUNS } }
  )
  it.prop(
    `${target.name}: mutated encodings never throw`,
    { input: mutated(target.valid) },
    ({ input }) => expectTotalAndEncodable(target.decode, target.encode, input),
    { fastCheck: { seed: SEED, numRuns: MUTATED_RUNS } }
  )
}

/** Registers the round-trip property decode(encode(x)) = x. */
export const roundTrip = <A>(
  name: string,
  arbitrary: FastCheck.Arbitrary<A>,
  encode: (value: A) => Uint8Array,
  decode: (bytes: Uint8Array) => Either.Either<A, DecodeError>,
  numRuns = 100
): void => {
  it.prop(
    `${name}: decode(encode(x)) = x`,
    { value: arbitrary },
    ({ value }) => {
      expect(expectRight(decode(encode(value)))).toEqual(value)
    },
    { fastCheck: { seed: SEED, numRuns } }
  )
}
