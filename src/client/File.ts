/**
 * File: an open file or directory on a tree (MS-SMB2 3.2.4.3 and after), and everything done
 * through its handle: read and write with large MTU, streaming both ways, stat, truncate,
 * rename, delete, directory listing and change notification.
 *
 * Throughput is the point of the read and write paths. A transfer is cut into chunks of the
 * negotiated maximum read or write size (bounded by the credit backlog: one credit per 64 KiB),
 * several chunks are in flight at once (the credit window may make some wait; the single worker,
 * which serves one request at a time, gets one chunk at a time), READ data reaches the caller as a
 * view into the received frame, and WRITE data goes out as [head, data] parts, never joined.
 *
 * Every request may go async (STATUS_PENDING): Samba answers a slow READ or WRITE, or a CREATE
 * that breaks another client's oplock, with an interim response. Interrupting such a wait sends
 * CANCEL (the worker does it). A handle is closed when its Scope closes, or earlier by `close`.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type * as Scope from "effect/Scope"
import type { RequestError } from "../errors.js"
import { InvalidState } from "../errors.js"
import { ChangeNotifyFlags, CompletionFilter, FileAction } from "../wire/ChangeNotify.js"
import { AccessMask, CreateAction, CreateDisposition, CreateOptions, FileAttributes, ShareAccess } from "../wire/Create.js"
import type { CreateResponse } from "../wire/Create.js"
import type { FileNetworkOpenInformation } from "../wire/FileInformation.js"
import { fileTimeToDate } from "../wire/FileTime.js"
import * as FramePool from "../transport/FramePool.js"
import { LockFlags } from "../wire/Lock.js"
import * as ChunkWriter from "./internal/ChunkWriter.js"
import { fromWirePath, joinPath, toWirePath } from "./internal/path.js"
import * as Requests from "./internal/requests.js"
import type { TreeShape } from "./Tree.js"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * What the handle may do. "read": read data, attributes and EAs; "write": write and append data,
 * attributes and EAs (and read attributes); "readWrite": both; a number: a raw access mask
 * (see `AccessMask` in wire/Create).
 *
 * @since 0.1.0
 * @category models
 */
export type Access = "read" | "write" | "readWrite" | number

/**
 * What CREATE does depending on whether the file exists (MS-SMB2 2.2.13):
 *
 * | disposition | exists | does not exist |
 * | --- | --- | --- |
 * | "open" | open | fail (STATUS_OBJECT_NAME_NOT_FOUND) |
 * | "create" | fail (STATUS_OBJECT_NAME_COLLISION) | create |
 * | "openIf" | open | create |
 * | "overwrite" | truncate | fail |
 * | "overwriteIf" | truncate | create |
 * | "supersede" | replace | create |
 *
 * @since 0.1.0
 * @category models
 */
export type Disposition = "open" | "create" | "openIf" | "overwrite" | "overwriteIf" | "supersede"

/**
 * What other opens of the same file may do meanwhile. Default "all" (read, write, delete).
 *
 * @since 0.1.0
 * @category models
 */
export type ShareMode = "none" | "read" | "readWrite" | "all" | number

/**
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** Default "read". */
  readonly access?: Access
  /** Default "open". */
  readonly disposition?: Disposition
  /** true: it must be a directory (created as one); false: it must not be; default: either. */
  readonly directory?: boolean
  /** Default "all". */
  readonly share?: ShareMode
  /** FileAttributes for a file this open creates. Default none (the server's NORMAL). */
  readonly attributes?: number
  /** Delete the file when the last handle closes (adds DELETE to the access). */
  readonly deleteOnClose?: boolean
  /** More CreateOptions bits, OR-ed into those the other options set. */
  readonly createOptions?: number
}

/**
 * What a file is, as stat, CREATE and directory listings tell it.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileStat {
  /** End of file, in bytes. */
  readonly size: number
  readonly allocationSize: number
  readonly creationTime: Date
  readonly lastAccessTime: Date
  readonly lastWriteTime: Date
  readonly changeTime: Date
  /** FileAttributes bits (see wire/Create). */
  readonly attributes: number
  readonly isDirectory: boolean
}

/**
 * One entry of a directory listing ("." and ".." are never listed).
 *
 * @since 0.1.0
 * @category models
 */
export interface DirectoryEntry extends FileStat {
  /** The name inside the listed directory. */
  readonly name: string
  /** The share-relative path, "/"-separated: the listed directory's path joined with `name`. */
  readonly path: string
  /** The server's file id (FileIdBothDirectoryInformation), 0n when it has none. */
  readonly fileId: bigint
}

/**
 * What CREATE did.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateActionName = "superseded" | "opened" | "created" | "overwritten"

/**
 * What a change notification says happened to `name` (FILE_ACTION_*).
 *
 * @since 0.1.0
 * @category models
 */
export type ChangeAction =
  | "added"
  | "removed"
  | "modified"
  | "renamedFrom"
  | "renamedTo"
  | "streamAdded"
  | "streamRemoved"
  | "streamModified"
  | "other"

/**
 * One item of a watch stream: a change, or the server's "too many changes to list, rescan the
 * directory" (STATUS_NOTIFY_ENUM_DIR).
 *
 * @since 0.1.0
 * @category models
 */
export type Change =
  | {
    readonly _tag: "Changed"
    readonly action: ChangeAction
    /** The FILE_ACTION_* value itself (useful when `action` is "other"). */
    readonly code: number
    /** Relative to the watched directory, "/"-separated. */
    readonly name: string
  }
  | { readonly _tag: "Overflow" }

/**
 * How a transfer is cut and pipelined.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransferOptions {
  /**
   * Bytes per READ or WRITE. Upper bound: the negotiated maximum read or write size, at most
   * 8 MiB and at most what the credit backlog covers (64 KiB per credit). Default: that bound,
   * on an encrypted tree at most 4 MiB.
   */
  readonly chunkSize?: number
  /**
   * Chunks in flight at once. Default: enough for 32 MiB in flight (16 MiB on an encrypted tree),
   * between 2 and 64.
   */
  readonly concurrency?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ReadOptions extends TransferOptions {
  /** Where to start. Default 0. */
  readonly offset?: number
  /** How much to read at most. Default: to the end of file as the handle knows it (`size`). */
  readonly length?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WriteOptions extends TransferOptions {
  /** Where the first byte goes. Default 0. */
  readonly offset?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WatchOptions {
  /** Watch the whole subtree. Default false. */
  readonly recursive?: boolean
  /** CompletionFilter bits (see wire/ChangeNotify). Default: names, attributes, size, last write. */
  readonly filter?: number
  /** Output buffer per notification. Default 64 KiB. */
  readonly bufferSize?: number
}

/**
 * An open file or directory. Every operation fails with InvalidState once the handle is closed.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileHandle {
  readonly tree: TreeShape
  /** The share-relative path it was opened with, "/"-separated ("" for the root). */
  readonly path: string
  /** 16 bytes: persistent then volatile. */
  readonly fileId: Uint8Array
  readonly isDirectory: boolean
  readonly action: CreateActionName
  /** The file as the CREATE response described it. */
  readonly info: FileStat
  /** End of file as this handle knows it: at open, then moved by its own writes and truncates. */
  readonly size: number
  /**
   * Up to `length` bytes at `offset`; fewer at the end of file (none past it). At most one chunk
   * is a zero-copy view into the received frame; more are read in parallel into one buffer.
   */
  readonly read: (offset: number, length: number, options?: TransferOptions) => Effect.Effect<Uint8Array, RequestError>
  /** The whole range (default: to `size`) as a stream of chunks, several READs in flight. */
  readonly readStream: (options?: ReadOptions) => Stream.Stream<Uint8Array, RequestError>
  /**
   * Reads the range (default: to `size`) with several READs in flight and hands each chunk to
   * `consume` with its file position, in whatever order the chunks arrive. The chunk is lent:
   * once the effect `consume` returned succeeds, its memory takes a later READ, so copy what must
   * outlive it. Returns the bytes read (fewer than asked at end of file). The fastest way to move
   * a file elsewhere: no buffer is allocated per chunk (`Files.download` is built on it).
   */
  readonly readEach: <E, R>(
    consume: (chunk: Uint8Array, position: number) => Effect.Effect<void, E, R>,
    options?: ReadOptions
  ) => Effect.Effect<number, RequestError | E, R>
  /** Writes all of `data` at `offset` (default 0), in parallel chunks; returns the bytes written. */
  readonly write: (data: Uint8Array, options?: WriteOptions) => Effect.Effect<number, RequestError>
  /**
   * Writes `length` bytes from `offset` (default 0) with several WRITEs in flight, asking `fill`
   * for each chunk's bytes: it gets a buffer of the chunk's length and the chunk's file position
   * and must fill all of it (it holds earlier bytes, not zeros). The mirror of `readEach`:
   * buffers are reused once their WRITE has been answered, so a large upload allocates next to
   * nothing per chunk (`Files.upload` is built on it). Returns the bytes written.
   */
  readonly writeEach: <E, R>(
    length: number,
    fill: (chunk: Uint8Array, position: number) => Effect.Effect<void, E, R>,
    options?: WriteOptions
  ) => Effect.Effect<number, RequestError | E, R>
  /**
   * A Sink that writes what it receives, from `offset` on, and ends with the bytes written. It
   * keeps a reference to each received buffer until that buffer is written: do not reuse them.
   */
  readonly sink: (options?: WriteOptions) => Sink.Sink<number, Uint8Array, never, RequestError>
  /** Runs `stream` into `sink(options)`. */
  readonly writeStream: <E, R>(
    stream: Stream.Stream<Uint8Array, E, R>,
    options?: WriteOptions
  ) => Effect.Effect<number, RequestError | E, R>
  /** FLUSH: cached data to stable storage. */
  readonly flush: Effect.Effect<void, RequestError>
  /**
   * A byte-range lock (LOCK) held for as long as the Scope: released (UNLOCK) when it closes.
   * Exclusive by default; `shared: true` lets other shared locks in. A conflict fails at once
   * with ServerError STATUS_LOCK_NOT_GRANTED, or with `wait: true` waits until the range is free
   * (interrupting the wait cancels it). While held, other opens' conflicting reads and writes
   * fail with STATUS_FILE_LOCK_CONFLICT.
   */
  readonly lock: (
    offset: number,
    length: number,
    options?: LockOptions
  ) => Effect.Effect<void, RequestError, Scope.Scope>
  /** QUERY_INFO (FileNetworkOpenInformation). */
  readonly stat: Effect.Effect<FileStat, RequestError>
  /** Sets the end of file (SET_INFO FileEndOfFileInformation). Needs write access. */
  readonly truncate: (size: number) => Effect.Effect<void, RequestError>
  /** Renames or moves within the share (FileRenameInformation). Needs DELETE access. */
  readonly rename: (to: string, options?: { readonly replace?: boolean }) => Effect.Effect<void, RequestError>
  /** Marks for deletion when the last handle closes (FileDispositionInformation). Needs DELETE. */
  readonly delete: Effect.Effect<void, RequestError>
  /**
   * The directory's entries (QUERY_DIRECTORY, FileIdBothDirectoryInformation, repeated until
   * STATUS_NO_MORE_FILES), from the start each time the stream runs. `pattern` defaults to "*".
   */
  readonly list: (pattern?: string) => Stream.Stream<DirectoryEntry, RequestError>
  /**
   * Changes in the directory (CHANGE_NOTIFY, re-armed after each completion). Ending the stream
   * early cancels the pending request (SMB2 CANCEL) and leaves the handle and connection usable.
   * The stream ends by itself when the server ends the watch (STATUS_NOTIFY_CLEANUP: the
   * handle was closed).
   */
  readonly watch: (options?: WatchOptions) => Stream.Stream<Change, RequestError>
  /** Closes the handle; idempotent. Also done when the Scope closes. */
  readonly close: Effect.Effect<void, RequestError>
}

// ---------------------------------------------------------------------------------------------
// Options as wire values
// ---------------------------------------------------------------------------------------------

// No more than the handle's operations use: a server checks every bit against the file's ACL, and
// an ACL that grants the data but not, say, READ_CONTROL or SYNCHRONIZE would refuse the open.
// SYNCHRONIZE (waiting on the handle) means nothing to an SMB2 client, nor does READ_CONTROL to a
// handle that never reads the security descriptor.
const READ_ACCESS = AccessMask.FILE_READ_DATA | AccessMask.FILE_READ_EA | AccessMask.FILE_READ_ATTRIBUTES
const WRITE_ACCESS = AccessMask.FILE_WRITE_DATA | AccessMask.FILE_APPEND_DATA | AccessMask.FILE_WRITE_EA |
  AccessMask.FILE_WRITE_ATTRIBUTES | AccessMask.FILE_READ_ATTRIBUTES

/**
 * The access mask an `Access` stands for.
 *
 * @since 0.1.0
 */
export const accessMask = (access: Access): number => {
  switch (access) {
    case "read":
      return READ_ACCESS
    case "write":
      return WRITE_ACCESS
    case "readWrite":
      return READ_ACCESS | WRITE_ACCESS
    default:
      return access
  }
}

const dispositions: Record<Disposition, number> = {
  open: CreateDisposition.OPEN,
  create: CreateDisposition.CREATE,
  openIf: CreateDisposition.OPEN_IF,
  overwrite: CreateDisposition.OVERWRITE,
  overwriteIf: CreateDisposition.OVERWRITE_IF,
  supersede: CreateDisposition.SUPERSEDE
}

const shareAccess = (share: ShareMode): number => {
  switch (share) {
    case "none":
      return ShareAccess.NONE
    case "read":
      return ShareAccess.READ
    case "readWrite":
      return ShareAccess.READ | ShareAccess.WRITE
    case "all":
      return ShareAccess.ALL
    default:
      return share
  }
}

const createActionName = (action: number): CreateActionName => {
  switch (action) {
    case CreateAction.SUPERSEDED:
      return "superseded"
    case CreateAction.CREATED:
      return "created"
    case CreateAction.OVERWRITTEN:
      return "overwritten"
    default:
      return "opened"
  }
}

const changeActions: Record<number, ChangeAction> = {
  [FileAction.ADDED]: "added",
  [FileAction.REMOVED]: "removed",
  [FileAction.MODIFIED]: "modified",
  [FileAction.RENAMED_OLD_NAME]: "renamedFrom",
  [FileAction.RENAMED_NEW_NAME]: "renamedTo",
  [FileAction.ADDED_STREAM]: "streamAdded",
  [FileAction.REMOVED_STREAM]: "streamRemoved",
  [FileAction.MODIFIED_STREAM]: "streamModified"
}

const DEFAULT_WATCH_FILTER = CompletionFilter.FILE_NAME | CompletionFilter.DIR_NAME | CompletionFilter.ATTRIBUTES |
  CompletionFilter.SIZE | CompletionFilter.LAST_WRITE

/** FileStat from the fields CREATE, CLOSE, QUERY_INFO and directory listings share. */
const toFileStat = (x: FileNetworkOpenInformation): FileStat => ({
  size: Number(x.endOfFile),
  allocationSize: Number(x.allocationSize),
  creationTime: fileTimeToDate(x.creationTime),
  lastAccessTime: fileTimeToDate(x.lastAccessTime),
  lastWriteTime: fileTimeToDate(x.lastWriteTime),
  changeTime: fileTimeToDate(x.changeTime),
  attributes: x.fileAttributes,
  isDirectory: (x.fileAttributes & FileAttributes.DIRECTORY) !== 0
})

// ---------------------------------------------------------------------------------------------
// Transfer sizing
// ---------------------------------------------------------------------------------------------

const MAX_CHUNK = 8 * 1024 * 1024
const CREDIT_BYTES = 64 * 1024
const IN_FLIGHT_TARGET = 32 * 1024 * 1024
// Encrypted transfers are bound by the CPU, not by round trips, and every byte node:crypto
// encrypts or decrypts comes out in a fresh buffer that waits for the collector (V8 collects per
// 64 MB of such memory). Half the bytes in flight, in smaller messages (4 MiB x 4 against
// 8 MiB x 4 on loopback Samba): peak RSS 10-45 MB lower for downloads, uploads and the thread
// worker, for encrypted downloads about 5% slower (510 against 539 MiB/s, medians of five).
// A QUERY_DIRECTORY response may hold thousands of entries; Effect's sinks (runFold among them)
// recurse per element of a chunk and overflow the stack at some thousands, so `list` emits
// chunks of at most this many.
const LIST_CHUNK = 1024

const ENCRYPTED_MAX_CHUNK = 4 * 1024 * 1024
const ENCRYPTED_IN_FLIGHT_TARGET = 16 * 1024 * 1024

/**
 * @since 0.1.0
 * @category models
 */
export interface LockOptions {
  /** A shared (read) lock instead of an exclusive one. Default false. */
  readonly shared?: boolean | undefined
  /** Wait for a conflicting lock to go instead of failing at once. Default false. */
  readonly wait?: boolean | undefined
}

const lockElement = (offset: number, length: number, options: LockOptions = {}) => ({
  offset: BigInt(offset),
  length: BigInt(length),
  flags: (options.shared === true ? LockFlags.SHARED : LockFlags.EXCLUSIVE) | (options.wait === true ? 0 : LockFlags.FAIL_IMMEDIATELY)
})

/**
 * The chunk size and depth of a transfer on `tree`, from the options and what was negotiated;
 * never deeper than the worker's `maxInFlight` (one request at a time on the single worker).
 *
 * @since 0.1.0
 */
export const transferPlan = (
  tree: TreeShape,
  direction: "read" | "write",
  options: TransferOptions = {}
): { readonly chunkSize: number; readonly concurrency: number } => {
  const { negotiated, options: connectionOptions } = tree.session.connection
  const negotiatedMax = direction === "read" ? negotiated.maxReadSize : negotiated.maxWriteSize
  const creditBound = negotiated.largeMtu ? connectionOptions.creditBacklog * CREDIT_BYTES : CREDIT_BYTES
  const bound = Math.max(1, Math.min(negotiatedMax, creditBound, MAX_CHUNK))
  const preferred = tree.encrypted ? Math.min(bound, ENCRYPTED_MAX_CHUNK) : bound
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? preferred, bound))
  const target = tree.encrypted ? ENCRYPTED_IN_FLIGHT_TARGET : IN_FLIGHT_TARGET
  const wanted = Math.max(1, options.concurrency ?? Math.min(64, Math.max(2, Math.ceil(target / chunkSize))))
  // A worker that serves one request at a time (SingleWorker) gets one chunk at a time.
  const concurrency = Math.max(1, Math.min(wanted, tree.session.connection.handler.maxInFlight))
  return { chunkSize, concurrency }
}

// ---------------------------------------------------------------------------------------------
// The handle
// ---------------------------------------------------------------------------------------------

const NOTIFY_BUFFER = 64 * 1024

const checkRange = (offset: number, length: number): Effect.Effect<void, InvalidState> =>
  Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0
    ? Effect.void
    : Effect.fail(new InvalidState({ reason: "BadRange", detail: `offset ${offset}, length ${length}` }))

const make = (tree: TreeShape, path: string, created: CreateResponse): FileHandle => {
  const fileId = created.fileId
  const info = toFileStat(created)
  let size = info.size
  let closed = false
  const userPath = fromWirePath(path)
  const spanAttributes = { path: userPath, share: tree.share }

  const guard = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | InvalidState, R> =>
    Effect.suspend((): Effect.Effect<A, E | InvalidState, R> =>
      closed ? Effect.fail(new InvalidState({ reason: "Closed", detail: `file ${userPath} is closed` })) : effect
    )

  const guardStream = <A, E, R>(stream: Stream.Stream<A, E, R>): Stream.Stream<A, E | InvalidState, R> =>
    Stream.unwrap(Effect.sync((): Stream.Stream<A, E | InvalidState, R> =>
      closed ? Stream.fail(new InvalidState({ reason: "Closed", detail: `file ${userPath} is closed` })) : stream
    ))

  const grow = (end: number): void => {
    if (end > size) size = end
  }

  const readChunk = (offset: number, length: number) => Requests.read(tree, fileId, offset, length)

  /** Writes the parts whole: after a short write, the rest again. */
  const writeChunk = (offset: number, parts: ReadonlyArray<Uint8Array>, length: number): Effect.Effect<void, RequestError> =>
    Effect.gen(function*() {
      let at = offset
      let rest = parts
      let left = length
      while (left > 0) {
        const count = yield* Requests.write(tree, fileId, at, rest, left)
        if (count === 0) return yield* new InvalidState({ reason: "ShortWrite", detail: `WRITE at ${at} of ${userPath}: the server wrote nothing` })
        const done = Math.min(count, left)
        at += done
        left -= done
        grow(at)
        if (left === 0) break
        rest = dropBytes(rest, done)
        // With the thread worker a large body was transferred to the thread (see ThreadBackend):
        // what the server did not take cannot be sent again.
        if (byteLength(rest) < left) {
          return yield* new InvalidState({
            reason: "ShortWrite",
            detail: `WRITE at ${at - done} of ${userPath}: the server took ${done} of ${done + left} bytes, and the rest was handed to the worker thread`
          })
        }
      }
    })

  const chunks = function*(offset: number, length: number, chunkSize: number) {
    for (let at = 0; at < length; at += chunkSize) {
      yield { offset: offset + at, length: Math.min(chunkSize, length - at) }
    }
  }

  const readEach = <E, R>(
    consume: (chunk: Uint8Array, position: number) => Effect.Effect<void, E, R>,
    options: ReadOptions = {}
  ): Effect.Effect<number, RequestError | E, R> =>
    guard(Effect.suspend(() => {
      const offset = options.offset ?? 0
      const length = options.length ?? Math.max(0, size - offset)
      const { chunkSize, concurrency } = transferPlan(tree, "read", options)
      // A short READ marks the end of file; the chunks beyond it are not asked for.
      let end = offset + length
      return Effect.zipRight(
        checkRange(offset, length),
        Effect.forEach(
          chunks(offset, length, chunkSize),
          (chunk) =>
            chunk.offset >= end ? Effect.void : Effect.flatMap(Requests.readLent(tree, fileId, chunk.offset, chunk.length), ({ data, release }) => {
              if (data.length < chunk.length) end = Math.min(end, chunk.offset + data.length)
              // Released on success only: a consumer that failed may still be using the chunk.
              return data.length === 0 ? Effect.sync(release) : Effect.tap(consume(data, chunk.offset), () => Effect.sync(release))
            }),
          { concurrency, discard: true }
        )
      ).pipe(Effect.map(() => end - offset))
    }))

  const read = (offset: number, length: number, options?: TransferOptions) =>
    guard(
      Effect.gen(function*() {
        yield* checkRange(offset, length)
        const { chunkSize } = transferPlan(tree, "read", options)
        if (length === 0) return new Uint8Array(0)
        if (length <= chunkSize) return yield* readChunk(offset, length)
        const out = new Uint8Array(length)
        const count = yield* readEach((chunk, position) => Effect.sync(() => out.set(chunk, position - offset)), { ...options, offset, length })
        return count === length ? out : out.subarray(0, count)
      })
    ).pipe(Effect.withSpan("smb.file.read", { attributes: { ...spanAttributes, offset, length } }))

  const readStream = (options: ReadOptions = {}) =>
    guardStream(
      Stream.unwrap(Effect.suspend(() => {
        const offset = options.offset ?? 0
        const length = options.length ?? Math.max(0, size - offset)
        const { chunkSize, concurrency } = transferPlan(tree, "read", options)
        return Effect.as(
          checkRange(offset, length),
          Stream.fromIterable(chunks(offset, length, chunkSize)).pipe(
            Stream.mapEffect(
              (chunk) => Effect.map(readChunk(chunk.offset, chunk.length), (data) => ({ data, short: data.length < chunk.length })),
              { concurrency }
            ),
            // a short READ is the end of file: the requests after it are dropped
            Stream.takeUntil((result) => result.short),
            Stream.map((result) => result.data),
            Stream.filter((data) => data.length > 0)
          )
        )
      }))
    ).pipe(Stream.withSpan("smb.file.read_stream", { attributes: spanAttributes }))

  const write = (data: Uint8Array, options: WriteOptions = {}) =>
    guard(
      Effect.gen(function*() {
        const offset = options.offset ?? 0
        yield* checkRange(offset, data.length)
        const { chunkSize, concurrency } = transferPlan(tree, "write", options)
        yield* Effect.forEach(
          chunks(offset, data.length, chunkSize),
          (chunk) => writeChunk(chunk.offset, [data.subarray(chunk.offset - offset, chunk.offset - offset + chunk.length)], chunk.length),
          { concurrency, discard: true }
        )
        return data.length
      })
    ).pipe(Effect.withSpan("smb.file.write", { attributes: { ...spanAttributes, length: data.length } }))

  const writeEach = <E, R>(
    length: number,
    fill: (chunk: Uint8Array, position: number) => Effect.Effect<void, E, R>,
    options: WriteOptions = {}
  ): Effect.Effect<number, RequestError | E, R> =>
    guard(Effect.suspend(() => {
      const offset = options.offset ?? 0
      const { chunkSize, concurrency } = transferPlan(tree, "write", options)
      // Buffers come from the FramePool and go back to it, so a later transfer reuses them too.
      const spare: Array<Uint8Array> = []
      return Effect.zipRight(
        checkRange(offset, length),
        Effect.forEach(
          chunks(offset, length, chunkSize),
          (chunk) => {
            const buffer = spare.pop() ?? FramePool.allocate(chunkSize)
            const view = buffer.subarray(0, chunk.length)
            // The server answers a WRITE only once it has all the bytes: the socket is done with
            // the buffer. Reused after success only (after a failure it may still be queued), and
            // only while intact (the thread backend transfers a whole buffer away, detaching it).
            return Effect.zipRight(fill(view, chunk.offset), writeChunk(chunk.offset, [view], chunk.length)).pipe(
              Effect.tap(() => Effect.sync(() => buffer.byteLength === chunkSize && spare.push(buffer)))
            )
          },
          { concurrency, discard: true }
        )
      ).pipe(
        Effect.as(length),
        Effect.ensuring(Effect.sync(() => spare.forEach(FramePool.recycle)))
      )
    })).pipe(Effect.withSpan("smb.file.write_each", { attributes: { ...spanAttributes, length } }))

  const sink = (options: WriteOptions = {}): Sink.Sink<number, Uint8Array, never, RequestError> =>
    Sink.unwrapScoped(
      guard(
        Effect.gen(function*() {
          const offset = options.offset ?? 0
          yield* checkRange(offset, 0)
          const { chunkSize, concurrency } = transferPlan(tree, "write", options)
          const writer = yield* ChunkWriter.make({ offset, chunkSize, concurrency, writeAt: writeChunk })
          return Sink.forEachChunk((input: Chunk.Chunk<Uint8Array>) => Effect.forEach(input, writer.push, { discard: true })).pipe(
            Sink.mapEffect(() => writer.finish)
          )
        })
      )
    )

  const writeStream = <E, R>(stream: Stream.Stream<Uint8Array, E, R>, options?: WriteOptions) =>
    Stream.run(stream, sink(options)).pipe(Effect.withSpan("smb.file.write_stream", { attributes: spanAttributes }))

  const list = (pattern = "*") =>
    guardStream(
      Stream.paginateChunkEffect(true, (restart: boolean) =>
        Effect.map(Requests.queryDirectory(tree, fileId, pattern, restart), (entries) => {
          if (entries === undefined) return [Chunk.empty<DirectoryEntry>(), Option.none<boolean>()] as const
          const listed: Array<DirectoryEntry> = []
          for (const entry of entries) {
            if (entry.fileName === "." || entry.fileName === "..") continue
            listed.push({ ...toFileStat(entry), name: entry.fileName, path: joinPath(userPath, entry.fileName), fileId: entry.fileId })
          }
          return [Chunk.unsafeFromArray(listed), Option.some(false)] as const
        })).pipe(Stream.rechunk(LIST_CHUNK))
    ).pipe(Stream.withSpan("smb.file.list", { attributes: { ...spanAttributes, pattern } }))

  /** One CHANGE_NOTIFY round; undefined when the server ended the watch (the handle was closed). */
  const notifyOnce = (options: WatchOptions): Effect.Effect<Chunk.Chunk<Change> | undefined, RequestError> =>
    Effect.map(
      Requests.changeNotify(tree, fileId, {
        flags: options.recursive === true ? ChangeNotifyFlags.WATCH_TREE : 0,
        outputBufferLength: options.bufferSize ?? NOTIFY_BUFFER,
        completionFilter: options.filter ?? DEFAULT_WATCH_FILTER
      }),
      (result) => {
        if (result._tag === "Cleanup") return undefined
        // An empty completion also means the server could not say what changed.
        if (result._tag === "EnumDir" || result.entries.length === 0) return Chunk.of<Change>({ _tag: "Overflow" })
        return Chunk.unsafeFromArray(
          result.entries.map((entry): Change => ({
            _tag: "Changed",
            action: changeActions[entry.action] ?? "other",
            code: entry.action,
            name: fromWirePath(entry.fileName)
          }))
        )
      }
    )

  const watch = (options: WatchOptions = {}) =>
    guardStream(
      Stream.repeatEffectChunkOption(
        Effect.flatMap(
          Effect.mapError(notifyOnce(options), Option.some),
          (changes) => (changes === undefined ? Effect.fail(Option.none()) : Effect.succeed(changes))
        )
      )
    ).pipe(Stream.withSpan("smb.file.watch", { attributes: spanAttributes }))

  const stat = guard(Effect.map(Requests.queryNetworkOpenInformation(tree, fileId), toFileStat)).pipe(
    Effect.withSpan("smb.file.stat", { attributes: spanAttributes })
  )

  const close = Effect.suspend(() => {
    if (closed) return Effect.void
    closed = true
    return Requests.close(tree, fileId)
  }).pipe(Effect.withSpan("smb.file.close", { attributes: spanAttributes }))

  return {
    tree,
    path: userPath,
    fileId,
    isDirectory: info.isDirectory,
    action: createActionName(created.createAction),
    info,
    get size() {
      return size
    },
    read,
    readStream,
    readEach,
    writeEach,
    write,
    sink,
    writeStream,
    flush: guard(Requests.flush(tree, fileId)).pipe(
      Effect.withSpan("smb.file.flush", { attributes: spanAttributes })
    ),
    // The wait for a lock stays interruptible (a waiting LOCK is then cancelled). Interrupted, the
    // lock may have been granted as the CANCEL went out, so it is released all the same; refused,
    // nothing is held, and an UNLOCK could release an equal lock held before. A closed handle
    // released its locks with it.
    lock: (offset, length, options) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          Effect.exit(restore(guard(Effect.zipRight(checkRange(offset, length), Requests.lock(tree, fileId, [lockElement(offset, length, options)]))))),
          (exit) => {
            if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) return exit
            const unlock = { offset: BigInt(offset), length: BigInt(length), flags: LockFlags.UNLOCK }
            return Effect.zipRight(Effect.addFinalizer(() => closed ? Effect.void : Effect.ignore(Requests.lock(tree, fileId, [unlock]))), exit)
          }
        )
      ).pipe(Effect.withSpan("smb.file.lock", { attributes: { ...spanAttributes, offset, length } })),
    stat,
    truncate: (to) =>
      guard(Effect.zipRight(checkRange(to, 0), Effect.tap(Requests.setEndOfFile(tree, fileId, to), () => void (size = to)))).pipe(
        Effect.withSpan("smb.file.truncate", { attributes: { ...spanAttributes, size: to } })
      ),
    rename: (to, options) =>
      guard(Requests.setName(tree, fileId, toWirePath(to), options?.replace === true)).pipe(
        Effect.withSpan("smb.file.rename", { attributes: { ...spanAttributes, to } })
      ),
    delete: guard(Requests.setDeletePending(tree, fileId)).pipe(Effect.withSpan("smb.file.delete", { attributes: spanAttributes })),
    list,
    watch,
    close
  }
}

/** `parts` without their first `count` bytes (views, no copy). */
const byteLength = (parts: ReadonlyArray<Uint8Array>): number => parts.reduce((n, part) => n + part.byteLength, 0)

const dropBytes = (parts: ReadonlyArray<Uint8Array>, count: number): ReadonlyArray<Uint8Array> => {
  let skip = count
  const out: Array<Uint8Array> = []
  for (const part of parts) {
    if (skip >= part.length) {
      skip -= part.length
      continue
    }
    out.push(skip === 0 ? part : part.subarray(skip))
    skip = 0
  }
  return out
}

/**
 * Opens (or creates) `path` on `tree`; the handle closes when the Scope closes, or earlier with
 * `close`. `path` is share-relative, with "/" or "\\" separators ("" is the share root).
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = (
  tree: TreeShape,
  path: string,
  options: OpenOptions = {}
): Effect.Effect<FileHandle, RequestError, Scope.Scope> => {
  const deleteOnClose = options.deleteOnClose === true
  const parameters: Requests.CreateParameters = {
    name: toWirePath(path),
    desiredAccess: accessMask(options.access ?? "read") | (deleteOnClose ? AccessMask.DELETE : 0),
    shareAccess: shareAccess(options.share ?? "all"),
    createDisposition: dispositions[options.disposition ?? "open"],
    createOptions: (options.directory === true ? CreateOptions.DIRECTORY_FILE : 0) |
      (options.directory === false ? CreateOptions.NON_DIRECTORY_FILE : 0) |
      (deleteOnClose ? CreateOptions.DELETE_ON_CLOSE : 0) |
      (options.createOptions ?? 0),
    fileAttributes: options.attributes ?? 0
  }
  // Acquisition is uninterruptible: a CREATE the server completed must be closed, not leaked.
  return Effect.acquireRelease(
    Effect.map(Requests.create(tree, parameters), (created) => make(tree, path, created)),
    (handle) => Effect.ignore(handle.close)
  ).pipe(Effect.withSpan("smb.file.open", { attributes: { path: fromWirePath(path), share: tree.share } }))
}
