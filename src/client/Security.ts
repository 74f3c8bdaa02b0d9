/**
 * Security: a file's security descriptor (owner, group, DACL, SACL) read and written as a typed
 * value (QUERY_INFO / SET_INFO with InfoType SECURITY, MS-SMB2 2.2.37, 2.2.39). The codecs and
 * the models are wire/SecurityDescriptor's; the helpers a caller needs (SIDs, ACE flags, file
 * rights) are re-exported here. `Files` re-exports `getSecurity` and `setSecurity`.
 *
 * Access is asked for part by part: READ_CONTROL to read owner, group and DACL, WRITE_OWNER to
 * change owner or group, WRITE_DAC to change the DACL, ACCESS_SYSTEM_SECURITY for the SACL (which
 * needs the SeSecurityPrivilege on the server; Samba grants it to root and to members of its
 * administrators). A descriptor larger than the first guess is read again at the size the server
 * says it needs (STATUS_BUFFER_TOO_SMALL).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { RequestError } from "../errors.js"
import { AccessMask } from "../wire/Create.js"
import { InfoType, SecurityInformation } from "../wire/FileInformation.js"
import type { SecurityDescriptor } from "../wire/SecurityDescriptor.js"
import { checkSecurityDescriptor, decodeSecurityDescriptor, encodeSecurityDescriptor } from "../wire/SecurityDescriptor.js"
import type { FileHandle } from "./File.js"
import * as File from "./File.js"
import { named } from "./internal/named.js"
import * as Requests from "./internal/requests.js"
import type { TreeShape } from "./Tree.js"

/** @since 0.1.0 */
export type { Ace, Acl, SecurityDescriptor, Sid, SidAceTag } from "../wire/SecurityDescriptor.js"

/** @since 0.1.0 */
export {
  AceFlags,
  AceType,
  FileRights,
  parseSid,
  SecurityDescriptorControl,
  sidEquals,
  sidToString,
  WellKnownSid
} from "../wire/SecurityDescriptor.js"

/**
 * Which parts of the descriptor to read or write.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecurityParts {
  readonly owner?: boolean | undefined
  readonly group?: boolean | undefined
  readonly dacl?: boolean | undefined
  readonly sacl?: boolean | undefined
}

/** What `getSecurity` reads by default: everything but the SACL. */
const DEFAULT_PARTS: SecurityParts = { owner: true, group: true, dacl: true }

const informationBits = (parts: SecurityParts): number =>
  (parts.owner === true ? SecurityInformation.OWNER : 0) | (parts.group === true ? SecurityInformation.GROUP : 0) |
  (parts.dacl === true ? SecurityInformation.DACL : 0) | (parts.sacl === true ? SecurityInformation.SACL : 0)

/**
 * The access a handle needs to read `parts`.
 *
 * @since 0.1.0
 * @category utils
 */
export const readAccess = (parts: SecurityParts): number =>
  (parts.owner === true || parts.group === true || parts.dacl === true ? AccessMask.READ_CONTROL : 0) |
  (parts.sacl === true ? AccessMask.ACCESS_SYSTEM_SECURITY : 0)

/**
 * The access a handle needs to write `parts`.
 *
 * @since 0.1.0
 * @category utils
 */
export const writeAccess = (parts: SecurityParts): number =>
  (parts.owner === true || parts.group === true ? AccessMask.WRITE_OWNER : 0) | (parts.dacl === true ? AccessMask.WRITE_DAC : 0) |
  (parts.sacl === true ? AccessMask.ACCESS_SYSTEM_SECURITY : 0)

/** The parts `sd` holds: what `setSecurity` writes unless told otherwise. */
const partsOf = (sd: SecurityDescriptor): SecurityParts => ({
  owner: sd.owner !== undefined,
  group: sd.group !== undefined,
  dacl: sd.dacl !== undefined,
  sacl: sd.sacl !== undefined
})

// Most descriptors are a few hundred bytes; a larger one costs a second round trip.
const FIRST_GUESS = 1024

/**
 * Reads the security descriptor of the open file; the handle needs `readAccess(parts)`.
 *
 * @since 0.1.0
 * @category operations
 */
export const getHandleSecurity = (handle: FileHandle, parts: SecurityParts = DEFAULT_PARTS): Effect.Effect<SecurityDescriptor, RequestError> =>
  named(handle)(Effect.flatMap(
    Requests.queryInfoOf(handle.tree, handle.fileId, {
      infoType: InfoType.SECURITY,
      fileInfoClass: 0,
      additionalInformation: informationBits(parts),
      initial: FIRST_GUESS
    }),
    decodeSecurityDescriptor
  )).pipe(Effect.withSpan("smb.file.get_security", { attributes: { path: handle.path, share: handle.tree.share } }))

/**
 * Writes `parts` of `sd` (default: the parts `sd` holds) to the open file; the handle needs
 * `writeAccess(parts)`. A descriptor with a value out of range for its wire field fails with a
 * DecodeError before anything is sent.
 *
 * @since 0.1.0
 * @category operations
 */
export const setHandleSecurity = (
  handle: FileHandle,
  sd: SecurityDescriptor,
  parts: SecurityParts = partsOf(sd)
): Effect.Effect<void, RequestError> =>
  named(handle)(Effect.flatMap(checkSecurityDescriptor(sd), (checked) =>
    Requests.setInfoOf(handle.tree, handle.fileId, {
      infoType: InfoType.SECURITY,
      fileInfoClass: 0,
      additionalInformation: informationBits(parts),
      buffer: encodeSecurityDescriptor(checked)
    }))).pipe(Effect.withSpan("smb.file.set_security", { attributes: { path: handle.path, share: handle.tree.share } }))

/**
 * The security descriptor of `path`: by default its owner, group and DACL (opened with
 * READ_CONTROL only); `{ sacl: true }` adds the SACL, which needs the server's security privilege.
 *
 * @since 0.1.0
 * @category operations
 */
export const getSecurity = (tree: TreeShape, path: string, parts: SecurityParts = DEFAULT_PARTS): Effect.Effect<SecurityDescriptor, RequestError> =>
  Effect.scoped(Effect.flatMap(File.open(tree, path, { access: readAccess(parts) }), (handle) => getHandleSecurity(handle, parts))).pipe(
    Effect.withSpan("smb.files.get_security", { attributes: { share: tree.share, path } })
  )

/**
 * Writes `parts` of `sd` (default: those it holds) to `path`, opened with WRITE_OWNER, WRITE_DAC
 * and ACCESS_SYSTEM_SECURITY as those parts need. The usual round trip: `getSecurity`, change the
 * DACL's ACEs, `setSecurity(tree, path, { ...sd, dacl }, { dacl: true })`.
 *
 * @since 0.1.0
 * @category operations
 */
export const setSecurity = (
  tree: TreeShape,
  path: string,
  sd: SecurityDescriptor,
  parts: SecurityParts = partsOf(sd)
): Effect.Effect<void, RequestError> =>
  Effect.scoped(Effect.flatMap(File.open(tree, path, { access: writeAccess(parts) }), (handle) => setHandleSecurity(handle, sd, parts))).pipe(
    Effect.withSpan("smb.files.set_security", { attributes: { share: tree.share, path } })
  )
