/**
 * Security descriptors as typed values (MS-DTYP 2.4): SIDs (2.4.2) with their string form, ACEs
 * (2.4.4), ACLs (2.4.5) and the self-relative SECURITY_DESCRIPTOR (2.4.6) that QUERY_INFO and
 * SET_INFO carry for InfoType SECURITY.
 *
 * Round trips are lossless for what servers send: ACEs of the types with a mask and one SID
 * (allowed, denied, audit, alarm, mandatory label) are decoded; any other type (object ACEs,
 * callback ACEs, resource attributes...), and a typed ACE whose size is not exactly its mask and
 * SID, is kept as its raw bytes and encoded back as it came. The encoder lays a descriptor out as
 * Samba does (the 20-byte header, then owner, group, SACL and DACL), or in another order it is
 * given (Windows often puts the ACLs first), each ACL exactly as long as its ACEs: spare room a
 * sender left at the end of an ACL is not kept.
 *
 * Decoders are bounds-checked against the whole buffer and against each enclosing structure (an
 * ACE never reads past its ACL, a SID never past its ACE); they return a DecodeError naming the
 * field. `checkSecurityDescriptor` tells whether a value built by hand can be encoded (SIDs of at
 * most 15 sub-authorities, 32-bit masks...) before it goes on the wire.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { DecodeError } from "../errors.js"
import { decode, Reader, viewOf } from "./Reader.js"

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** SECURITY_DESCRIPTOR Control bits (MS-DTYP 2.4.6). @since 0.1.0 @category constants */
export const SecurityDescriptorControl = {
  OWNER_DEFAULTED: 0x0001,
  GROUP_DEFAULTED: 0x0002,
  DACL_PRESENT: 0x0004,
  DACL_DEFAULTED: 0x0008,
  SACL_PRESENT: 0x0010,
  SACL_DEFAULTED: 0x0020,
  DACL_TRUSTED: 0x0040,
  SERVER_SECURITY: 0x0080,
  DACL_COMPUTED_INHERITANCE_REQUIRED: 0x0100,
  SACL_COMPUTED_INHERITANCE_REQUIRED: 0x0200,
  DACL_AUTO_INHERITED: 0x0400,
  SACL_AUTO_INHERITED: 0x0800,
  DACL_PROTECTED: 0x1000,
  SACL_PROTECTED: 0x2000,
  RM_CONTROL_VALID: 0x4000,
  SELF_RELATIVE: 0x8000
} as const

/** AceType (MS-DTYP 2.4.4.1). @since 0.1.0 @category constants */
export const AceType = {
  ACCESS_ALLOWED: 0x00,
  ACCESS_DENIED: 0x01,
  SYSTEM_AUDIT: 0x02,
  SYSTEM_ALARM: 0x03,
  ACCESS_ALLOWED_COMPOUND: 0x04,
  ACCESS_ALLOWED_OBJECT: 0x05,
  ACCESS_DENIED_OBJECT: 0x06,
  SYSTEM_AUDIT_OBJECT: 0x07,
  SYSTEM_ALARM_OBJECT: 0x08,
  ACCESS_ALLOWED_CALLBACK: 0x09,
  ACCESS_DENIED_CALLBACK: 0x0a,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 0x0b,
  ACCESS_DENIED_CALLBACK_OBJECT: 0x0c,
  SYSTEM_AUDIT_CALLBACK: 0x0d,
  SYSTEM_ALARM_CALLBACK: 0x0e,
  SYSTEM_AUDIT_CALLBACK_OBJECT: 0x0f,
  SYSTEM_ALARM_CALLBACK_OBJECT: 0x10,
  SYSTEM_MANDATORY_LABEL: 0x11,
  SYSTEM_RESOURCE_ATTRIBUTE: 0x12,
  SYSTEM_SCOPED_POLICY_ID: 0x13
} as const

/** AceFlags (MS-DTYP 2.4.4.1). @since 0.1.0 @category constants */
export const AceFlags = {
  OBJECT_INHERIT: 0x01,
  CONTAINER_INHERIT: 0x02,
  NO_PROPAGATE_INHERIT: 0x04,
  INHERIT_ONLY: 0x08,
  INHERITED: 0x10,
  SUCCESSFUL_ACCESS: 0x40,
  FAILED_ACCESS: 0x80
} as const

/** AclRevision (MS-DTYP 2.4.5). @since 0.1.0 @category constants */
export const AclRevision = {
  ACL_REVISION: 2,
  /** Needed when an ACL holds object ACEs. */
  ACL_REVISION_DS: 4
} as const

/**
 * The usual access masks of a file ACE (MS-SMB2 2.2.13.1.1 bits, combined as Windows shows them).
 * The single bits are `AccessMask` in wire/Create.
 *
 * @since 0.1.0
 * @category constants
 */
export const FileRights = {
  FULL_CONTROL: 0x001f01ff,
  MODIFY: 0x001301bf,
  READ_AND_EXECUTE: 0x001200a9,
  READ: 0x00120089,
  WRITE: 0x00100116
} as const

// ---------------------------------------------------------------------------------------------
// SID
// ---------------------------------------------------------------------------------------------

/**
 * A security identifier (MS-DTYP 2.4.2.2). `sidToString` and `parseSid` convert to and from
 * "S-1-5-21-...".
 *
 * @since 0.1.0
 * @category models
 */
export interface Sid {
  /** Always 1 in practice. */
  readonly revision: number
  /** 48 bits. */
  readonly identifierAuthority: bigint
  /** At most 15, each 32 bits. */
  readonly subAuthorities: ReadonlyArray<number>
}

const MAX_SUB_AUTHORITIES = 15
const MAX_AUTHORITY = (1n << 48n) - 1n
const SID_FIXED = 8

/** The encoded size of `sid`. @since 0.1.0 @category encoding */
export const sidLength = (sid: Sid): number => SID_FIXED + 4 * sid.subAuthorities.length

/**
 * The string form (MS-DTYP 2.4.2.1): "S-1-5-32-544"; an authority of 2^32 or more in hex
 * ("S-1-0x123456789ABC-...").
 *
 * @since 0.1.0
 * @category conversions
 */
export const sidToString = (sid: Sid): string => {
  const authority = sid.identifierAuthority < 0x100000000n
    ? sid.identifierAuthority.toString()
    : `0x${sid.identifierAuthority.toString(16).toUpperCase().padStart(12, "0")}`
  return ["S", sid.revision, authority, ...sid.subAuthorities].join("-")
}

const SID_PATTERN = /^S-(\d{1,3})-(\d{1,15}|0x[0-9A-F]{1,12})((?:-\d{1,10}){0,15})$/i

/**
 * Parses the string form of a SID ("S-1-1-0", "s-1-5-21-1-2-3-1001"); a DecodeError (structure
 * "Sid", field "String") when it is not one.
 *
 * @since 0.1.0
 * @category conversions
 */
export const parseSid = (text: string): Either.Either<Sid, DecodeError> => {
  const invalid = (detail: string) =>
    Either.left(new DecodeError({ reason: "Invalid", structure: "Sid", field: "String", detail: `${JSON.stringify(text)}: ${detail}` }))
  const match = SID_PATTERN.exec(text)
  if (match === null) return invalid("not S-R-I-S...")
  const revision = Number(match[1])
  const identifierAuthority = BigInt(match[2]!)
  const subAuthorities = match[3] === "" ? [] : match[3]!.slice(1).split("-").map(Number)
  if (revision > 0xff) return invalid("revision above 255")
  if (identifierAuthority > MAX_AUTHORITY) return invalid("authority above 2^48")
  if (subAuthorities.some((n) => n > 0xffffffff)) return invalid("sub-authority above 2^32")
  return Either.right({ revision, identifierAuthority, subAuthorities })
}

/** Whether two SIDs are the same. @since 0.1.0 @category utils */
export const sidEquals = (a: Sid, b: Sid): boolean =>
  a.revision === b.revision && a.identifierAuthority === b.identifierAuthority &&
  a.subAuthorities.length === b.subAuthorities.length && a.subAuthorities.every((n, i) => n === b.subAuthorities[i])

const wellKnown = (authority: number, ...subAuthorities: Array<number>): Sid => ({
  revision: 1,
  identifierAuthority: BigInt(authority),
  subAuthorities
})

/** A few well-known SIDs (MS-DTYP 2.4.2.4). @since 0.1.0 @category constants */
export const WellKnownSid = {
  EVERYONE: wellKnown(1, 0),
  CREATOR_OWNER: wellKnown(3, 0),
  CREATOR_GROUP: wellKnown(3, 1),
  AUTHENTICATED_USERS: wellKnown(5, 11),
  LOCAL_SYSTEM: wellKnown(5, 18),
  BUILTIN_ADMINISTRATORS: wellKnown(5, 32, 544),
  BUILTIN_USERS: wellKnown(5, 32, 545)
} as const

const writeSid = (v: DataView, at: number, sid: Sid): number => {
  v.setUint8(at, sid.revision)
  v.setUint8(at + 1, sid.subAuthorities.length)
  // IdentifierAuthority is big-endian (MS-DTYP 2.4.1).
  v.setUint16(at + 2, Number(sid.identifierAuthority >> 32n))
  v.setUint32(at + 4, Number(sid.identifierAuthority & 0xffffffffn))
  sid.subAuthorities.forEach((n, i) => v.setUint32(at + SID_FIXED + 4 * i, n, true))
  return at + sidLength(sid)
}

/** Reads a SID at `at` that must end by `end`. */
const readSid = (r: Reader, at: number, end: number, field: string): Sid => {
  if (at + SID_FIXED > end) r.fail(field, "OutOfBounds", `a SID needs ${SID_FIXED} bytes, ${end - at} left`, at)
  const revision = r.u8(at, `${field}.Revision`)
  const count = r.u8(at + 1, `${field}.SubAuthorityCount`)
  if (count > MAX_SUB_AUTHORITIES) r.fail(`${field}.SubAuthorityCount`, "Invalid", `${count} > ${MAX_SUB_AUTHORITIES}`, at + 1)
  if (at + SID_FIXED + 4 * count > end) {
    r.fail(`${field}.SubAuthority`, "OutOfBounds", `${count} sub-authorities need ${4 * count} bytes, ${end - at - SID_FIXED} left`, at)
  }
  r.need(at, SID_FIXED + 4 * count, field)
  const identifierAuthority = (BigInt(r.view.getUint16(at + 2)) << 32n) | BigInt(r.view.getUint32(at + 4))
  const subAuthorities: Array<number> = []
  for (let i = 0; i < count; i++) subAuthorities.push(r.view.getUint32(at + SID_FIXED + 4 * i, true))
  return { revision, identifierAuthority, subAuthorities }
}

/** @since 0.1.0 @category encoding */
export const encodeSid = (sid: Sid): Uint8Array => {
  const out = new Uint8Array(sidLength(sid))
  writeSid(viewOf(out), 0, sid)
  return out
}

/** A SID at the start of `buffer` (trailing bytes are allowed). @since 0.1.0 @category decoding */
export const decodeSid = (buffer: Uint8Array): Either.Either<Sid, DecodeError> =>
  decode("Sid", () => readSid(new Reader(buffer, "Sid"), 0, buffer.length, "Sid"))

// ---------------------------------------------------------------------------------------------
// ACE
// ---------------------------------------------------------------------------------------------

/**
 * The ACE types with a mask and one SID (MS-DTYP 2.4.4.2, .4, .10, .11, .13), by tag.
 *
 * @since 0.1.0
 * @category models
 */
export type SidAceTag = "AccessAllowed" | "AccessDenied" | "SystemAudit" | "SystemAlarm" | "SystemMandatoryLabel"

/**
 * An ACE: one of the mask-and-SID types, or any other kept as its bytes after the 4-byte header
 * (`RawAce`), so that an ACL round-trips whole.
 *
 * @since 0.1.0
 * @category models
 */
export type Ace =
  | {
    readonly _tag: SidAceTag
    /** AceFlags bits. */
    readonly flags: number
    /** Access mask (see FileRights, and AccessMask in wire/Create). */
    readonly mask: number
    readonly sid: Sid
  }
  | {
    readonly _tag: "RawAce"
    readonly type: number
    readonly flags: number
    /** What follows the ACE header; the ACE's size is 4 more. */
    readonly body: Uint8Array
  }

const sidAceTypes: Record<SidAceTag, number> = {
  AccessAllowed: AceType.ACCESS_ALLOWED,
  AccessDenied: AceType.ACCESS_DENIED,
  SystemAudit: AceType.SYSTEM_AUDIT,
  SystemAlarm: AceType.SYSTEM_ALARM,
  SystemMandatoryLabel: AceType.SYSTEM_MANDATORY_LABEL
}

const sidAceTags = new Map<number, SidAceTag>(Object.entries(sidAceTypes).map(([tag, type]) => [type, tag as SidAceTag]))

const ACE_HEADER = 4
const SID_ACE_FIXED = ACE_HEADER + 4

/** The ACE type number of `ace`. @since 0.1.0 @category utils */
export const aceType = (ace: Ace): number => ace._tag === "RawAce" ? ace.type : sidAceTypes[ace._tag]

/** The encoded size of `ace`. @since 0.1.0 @category encoding */
export const aceLength = (ace: Ace): number => ace._tag === "RawAce" ? ACE_HEADER + ace.body.length : SID_ACE_FIXED + sidLength(ace.sid)

const writeAce = (out: Uint8Array, v: DataView, at: number, ace: Ace): number => {
  v.setUint8(at, aceType(ace))
  v.setUint8(at + 1, ace.flags)
  v.setUint16(at + 2, aceLength(ace), true)
  if (ace._tag === "RawAce") {
    out.set(ace.body, at + ACE_HEADER)
  } else {
    v.setUint32(at + ACE_HEADER, ace.mask, true)
    writeSid(v, at + SID_ACE_FIXED, ace.sid)
  }
  return at + aceLength(ace)
}

const readAce = (r: Reader, at: number, end: number, field: string): { readonly ace: Ace; readonly next: number } => {
  if (at + ACE_HEADER > end) r.fail(`${field}.Header`, "OutOfBounds", `an ACE header needs 4 bytes, ${end - at} left in the ACL`, at)
  const type = r.u8(at, `${field}.AceType`)
  const flags = r.u8(at + 1, `${field}.AceFlags`)
  const size = r.u16(at + 2, `${field}.AceSize`)
  if (size < ACE_HEADER) r.fail(`${field}.AceSize`, "Invalid", `${size} < 4`, at + 2)
  if (at + size > end) r.fail(`${field}.AceSize`, "OutOfBounds", `${size} bytes, ${end - at} left in the ACL`, at + 2)
  const tag = sidAceTags.get(type)
  // A typed ACE is exactly its mask and SID; with anything else in it, it is kept whole as bytes.
  if (tag !== undefined && size >= SID_ACE_FIXED + SID_FIXED) {
    const sidCount = r.u8(at + SID_ACE_FIXED + 1, `${field}.Sid.SubAuthorityCount`)
    if (sidCount <= MAX_SUB_AUTHORITIES && size === SID_ACE_FIXED + SID_FIXED + 4 * sidCount) {
      const mask = r.u32(at + ACE_HEADER, `${field}.Mask`)
      const sid = readSid(r, at + SID_ACE_FIXED, at + size, `${field}.Sid`)
      return { ace: { _tag: tag, flags, mask, sid }, next: at + size }
    }
  }
  return { ace: { _tag: "RawAce", type, flags, body: r.bytesAt(at + ACE_HEADER, size - ACE_HEADER, `${field}.Body`) }, next: at + size }
}

// ---------------------------------------------------------------------------------------------
// ACL
// ---------------------------------------------------------------------------------------------

/**
 * An access control list (MS-DTYP 2.4.5): a DACL (who may do what) or a SACL (what is audited).
 *
 * @since 0.1.0
 * @category models
 */
export interface Acl {
  /** AclRevision: 2, or 4 when it holds object ACEs. */
  readonly revision: number
  readonly aces: ReadonlyArray<Ace>
}

const ACL_HEADER = 8

/** The encoded size of `acl`. @since 0.1.0 @category encoding */
export const aclLength = (acl: Acl): number => acl.aces.reduce((n, ace) => n + aceLength(ace), ACL_HEADER)

const writeAcl = (out: Uint8Array, v: DataView, at: number, acl: Acl): number => {
  v.setUint8(at, acl.revision)
  v.setUint16(at + 2, aclLength(acl), true)
  v.setUint16(at + 4, acl.aces.length, true)
  let next = at + ACL_HEADER
  for (const ace of acl.aces) next = writeAce(out, v, next, ace)
  return next
}

const readAcl = (r: Reader, at: number, field: string): Acl => {
  r.need(at, ACL_HEADER, field)
  const revision = r.u8(at, `${field}.AclRevision`)
  const size = r.u16(at + 2, `${field}.AclSize`)
  const count = r.u16(at + 4, `${field}.AceCount`)
  if (size < ACL_HEADER) r.fail(`${field}.AclSize`, "Invalid", `${size} < ${ACL_HEADER}`, at + 2)
  r.need(at, size, `${field}.AclSize`)
  const end = at + size
  const aces: Array<Ace> = []
  let next = at + ACL_HEADER
  for (let i = 0; i < count; i++) {
    const read = readAce(r, next, end, `${field}.Ace[${i}]`)
    aces.push(read.ace)
    next = read.next
  }
  return { revision, aces }
}

/** @since 0.1.0 @category encoding */
export const encodeAcl = (acl: Acl): Uint8Array => {
  const out = new Uint8Array(aclLength(acl))
  writeAcl(out, viewOf(out), 0, acl)
  return out
}

/** An ACL at the start of `buffer`. @since 0.1.0 @category decoding */
export const decodeAcl = (buffer: Uint8Array): Either.Either<Acl, DecodeError> =>
  decode("Acl", () => readAcl(new Reader(buffer, "Acl"), 0, "Acl"))

// ---------------------------------------------------------------------------------------------
// SECURITY_DESCRIPTOR, self-relative
// ---------------------------------------------------------------------------------------------

/**
 * A security descriptor. A part the query did not ask for (or the descriptor does not have) is
 * undefined. `control` is kept as sent; the encoder adds SELF_RELATIVE, and DACL_PRESENT /
 * SACL_PRESENT for an ACL that is there. DACL_PRESENT with no `dacl` is a NULL DACL: no
 * protection at all (everyone may do everything), which is not the same as an empty DACL (no one
 * may do anything).
 *
 * @since 0.1.0
 * @category models
 */
export interface SecurityDescriptor {
  /** 1. */
  readonly revision: number
  /** Sbz1: resource-manager bits, meaningful with RM_CONTROL_VALID; otherwise 0. */
  readonly resourceManagerControl: number
  /** SecurityDescriptorControl bits. */
  readonly control: number
  readonly owner?: Sid | undefined
  readonly group?: Sid | undefined
  readonly sacl?: Acl | undefined
  readonly dacl?: Acl | undefined
}

const SD_HEADER = 20

/** The encoded size of `sd`. @since 0.1.0 @category encoding */
export const securityDescriptorLength = (sd: SecurityDescriptor): number =>
  SD_HEADER + (sd.owner === undefined ? 0 : sidLength(sd.owner)) + (sd.group === undefined ? 0 : sidLength(sd.group)) +
  (sd.sacl === undefined ? 0 : aclLength(sd.sacl)) + (sd.dacl === undefined ? 0 : aclLength(sd.dacl))

/**
 * The order of the parts after the header. MS-DTYP leaves it free; Samba writes owner, group,
 * SACL, DACL (the default), Windows often SACL, DACL, owner, group (MS-DTYP 2.5.1.4's example).
 *
 * @since 0.1.0
 * @category models
 */
export type SecurityDescriptorLayout = ReadonlyArray<"owner" | "group" | "sacl" | "dacl">

/** @since 0.1.0 @category constants */
export const SAMBA_LAYOUT: SecurityDescriptorLayout = ["owner", "group", "sacl", "dacl"]

/** @since 0.1.0 @category constants */
export const WINDOWS_LAYOUT: SecurityDescriptorLayout = ["sacl", "dacl", "owner", "group"]

const offsetFields = { owner: 4, group: 8, sacl: 12, dacl: 16 } as const

/**
 * The self-relative form of `sd`, its parts in `layout`'s order (default SAMBA_LAYOUT).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeSecurityDescriptor = (sd: SecurityDescriptor, layout: SecurityDescriptorLayout = SAMBA_LAYOUT): Uint8Array => {
  const out = new Uint8Array(securityDescriptorLength(sd))
  const v = viewOf(out)
  const control = sd.control | SecurityDescriptorControl.SELF_RELATIVE |
    (sd.dacl === undefined ? 0 : SecurityDescriptorControl.DACL_PRESENT) |
    (sd.sacl === undefined ? 0 : SecurityDescriptorControl.SACL_PRESENT)
  v.setUint8(0, sd.revision)
  v.setUint8(1, sd.resourceManagerControl)
  v.setUint16(2, control, true)
  let at = SD_HEADER
  // Parts the layout leaves out (or repeats) still go in once each, in the default order after it.
  for (const part of new Set([...layout, ...SAMBA_LAYOUT])) {
    const value = sd[part]
    if (value === undefined) continue
    v.setUint32(offsetFields[part], at, true)
    at = "aces" in value ? writeAcl(out, v, at, value) : writeSid(v, at, value)
  }
  return out
}

/**
 * A self-relative security descriptor (what QUERY_INFO SECURITY returns). Parts may be anywhere
 * in the buffer, in any order, but not inside the 20-byte header; an ACL is read only when its
 * PRESENT bit is set, as MS-DTYP says.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeSecurityDescriptor = (buffer: Uint8Array): Either.Either<SecurityDescriptor, DecodeError> =>
  decode("SecurityDescriptor", () => {
    const r = new Reader(buffer, "SecurityDescriptor")
    r.need(0, SD_HEADER, "Header")
    const control = r.u16(2, "Control")
    if ((control & SecurityDescriptorControl.SELF_RELATIVE) === 0) r.fail("Control", "Invalid", "not self-relative", 2)
    const offset = (at: number, field: string): number | undefined => {
      const value = r.u32(at, field)
      if (value === 0) return undefined
      if (value < SD_HEADER) r.fail(field, "OutOfBounds", `${value} points into the header`, at)
      return value
    }
    const ownerAt = offset(4, "OffsetOwner")
    const groupAt = offset(8, "OffsetGroup")
    const saclAt = offset(12, "OffsetSacl")
    const daclAt = offset(16, "OffsetDacl")
    const present = (bit: number) => (control & bit) !== 0
    return {
      revision: r.u8(0, "Revision"),
      resourceManagerControl: r.u8(1, "Sbz1"),
      control,
      owner: ownerAt === undefined ? undefined : readSid(r, ownerAt, buffer.length, "Owner"),
      group: groupAt === undefined ? undefined : readSid(r, groupAt, buffer.length, "Group"),
      sacl: saclAt === undefined || !present(SecurityDescriptorControl.SACL_PRESENT) ? undefined : readAcl(r, saclAt, "Sacl"),
      dacl: daclAt === undefined || !present(SecurityDescriptorControl.DACL_PRESENT) ? undefined : readAcl(r, daclAt, "Dacl")
    }
  })

const isU = (bits: number) => (n: number) => Number.isInteger(n) && n >= 0 && n < 2 ** bits

const checkSid = (sid: Sid, field: string): string | undefined =>
  !isU(8)(sid.revision)
    ? `${field}.Revision`
    : sid.identifierAuthority < 0n || sid.identifierAuthority > MAX_AUTHORITY
    ? `${field}.IdentifierAuthority`
    : sid.subAuthorities.length > MAX_SUB_AUTHORITIES || !sid.subAuthorities.every(isU(32))
    ? `${field}.SubAuthority`
    : undefined

const checkAcl = (acl: Acl, field: string): string | undefined => {
  if (!isU(8)(acl.revision)) return `${field}.AclRevision`
  if (acl.aces.length > 0xffff || aclLength(acl) > 0xffff) return `${field}.AclSize`
  for (const [i, ace] of acl.aces.entries()) {
    const at = `${field}.Ace[${i}]`
    if (!isU(8)(ace.flags)) return `${at}.AceFlags`
    if (ace._tag === "RawAce") {
      if (!isU(8)(ace.type)) return `${at}.AceType`
    } else {
      if (!isU(32)(ace.mask)) return `${at}.Mask`
      const sid = checkSid(ace.sid, `${at}.Sid`)
      if (sid !== undefined) return sid
    }
  }
  return undefined
}

/**
 * `sd` when every field fits its wire width (and so encodes to what it says), or a DecodeError
 * ("Invalid", structure "SecurityDescriptor") naming the first field that does not.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkSecurityDescriptor = (sd: SecurityDescriptor): Either.Either<SecurityDescriptor, DecodeError> => {
  const bad = !isU(8)(sd.revision)
    ? "Revision"
    : !isU(8)(sd.resourceManagerControl)
    ? "Sbz1"
    : !isU(16)(sd.control)
    ? "Control"
    : (sd.owner && checkSid(sd.owner, "Owner")) ?? (sd.group && checkSid(sd.group, "Group")) ??
      (sd.sacl && checkAcl(sd.sacl, "Sacl")) ?? (sd.dacl && checkAcl(sd.dacl, "Dacl"))
  return bad === undefined
    ? Either.right(sd)
    : Either.left(new DecodeError({ reason: "Invalid", structure: "SecurityDescriptor", field: bad, detail: "out of range for its wire field" }))
}
