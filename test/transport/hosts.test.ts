import { describe, expect, it } from "@effect/vitest"
import { hostAddress, namesOf } from "../../src/transport/hosts.js"

describe("hosts (ConnectionOptions.hosts)", () => {
  it("maps names case-insensitively, the exact spelling first", () => {
    const hosts = { "dc1.example.test": "127.9.9.9", DC1: "127.9.9.8", dc1: "127.9.9.7" }
    expect(hostAddress(hosts, "DC1.Example.TEST")).toBe("127.9.9.9")
    expect(hostAddress(hosts, "dc1")).toBe("127.9.9.7")
    expect(hostAddress(hosts, "Dc1")).toBe("127.9.9.8")
    expect([hostAddress(hosts, "dc2"), hostAddress(undefined, "dc1")]).toEqual([undefined, undefined])
  })

  it("names an address by the names mapped to it", () => {
    expect(namesOf({ "dc1.example.test": "127.9.9.9", dc1: "127.9.9.9", other: "127.1.1.1" }, "127.9.9.9")).toEqual(["dc1.example.test", "dc1"])
    expect(namesOf(undefined, "127.9.9.9")).toEqual([])
  })
})
