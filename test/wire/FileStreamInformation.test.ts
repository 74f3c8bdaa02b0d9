/**
 * FileStreamInformation (MS-FSCC 2.4.47): a chain of entries at 8-byte boundaries, linked by
 * NextEntryOffset; an empty buffer (a directory) is no streams.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { decodeFileStreamInformation, encodeFileStreamInformation } from "../../src/wire/FileInformation.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u64 } from "../support/codec.js"
import { fuzz, roundTrip, utf16 } from "./bodyCodecTesting.js"

const utf16le = (text: string) => Buffer.from(text, "utf16le").toString("hex")

// Laid out by hand per MS-FSCC, with what Samba (streams_xattr) lists for a 5-byte file with a
// 12-byte stream "summary": the named stream first, then the unnamed one; each entry 24 bytes of
// fields and the name, the next one at an 8-byte boundary (4 bytes of padding here).
const TWO_STREAMS = fromHex(
  "38000000" + "1c000000" + "0c00000000000000" + "0c00000000000000" + utf16le(":summary:$DATA") + "00000000" +
    "00000000" + "0e000000" + "0500000000000000" + "0020000000000000" + utf16le("::$DATA")
)

describe("FileStreamInformation", () => {
  it("lays out a chain of two entries and reads it back", () => {
    const entries = [
      { streamName: ":summary:$DATA", streamSize: 12n, streamAllocationSize: 12n },
      { streamName: "::$DATA", streamSize: 5n, streamAllocationSize: 8192n }
    ]
    expect(expectRight(decodeFileStreamInformation(TWO_STREAMS))).toEqual(entries)
    expect(toHex(encodeFileStreamInformation(entries))).toBe(toHex(TWO_STREAMS))
  })

  it("an empty buffer is no streams; an entry cut short or a NextEntryOffset inside its entry is refused", () => {
    expect(expectRight(decodeFileStreamInformation(new Uint8Array(0)))).toEqual([])
    expect(expectLeft(decodeFileStreamInformation(TWO_STREAMS.subarray(0, 20))).field).toBe("Entry")
    expect(expectLeft(decodeFileStreamInformation(TWO_STREAMS.subarray(0, 40))).field).toBe("StreamName")
    const loop = Uint8Array.from(TWO_STREAMS)
    new DataView(loop.buffer).setUint32(0, 8, true)
    expect(expectLeft(decodeFileStreamInformation(loop))).toMatchObject({ reason: "Invalid", field: "NextEntryOffset" })
  })

  const entries = FastCheck.array(
    FastCheck.record({ streamName: utf16(30), streamSize: u64, streamAllocationSize: u64 }),
    { minLength: 1, maxLength: 5 }
  )
  roundTrip("FileStreamInformation", entries, encodeFileStreamInformation, decodeFileStreamInformation)
  fuzz({
    name: "decodeFileStreamInformation",
    decode: decodeFileStreamInformation,
    encode: encodeFileStreamInformation,
    valid: entries.map(encodeFileStreamInformation)
  })
})
