import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Command } from "../../src/wire/Command.js"
import { buildCompound, splitCompound } from "../../src/wire/Compound.js"
import { decodeHeader, HEADER_SIZE, HeaderFlags, isRelated, makeHeader } from "../../src/wire/Header.js"
import { toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, u16, u32, u64 } from "../support/codec.js"
import { fuzzDecoder } from "./wireTestKit.js"

const entry = (command: number, messageId: bigint, bodySize: number) => ({
  header: makeHeader({ command, messageId, sessionId: 7n }),
  body: new Uint8Array(bodySize).fill(command)
})
const create = entry(Command.CREATE, 4n, 57)
const read = entry(Command.READ, 5n, 49)
const close = entry(Command.CLOSE, 6n, 24)

const nextCommandOf = (message: Uint8Array): number =>
  new DataView(message.buffer, message.byteOffset).getUint32(20, true)

const relatedFlags = (flags: number, related: boolean): number =>
  (related ? flags | HeaderFlags.RELATED_OPERATIONS : flags & ~HeaderFlags.RELATED_OPERATIONS) >>> 0

const message = FastCheck.record({
  header: FastCheck.record({ command: u16, messageId: u64, flags: u32, sessionId: u64, treeId: u32 }).map((fields) =>
    makeHeader({ ...fields, flags: (fields.flags & ~HeaderFlags.ASYNC_COMMAND) >>> 0 })
  ),
  body: bytes(100)
})

describe("compound", () => {
  it("builds a related compound: NextCommand, 8-byte padding, RELATED_OPERATIONS after the first", () => {
    const frame = buildCompound([create, read, close], { related: true })
    // 64 + 57 = 121 -> 128; 64 + 49 = 113 -> 120; the last is not padded: 64 + 24.
    expect(frame.byteLength).toBe(128 + 120 + 88)
    const messages = expectRight(splitCompound(frame))
    expect(messages.map((m) => m.byteLength)).toEqual([128, 120, 88])
    expect(messages.map(nextCommandOf)).toEqual([128, 120, 0])
    const headers = messages.map((m) => expectRight(decodeHeader(m)))
    expect(headers.map(isRelated)).toEqual([false, true, true])
    expect(headers.map((h) => h.messageId)).toEqual([4n, 5n, 6n])
    expect(toHex(messages[0]!.subarray(HEADER_SIZE + 57))).toBe("00000000000000")
    expect(messages[1]!.subarray(HEADER_SIZE, HEADER_SIZE + 49)).toEqual(read.body)
  })

  it("clears RELATED_OPERATIONS when the compound is unrelated", () => {
    const flags = HeaderFlags.RELATED_OPERATIONS | HeaderFlags.SIGNED
    const relatedRead = { ...read, header: { ...read.header, flags } }
    const frame = buildCompound([create, relatedRead], { related: false })
    const [, second] = expectRight(splitCompound(frame))
    expect(expectRight(decodeHeader(second!)).flags).toBe(HeaderFlags.SIGNED)
  })

  it("leaves a single message alone and returns it whole", () => {
    const frame = buildCompound([close], { related: true })
    expect(frame.byteLength).toBe(88)
    expect(nextCommandOf(frame)).toBe(0)
    const [only] = expectRight(splitCompound(frame))
    expect(only!.buffer).toBe(frame.buffer)
    expect(only!.byteLength).toBe(88)
    expect(buildCompound([], { related: false }).byteLength).toBe(0)
  })

  it("splits into zero-copy views, so that a signer can write into each message", () => {
    const frame = buildCompound([create, read], { related: true })
    const [, second] = expectRight(splitCompound(frame))
    second!.set([0xaa], 48)
    expect(frame[128 + 48]).toBe(0xaa)
  })

  it("rejects a bad NextCommand", () => {
    const frame = buildCompound([create, read], { related: true })
    const setNext = (value: number): Uint8Array => {
      const copy = Uint8Array.from(frame)
      new DataView(copy.buffer).setUint32(20, value, true)
      return copy
    }
    const unaligned = expectLeft(splitCompound(setNext(132)))
    expect([unaligned.field, unaligned.reason, unaligned.offset]).toEqual(["NextCommand", "Invalid", 20])
    expect(expectLeft(splitCompound(setNext(56))).reason).toBe("Invalid")
    // 64 + 57 padded to 128, then 64 + 49: 241 bytes.
    expect(frame.byteLength).toBe(241)
    expect(expectLeft(splitCompound(setNext(248))).reason).toBe("OutOfBounds")
    expect(expectLeft(splitCompound(setNext(4096))).reason).toBe("OutOfBounds")
    const shortNext = expectLeft(splitCompound(setNext(184)))
    expect([shortNext.field, shortNext.offset]).toEqual(["Header", 184])
    expect(expectLeft(splitCompound(frame.subarray(0, 63))).field).toBe("Header")
  })

  it.prop(
    "split(build(messages)) gives back each header and body",
    { messages: FastCheck.array(message, { minLength: 1, maxLength: 6 }), related: FastCheck.boolean() },
    ({ messages, related }) => {
      const frame = buildCompound(messages, { related })
      const split = expectRight(splitCompound(frame))
      expect(split).toHaveLength(messages.length)
      split.forEach((element, i) => {
        const { body, header } = messages[i]!
        const last = i === messages.length - 1
        expect(expectRight(decodeHeader(element))).toEqual({
          ...header,
          flags: relatedFlags(header.flags, related && i > 0),
          nextCommand: last ? 0 : element.byteLength
        })
        expect(element.subarray(HEADER_SIZE, HEADER_SIZE + body.byteLength)).toEqual(body)
        if (!last) expect(element.byteLength % 8).toBe(0)
      })
    },
    { fastCheck: { seed: 42, numRuns: 300 } }
  )

  fuzzDecoder("splitCompound", splitCompound, {
    seeds: [buildCompound([create, read, close], { related: true }), buildCompound([read, close], { related: false })],
    numRuns: 1000
  })
})
