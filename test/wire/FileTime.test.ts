import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { dateToFileTime, fileTimeToDate, UNIX_EPOCH_AS_FILETIME } from "../../src/wire/FileTime.js"

describe("FILETIME", () => {
  it("counts 100-ns intervals from 1601-01-01 (MS-DTYP 2.3.3)", () => {
    expect(fileTimeToDate(UNIX_EPOCH_AS_FILETIME).toISOString()).toBe("1970-01-01T00:00:00.000Z")
    expect(fileTimeToDate(0n).toISOString()).toBe("1601-01-01T00:00:00.000Z")
    expect(dateToFileTime(new Date("2024-12-11T09:25:15.420Z"))).toBe(133783827154200000n)
  })

  it("drops sub-millisecond ticks", () => {
    expect(fileTimeToDate(133783827154208828n).toISOString()).toBe("2024-12-11T09:25:15.420Z")
  })

  it.prop(
    "fileTimeToDate(dateToFileTime(ms)) = ms",
    { millis: FastCheck.integer({ min: -11_644_473_600_000, max: 8_640_000_000_000_000 }) },
    ({ millis }) => {
      expect(fileTimeToDate(dateToFileTime(millis)).getTime()).toBe(millis)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )
})
