/**
 * The srvsvc interface (MS-SRVS), as much as listing shares needs: NetrShareEnum (opnum 15,
 * "NetShareEnumAll" in smbclient's words) at information level 1, whose entries are
 * SHARE_INFO_1 { [string] wchar_t* shi1_netname; DWORD shi1_type; [string] wchar_t* shi1_remark }.
 *
 * The request (MS-SRVS 3.1.4.8), in NDR:
 *   ServerName     [in, string, unique] wchar_t*
 *   InfoStruct     [in, out] SHARE_ENUM_STRUCT* (a reference pointer: no referent id)
 *                    { DWORD Level; [switch_is(Level)] union { SHARE_INFO_1_CONTAINER* Level1 } }
 *   PreferedMaximumLength [in] DWORD (0xFFFFFFFF: everything)
 *   ResumeHandle   [in, out, unique] DWORD*
 * and the response: InfoStruct, TotalEntries [out] DWORD*, ResumeHandle, then the DWORD status.
 * The container is { DWORD EntriesRead; [size_is(EntriesRead)] SHARE_INFO_1* Buffer }: a
 * conformant array of fixed parts, then each entry's two strings, in order.
 *
 * Hand-written, as the rest of the codecs (see Ndr.ts).
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { decode } from "../wire/Reader.js"
import { NdrReader, NdrWriter } from "./Ndr.js"
import type { SyntaxId } from "./Pdu.js"

/** The srvsvc interface, 4b324fc8-1670-01d3-1278-5a47bf6ee188 version 3.0. @since 0.1.0 @category constants */
export const SRVSVC: SyntaxId = { uuid: "4b324fc8-1670-01d3-1278-5a47bf6ee188", major: 3, minor: 0 }

/** The NDR 2.0 transfer syntax, 8a885d04-1ceb-11c9-9fe8-08002b104860 version 2. @since 0.1.0 @category constants */
export const NDR20: SyntaxId = { uuid: "8a885d04-1ceb-11c9-9fe8-08002b104860", major: 2, minor: 0 }

/** The pipe srvsvc listens on, as CREATE names it on IPC$. @since 0.1.0 @category constants */
export const PIPE_NAME = "srvsvc"

/** @since 0.1.0 @category constants */
export const Opnum = {
  NetrShareEnum: 15
} as const

/** Share types (MS-SRVS 2.2.2.4): the low bits say what it is, the high bits qualify it. @since 0.1.0 @category constants */
export const ShareType = {
  DISKTREE: 0x00000000,
  PRINTQ: 0x00000001,
  DEVICE: 0x00000002,
  IPC: 0x00000003,
  CLUSTER_FS: 0x02000000,
  CLUSTER_SOFS: 0x04000000,
  CLUSTER_DFS: 0x08000000,
  TEMPORARY: 0x40000000,
  SPECIAL: 0x80000000
} as const

/** Everything a server may send at once (PreferedMaximumLength = MAX_PREFERRED_LENGTH). @since 0.1.0 @category constants */
export const MAX_PREFERRED_LENGTH = 0xffffffff

/**
 * SHARE_INFO_1 as the wire carries it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ShareInfo1 {
  readonly netname: string
  readonly type: number
  readonly remark: string
}

/**
 * The arguments of NetrShareEnum at level 1 (the request carries an empty container).
 *
 * @since 0.1.0
 * @category models
 */
export interface NetrShareEnumRequest {
  /** "\\\\server"; undefined sends a null pointer. */
  readonly serverName: string | undefined
  readonly preferedMaximumLength: number
  /** undefined sends a null pointer. */
  readonly resumeHandle: number | undefined
}

/**
 * What NetrShareEnum returns at level 1.
 *
 * @since 0.1.0
 * @category models
 */
export interface NetrShareEnumResponse {
  readonly level: number
  /** undefined when the server sent a null container pointer. */
  readonly shares: ReadonlyArray<ShareInfo1> | undefined
  readonly totalEntries: number
  readonly resumeHandle: number | undefined
  /** The NET_API_STATUS: 0 (success), 234 (ERROR_MORE_DATA), or an error. */
  readonly status: number
}

const LEVEL_1 = 1

/** @since 0.1.0 @category encoding */
export const encodeNetrShareEnumRequest = (req: NetrShareEnumRequest): Uint8Array => {
  const w = new NdrWriter()
  w.pointer(req.serverName !== undefined)
  if (req.serverName !== undefined) w.string(req.serverName)
  // InfoStruct: Level, the union's discriminant, the arm (a pointer to an empty container).
  w.u32(LEVEL_1).u32(LEVEL_1).pointer(true)
  w.u32(0).pointer(false)
  w.u32(req.preferedMaximumLength)
  w.pointer(req.resumeHandle !== undefined)
  if (req.resumeHandle !== undefined) w.u32(req.resumeHandle)
  return w.finish()
}

/** @since 0.1.0 @category decoding */
export const decodeNetrShareEnumRequest = (stub: Uint8Array): Either.Either<NetrShareEnumRequest, DecodeError> =>
  decode("NetrShareEnumRequest", () => {
    const r = new NdrReader(stub, "NetrShareEnumRequest")
    const serverName = r.pointer("ServerName") ? r.string("ServerName") : undefined
    const level = r.u32("Level")
    const arm = r.u32("Switch")
    if (level !== LEVEL_1 || arm !== LEVEL_1) r.fail("Level", "Invalid", `level ${level}, union arm ${arm}; only level 1 is read`)
    if (r.pointer("Level1")) {
      r.u32("EntriesRead")
      if (r.pointer("Buffer")) r.fail("Buffer", "Invalid", "a request carries no entries")
    }
    const preferedMaximumLength = r.u32("PreferedMaximumLength")
    const resumeHandle = r.pointer("ResumeHandle") ? r.u32("ResumeHandle") : undefined
    return { serverName, preferedMaximumLength, resumeHandle }
  })

/** @since 0.1.0 @category encoding */
export const encodeNetrShareEnumResponse = (res: NetrShareEnumResponse): Uint8Array => {
  const w = new NdrWriter()
  w.u32(res.level).u32(res.level).pointer(res.shares !== undefined)
  if (res.shares !== undefined) {
    w.u32(res.shares.length).pointer(true)
    w.u32(res.shares.length)
    for (const share of res.shares) w.pointer(true).u32(share.type).pointer(true)
    for (const share of res.shares) w.string(share.netname).string(share.remark)
  }
  w.u32(res.totalEntries)
  w.pointer(res.resumeHandle !== undefined)
  if (res.resumeHandle !== undefined) w.u32(res.resumeHandle)
  w.u32(res.status)
  return w.finish()
}

/** @since 0.1.0 @category decoding */
export const decodeNetrShareEnumResponse = (stub: Uint8Array): Either.Either<NetrShareEnumResponse, DecodeError> =>
  decode("NetrShareEnumResponse", () => {
    const r = new NdrReader(stub, "NetrShareEnumResponse")
    const level = r.u32("Level")
    const arm = r.u32("Switch")
    if (level !== LEVEL_1 || arm !== LEVEL_1) r.fail("Level", "Invalid", `level ${level}, union arm ${arm}; only level 1 is read`)
    let shares: Array<ShareInfo1> | undefined
    if (r.pointer("Level1")) {
      const entriesRead = r.u32("EntriesRead")
      shares = []
      if (r.pointer("Buffer")) {
        // Each fixed part is 12 bytes: two referent ids and the type.
        const count = r.count("BufferCount", 12)
        if (count !== entriesRead) r.fail("BufferCount", "Invalid", `array of ${count} for EntriesRead ${entriesRead}`)
        const fixed: Array<{ name: boolean; type: number; remark: boolean }> = []
        for (let i = 0; i < count; i++) {
          fixed.push({ name: r.pointer("shi1_netname"), type: r.u32("shi1_type"), remark: r.pointer("shi1_remark") })
        }
        for (const entry of fixed) {
          const netname = entry.name ? r.string("shi1_netname") : ""
          const remark = entry.remark ? r.string("shi1_remark") : ""
          shares.push({ netname, type: entry.type, remark })
        }
      } else if (entriesRead !== 0) {
        r.fail("Buffer", "Invalid", `null buffer for EntriesRead ${entriesRead}`)
      }
    }
    const totalEntries = r.u32("TotalEntries")
    const resumeHandle = r.pointer("ResumeHandle") ? r.u32("ResumeHandle") : undefined
    const status = r.u32("Status")
    return { level, shares, totalEntries, resumeHandle, status }
  })
