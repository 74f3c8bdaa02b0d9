/**
 * Metadata: a file's times and attributes set (SET_INFO FileBasicInformation), and its alternate
 * data streams listed (QUERY_INFO FileStreamInformation). Each operation exists on a path (it
 * opens the file with no more access than it needs, acts and closes) and on an open handle.
 * `Files` re-exports the path forms.
 *
 * A stream is named like a file, `path:stream` ("report.txt:summary"): every Files operation
 * (readFile, writeFile, stat, remove, ...) takes that form, since the name goes to the server as
 * it is. The server must support named streams (Windows does; Samba with `vfs objects =
 * streams_xattr`); one that does not refuses such names with an error status.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { InvalidState } from "../errors.js"
import type { RequestError } from "../errors.js"
import { AccessMask, FileAttributes } from "../wire/Create.js"
import {
  decodeFileBasicInformation,
  decodeFileStreamInformation,
  encodeFileBasicInformation,
  FileInformationClass,
  InfoType
} from "../wire/FileInformation.js"
import { dateToFileTime } from "../wire/FileTime.js"
import type { FileHandle, OpenOptions } from "./File.js"
import * as File from "./File.js"
import { named } from "./internal/named.js"
import * as Requests from "./internal/requests.js"
import type { TreeShape } from "./Tree.js"

/**
 * The times to set; those left out stay as they are (a FILETIME of 0 on the wire, MS-FSCC
 * 2.4.7). The server keeps its own precision (Samba: what the file system stores; FILETIME
 * ticks are 100 ns, a Date has milliseconds). `changed` is the metadata-change time; servers
 * may ignore it (Samba does: a POSIX file system sets ctime itself).
 *
 * @since 0.1.0
 * @category models
 */
export interface Times {
  readonly created?: Date | undefined
  readonly accessed?: Date | undefined
  readonly written?: Date | undefined
  readonly changed?: Date | undefined
}

/**
 * The attributes to change: true sets, false clears, left out keeps.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttributeChanges {
  readonly readOnly?: boolean | undefined
  readonly hidden?: boolean | undefined
  readonly system?: boolean | undefined
  readonly archive?: boolean | undefined
}

/**
 * One data stream of a file.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamInfo {
  /** "" for the file's unnamed (main) stream; otherwise the name to use as `path:name`. */
  readonly name: string
  /** The stream type, "$DATA" for data streams. */
  readonly type: string
  readonly size: number
  readonly allocationSize: number
}

const withFile = <A>(
  tree: TreeShape,
  path: string,
  options: OpenOptions,
  use: (handle: FileHandle) => Effect.Effect<A, RequestError>
): Effect.Effect<A, RequestError> => Effect.scoped(Effect.flatMap(File.open(tree, path, options), use))

const span = (name: string, tree: TreeShape, attributes: Record<string, unknown>) =>
  Effect.withSpan(`smb.files.${name}`, { attributes: { share: tree.share, ...attributes } })

// FILETIME values 0, -1 and -2 mean "leave", "stop updating" and "resume updating": a Date must
// map to a positive FILETIME (1601-01-01 or later) that fits 63 bits.
const MAX_FILETIME = (1n << 63n) - 1n

const toFileTime = (field: string, date: Date | undefined): Effect.Effect<bigint, InvalidState> => {
  if (date === undefined) return Effect.succeed(0n)
  const time = date.getTime()
  const fileTime = Number.isFinite(time) ? dateToFileTime(time) : -1n
  return fileTime > 0n && fileTime <= MAX_FILETIME
    ? Effect.succeed(fileTime)
    : Effect.fail(new InvalidState({ reason: "BadRange", detail: `${field} time ${String(date)} is not a date SMB can carry (1601 and after)` }))
}

const setBasic = (handle: FileHandle, basic: Parameters<typeof encodeFileBasicInformation>[0]) =>
  Requests.setInfoOf(handle.tree, handle.fileId, {
    infoType: InfoType.FILE,
    fileInfoClass: FileInformationClass.FileBasicInformation,
    additionalInformation: 0,
    buffer: encodeFileBasicInformation(basic)
  })

/**
 * Sets the times of the open file (SET_INFO FileBasicInformation); attributes stay. The handle
 * needs FILE_WRITE_ATTRIBUTES. Set on a handle, a time stays as set when the handle later writes.
 *
 * @since 0.1.0
 * @category operations
 */
export const setHandleTimes = (handle: FileHandle, times: Times): Effect.Effect<void, RequestError> =>
  Effect.gen(function*() {
    const basic = {
      creationTime: yield* toFileTime("created", times.created),
      lastAccessTime: yield* toFileTime("accessed", times.accessed),
      lastWriteTime: yield* toFileTime("written", times.written),
      changeTime: yield* toFileTime("changed", times.changed),
      fileAttributes: 0
    }
    yield* named(handle)(setBasic(handle, basic))
  }).pipe(Effect.withSpan("smb.file.set_times", { attributes: { path: handle.path, share: handle.tree.share } }))

/**
 * Sets the times of `path` (see `Times`): opened with FILE_WRITE_ATTRIBUTES only, so an ACL that
 * allows no more still allows this.
 *
 * @since 0.1.0
 * @category operations
 */
export const setTimes = (tree: TreeShape, path: string, times: Times): Effect.Effect<void, RequestError> =>
  withFile(tree, path, { access: AccessMask.FILE_WRITE_ATTRIBUTES }, (handle) => setHandleTimes(handle, times)).pipe(
    span("set_times", tree, { path })
  )

const attributeBits: ReadonlyArray<readonly [keyof AttributeChanges, number]> = [
  ["readOnly", FileAttributes.READONLY],
  ["hidden", FileAttributes.HIDDEN],
  ["system", FileAttributes.SYSTEM],
  ["archive", FileAttributes.ARCHIVE]
]

/**
 * The attributes after `changes`. NORMAL only stands alone, and 0 in SET_INFO means "leave the
 * attributes as they are" (MS-FSCC 2.4.7), so clearing the last attribute sends NORMAL.
 */
const applyChanges = (attributes: number, changes: AttributeChanges): number => {
  let next = attributes & ~FileAttributes.NORMAL
  for (const [key, bit] of attributeBits) {
    if (changes[key] === true) next |= bit
    if (changes[key] === false) next &= ~bit
  }
  return next === 0 ? FileAttributes.NORMAL : next
}

/**
 * Changes attributes of the open file: reads them (QUERY_INFO FileBasicInformation), applies
 * `changes` and writes them back with the times left as they are. Returns the attributes now
 * set. The handle needs FILE_READ_ATTRIBUTES and FILE_WRITE_ATTRIBUTES.
 *
 * @since 0.1.0
 * @category operations
 */
export const setHandleAttributes = (handle: FileHandle, changes: AttributeChanges): Effect.Effect<number, RequestError> =>
  named(handle)(Effect.gen(function*() {
    const output = yield* Requests.queryInfoOf(handle.tree, handle.fileId, {
      infoType: InfoType.FILE,
      fileInfoClass: FileInformationClass.FileBasicInformation,
      additionalInformation: 0,
      initial: 40
    })
    const basic = yield* decodeFileBasicInformation(output)
    const fileAttributes = applyChanges(basic.fileAttributes, changes)
    if (fileAttributes !== basic.fileAttributes) {
      yield* setBasic(handle, { creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n, fileAttributes })
    }
    return fileAttributes
  })).pipe(Effect.withSpan("smb.file.set_attributes", { attributes: { path: handle.path, share: handle.tree.share } }))

/**
 * Sets or clears read-only, hidden, system and archive on `path` (a file or a directory); the
 * other attributes and the times stay. Opened with FILE_READ_ATTRIBUTES and FILE_WRITE_ATTRIBUTES
 * only. Returns the attributes now set (FileAttributes bits, see wire/Create).
 *
 * @since 0.1.0
 * @category operations
 */
export const setAttributes = (tree: TreeShape, path: string, changes: AttributeChanges): Effect.Effect<number, RequestError> =>
  withFile(
    tree,
    path,
    { access: AccessMask.FILE_READ_ATTRIBUTES | AccessMask.FILE_WRITE_ATTRIBUTES },
    (handle) => setHandleAttributes(handle, changes)
  ).pipe(span("set_attributes", tree, { path, ...changes }))

const STREAM_BUFFER = 4096

/** ":name:$DATA" -> name "name", type "$DATA"; "::$DATA" -> "" and "$DATA". */
const toStreamInfo = (entry: { readonly streamName: string; readonly streamSize: bigint; readonly streamAllocationSize: bigint }): StreamInfo => {
  const text = entry.streamName.startsWith(":") ? entry.streamName.slice(1) : entry.streamName
  const colon = text.lastIndexOf(":")
  return {
    name: colon < 0 ? text : text.slice(0, colon),
    type: colon < 0 ? "" : text.slice(colon + 1),
    size: Number(entry.streamSize),
    allocationSize: Number(entry.streamAllocationSize)
  }
}

/**
 * The data streams of the open file (QUERY_INFO FileStreamInformation), in the server's order
 * (Samba lists the named ones first); a directory usually has none.
 *
 * @since 0.1.0
 * @category operations
 */
export const handleStreams = (handle: FileHandle): Effect.Effect<ReadonlyArray<StreamInfo>, RequestError> =>
  named(handle)(Effect.gen(function*() {
    const output = yield* Requests.queryInfoOf(handle.tree, handle.fileId, {
      infoType: InfoType.FILE,
      fileInfoClass: FileInformationClass.FileStreamInformation,
      additionalInformation: 0,
      initial: STREAM_BUFFER
    })
    return (yield* decodeFileStreamInformation(output)).map(toStreamInfo)
  })).pipe(Effect.withSpan("smb.file.streams", { attributes: { path: handle.path, share: handle.tree.share } }))

/**
 * The data streams of `path`: the unnamed one (name "") and each alternate stream, with sizes.
 * Opened with FILE_READ_ATTRIBUTES only.
 *
 * @since 0.1.0
 * @category operations
 */
export const streams = (tree: TreeShape, path: string): Effect.Effect<ReadonlyArray<StreamInfo>, RequestError> =>
  withFile(tree, path, { access: AccessMask.FILE_READ_ATTRIBUTES }, handleStreams).pipe(span("streams", tree, { path }))
