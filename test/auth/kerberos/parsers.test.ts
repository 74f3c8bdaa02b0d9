/**
 * The small readers under Kerberos: krb5.conf, KDC addresses, principals, DER integers and
 * times, the MIT keytab and ccache (rejecting what is not one), and the KDC reply decoder on
 * garbage.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { decodeCcache } from "../../../src/auth/kerberos/Ccache.js"
import { decodeKeytab } from "../../../src/auth/kerberos/Keytab.js"
import * as Der from "../../../src/auth/kerberos/Der.js"
import { splitPrincipal } from "../../../src/auth/kerberos/Kerberos.js"
import { parseKdc } from "../../../src/auth/kerberos/KdcTransport.js"
import { parse } from "../../../src/auth/kerberos/Krb5Conf.js"
import { decodeKdcResponse } from "../../../src/auth/kerberos/Messages.js"

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("krb5.conf", () => {
  it("reads default_realm and each realm's kdc lines, ignoring the rest", () => {
    const conf = parse(`
# comment
[libdefaults]
\tdefault_realm = EXAMPLE.TEST
\tdns_lookup_kdc = false
[realms]
\tEXAMPLE.TEST = {
\t\tkdc = 127.1.2.3:88
\t\tkdc = kdc2.example.test
\t\tadmin_server = 127.1.2.3
\t}
\tother.realm = {
\t\tkdc = 10.0.0.1 ; trailing comment
\t}
[domain_realm]
\tkdc = not-a-kdc
`)
    expect(conf.defaultRealm).toBe("EXAMPLE.TEST")
    expect(conf.kdcs).toEqual({ "EXAMPLE.TEST": ["127.1.2.3:88", "kdc2.example.test"], "OTHER.REALM": ["10.0.0.1"] })
  })
})

describe("names", () => {
  it("KDC addresses: host, host:port, [v6]:port", () => {
    expect(parseKdc("kdc.example.test")).toEqual({ host: "kdc.example.test", port: 88 })
    expect(parseKdc("127.0.0.9:750")).toEqual({ host: "127.0.0.9", port: 750 })
    expect(parseKdc("[::1]:88")).toEqual({ host: "::1", port: 88 })
  })
  it("principals: user@realm (the realm upper-cased), plain user", () => {
    expect(splitPrincipal("kuser@example.test")).toEqual({ name: "kuser", realm: "EXAMPLE.TEST" })
    expect(splitPrincipal("kuser")).toEqual({ name: "kuser", realm: undefined })
  })
})

describe("DER", () => {
  it("encodes integers in the fewest two's complement bytes", () => {
    expect(toHex(Der.integer(0))).toBe("020100")
    expect(toHex(Der.integer(127))).toBe("02017f")
    expect(toHex(Der.integer(128))).toBe("02020080")
    expect(toHex(Der.integer(-138))).toBe("0202ff76")
    expect(toHex(Der.integer(0xffffffff))).toBe("020500ffffffff")
  })
  it("round-trips integers and times through the reader", () => {
    for (const n of [0, 5, 128, -138, 0x7fffffff]) {
      const d = new Der.DerReader(Der.integer(n), "t")
      expect(d.integer(d.root(Der.Tag.INTEGER, "n"), "n")).toBe(n)
    }
    const when = new Date(Date.UTC(2026, 11, 4, 13, 5, 9))
    expect(new TextDecoder().decode(Der.time(when).subarray(2))).toBe("20261204130509Z")
    const d = new Der.DerReader(Der.time(when), "t")
    expect(d.time(d.root(Der.Tag.GENERALIZED_TIME, "t"), "t")).toEqual(when)
  })
  it("rejects indefinite lengths and lengths past the buffer", () => {
    expect(Either.isLeft(decodeKdcResponse(new Uint8Array([0x7e, 0x80, 0, 0])))).toBe(true)
    expect(Either.isLeft(decodeKdcResponse(new Uint8Array([0x7e, 0x84, 0x7f, 0xff, 0xff, 0xff])))).toBe(true)
    expect(Either.isLeft(decodeKdcResponse(new Uint8Array([0x30, 0x00])))).toBe(true)
  })
})

describe("MIT keytab", () => {
  it("reads an entry as MIT ktutil writes it (kuser@EXAMPLE.TEST, kvno 1, aes256)", () => {
    const bytes = Buffer.from(
      "0502" + "00000048" + "0001" + "000c" + "4558414d504c452e54455354" + "0005" + "6b75736572" + "00000001" + "6b12cc03" +
        "01" + "0012" + "0020" + "cf7b1128767a8609c3435978fe2d139f7a770469f60862baba85bd75ca1aa0f5" + "00000001",
      "hex"
    )
    const entries = Either.getOrThrow(decodeKeytab(new Uint8Array(bytes)))
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ realm: "EXAMPLE.TEST", components: ["kuser"], nameType: 1, kvno: 1, keytype: 18 })
    expect(toHex(entries[0]!.key)).toBe("cf7b1128767a8609c3435978fe2d139f7a770469f60862baba85bd75ca1aa0f5")
  })
  it("refuses what is not a keytab, and entries running past their size", () => {
    expect(Either.isLeft(decodeKeytab(new Uint8Array([0x05, 0x04])))).toBe(true)
    expect(Either.isLeft(decodeKeytab(new Uint8Array([0x05, 0x02, 0, 0, 0, 4, 0, 1, 0, 9])))).toBe(true)
  })
})

describe("MIT ccache", () => {
  it("refuses other versions and truncated files", () => {
    expect(Either.isLeft(decodeCcache(new Uint8Array([0x05, 0x02, 0, 0])))).toBe(true)
    expect(Either.isLeft(decodeCcache(new Uint8Array([0x05, 0x04, 0, 0, 0, 0, 0, 1])))).toBe(true)
  })
  it("reads a principal and no credentials", () => {
    const realm = new TextEncoder().encode("EXAMPLE.TEST")
    const name = new TextEncoder().encode("kuser")
    const bytes = Buffer.concat([
      Buffer.from([0x05, 0x04, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, realm.length]), realm,
      Buffer.from([0, 0, 0, name.length]), name
    ])
    const cache = Either.getOrThrow(decodeCcache(new Uint8Array(bytes)))
    expect(cache.principal).toEqual({ type: 1, realm: "EXAMPLE.TEST", components: ["kuser"] })
    expect(cache.credentials).toEqual([])
  })
})
