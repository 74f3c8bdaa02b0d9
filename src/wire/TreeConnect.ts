/**
 * SMB2 TREE_CONNECT request and response (MS-SMB2 2.2.9, 2.2.10).
 *
 * The request is modelled as Flags + the UTF-16 path "\\server\share". The 3.1.1 request
 * extension (EXTENSION_PRESENT, 2.2.9.1, used only for remoted identity) is not modelled: such a
 * request decodes to its flags and the path that PathOffset/PathLength point at, and its tree
 * connect contexts are not kept.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type { DecodeError } from "../errors.js"
import { HEADER_SIZE } from "./Header.js"
import { decode, encodeUtf16, Reader, viewOf } from "./Reader.js"

/** Request Flags (3.1.1; Reserved before). @since 0.1.0 @category constants */
export const TreeConnectFlags = {
  CLUSTER_RECONNECT: 0x0001,
  REDIRECT_TO_OWNER: 0x0002,
  EXTENSION_PRESENT: 0x0004
} as const

/** @since 0.1.0 @category constants */
export const ShareType = {
  DISK: 0x01,
  PIPE: 0x02,
  PRINT: 0x03
} as const

/**
 * ShareFlags. The offline caching policy is a 2-bit field (mask CACHING_MASK), not a bit set:
 * MANUAL_CACHING is its zero value.
 *
 * @since 0.1.0
 * @category constants
 */
export const ShareFlags = {
  MANUAL_CACHING: 0x00000000,
  AUTO_CACHING: 0x00000010,
  VDO_CACHING: 0x00000020,
  NO_CACHING: 0x00000030,
  CACHING_MASK: 0x00000030,
  DFS: 0x00000001,
  DFS_ROOT: 0x00000002,
  RESTRICT_EXCLUSIVE_OPENS: 0x00000100,
  FORCE_SHARED_DELETE: 0x00000200,
  ALLOW_NAMESPACE_CACHING: 0x00000400,
  ACCESS_BASED_DIRECTORY_ENUM: 0x00000800,
  FORCE_LEVELII_OPLOCK: 0x00001000,
  ENABLE_HASH_V1: 0x00002000,
  ENABLE_HASH_V2: 0x00004000,
  ENCRYPT_DATA: 0x00008000,
  IDENTITY_REMOTING: 0x00040000,
  COMPRESS_DATA: 0x00100000,
  ISOLATED_TRANSPORT: 0x00200000
} as const

/** Share Capabilities. @since 0.1.0 @category constants */
export const ShareCapabilities = {
  DFS: 0x00000008,
  CONTINUOUS_AVAILABILITY: 0x00000010,
  SCALEOUT: 0x00000020,
  CLUSTER: 0x00000040,
  ASYMMETRIC: 0x00000080,
  REDIRECT_TO_OWNER: 0x00000100
} as const

/** @since 0.1.0 @category models */
export interface TreeConnectRequest {
  readonly flags: number
  /** "\\server\share". */
  readonly path: string
}

/** @since 0.1.0 @category models */
export interface TreeConnectResponse {
  readonly shareType: number
  readonly shareFlags: number
  readonly capabilities: number
  /** The access mask the user has on the share's root. */
  readonly maximalAccess: number
}

const REQUEST_STRUCTURE_SIZE = 9
const REQUEST_FIXED_SIZE = 8
const RESPONSE_STRUCTURE_SIZE = 16

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeTreeConnectRequest = (request: TreeConnectRequest): Uint8Array => {
  const path = encodeUtf16(request.path)
  const out = new Uint8Array(REQUEST_FIXED_SIZE + Math.max(path.byteLength, 1))
  const v = viewOf(out)
  v.setUint16(0, REQUEST_STRUCTURE_SIZE, true)
  v.setUint16(2, request.flags, true)
  v.setUint16(4, HEADER_SIZE + REQUEST_FIXED_SIZE, true)
  v.setUint16(6, path.byteLength, true)
  out.set(path, REQUEST_FIXED_SIZE)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeTreeConnectRequest = (message: Uint8Array): Either.Either<TreeConnectRequest, DecodeError> =>
  decode("TreeConnectRequest", () => {
    const r = new Reader(message, "TreeConnectRequest")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", REQUEST_STRUCTURE_SIZE)
    const flags = r.u16(b + 2, "Flags")
    const pathOffset = r.u16(b + 4, "PathOffset")
    const pathLength = r.u16(b + 6, "PathLength")
    return { flags, path: pathLength === 0 ? "" : r.utf16At(pathOffset, pathLength, "Path") }
  })

/**
 * @since 0.1.0
 * @category encoding
 */
export const encodeTreeConnectResponse = (response: TreeConnectResponse): Uint8Array => {
  const out = new Uint8Array(RESPONSE_STRUCTURE_SIZE)
  const v = viewOf(out)
  v.setUint16(0, RESPONSE_STRUCTURE_SIZE, true)
  v.setUint8(2, response.shareType)
  v.setUint32(4, response.shareFlags >>> 0, true)
  v.setUint32(8, response.capabilities >>> 0, true)
  v.setUint32(12, response.maximalAccess >>> 0, true)
  return out
}

/**
 * @since 0.1.0
 * @category decoding
 */
export const decodeTreeConnectResponse = (message: Uint8Array): Either.Either<TreeConnectResponse, DecodeError> =>
  decode("TreeConnectResponse", () => {
    const r = new Reader(message, "TreeConnectResponse")
    const b = HEADER_SIZE
    r.expectU16(b, "StructureSize", RESPONSE_STRUCTURE_SIZE)
    return {
      shareType: r.u8(b + 2, "ShareType"),
      shareFlags: r.u32(b + 4, "ShareFlags"),
      capabilities: r.u32(b + 8, "Capabilities"),
      maximalAccess: r.u32(b + 12, "MaximalAccess")
    }
  })
