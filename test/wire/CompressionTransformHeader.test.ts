import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  type ChainedPayload,
  type CompressionTransform,
  decodeCompressionTransform,
  decodePatternV1Payload,
  encodeCompressionTransform,
  encodePatternV1Payload,
  hasOriginalPayloadSize
} from "../../src/wire/CompressionTransformHeader.js"
import { CompressionAlgorithm } from "../../src/wire/NegotiateContext.js"
import { fromHex, toHex } from "../support/bytes.js"
import { bytes, expectLeft, expectRight, u16, u32, u8 } from "../support/codec.js"
import { fuzzDecoder } from "./wireTestKit.js"

// Layouts written out from MS-SMB2 2.2.42.1, 2.2.42.2, 2.2.42.2.1 and 2.2.42.2.2.
const UNCHAINED = "fc534d42" + "00010000" + "0200" + "0000" + "04000000" + "aabbccdd" + "010203"
const CHAINED =
  "fc534d42" + "58010000" +
  ("0000" + "0100" + "06000000" + "fe534d424000") +
  ("0500" + "0000" + "07000000" + "64000000" + "112233") +
  ("0400" + "0000" + "08000000" + "00" + "00" + "0000" + "ee000000")

const CHAINED_VALUE: CompressionTransform = {
  _tag: "Chained",
  originalCompressedSegmentSize: 344,
  payloads: [
    { compressionAlgorithm: CompressionAlgorithm.NONE, data: fromHex("fe534d424000") },
    { compressionAlgorithm: CompressionAlgorithm.LZ4, originalPayloadSize: 100, data: fromHex("112233") },
    { compressionAlgorithm: CompressionAlgorithm.PATTERN_V1, data: fromHex("00000000ee000000") }
  ]
}

const chainedPayload: FastCheck.Arbitrary<ChainedPayload> = FastCheck.oneof(
  FastCheck.record({
    compressionAlgorithm: FastCheck.constantFrom(CompressionAlgorithm.NONE, CompressionAlgorithm.PATTERN_V1),
    data: bytes(40)
  }),
  FastCheck.record({
    compressionAlgorithm: u16.filter(hasOriginalPayloadSize),
    originalPayloadSize: u32,
    data: bytes(40)
  })
)

const compressionTransform: FastCheck.Arbitrary<CompressionTransform> = FastCheck.oneof(
  FastCheck.record({
    _tag: FastCheck.constant("Unchained" as const),
    originalCompressedSegmentSize: u32,
    compressionAlgorithm: u16,
    uncompressed: bytes(40),
    compressed: bytes(40)
  }),
  FastCheck.record({
    _tag: FastCheck.constant("Chained" as const),
    originalCompressedSegmentSize: u32,
    payloads: FastCheck.tuple(chainedPayload, FastCheck.array(chainedPayload, { maxLength: 4 })).map(
      ([first, rest]): readonly [ChainedPayload, ...Array<ChainedPayload>] => [first, ...rest]
    )
  })
)

describe("COMPRESSION_TRANSFORM_HEADER", () => {
  it("lays out the unchained form: the Offset bytes stay uncompressed", () => {
    const value: CompressionTransform = {
      _tag: "Unchained",
      originalCompressedSegmentSize: 256,
      compressionAlgorithm: CompressionAlgorithm.LZ77,
      uncompressed: fromHex("aabbccdd"),
      compressed: fromHex("010203")
    }
    expect(toHex(encodeCompressionTransform(value))).toBe(UNCHAINED)
    expect(expectRight(decodeCompressionTransform(fromHex(UNCHAINED)))).toEqual(value)
  })

  it("lays out the chained form: OriginalPayloadSize only for real algorithms, counted by Length", () => {
    expect(toHex(encodeCompressionTransform(CHAINED_VALUE))).toBe(CHAINED)
    const frame = fromHex(CHAINED)
    const decoded = expectRight(decodeCompressionTransform(frame))
    expect(decoded).toEqual(CHAINED_VALUE)
    expect(decoded._tag === "Chained" && decoded.payloads[0].data.buffer === frame.buffer).toBe(true)
  })

  it("ignores the Flags of payload headers after the first", () => {
    const junk = fromHex(CHAINED)
    junk.set([0x75, 0xb9], 24)
    expect(expectRight(decodeCompressionTransform(junk))).toEqual(CHAINED_VALUE)
  })

  it("reads a Pattern_V1 payload", () => {
    const payload = expectRight(decodePatternV1Payload(fromHex("00000000ee000000")))
    expect(payload).toEqual({ pattern: 0, repetitions: 238 })
    expect(toHex(encodePatternV1Payload({ pattern: 0xab, repetitions: 0x01020304 }))).toBe("ab00000004030201")
    expect(expectLeft(decodePatternV1Payload(fromHex("00000000ee0000"))).field).toBe("Length")
  })

  it("knows which algorithms carry OriginalPayloadSize", () => {
    expect(hasOriginalPayloadSize(CompressionAlgorithm.NONE)).toBe(false)
    expect(hasOriginalPayloadSize(CompressionAlgorithm.PATTERN_V1)).toBe(false)
    expect(hasOriginalPayloadSize(CompressionAlgorithm.LZNT1)).toBe(true)
    expect(hasOriginalPayloadSize(CompressionAlgorithm.LZ77)).toBe(true)
    expect(hasOriginalPayloadSize(CompressionAlgorithm.LZ77_HUFFMAN)).toBe(true)
    expect(hasOriginalPayloadSize(CompressionAlgorithm.LZ4)).toBe(true)
  })

  it("bounds every length and names the field that fails", () => {
    const offset = fromHex(UNCHAINED)
    offset[12] = 8
    expect(expectLeft(decodeCompressionTransform(offset)).field).toBe("Offset")
    const length = fromHex(CHAINED)
    length[26] = 0x20
    expect(expectLeft(decodeCompressionTransform(length)).field).toBe("Length")
    const tooShort = fromHex(CHAINED)
    tooShort[26] = 3
    const error = expectLeft(decodeCompressionTransform(tooShort))
    expect([error.field, error.reason]).toEqual(["Length", "Invalid"])
    const cut = expectLeft(decodeCompressionTransform(fromHex(CHAINED).subarray(0, fromHex(CHAINED).length - 2)))
    expect(cut.field).toBe("Length")
    const partialHeader = expectLeft(decodeCompressionTransform(fromHex(CHAINED + "0400")))
    expect(partialHeader.field).toBe("Length")
    const flags = fromHex(UNCHAINED)
    flags[10] = 2
    expect(expectLeft(decodeCompressionTransform(flags)).field).toBe("Flags")
    const protocol = fromHex(UNCHAINED)
    protocol[0] = 0xfd
    expect(expectLeft(decodeCompressionTransform(protocol)).field).toBe("ProtocolId")
  })

  it.prop("round-trips both forms", { message: compressionTransform }, ({ message }) => {
    expect(expectRight(decodeCompressionTransform(encodeCompressionTransform(message)))).toEqual(message)
  }, { fastCheck: { seed: 42, numRuns: 500 } })

  it.prop(
    "round-trips Pattern_V1 payloads",
    { payload: FastCheck.record({ pattern: u8, repetitions: u32 }) },
    ({ payload }) => {
      expect(expectRight(decodePatternV1Payload(encodePatternV1Payload(payload)))).toEqual(payload)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  fuzzDecoder("decodeCompressionTransform", decodeCompressionTransform, {
    seeds: [fromHex(UNCHAINED), fromHex(CHAINED)],
    numRuns: 1500,
    reencode: encodeCompressionTransform,
    prefix: fromHex("fc534d42")
  })

  fuzzDecoder("decodePatternV1Payload", decodePatternV1Payload, {
    seeds: [fromHex("00000000ee000000")],
    numRuns: 300,
    reencode: encodePatternV1Payload
  })
})
