import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import {
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  NegState,
  NTLMSSP_OID
} from "../../src/auth/Spnego.js"
import { fromHex, toUpperHex } from "../support/bytes.js"
import { SESSIONS_311 } from "../crypto/msblog.js"
import { securityBuffer } from "./messages.js"

// Security buffers of the Windows 10 / Server 2016 exchange printed in
// https://learn.microsoft.com/en-us/archive/blogs/openspecification/smb-2-and-smb-3-security-in-windows-10-the-anatomy-of-signing-and-cryptographic-keys
const master = SESSIONS_311[0]!
const NEGOEX_OID = "1.3.6.1.4.1.311.2.2.30"

describe("SPNEGO", () => {
  it("MechTypeList [NTLMSSP] is the DER the mechListMIC covers", () => {
    expect(toUpperHex(encodeMechTypeList([NTLMSSP_OID]))).toBe("300C060A2B06010401823702020A")
  })

  it("the client's NegTokenInit matches Windows' for the same NTLM token", () => {
    const windows = securityBuffer(master.sessionSetupRequest1)
    const decoded = Either.getOrThrow(decodeNegTokenInit(windows))
    expect(decoded.mechTypes).toEqual([NTLMSSP_OID])
    expect(toUpperHex(decoded.mechToken!.subarray(0, 8))).toBe("4E544C4D53535000")
    expect(toUpperHex(encodeNegTokenInit({ mechTypes: [NTLMSSP_OID], mechToken: decoded.mechToken }))).toBe(toUpperHex(windows))
  })

  it("reads the mechanisms of the server's NegTokenInit2 (NEGOTIATE response)", () => {
    const hints = Either.getOrThrow(decodeNegTokenInit(securityBuffer(master.negotiateResponse)))
    expect(hints.mechTypes).toEqual([NEGOEX_OID, NTLMSSP_OID])
    expect(toUpperHex(hints.mechToken!.subarray(0, 8))).toBe(toUpperHex(new TextEncoder().encode("NEGOEXTS")))
  })

  it("decodes the server's first NegTokenResp (accept-incomplete, NTLMSSP, CHALLENGE)", () => {
    const response = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse1)))
    expect(response.negState).toBe(NegState.AcceptIncomplete)
    expect(response.supportedMech).toBe(NTLMSSP_OID)
    expect(toUpperHex(response.responseToken!.subarray(0, 12))).toBe("4E544C4D5353500002000000")
    expect(response.mechListMIC).toBeUndefined()
  })

  it("re-encodes the client's second token and the server's final token byte for byte", () => {
    for (const message of [master.sessionSetupRequest2, master.sessionSetupResponse2]) {
      const windows = securityBuffer(message)
      expect(toUpperHex(encodeNegTokenResp(Either.getOrThrow(decodeNegTokenResp(windows))))).toBe(toUpperHex(windows))
    }
    const final = Either.getOrThrow(decodeNegTokenResp(securityBuffer(master.sessionSetupResponse2)))
    expect(final.negState).toBe(NegState.AcceptCompleted)
    expect(toUpperHex(final.mechListMIC!)).toBe(master.serverMechListMIC)
  })

  it("uses long-form lengths past 127 bytes", () => {
    const token = new Uint8Array(70_000).fill(7)
    const encoded = encodeNegTokenResp({ responseToken: token, supportedMech: NTLMSSP_OID })
    expect(toUpperHex(encoded.subarray(0, 2))).toBe("A183")
    const decoded = Either.getOrThrow(decodeNegTokenResp(encoded))
    expect(decoded.responseToken!.length).toBe(70_000)
    expect(decoded.supportedMech).toBe(NTLMSSP_OID)
  })

  it("rejects lengths that run past their element, indefinite lengths and wrong tags", () => {
    const good = securityBuffer(master.sessionSetupResponse2)
    const cases = [
      fromHex("A11B3019A0030A0100A312041001000000"), // truncated
      fromHex("A180"), // indefinite length
      fromHex("A185FFFFFFFFFF"), // 5-byte length
      fromHex("A1053003A00100"), // [0] too short to hold an element
      fromHex("A1083006A0040A020001"), // a two-byte negState
      fromHex("A2033001FF"), // not [1]
      good.subarray(0, good.length - 1)
    ]
    for (const bytes of cases) expect(Either.isLeft(decodeNegTokenResp(bytes))).toBe(true)
    expect(Either.isLeft(decodeNegTokenInit(fromHex("6006060200000000")))).toBe(true)
    expect(Either.isLeft(decodeNegTokenInit(fromHex("600806062B0601050503")))).toBe(true)
  })

  it.prop(
    "random bytes: a Left or a Right, never a throw",
    [FastCheck.uint8Array({ maxLength: 200 }), FastCheck.constantFrom(0x60, 0xa1)],
    ([bytes, tag]) => {
      const tagged = new Uint8Array([tag, ...bytes])
      expect(Either.isEither(decodeNegTokenResp(tagged))).toBe(true)
      expect(Either.isEither(decodeNegTokenInit(tagged))).toBe(true)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )

  it.prop(
    "mutated Windows tokens: a Left or a Right, never a throw",
    [
      FastCheck.constantFrom(
        securityBuffer(master.negotiateResponse),
        securityBuffer(master.sessionSetupRequest1),
        securityBuffer(master.sessionSetupResponse1),
        securityBuffer(master.sessionSetupRequest2),
        securityBuffer(master.sessionSetupResponse2)
      ),
      FastCheck.array(FastCheck.tuple(FastCheck.nat(), FastCheck.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      FastCheck.nat()
    ],
    ([token, mutations, cut]) => {
      const bytes = token.slice(0, token.length - (cut % 4))
      for (const [at, value] of mutations) bytes[at % bytes.length] = value
      expect(Either.isEither(decodeNegTokenResp(bytes))).toBe(true)
      expect(Either.isEither(decodeNegTokenInit(bytes))).toBe(true)
    },
    { fastCheck: { seed: 42, numRuns: 500 } }
  )
})
