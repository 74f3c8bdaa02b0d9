/**
 * The cases every StructureSize 4 + Reserved body passes (ECHO, LOGOFF, TREE_DISCONNECT; see
 * src/wire/internal/emptyBody.ts): each test file runs them against its own module's exports, so
 * every public binding is checked, DecodeError names included.
 */
import { describe, expect, it } from "@effect/vitest"
import type * as Either from "effect/Either"
import type { DecodeError } from "../../src/errors.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight } from "../support/codec.js"
import { bodyPrefix, fuzzDecoder, withHeader } from "./wireTestKit.js"

// MS-SMB2 2.2.7-2.2.8, 2.2.11-2.2.12, 2.2.28-2.2.29: StructureSize 4, Reserved 0.
const BODY = "04000000"

export interface EmptyBodyCodec {
  /** The name a DecodeError gives, e.g. "EchoRequest"; the decoder is `decode${structure}`. */
  readonly structure: string
  readonly encode: (value?: {}) => Uint8Array
  readonly decode: (message: Uint8Array) => Either.Either<{}, DecodeError>
}

/** `title` names the SMB2 command, e.g. "ECHO". */
export const describeEmptyBody = (
  title: string,
  command: number,
  codecs: { readonly request: EmptyBodyCodec; readonly response: EmptyBodyCodec }
): void => {
  const message = (body: Uint8Array): Uint8Array => withHeader(command, body)
  describe(title, () => {
    for (const [kind, codec] of [["request", codecs.request], ["response", codecs.response]] as const) {
      it(`encodes the ${kind} body`, () => {
        expect(toHex(codec.encode())).toBe(BODY)
        expect(toHex(codec.encode({}))).toBe(BODY)
      })

      it(`decodes the ${kind} body and ignores Reserved`, () => {
        expect(expectRight(codec.decode(message(fromHex(BODY))))).toEqual({})
        expect(expectRight(codec.decode(message(fromHex("0400ffff"))))).toEqual({})
      })

      it(`rejects a ${kind} with a wrong StructureSize or cut short`, () => {
        expect(expectLeft(codec.decode(message(fromHex("09000000")))).field).toBe("StructureSize")
        expect(expectLeft(codec.decode(message(fromHex("0400")))).field).toBe("Reserved")
        expect(expectLeft(codec.decode(new Uint8Array(64))).reason).toBe("Truncated")
        expect(expectLeft(codec.decode(message(fromHex("0400")))).structure).toBe(codec.structure)
      })

      fuzzDecoder(`decode${codec.structure}`, codec.decode, {
        seeds: [message(codec.encode())],
        numRuns: 400,
        reencode: (value) => message(codec.encode(value)),
        prefix: bodyPrefix(4)
      })
    }
  })
}
