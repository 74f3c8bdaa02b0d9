/**
 * DFS referrals (MS-DFSC 2.2.2, 2.2.4, 2.2.5): REQ_GET_DFS_REFERRAL, the input of
 * FSCTL_DFS_GET_REFERRALS, and RESP_GET_DFS_REFERRAL, its output, with referral entries of
 * versions 1 to 4.
 *
 * Unlike SMB2 bodies, a referral entry's string offsets count from the start of that entry, and
 * the strings (null-terminated UTF-16LE) sit after all the entries. PathConsumed counts bytes of
 * the request's UTF-16 name, not characters.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { concatBytes, decode, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** ReferralHeaderFlags (MS-DFSC 2.2.4). @since 0.1.0 @category constants */
export const ReferralHeaderFlags = {
  /** R: every target is a DFS root server (or a DC) that can answer referrals. */
  REFERRAL_SERVERS: 0x00000001,
  /** S: every target is a storage server: the remaining path is opened there. */
  STORAGE_SERVERS: 0x00000002,
  /** T: fail back to a better target once it is available again. */
  TARGET_FAILBACK: 0x00000004
} as const

/** ServerType of an entry (MS-DFSC 2.2.5.x). @since 0.1.0 @category constants */
export const DfsServerType = {
  /** The target is a link target (a share that is not a DFS root). */
  NON_ROOT: 0x0000,
  /** The target is a DFS root: further referrals may be needed below it. */
  ROOT: 0x0001
} as const

/** ReferralEntryFlags of version 3 and 4 entries (MS-DFSC 2.2.5.3). @since 0.1.0 @category constants */
export const ReferralEntryFlags = {
  /** A domain or DC referral: names, not paths (SpecialName, ExpandedNames). */
  NAME_LIST_REFERRAL: 0x0002,
  /** Version 4: this entry starts a new target set (a lower-cost group). */
  TARGET_SET_BOUNDARY: 0x0004
} as const

/**
 * REQ_GET_DFS_REFERRAL (MS-DFSC 2.2.2).
 *
 * @since 0.1.0
 * @category models
 */
export interface DfsReferralRequest {
  /** The highest entry version the client understands (4 here). */
  readonly maxReferralLevel: number
  /** "\\server\\share\\path" with a single leading backslash; "" for a domain referral. */
  readonly requestFileName: string
}

/**
 * One referral entry. Versions 1 and 2 always name paths; versions 3 and 4 name either paths
 * ("Path") or, for domain and DC referrals, names ("NameList").
 *
 * @since 0.1.0
 * @category models
 */
export type DfsReferralEntry =
  | {
    readonly _tag: "V1"
    readonly version: 1
    readonly serverType: number
    readonly flags: number
    /** The target, "\\server\\share". */
    readonly shareName: string
  }
  | {
    readonly _tag: "Path"
    readonly version: 2 | 3 | 4
    readonly serverType: number
    readonly flags: number
    /** Seconds the entry may be cached. */
    readonly timeToLive: number
    /** Version 2 only (0 otherwise). */
    readonly proximity: number
    /** The prefix of the request path this entry resolves, "\\server\\share[\\link]". */
    readonly dfsPath: string
    readonly dfsAlternatePath: string
    /** The target, "\\server\\share[\\path]". */
    readonly networkAddress: string
  }
  | {
    readonly _tag: "NameList"
    readonly version: 3 | 4
    readonly serverType: number
    readonly flags: number
    readonly timeToLive: number
    /** The domain name (domain referral) or the domain a DC list is for. */
    readonly specialName: string
    /** The DC names (a DC referral); empty for a domain referral. */
    readonly expandedNames: ReadonlyArray<string>
  }

/**
 * RESP_GET_DFS_REFERRAL (MS-DFSC 2.2.4).
 *
 * @since 0.1.0
 * @category models
 */
export interface DfsReferralResponse {
  /** Bytes of the request's UTF-16 name that the referral resolves. */
  readonly pathConsumed: number
  readonly headerFlags: number
  readonly entries: ReadonlyArray<DfsReferralEntry>
}

/** @since 0.1.0 @category encoding */
export const encodeDfsReferralRequest = (request: DfsReferralRequest): Uint8Array => {
  const name = encodeUtf16(request.requestFileName)
  const out = new Uint8Array(2 + name.length + 2)
  viewOf(out).setUint16(0, request.maxReferralLevel, true)
  out.set(name, 2)
  return out
}

/** Reads a null-terminated UTF-16LE string starting at `offset`. */
const cString = (r: Reader, offset: number, field: string): string => {
  let end = offset
  while (r.u16(end, field) !== 0) end += 2
  return r.utf16At(offset, end - offset, field)
}

/** @since 0.1.0 @category decoding */
export const decodeDfsReferralRequest = (input: Uint8Array): Either.Either<DfsReferralRequest, DecodeError> =>
  decode("DfsReferralRequest", () => {
    const r = new Reader(input, "DfsReferralRequest")
    return { maxReferralLevel: r.u16(0, "MaxReferralLevel"), requestFileName: cString(r, 2, "RequestFileName") }
  })

const HEADER = 8
const V1_FIXED = 8
const V2_FIXED = 22
const V3_FIXED = 34

const entryAt = (r: Reader, at: number, i: number): { readonly entry: DfsReferralEntry; readonly size: number } => {
  const field = `Referral[${i}]`
  const version = r.u16(at, `${field}.VersionNumber`)
  const size = r.u16(at + 2, `${field}.Size`)
  const serverType = r.u16(at + 4, `${field}.ServerType`)
  const flags = r.u16(at + 6, `${field}.ReferralEntryFlags`)
  const string = (offsetAt: number, name: string) => cString(r, at + r.u16(offsetAt, `${field}.${name}Offset`), `${field}.${name}`)
  switch (version) {
    case 1: {
      if (size < V1_FIXED) r.fail(`${field}.Size`, "Invalid", `version 1 entry of ${size} bytes`, at + 2)
      return { entry: { _tag: "V1", version, serverType, flags, shareName: cString(r, at + V1_FIXED, `${field}.ShareName`) }, size }
    }
    case 2: {
      if (size < V2_FIXED) r.fail(`${field}.Size`, "Invalid", `version 2 entry of ${size} bytes`, at + 2)
      return {
        entry: {
          _tag: "Path",
          version,
          serverType,
          flags,
          proximity: r.u32(at + 8, `${field}.Proximity`),
          timeToLive: r.u32(at + 12, `${field}.TimeToLive`),
          dfsPath: string(at + 16, "DFSPath"),
          dfsAlternatePath: string(at + 18, "DFSAlternatePath"),
          networkAddress: string(at + 20, "NetworkAddress")
        },
        size
      }
    }
    case 3:
    case 4: {
      if (size < V3_FIXED - 16) r.fail(`${field}.Size`, "Invalid", `version ${version} entry of ${size} bytes`, at + 2)
      const timeToLive = r.u32(at + 8, `${field}.TimeToLive`)
      if ((flags & ReferralEntryFlags.NAME_LIST_REFERRAL) !== 0) {
        const count = r.u16(at + 14, `${field}.NumberOfExpandedNames`)
        const namesAt = at + r.u16(at + 16, `${field}.ExpandedNameOffset`)
        const expandedNames: Array<string> = []
        for (let n = 0, p = namesAt; n < count; n++) {
          const name = cString(r, p, `${field}.ExpandedName[${n}]`)
          expandedNames.push(name)
          p += name.length * 2 + 2
        }
        return {
          entry: { _tag: "NameList", version, serverType, flags, timeToLive, specialName: string(at + 12, "SpecialName"), expandedNames },
          size
        }
      }
      return {
        entry: {
          _tag: "Path",
          version,
          serverType,
          flags,
          proximity: 0,
          timeToLive,
          dfsPath: string(at + 12, "DFSPath"),
          dfsAlternatePath: string(at + 14, "DFSAlternatePath"),
          networkAddress: string(at + 16, "NetworkAddress")
        },
        size
      }
    }
    default:
      return r.fail(`${field}.VersionNumber`, "Invalid", `unknown referral version ${version}`, at)
  }
}

/** @since 0.1.0 @category decoding */
export const decodeDfsReferralResponse = (output: Uint8Array): Either.Either<DfsReferralResponse, DecodeError> =>
  decode("DfsReferralResponse", () => {
    const r = new Reader(output, "DfsReferralResponse")
    r.need(0, HEADER, "Header")
    const count = r.u16(2, "NumberOfReferrals")
    const entries: Array<DfsReferralEntry> = []
    for (let i = 0, at = HEADER; i < count; i++) {
      const { entry, size } = entryAt(r, at, i)
      entries.push(entry)
      at += size
    }
    return { pathConsumed: r.u16(0, "PathConsumed"), headerFlags: r.u32(4, "ReferralHeaderFlags"), entries }
  })

const cBytes = (text: string): Uint8Array => {
  const name = encodeUtf16(text)
  const out = new Uint8Array(name.length + 2)
  out.set(name)
  return out
}

const fixedSize = (entry: DfsReferralEntry): number =>
  entry._tag === "V1" ? V1_FIXED : entry.version === 2 ? V2_FIXED : V3_FIXED

/**
 * Encodes a response the way Windows and Samba lay it out: the fixed entries, then every
 * entry's strings. Version 1 entries carry their name inline.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeDfsReferralResponse = (response: DfsReferralResponse): Uint8Array => {
  const inline = (entry: DfsReferralEntry) => (entry._tag === "V1" ? cBytes(entry.shareName).length : 0)
  const sizes = response.entries.map((entry) => fixedSize(entry) + inline(entry))
  const strings = response.entries.map((entry): ReadonlyArray<Uint8Array> =>
    entry._tag === "Path"
      ? [cBytes(entry.dfsPath), cBytes(entry.dfsAlternatePath), cBytes(entry.networkAddress)]
      : entry._tag === "NameList"
      ? [cBytes(entry.specialName), concatBytes(entry.expandedNames.map(cBytes))]
      : []
  )
  const fixedTotal = sizes.reduce((n, s) => n + s, 0)
  const stringTotal = strings.reduce((n, parts) => n + parts.reduce((m, p) => m + p.length, 0), 0)
  const out = new Uint8Array(HEADER + fixedTotal + stringTotal)
  const v = viewOf(out)
  v.setUint16(0, response.pathConsumed, true)
  v.setUint16(2, response.entries.length, true)
  v.setUint32(4, response.headerFlags, true)
  let at = HEADER
  let stringAt = HEADER + fixedTotal
  response.entries.forEach((entry, i) => {
    v.setUint16(at, entry.version, true)
    v.setUint16(at + 2, sizes[i]!, true)
    v.setUint16(at + 4, entry.serverType, true)
    v.setUint16(at + 6, entry.flags, true)
    const place = (offsetAt: number, bytes: Uint8Array) => {
      v.setUint16(offsetAt, stringAt - at, true)
      out.set(bytes, stringAt)
      stringAt += bytes.length
    }
    const [first, second, third] = strings[i]!
    if (entry._tag === "V1") {
      out.set(cBytes(entry.shareName), at + V1_FIXED)
    } else if (entry._tag === "NameList") {
      v.setUint32(at + 8, entry.timeToLive, true)
      place(at + 12, first!)
      v.setUint16(at + 14, entry.expandedNames.length, true)
      place(at + 16, second!)
    } else if (entry.version === 2) {
      v.setUint32(at + 8, entry.proximity, true)
      v.setUint32(at + 12, entry.timeToLive, true)
      place(at + 16, first!)
      place(at + 18, second!)
      place(at + 20, third!)
    } else {
      v.setUint32(at + 8, entry.timeToLive, true)
      place(at + 12, first!)
      place(at + 14, second!)
      place(at + 16, third!)
    }
    at += sizes[i]!
  })
  return out
}
