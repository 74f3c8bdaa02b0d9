import { describe, expect, it } from "@effect/vitest"
import { components, ReferralCache } from "../../src/client/internal/referralCache.js"

const entry = (prefix: string, targets: ReadonlyArray<string>, expiresAt: number) => ({
  prefix: components(prefix),
  targets,
  root: false,
  expiresAt
})

describe("ReferralCache (MS-DFSC 3.1.1)", () => {
  it("finds the longest live prefix, component by component and case-insensitively, and what follows it", () => {
    const cache = new ReferralCache()
    cache.put(entry("\\\\host\\root\\link", ["\\\\a\\share"], 1_000), 0)
    cache.put(entry("\\\\host\\root\\link\\deeper", ["\\\\b\\share"], 1_000), 0)
    expect(cache.lookup(components("\\\\HOST\\Root\\LINK\\x\\y.txt"), 10)).toMatchObject({
      entry: { targets: ["\\\\a\\share"] },
      rest: ["x", "y.txt"]
    })
    expect(cache.lookup(components("\\\\host\\root\\link\\deeper\\z"), 10)).toMatchObject({ entry: { targets: ["\\\\b\\share"] }, rest: ["z"] })
    // "linked" is not below "link"
    expect(cache.lookup(components("\\\\host\\root\\linked\\x"), 10)).toBeUndefined()
  })

  it("honours the time to live: an entry is gone once it expires, and one born expired is not kept", () => {
    const cache = new ReferralCache()
    cache.put(entry("\\\\host\\root\\link", ["\\\\a\\share"], 600_000), 0)
    cache.put(entry("\\\\host\\root\\other", ["\\\\a\\share"], 5), 5)
    expect(cache.size).toBe(1)
    expect(cache.lookup(components("\\\\host\\root\\link\\f"), 599_999)).toBeDefined()
    expect(cache.lookup(components("\\\\host\\root\\link\\f"), 600_000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it("puts the target that worked first", () => {
    const cache = new ReferralCache()
    const first = entry("\\\\host\\root\\link", ["\\\\down\\share", "\\\\up\\share"], 1_000)
    cache.put(first, 0)
    cache.prefer(first, "\\\\up\\share")
    expect(cache.lookup(components("\\\\host\\root\\link"), 1)?.entry.targets).toEqual(["\\\\up\\share", "\\\\down\\share"])
  })
})
