/**
 * The machinery behind File.ts's models: a handle over an open file or directory (the closure
 * `make` builds from a CREATE response: reads, writes, streams, stat, truncate, rename, delete,
 * locks, listing and change notification), and `open`, which sends the CREATE. See File.ts for
 * how transfers and async requests behave.
 *
 * @since 0.1.0
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type * as Scope from "effect/Scope"
import type { RequestError } from "../../errors.js"
import { DfsFailed, InvalidState, ServerError } from "../../errors.js"
import { ChangeNotifyFlags, CompletionFilter, FileAction } from "../../wire/ChangeNotify.js"
import { AccessMask, CreateAction, CreateDisposition, CreateOptions, FileAttributes, ShareAccess } from "../../wire/Create.js"
import type { CreateResponse } from "../../wire/Create.js"
import type { FileNetworkOpenInformation } from "../../wire/FileInformation.js"
import { fileTimeToDate } from "../../wire/FileTime.js"
import * as FramePool from "../../transport/FramePool.js"
import { LockFlags } from "../../wire/Lock.js"
import type { FileIdBothDirectoryInformation } from "../../wire/QueryDirectory.js"
import { Status } from "../../wire/Status.js"
import * as ChunkWriter from "./ChunkWriter.js"
import * as Durable from "./durable.js"
import { fromWirePath, joinPath, toWirePath } from "./path.js"
import * as Requests from "./requests.js"
import { createName } from "../Tree.js"
import type { TreeShape } from "../Tree.js"
import type {
  Access,
  Change,
  ChangeAction,
  CreateActionName,
  DirectoryEntry,
  Disposition,
  FileHandle,
  FileStat,
  LockOptions,
  OpenOptions,
  ReadOptions,
  ShareMode,
  TransferOptions,
  WatchOptions,
  WriteOptions
} from "../File.js"
import { transferPlan } from "./transferPlan.js"

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

/** FileStat from the fields CREATE, CLOSE, QUERY_INFO and directory listings share. @since 0.1.0 @internal */
export const toFileStat = (x: FileNetworkOpenInformation): FileStat => ({
  size: Number(x.endOfFile),
  allocationSize: Number(x.allocationSize),
  creationTime: fileTimeToDate(x.creationTime),
  lastAccessTime: fileTimeToDate(x.lastAccessTime),
  lastWriteTime: fileTimeToDate(x.lastWriteTime),
  changeTime: fileTimeToDate(x.changeTime),
  attributes: x.fileAttributes,
  isDirectory: (x.fileAttributes & FileAttributes.DIRECTORY) !== 0
})

// A QUERY_DIRECTORY response may hold thousands of entries; Effect's sinks (runFold among them)
// recurse per element of a chunk and overflow the stack at some thousands, so `list` emits
// chunks of at most this many.
const LIST_CHUNK = 1024
const SEPARATOR = /[\\/]/

const lockElement = (offset: number, length: number, options: LockOptions = {}) => ({
  offset: BigInt(offset),
  length: BigInt(length),
  flags: (options.shared === true ? LockFlags.SHARED : LockFlags.EXCLUSIVE) | (options.wait === true ? 0 : LockFlags.FAIL_IMMEDIATELY)
})

/**
 * The entries of the open directory `fileId` (opened as `userPath`), round after round of
 * QUERY_DIRECTORY, "." and ".." left out, in chunks of at most LIST_CHUNK. `first` is the first
 * round when it was already had (from a CREATE compounded with it): the entries, or undefined
 * when there were none; the rounds then go on from there instead of restarting the scan.
 *
 * @since 0.1.0
 * @internal
 */
export const listEntries = (
  tree: TreeShape,
  fileId: Uint8Array,
  userPath: string,
  pattern: string,
  first?: { readonly entries: ReadonlyArray<FileIdBothDirectoryInformation> | undefined }
): Stream.Stream<DirectoryEntry, RequestError> => {
  const prefix = userPath === "" ? "" : `${userPath}/`
  const toEntries = (entries: ReadonlyArray<FileIdBothDirectoryInformation> | undefined) => {
    if (entries === undefined) return [Chunk.empty<DirectoryEntry>(), Option.none<boolean>()] as const
    const listed: Array<DirectoryEntry> = []
    for (const entry of entries) {
      const name = entry.fileName
      if (name === "." || name === "..") continue
      listed.push({
        size: Number(entry.endOfFile),
        allocationSize: Number(entry.allocationSize),
        creationTime: fileTimeToDate(entry.creationTime),
        lastAccessTime: fileTimeToDate(entry.lastAccessTime),
        lastWriteTime: fileTimeToDate(entry.lastWriteTime),
        changeTime: fileTimeToDate(entry.changeTime),
        attributes: entry.fileAttributes,
        isDirectory: (entry.fileAttributes & FileAttributes.DIRECTORY) !== 0,
        name,
        // A plain name (all of them, from a sane server) is appended to the directory's
        // path as it is; only one holding a separator is normalized.
        path: SEPARATOR.test(name) ? joinPath(userPath, name) : prefix + name,
        fileId: entry.fileId
      })
    }
    return [Chunk.unsafeFromArray(listed), Option.some(false)] as const
  }
  const round = (restart: boolean) => Effect.map(Requests.queryDirectory(tree, fileId, pattern, restart), toEntries)
  const rounds = first === undefined
    ? Stream.paginateChunkEffect(true, round)
    : Stream.paginateChunkEffect(undefined as boolean | undefined, (restart) => restart === undefined ? Effect.succeed(toEntries(first.entries)) : round(restart))
  return Stream.rechunk(rounds, LIST_CHUNK)
}

// ---------------------------------------------------------------------------------------------
// The handle
// ---------------------------------------------------------------------------------------------

const NOTIFY_BUFFER = 64 * 1024

/** @since 0.1.0 @internal */
export const checkRange = (offset: number, length: number): Effect.Effect<void, InvalidState> =>
  Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0
    ? Effect.void
    : Effect.fail(new InvalidState({ reason: "BadRange", detail: `offset ${offset}, length ${length}` }))

/** A ServerError from a request about `path` on `share` names them (one that names a path keeps it). @since 0.1.0 @internal */
export const atPath = (share: string, path: string) => <E>(error: E): E =>
  error instanceof ServerError && error.path === undefined ? new ServerError({ ...error, share, path }) as E : error

/** @since 0.1.0 @internal */
export const make = (
  tree: TreeShape,
  path: string,
  created: CreateResponse,
  onTree: (path: string) => string | undefined = toWirePath
): FileHandle => {
  const fileId = created.fileId
  const info = toFileStat(created)
  let size = info.size
  let closed = false
  const userPath = fromWirePath(path)
  const spanAttributes = { path: userPath, share: tree.share }

  // Every operation: refused once closed, and a server's error names the file.
  const named = atPath(tree.share, userPath)
  const guard = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | InvalidState, R> =>
    Effect.suspend((): Effect.Effect<A, E | InvalidState, R> =>
      closed ? Effect.fail(new InvalidState({ reason: "Closed", detail: `file ${userPath} is closed` })) : Effect.mapError(effect, named)
    )

  const guardStream = <A, E, R>(stream: Stream.Stream<A, E, R>): Stream.Stream<A, E | InvalidState, R> =>
    Stream.unwrap(Effect.sync((): Stream.Stream<A, E | InvalidState, R> =>
      closed ? Stream.fail(new InvalidState({ reason: "Closed", detail: `file ${userPath} is closed` })) : Stream.mapError(stream, named)
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
    guardStream(listEntries(tree, fileId, userPath, pattern)).pipe(
      Stream.withSpan("smb.file.list", { attributes: { ...spanAttributes, pattern } })
    )

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
    rename: (to, options) => {
      const name = onTree(to)
      return (name === undefined
        ? Effect.fail(new DfsFailed({ reason: "CrossLink", path: fromWirePath(to), detail: `cannot move ${userPath} across a DFS link` }))
        : guard(Requests.setName(tree, fileId, name, options?.replace === true))).pipe(
          Effect.withSpan("smb.file.rename", { attributes: { ...spanAttributes, to } })
        )
    },
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

const segments = (path: string): Array<string> => {
  const wire = toWirePath(path)
  return wire === "" ? [] : wire.split("\\")
}

/**
 * Where a path given like `asked` is on the tree `asked` was followed to (as `reached`, whose last
 * `kept` components are the last ones of `asked`): the part before them maps to the link's
 * target, anything outside that part has no name there.
 */
const onTarget = (asked: string, reached: string, kept: number) => {
  const from = segments(asked)
  const to = segments(reached)
  const prefix = from.slice(0, from.length - kept).map((part) => part.toLowerCase())
  const base = to.slice(0, to.length - kept)
  return (path: string): string | undefined => {
    const parts = segments(path)
    if (!prefix.every((part, i) => parts[i]?.toLowerCase() === part)) return undefined
    return [...base, ...parts.slice(prefix.length)].join("\\")
  }
}

/** Referrals one open follows at most (a namespace whose links point at each other must not loop). */
const MAX_DFS_HOPS = 8

/** What `createFollowing` opened: where, the CREATE response, and how paths there are named. */
interface Opened {
  readonly at: TreeShape
  readonly created: CreateResponse
  readonly onTree: (path: string) => string | undefined
}

/**
 * CREATE `path` on `tree`, following DFS links where the tree does: yields the tree the file was
 * opened on, the CREATE response, and how paths on that tree are named (see `make`). Not
 * interruptible while the CREATE is out (the caller closes what it opened); referrals are. A
 * durable open is registered for reconnects in the Scope.
 *
 * @since 0.1.0
 * @internal
 */
export const createFollowing = (
  tree: TreeShape,
  path: string,
  parameters: Requests.CreateParameters,
  durable: boolean | "owned" = false
): Effect.Effect<Opened, RequestError, Scope.Scope> => {
  const create = (at: TreeShape, atPathName: string) => {
    const named = { ...parameters, name: createName(at, toWirePath(atPathName)) }
    return Effect.mapError(
      durable !== false && Durable.supported(at) ? Durable.create(at, named, durable === "owned") : Requests.create(at, named),
      atPath(at.share, fromWirePath(atPathName))
    )
  }
  // On a tree that follows DFS links, STATUS_PATH_NOT_COVERED sends the open where the referral
  // says; the handle keeps the caller's path (listings name entries as the caller sees them).
  // `kept`: how many trailing components of `path` end the path on `at` too; a rename's target
  // below the same link goes the same way, one elsewhere cannot be reached from this handle.
  const follow = (
    at: TreeShape,
    atPathName: string,
    kept: number,
    hops: number
  ): Effect.Effect<Opened, RequestError, Scope.Scope> =>
    Effect.catchIf(
      Effect.map(create(at, atPathName), (created) => ({ at, created, onTree: onTarget(path, atPathName, kept) })),
      (error) => at.referrals !== undefined && error._tag === "ServerError" && error.status === Status.PATH_NOT_COVERED,
      (error) =>
        hops >= MAX_DFS_HOPS
          ? Effect.fail(new DfsFailed({ reason: "TooManyHops", path: fromWirePath(path), detail: `more than ${MAX_DFS_HOPS} referrals`, cause: error }))
          : Effect.flatMap(
            Effect.interruptible(at.referrals!.refer(at, atPathName)),
            (next) => follow(next.tree, next.path, Math.min(kept, next.kept), hops + 1)
          )
    )
  // Following a referral may connect to another server, whose fibers and timeouts must be
  // interruptible (a fiber forked in an uninterruptible region is uninterruptible too).
  const start = tree.referrals === undefined
    ? Effect.succeed({ tree, path, kept: segments(path).length })
    : Effect.interruptible(tree.referrals.lookup(tree, path))
  return Effect.flatMap(start, (at) => follow(at.tree, at.path, at.kept, 0))
}

/** See File.open. @since 0.1.0 @internal */
export const open = (
  tree: TreeShape,
  path: string,
  options: OpenOptions = {}
): Effect.Effect<FileHandle, RequestError, Scope.Scope> =>
  // Acquisition is uninterruptible: a CREATE the server completed must be closed, not leaked.
  Effect.acquireRelease(
    Effect.map(
      createFollowing(tree, path, createParameters(path, options), options.durable ?? false),
      ({ at, created, onTree }) => make(at, path, created, onTree)
    ),
    (handle) => Effect.ignore(handle.close)
  ).pipe(Effect.withSpan("smb.file.open", { attributes: { path: fromWirePath(path), share: tree.share } }))

/**
 * What CREATE asks for to open `path` with `options`.
 *
 * @since 0.1.0
 * @internal
 */
export const createParameters = (path: string, options: OpenOptions): Requests.CreateParameters => {
  const deleteOnClose = options.deleteOnClose === true
  return {
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
}
