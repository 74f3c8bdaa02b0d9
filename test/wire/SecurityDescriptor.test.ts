/**
 * The security descriptor codecs (MS-DTYP 2.4): the specification's own examples, descriptors
 * captured from Samba decoded and encoded back byte for byte, SIDs in their string form, ACEs of
 * unknown types kept whole, and the bounds checks.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type { Ace, Acl, SecurityDescriptor, Sid } from "../../src/wire/SecurityDescriptor.js"
import {
  AceFlags,
  AceType,
  checkSecurityDescriptor,
  decodeAcl,
  decodeSecurityDescriptor,
  decodeSid,
  encodeAcl,
  encodeSecurityDescriptor,
  encodeSid,
  FileRights,
  parseSid,
  SecurityDescriptorControl,
  sidEquals,
  sidToString,
  WellKnownSid,
  WINDOWS_LAYOUT
} from "../../src/wire/SecurityDescriptor.js"
import { fromHex, toHex } from "../support/bytes.js"
import { expectLeft, expectRight, u16, u32, u8 } from "../support/codec.js"
import { fuzz, roundTrip } from "./bodyCodecTesting.js"

const sid = (text: string): Sid => expectRight(parseSid(text))
const allowed = (mask: number, text: string, flags = 0): Ace => ({ _tag: "AccessAllowed", flags, mask, sid: sid(text) })

// MS-DTYP 2.5.1.4 "SDDL String to Binary Security Descriptor Examples": the binary form of
// O:BAG:BAD:P(A;CIOI;GRGX;;;BU)(A;CIOI;GA;;;BA)(A;CIOI;GA;;;SY)(A;CIOI;GA;;;CO)S:P(AU;FA;GR;;;WD)
// laid out as Windows does: SACL, DACL, owner, group.
const MS_DTYP_EXAMPLE = fromHex(`
  01 00 14 b0 90 00 00 00 a0 00 00 00 14 00 00 00
  30 00 00 00 02 00 1c 00 01 00 00 00 02 80 14 00
  00 00 00 80 01 01 00 00 00 00 00 01 00 00 00 00
  02 00 60 00 04 00 00 00 00 03 18 00 00 00 00 a0
  01 02 00 00 00 00 00 05 20 00 00 00 21 02 00 00
  00 03 18 00 00 00 00 10 01 02 00 00 00 00 00 05
  20 00 00 00 20 02 00 00 00 03 14 00 00 00 00 10
  01 01 00 00 00 00 00 05 12 00 00 00 00 03 14 00
  00 00 00 10 01 01 00 00 00 00 00 03 00 00 00 00
  01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00
  01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00`)

// Captured from Samba 4.17.12 (Debian 12) by QUERY_INFO SECURITY (owner, group, DACL) of a new
// file on the test harness's default share, which maps NT ACLs onto POSIX ACLs: the owner is the
// user's SID, the group a Unix group SID (S-1-22-2-gid), read for the group and for Everyone.
const SAMBA_FILE = fromHex(
  "01000490140000003000000000000000400000000105000000000005150000000b71b598b7e3c98af103113ce8030000" +
    "010200000000001602000000e9030000020058000300000000002400ff011e000105000000000005150000000b71b598" +
    "b7e3c98af103113ce80300000000180089001200010200000000001602000000e903000000001400890012000101000000" +
    "00000100000000"
)

// Captured from the same Samba with `vfs objects = acl_xattr` (NT ACLs stored as they are set):
// a directory whose DACL was set to a deny ACE followed by its inherited-style ACEs (CREATOR
// OWNER and CREATOR GROUP inherit-only, Everyone and S-1-22-1-65534 container and object
// inherit), read back.
const SAMBA_DIRECTORY = fromHex(
  "010004801400000030000000000000004c0000000105000000000005150000004b53468687edf4b53bf0c186e8030000" +
    "0105000000000005150000004b53468687edf4b53bf0c186010200000200bc00070000000100180016010000010200000000" +
    "001602000000feff000000002400ff011f000105000000000005150000004b53468687edf4b53bf0c186e8030000000b1400" +
    "ff011f0001010000000000030000000000002400a90012000105000000000005150000004b53468687edf4b53bf0c1860102" +
    "0000000b1400a900120001010000000000030100000000031400a90012000101000000000001000000000003180089001200" +
    "010200000000001601000000feff0000"
)

describe("SID", () => {
  it("encodes S-1-5-32-544 as MS-DTYP 2.4.2.2 lays it out (IdentifierAuthority big-endian)", () => {
    const administrators = sid("S-1-5-32-544")
    expect(sidEquals(administrators, WellKnownSid.BUILTIN_ADMINISTRATORS)).toBe(true)
    expect(toHex(encodeSid(administrators))).toBe("01020000000000052000000020020000")
    expect(sidToString(expectRight(decodeSid(fromHex("01020000000000052000000020020000"))))).toBe("S-1-5-32-544")
  })

  it("string form: decimal authority below 2^32, hex above (MS-DTYP 2.4.2.1); S-1-0 with no sub-authority", () => {
    for (const text of ["S-1-1-0", "S-1-5-21-2562027787-2328486839-1007748081-1000", "S-1-0", "S-1-0x123456789ABC-7"]) {
      expect(sidToString(sid(text))).toBe(text)
      expect(sidToString(expectRight(decodeSid(encodeSid(sid(text)))))).toBe(text)
    }
    expect(sid("s-1-0x000000000005-18")).toEqual(WellKnownSid.LOCAL_SYSTEM)
    expect(sidToString(sid("S-1-4294967296-1"))).toBe("S-1-0x000100000000-1")
  })

  it("refuses what is not a SID", () => {
    for (const text of ["", "S-1", "S-1-5-", "X-1-5-32", "S-1-5-32-4294967296", "S-1-281474976710656-1", "S-256-5", `S-1-5${"-1".repeat(16)}`]) {
      expect(expectLeft(parseSid(text))).toMatchObject({ reason: "Invalid", structure: "Sid", field: "String" })
    }
  })

  it("refuses a SubAuthorityCount above 15 and a SID cut short", () => {
    expect(expectLeft(decodeSid(fromHex("0110000000000005" + "00".repeat(64)))).field).toBe("Sid.SubAuthorityCount")
    expect(expectLeft(decodeSid(fromHex("010200000000000520000000"))).reason).toBe("OutOfBounds")
    expect(expectLeft(decodeSid(fromHex("0102"))).reason).toBe("OutOfBounds")
  })
})

describe("SECURITY_DESCRIPTOR", () => {
  it("decodes MS-DTYP 2.5.1.4's example to what its SDDL says, and encodes it back byte for byte in Windows's layout", () => {
    const sd = expectRight(decodeSecurityDescriptor(MS_DTYP_EXAMPLE))
    const C = SecurityDescriptorControl
    expect(sd.control).toBe(C.SELF_RELATIVE | C.SACL_PROTECTED | C.DACL_PROTECTED | C.SACL_PRESENT | C.DACL_PRESENT)
    expect(sidToString(sd.owner!)).toBe("S-1-5-32-544")
    expect(sidToString(sd.group!)).toBe("S-1-5-32-544")
    const inherit = AceFlags.CONTAINER_INHERIT | AceFlags.OBJECT_INHERIT
    expect(sd.dacl).toEqual({
      revision: 2,
      aces: [
        allowed(0xa0000000, "S-1-5-32-545", inherit), // GENERIC_READ | GENERIC_EXECUTE for BUILTIN\Users
        allowed(0x10000000, "S-1-5-32-544", inherit), // GENERIC_ALL for BUILTIN\Administrators
        allowed(0x10000000, "S-1-5-18", inherit),
        allowed(0x10000000, "S-1-3-0", inherit)
      ]
    })
    expect(sd.sacl).toEqual({
      revision: 2,
      aces: [{ _tag: "SystemAudit", flags: AceFlags.FAILED_ACCESS, mask: 0x80000000, sid: WellKnownSid.EVERYONE }]
    })
    expect(toHex(encodeSecurityDescriptor(sd, WINDOWS_LAYOUT))).toBe(toHex(MS_DTYP_EXAMPLE))
    // Samba's order (owner, group, SACL, DACL): the same parts at other offsets
    const samba = encodeSecurityDescriptor(sd)
    expect(samba.length).toBe(MS_DTYP_EXAMPLE.length)
    expect(toHex(samba.subarray(4, 20))).toBe("14000000" + "24000000" + "34000000" + "50000000")
    expect(expectRight(decodeSecurityDescriptor(samba))).toEqual(sd)
  })

  it("decodes a file's descriptor captured from Samba and encodes it back byte for byte", () => {
    const sd = expectRight(decodeSecurityDescriptor(SAMBA_FILE))
    expect(sidToString(sd.owner!)).toBe("S-1-5-21-2562027787-2328486839-1007748081-1000")
    expect(sidToString(sd.group!)).toBe("S-1-22-2-1001")
    expect(sd.sacl).toBeUndefined()
    expect(sd.dacl?.aces.map((ace) => ace._tag === "RawAce" ? ace : [ace._tag, ace.mask, sidToString(ace.sid)])).toEqual([
      ["AccessAllowed", 0x001e01ff, "S-1-5-21-2562027787-2328486839-1007748081-1000"],
      ["AccessAllowed", FileRights.READ, "S-1-22-2-1001"],
      ["AccessAllowed", FileRights.READ, "S-1-1-0"]
    ])
    expect(toHex(encodeSecurityDescriptor(sd))).toBe(toHex(SAMBA_FILE))
  })

  it("decodes a directory's descriptor with a deny ACE and inheritance flags (Samba, acl_xattr) and encodes it back", () => {
    const sd = expectRight(decodeSecurityDescriptor(SAMBA_DIRECTORY))
    const aces = sd.dacl!.aces
    expect(aces[0]).toEqual({ _tag: "AccessDenied", flags: 0, mask: 0x116, sid: sid("S-1-22-2-65534") })
    expect(aces.map((ace) => ace.flags)).toEqual([0, 0, 0x0b, 0, 0x0b, 0x03, 0x03])
    expect(aces.map((ace) => ace._tag === "RawAce" ? "" : sidToString(ace.sid)).slice(2)).toEqual([
      "S-1-3-0",
      "S-1-5-21-2252755787-3052727687-2260856891-513",
      "S-1-3-1",
      "S-1-1-0",
      "S-1-22-1-65534"
    ])
    expect(toHex(encodeSecurityDescriptor(sd))).toBe(toHex(SAMBA_DIRECTORY))
  })

  it("keeps ACEs of other types, and typed ACEs with extra bytes, as raw bytes that encode back the same", () => {
    // an ACCESS_ALLOWED_OBJECT ACE (no object types: flags 0) for Everyone, and an allowed ACE
    // for Everyone with 4 spare bytes after the SID
    const objectAce = "05001800" + "01000000" + "00000000" + "0101000000000001" + "00000000"
    const paddedAce = "00001800" + "ff011f00" + "010100000000000100000000" + "deadbeef"
    const acl = fromHex("04003800" + "0200" + "0000" + objectAce + paddedAce)
    const decoded = expectRight(decodeAcl(acl))
    expect(decoded.revision).toBe(4)
    expect(decoded.aces).toEqual([
      { _tag: "RawAce", type: AceType.ACCESS_ALLOWED_OBJECT, flags: 0, body: fromHex(objectAce.slice(8)) },
      { _tag: "RawAce", type: AceType.ACCESS_ALLOWED, flags: 0, body: fromHex(paddedAce.slice(8)) }
    ])
    expect(toHex(encodeAcl(decoded))).toBe(toHex(acl))
  })

  it("an absent DACL, a NULL DACL (present, no offset) and an empty one are three different things", () => {
    const none = expectRight(decodeSecurityDescriptor(fromHex("01000080" + "00".repeat(16))))
    expect(none.dacl).toBeUndefined()
    expect(none.control & SecurityDescriptorControl.DACL_PRESENT).toBe(0)
    const nullDacl = expectRight(decodeSecurityDescriptor(fromHex("01000480" + "00".repeat(16))))
    expect(nullDacl.dacl).toBeUndefined()
    expect(nullDacl.control & SecurityDescriptorControl.DACL_PRESENT).not.toBe(0)
    expect(toHex(encodeSecurityDescriptor(nullDacl))).toBe("01000480" + "00".repeat(16))
    const empty: SecurityDescriptor = { revision: 1, resourceManagerControl: 0, control: 0, dacl: { revision: 2, aces: [] } }
    expect(toHex(encodeSecurityDescriptor(empty))).toBe("01000480" + "00".repeat(12) + "14000000" + "0200080000000000")
  })

  it("refuses what does not fit: not self-relative, offsets into the header or past the end, ACEs past their ACL", () => {
    const fail = (hex: string) => expectLeft(decodeSecurityDescriptor(fromHex(hex)))
    expect(fail("0100").field).toBe("Header")
    expect(fail("01000400" + "00".repeat(16))).toMatchObject({ reason: "Invalid", field: "Control" })
    expect(fail("01000480" + "10000000" + "00".repeat(12))).toMatchObject({ reason: "OutOfBounds", field: "OffsetOwner" })
    expect(fail("01000480" + "00".repeat(12) + "20000000")).toMatchObject({ reason: "Truncated", field: "Dacl" })
    // an ACL that says it is larger than the buffer
    expect(fail("01000480" + "00".repeat(12) + "14000000" + "0200ff0000000000").field).toBe("Dacl.AclSize")
    // one ACE announced, but the ACL ends after its header
    expect(fail("01000480" + "00".repeat(12) + "14000000" + "0200080001000000" + "00001400").field).toBe("Dacl.Ace[0].Header")
    // an ACE whose size runs past its ACL
    const ace = "00001400ff011f000101000000000001" + "00000000"
    expect(fail("01000480" + "00".repeat(12) + "14000000" + "0200100001000000" + ace).field).toBe("Dacl.Ace[0].AceSize")
    expect(fail("01000480" + "00".repeat(12) + "14000000" + "0200100001000000" + "00000200" + "00".repeat(20)).field).toBe("Dacl.Ace[0].AceSize")
  })

  it("checkSecurityDescriptor names a field out of range before anything is encoded", () => {
    const good = expectRight(decodeSecurityDescriptor(SAMBA_FILE))
    expect(Either.isRight(checkSecurityDescriptor(good))).toBe(true)
    const bad = (sd: SecurityDescriptor) => expectLeft(checkSecurityDescriptor(sd)).field
    const dacl = good.dacl!
    expect(bad({ ...good, dacl: { ...dacl, aces: [{ ...dacl.aces[0]!, mask: 2 ** 32 } as Ace] } })).toBe("Dacl.Ace[0].Mask")
    expect(bad({ ...good, owner: { revision: 1, identifierAuthority: 5n, subAuthorities: new Array(16).fill(1) } })).toBe("Owner.SubAuthority")
    expect(bad({ ...good, group: { revision: 1, identifierAuthority: 1n << 48n, subAuthorities: [] } })).toBe("Group.IdentifierAuthority")
    expect(bad({ ...good, control: 0x10000 })).toBe("Control")
  })
})

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const sidArbitrary: FastCheck.Arbitrary<Sid> = FastCheck.record({
  revision: u8,
  identifierAuthority: FastCheck.bigUintN(48),
  subAuthorities: FastCheck.array(u32, { maxLength: 15 })
})

const typedAce: FastCheck.Arbitrary<Ace> = FastCheck.record({
  _tag: FastCheck.constantFrom("AccessAllowed", "AccessDenied", "SystemAudit", "SystemAlarm", "SystemMandatoryLabel"),
  flags: u8,
  mask: u32,
  sid: sidArbitrary
})

// Types that never decode as a typed ACE, so that decode(encode(x)) gives back a RawAce.
const rawAce: FastCheck.Arbitrary<Ace> = FastCheck.record({
  _tag: FastCheck.constant("RawAce" as const),
  type: u8.filter((type) => ![0, 1, 2, 3, 0x11].includes(type)),
  flags: u8,
  body: FastCheck.uint8Array({ maxLength: 40 })
})

const aclArbitrary: FastCheck.Arbitrary<Acl> = FastCheck.record({
  revision: u8,
  aces: FastCheck.array(FastCheck.oneof(typedAce, rawAce), { maxLength: 6 })
})

const sdArbitrary: FastCheck.Arbitrary<SecurityDescriptor> = FastCheck.record({
  revision: u8,
  resourceManagerControl: u8,
  control: u16,
  owner: FastCheck.option(sidArbitrary, { nil: undefined }),
  group: FastCheck.option(sidArbitrary, { nil: undefined }),
  sacl: FastCheck.option(aclArbitrary, { nil: undefined }),
  dacl: FastCheck.option(aclArbitrary, { nil: undefined })
}).map((sd) => ({
  ...sd,
  // what the encoder adds, so that what decodes is what was encoded
  control: sd.control | SecurityDescriptorControl.SELF_RELATIVE |
    (sd.dacl === undefined ? 0 : SecurityDescriptorControl.DACL_PRESENT) |
    (sd.sacl === undefined ? 0 : SecurityDescriptorControl.SACL_PRESENT)
}))

describe("properties", () => {
  roundTrip("SecurityDescriptor", sdArbitrary, (sd) => encodeSecurityDescriptor(sd), decodeSecurityDescriptor)
  roundTrip("SecurityDescriptor (Windows layout)", sdArbitrary, (sd) => encodeSecurityDescriptor(sd, WINDOWS_LAYOUT), decodeSecurityDescriptor)
  roundTrip("Acl", aclArbitrary, encodeAcl, decodeAcl)
  roundTrip("Sid", sidArbitrary, encodeSid, decodeSid)
  it.prop("every SID's string form parses back to it", { value: sidArbitrary.filter((s) => s.revision > 0) }, ({ value }) => {
    expect(expectRight(parseSid(sidToString(value)))).toEqual(value)
  })
  fuzz({
    name: "decodeSecurityDescriptor",
    decode: decodeSecurityDescriptor,
    encode: (sd) => encodeSecurityDescriptor(sd),
    valid: FastCheck.oneof(
      sdArbitrary.map((sd) => encodeSecurityDescriptor(sd)),
      FastCheck.constantFrom(MS_DTYP_EXAMPLE, SAMBA_FILE, SAMBA_DIRECTORY)
    )
  })
})
