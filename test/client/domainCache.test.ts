import { describe, expect, it } from "@effect/vitest"
import { controllerNames, DomainCache, domainNames } from "../../src/client/internal/domainCache.js"
import type { DfsReferralResponse } from "../../src/wire/DfsReferral.js"

// What Samba 4.17's AD DC answered (dfs_server_ad.c), decoded: a domain referral (empty path)
// and a DC referral for "\EXAMPLE.TEST".
const nameList = (specialName: string, expandedNames: ReadonlyArray<string>, timeToLive = 600) => ({
  _tag: "NameList" as const,
  version: 3 as const,
  serverType: 0,
  flags: 2,
  timeToLive,
  specialName,
  expandedNames
})
const domainReferral: DfsReferralResponse = {
  pathConsumed: 0,
  headerFlags: 0,
  entries: [nameList("\\EXAMPLE", []), nameList("\\example.test", [], 300)]
}
const dcReferral: DfsReferralResponse = { pathConsumed: 0, headerFlags: 0, entries: [nameList("EXAMPLE.TEST", ["\\dc1.example.test", "\\dc2.example.test"])] }

describe("DomainCache (MS-DFSC 3.1.1)", () => {
  it("reads the domain names and the DC names without their backslashes, with the smallest TTL", () => {
    expect(domainNames(domainReferral)).toEqual({ names: ["EXAMPLE", "example.test"], ttl: 300 })
    expect(controllerNames(dcReferral)).toEqual({ names: ["dc1.example.test", "dc2.example.test"], ttl: 600 })
    expect(domainNames({ pathConsumed: 0, headerFlags: 0, entries: [] })).toEqual({ names: [], ttl: 0 })
  })

  it("knows domains case-insensitively until the list expires; an empty list is known too", () => {
    const cache = new DomainCache()
    expect(cache.knowsDomains(0)).toBe(false)
    cache.putDomains(["EXAMPLE", "example.test"], 600_000)
    expect([cache.isDomain("Example.Test", 599_999), cache.isDomain("example", 1), cache.isDomain("dc1.example.test", 1)]).toEqual([true, true, false])
    expect([cache.knowsDomains(600_000), cache.isDomain("EXAMPLE", 600_000)]).toEqual([false, false])
    cache.putDomains([], 60_000)
    expect([cache.knowsDomains(1), cache.isDomain("EXAMPLE", 1)]).toEqual([true, false])
  })

  it("keeps each domain's DCs until they expire, the one that answered first; an empty or expired list is not kept", () => {
    const cache = new DomainCache()
    cache.putControllers("EXAMPLE.TEST", ["dc1.example.test", "dc2.example.test"], 600_000, 0)
    cache.putControllers("OTHER", [], 600_000, 0)
    cache.putControllers("GONE", ["dc9"], 5, 5)
    cache.preferController("example.test", "dc2.example.test")
    expect(cache.controllersOf("Example.Test", 599_999)).toEqual(["dc2.example.test", "dc1.example.test"])
    expect([cache.controllersOf("OTHER", 1), cache.controllersOf("GONE", 1), cache.controllersOf("EXAMPLE.TEST", 600_000)]).toEqual([
      undefined,
      undefined,
      undefined
    ])
  })
})
