import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import {
  decodeDfsReferralRequest,
  decodeDfsReferralResponse,
  DfsServerType,
  encodeDfsReferralRequest,
  encodeDfsReferralResponse,
  ReferralEntryFlags,
  ReferralHeaderFlags
} from "../../src/wire/DfsReferral.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u16, u32 } from "../support/codec.js"
import { fuzz, roundTrip, utf16 } from "./bodyCodecTesting.js"

// Captured from Samba 4.17.12 (msdfs root "dfsroot" on 127.0.0.1, link "link" ->
// "msdfs:127.0.0.2\share,127.0.0.3\data\sub"), FSCTL_DFS_GET_REFERRALS for
// "\127.0.0.1\dfsroot\link\x". Samba answers version 3 for MaxReferralLevel 3 and 4, and
// version 2 for 1 and 2.
const REQUEST_V4 =
  "04005c003100320037002e0030002e0030002e0031005c0064006600730072006f006f0074005c006c0069006e006b005c0078000000"
// The strings both versions end with: per entry DFSPath, DFSAlternatePath, NetworkAddress.
const STRINGS =
  "5c003100320037002e0030002e0030002e0031005c0064006600730072006f006f0074005c006c0069006e006b0000005c003100320037002e0030002e0030002e0031005c0064006600730072006f006f0074005c006c0069006e006b0000005c003100320037002e0030002e0030002e0032005c007300680061007200650000005c003100320037002e0030002e0030002e0031005c0064006600730072006f006f0074005c006c0069006e006b0000005c003100320037002e0030002e0030002e0031005c0064006600730072006f006f0074005c006c0069006e006b0000005c003100320037002e0030002e0030002e0033005c0064006100740061005c007300750062000000"
const RESPONSE_V3 =
  "2e0002000200000003002200000000005802000044007400a40000000000000000000000000000000000030022000000000058020000a400d400040100000000000000000000000000000000" +
  STRINGS
const RESPONSE_V2 = "2e00020002000000020016000000000000000000580200002c005c008c00020016000000000000000000580200009800c800f800" + STRINGS

const LINK = "\\127.0.0.1\\dfsroot\\link"

describe("REQ_GET_DFS_REFERRAL (MS-DFSC 2.2.2)", () => {
  it("encodes MaxReferralLevel and the null-terminated UTF-16 name as Samba receives them", () => {
    expect(toHex(encodeDfsReferralRequest({ maxReferralLevel: 4, requestFileName: `${LINK}\\x` }))).toBe(REQUEST_V4)
    expect(expectRight(decodeDfsReferralRequest(fromHex(REQUEST_V4)))).toEqual({ maxReferralLevel: 4, requestFileName: `${LINK}\\x` })
  })

  it("a name without its terminator is truncated", () => {
    expect(expectLeft(decodeDfsReferralRequest(fromHex(REQUEST_V4.slice(0, -4)))).reason).toBe("Truncated")
  })

  roundTrip(
    "DfsReferralRequest",
    FastCheck.record({ maxReferralLevel: u16, requestFileName: utf16().filter((s) => !s.includes("\0")) }),
    encodeDfsReferralRequest,
    decodeDfsReferralRequest
  )
})

describe("RESP_GET_DFS_REFERRAL (MS-DFSC 2.2.4, 2.2.5)", () => {
  const targets = ["\\127.0.0.2\\share", "\\127.0.0.3\\data\\sub"]

  it("decodes Samba's version 3 answer: PathConsumed in bytes, storage servers, both targets in order", () => {
    const response = expectRight(decodeDfsReferralResponse(fromHex(RESPONSE_V3)))
    expect(response.pathConsumed).toBe(LINK.length * 2)
    expect(response.headerFlags).toBe(ReferralHeaderFlags.STORAGE_SERVERS)
    expect(response.entries).toEqual(targets.map((networkAddress) => ({
      _tag: "Path",
      version: 3,
      serverType: DfsServerType.NON_ROOT,
      flags: 0,
      proximity: 0,
      timeToLive: 600,
      dfsPath: LINK,
      dfsAlternatePath: LINK,
      networkAddress
    })))
  })

  it("decodes Samba's version 2 answer", () => {
    const response = expectRight(decodeDfsReferralResponse(fromHex(RESPONSE_V2)))
    expect(response.entries.map((e) => e._tag === "Path" ? [e.version, e.timeToLive, e.networkAddress] : [])).toEqual(
      targets.map((t) => [2, 600, t])
    )
  })

  it("re-encodes both of Samba's answers byte for byte", () => {
    for (const hex of [RESPONSE_V3, RESPONSE_V2]) {
      expect(toHex(encodeDfsReferralResponse(expectRight(decodeDfsReferralResponse(fromHex(hex)))))).toBe(hex)
    }
  })

  it("decodes version 1 entries (name inline) and version 4 name lists (DC referrals)", () => {
    const response = {
      pathConsumed: 0,
      headerFlags: ReferralHeaderFlags.REFERRAL_SERVERS,
      entries: [
        { _tag: "V1", version: 1, serverType: DfsServerType.ROOT, flags: 0, shareName: "\\server\\root" },
        {
          _tag: "NameList",
          version: 4,
          serverType: DfsServerType.ROOT,
          flags: ReferralEntryFlags.NAME_LIST_REFERRAL,
          timeToLive: 300,
          specialName: "\\EXAMPLE",
          expandedNames: ["\\dc1.example.test", "\\dc2.example.test"]
        }
      ]
    } as const
    expect(expectRight(decodeDfsReferralResponse(encodeDfsReferralResponse(response)))).toEqual(response)
  })

  it("refuses truncated answers, an unknown version and an offset past the end", () => {
    const bytes = fromHex(RESPONSE_V3)
    expect(expectLeft(decodeDfsReferralResponse(bytes.subarray(0, 6))).reason).toBe("OutOfBounds")
    expect(expectLeft(decodeDfsReferralResponse(bytes.subarray(0, 60))).structure).toBe("DfsReferralResponse")
    const unknown = bytes.slice()
    unknown[8] = 9
    expect(expectLeft(decodeDfsReferralResponse(unknown)).field).toBe("Referral[0].VersionNumber")
    const far = bytes.slice()
    far[20] = 0xff
    far[21] = 0xff
    expect(expectLeft(decodeDfsReferralResponse(far)).field).toBe("Referral[0].DFSPath")
  })

  const name = utf16(16).filter((s) => !s.includes("\0"))
  const pathEntry = FastCheck.record({
    _tag: FastCheck.constant("Path" as const),
    version: FastCheck.constantFrom(2 as const, 3 as const, 4 as const),
    serverType: FastCheck.constantFrom(0, 1),
    flags: FastCheck.constantFrom(0, ReferralEntryFlags.TARGET_SET_BOUNDARY),
    timeToLive: u32,
    proximity: u32,
    dfsPath: name,
    dfsAlternatePath: name,
    networkAddress: name
  }).map((e) => (e.version === 2 ? e : { ...e, proximity: 0 }))
  const nameListEntry = FastCheck.record({
    _tag: FastCheck.constant("NameList" as const),
    version: FastCheck.constantFrom(3 as const, 4 as const),
    serverType: FastCheck.constantFrom(0, 1),
    flags: FastCheck.constant(ReferralEntryFlags.NAME_LIST_REFERRAL),
    timeToLive: u32,
    specialName: name,
    expandedNames: FastCheck.array(name, { maxLength: 3 })
  })
  const v1Entry = FastCheck.record({
    _tag: FastCheck.constant("V1" as const),
    version: FastCheck.constant(1 as const),
    serverType: FastCheck.constantFrom(0, 1),
    flags: u16,
    shareName: name
  })
  const response = FastCheck.record({
    pathConsumed: u16,
    headerFlags: u32,
    entries: FastCheck.array(FastCheck.oneof(pathEntry, nameListEntry, v1Entry), { maxLength: 4 })
  })

  roundTrip("DfsReferralResponse", response, encodeDfsReferralResponse, decodeDfsReferralResponse)

  fuzz({
    name: "decodeDfsReferralResponse",
    decode: decodeDfsReferralResponse,
    encode: encodeDfsReferralResponse,
    valid: response.map(encodeDfsReferralResponse)
  })
})
