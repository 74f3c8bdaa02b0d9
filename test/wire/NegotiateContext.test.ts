import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  Cipher,
  CompressionAlgorithm,
  CompressionCapabilitiesFlags,
  encodeNegotiateContext,
  encodeNegotiateContextList,
  HashAlgorithm,
  type NegotiateContext,
  RdmaTransformId,
  readNegotiateContextList,
  SigningAlgorithm,
  TransportCapabilitiesFlags
} from "../../src/wire/NegotiateContext.js"
import { decode, Reader } from "../../src/wire/Reader.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight } from "../support/codec.js"
import { fuzzDecoder, negotiateContext } from "./wireTestKit.js"

/** Reads `count` contexts from a list that starts at offset 0 (an aligned position). */
const decodeList = (bytes: Uint8Array, count: number) =>
  decode("NegotiateContextList", () => readNegotiateContextList(new Reader(bytes, "NegotiateContextList"), 0, count))

// Layouts written out from MS-SMB2 2.2.3.1.1 - 2.2.3.1.7; the preauth context is the one in the
// Windows 10 NEGOTIATE request of
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
const LAYOUTS: ReadonlyArray<readonly [NegotiateContext, string]> = [
  [
    {
      _tag: "PreauthIntegrity",
      hashAlgorithms: [HashAlgorithm.SHA_512],
      salt: fromHex("FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF")
    },
    "0100260000000000010020000100fa49e6578f1f3a9f4cd3e9cc14a67aa884b3d05844e0e5a118225c15887f32ff"
  ],
  [
    { _tag: "Encryption", ciphers: [Cipher.AES_256_GCM, Cipher.AES_256_CCM] },
    "02000600000000000200" + "04000300"
  ],
  [
    {
      _tag: "Compression",
      flags: CompressionCapabilitiesFlags.CHAINED,
      algorithms: [CompressionAlgorithm.LZ77, CompressionAlgorithm.PATTERN_V1]
    },
    "03000c0000000000" + "0200" + "0000" + "01000000" + "02000400"
  ],
  [{ _tag: "NetName", netName: "srv" }, "0500060000000000" + "730072007600"],
  [
    { _tag: "Transport", flags: TransportCapabilitiesFlags.ACCEPT_TRANSPORT_LEVEL_SECURITY },
    "0600040000000000" + "01000000"
  ],
  [
    { _tag: "RdmaTransform", transformIds: [RdmaTransformId.ENCRYPTION, RdmaTransformId.SIGNING] },
    "07000c0000000000" + "0200" + "0000" + "00000000" + "01000200"
  ],
  [
    {
      _tag: "Signing",
      algorithms: [SigningAlgorithm.AES_GMAC, SigningAlgorithm.AES_CMAC, SigningAlgorithm.HMAC_SHA256]
    },
    "0800080000000000" + "0300" + "020001000000"
  ],
  [{ _tag: "Unknown", type: 0x0100, data: fromHex("abcd") }, "0001020000000000abcd"]
]

describe("negotiate contexts", () => {
  for (const [context, hex] of LAYOUTS) {
    it(`lays out ${context._tag} as MS-SMB2 says`, () => {
      expect(toHex(encodeNegotiateContext(context))).toBe(hex)
      expect(expectRight(decodeList(fromHex(hex), 1))).toEqual([context])
    })
  }

  it("pads every context but the last to 8 bytes", () => {
    const list = encodeNegotiateContextList([
      { _tag: "Signing", algorithms: [SigningAlgorithm.AES_CMAC] },
      { _tag: "Transport", flags: 0 }
    ])
    expect(toHex(list)).toBe("0800040000000000010001000000" + "0000" + "060004000000000000000000")
    expect(expectRight(decodeList(list, 2))).toHaveLength(2)
  })

  it("ignores bytes inside DataLength past a known structure", () => {
    const encryption = expectRight(decodeList(fromHex("0200080000000000" + "01000200" + "ffffffff"), 1))
    expect(encryption).toEqual([{ _tag: "Encryption", ciphers: [Cipher.AES_128_GCM] }])
  })

  it("keeps the data of an unknown context as a view of the message", () => {
    const list = fromHex("0900030000000000010203")
    const [unknown] = expectRight(decodeList(list, 1))
    expect(unknown).toEqual({ _tag: "Unknown", type: 9, data: fromHex("010203") })
    expect(unknown?._tag === "Unknown" && unknown.data.buffer === list.buffer).toBe(true)
  })

  it("names the structure and field that fail", () => {
    const salt = expectLeft(decodeList(fromHex("0100080000000000" + "01002000" + "0100ffff"), 1))
    expect([salt.structure, salt.field]).toEqual(["PreauthIntegrityCapabilities", "Salt"])
    const ciphers = expectLeft(decodeList(fromHex("0200040000000000" + "0300" + "0100"), 1))
    expect([ciphers.structure, ciphers.field]).toEqual(["EncryptionCapabilities", "Ciphers"])
    const netName = expectLeft(decodeList(fromHex("05000300000000007300ff"), 1))
    expect([netName.field, netName.reason]).toEqual(["NetName", "Invalid"])
    const data = expectLeft(decodeList(fromHex("0600100000000000" + "01000000"), 1))
    expect([data.structure, data.field]).toEqual(["NegotiateContextList", "NegotiateContext.Data"])
    const missing = expectLeft(decodeList(fromHex("060004000000000001000000"), 2))
    expect([missing.field, missing.reason]).toEqual(["NegotiateContext.ContextType", "Truncated"])
    const header = expectLeft(decodeList(fromHex("0600040000"), 1))
    expect(header.field).toBe("NegotiateContext")
  })

  it.prop("round-trips lists", { contexts: FastCheck.array(negotiateContext, { maxLength: 8 }) }, ({ contexts }) => {
    const list = encodeNegotiateContextList(contexts)
    expect(expectRight(decodeList(list, contexts.length))).toEqual(contexts)
  }, { fastCheck: { seed: 42, numRuns: 500 } })

  // The first byte of each input is the context count; the list follows.
  fuzzDecoder("readNegotiateContextList", (input) => decodeList(input.subarray(1), input[0] ?? 0), {
    seeds: [
      Uint8Array.of(LAYOUTS.length, ...encodeNegotiateContextList(LAYOUTS.map(([context]) => context))),
      ...LAYOUTS.map(([, hex]) => Uint8Array.of(1, ...fromHex(hex)))
    ],
    numRuns: 1000,
    reencode: (contexts) => Uint8Array.of(contexts.length, ...encodeNegotiateContextList(contexts))
  })
})
