/**
 * What the codec tests share: arbitraries for the wire's field types, and assertions on what a
 * decoder returns (its Right, its Left, or that its answer to any input is a value or a
 * deliberate DecodeError, never a throw and never an unexpected internal exception).
 */
import { expect } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { DecodeError } from "../../src/errors.js"

export const u8 = FastCheck.integer({ min: 0, max: 0xff })
export const u16 = FastCheck.integer({ min: 0, max: 0xffff })
export const u32 = FastCheck.integer({ min: 0, max: 0xffffffff })
export const u64 = FastCheck.bigUintN(64)
export const i64 = FastCheck.bigIntN(64)
export const bytes = (maxLength = 64): FastCheck.Arbitrary<Uint8Array> => FastCheck.uint8Array({ maxLength })
export const fixedBytes = (length: number): FastCheck.Arbitrary<Uint8Array> =>
  FastCheck.uint8Array({ minLength: length, maxLength: length })
export const bytes16 = fixedBytes(16)

/** The value of a Right, or a test failure naming the DecodeError. */
export const expectRight = <A>(result: Either.Either<A, DecodeError>): A => {
  if (Either.isLeft(result)) expect.fail(`expected a decoded value, got ${result.left.message}`)
  return (result as Either.Right<DecodeError, A>).right
}

/** The DecodeError of a Left, or a test failure. */
export const expectLeft = <A>(result: Either.Either<A, DecodeError>): DecodeError => {
  if (Either.isRight(result)) expect.fail("expected a DecodeError, got a decoded value")
  return (result as Either.Left<DecodeError, A>).left
}

/**
 * A decoder's answer to arbitrary input: a Right, or a Left holding a DecodeError that the decoder
 * raised on purpose (the `decode` wrapper reports anything else thrown inside with field "*").
 */
export const expectTotal = (result: unknown): void => {
  expect(Either.isEither(result)).toBe(true)
  const either = result as Either.Either<unknown, unknown>
  if (Either.isLeft(either)) {
    expect(either.left).toBeInstanceOf(DecodeError)
    const error = either.left as DecodeError
    expect(error.field).not.toBe("*")
    expect(error.structure.length).toBeGreaterThan(0)
  }
}
