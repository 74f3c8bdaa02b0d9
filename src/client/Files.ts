/**
 * Files: path-level operations on a tree, each one a complete open-act-close: read and write
 * whole files or streams, list, stat, remove, mkdir, rmdir, rename, truncate and watch; and, from
 * Metadata and Security, times, attributes, streams and security descriptors.
 *
 * Paths are share-relative; "/" and "\\" both separate, and a leading separator is ignored
 * ("/docs/a.txt", "docs\\a.txt" and "docs/a.txt" are the same file; "" is the share root).
 *
 * Every function takes the tree first. `make(tree)` binds them into a `FilesShape`, and `layer`
 * provides that as the `Files` service from the `Tree` in context.
 *
 * @since 0.1.0
 */
import { type PlatformError, SystemError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { RequestError } from "../errors.js"
import { InvalidState } from "../errors.js"
import { AccessMask } from "../wire/Create.js"
import { Status } from "../wire/Status.js"
import * as Copy from "./Copy.js"
import * as Details from "./Details.js"
import type { Change, DirectoryEntry, Disposition, FileHandle, FileStat, OpenOptions, ReadOptions, TransferOptions, WatchOptions } from "./File.js"
import * as File from "./File.js"
import * as Folders from "./Folders.js"
import * as Compound from "./internal/compound.js"
import { checkRange, toFileStat } from "./internal/handle.js"
import * as Listing from "./internal/listing.js"
import { localTemporaryPath, temporaryPath, toWirePath } from "./internal/path.js"
import { withVisibleSpan } from "./internal/span.js"
import { resumingList } from "./internal/resumingList.js"
import * as Requests from "./internal/requests.js"
import { transferPlan } from "./internal/transferPlan.js"
import * as Metadata from "./Metadata.js"
import * as Security from "./Security.js"
import { Tree } from "./Tree.js"
import type { TreeShape } from "./Tree.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface WriteFileOptions extends TransferOptions {
  /** Default "overwriteIf": create the file, or empty it when it exists. */
  readonly disposition?: Extract<Disposition, "create" | "openIf" | "overwrite" | "overwriteIf" | "supersede">
  /** Where the first byte goes. Default 0. */
  readonly offset?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  /** A search pattern with * and ?. Default "*". */
  readonly pattern?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RenameOptions {
  /** Replace an existing target. Default false (STATUS_OBJECT_NAME_COLLISION). */
  readonly replace?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MkdirOptions {
  /** Create missing parents too, and succeed when the directory exists. Default false. */
  readonly recursive?: boolean
}

const ABSENT: ReadonlySet<number> = new Set([Status.OBJECT_NAME_NOT_FOUND, Status.OBJECT_PATH_NOT_FOUND, Status.NO_SUCH_FILE])

/**
 * Whether a request failed because the file or a directory on its path does not exist. Servers
 * say it in more than one way: Samba and Windows with STATUS_OBJECT_NAME_NOT_FOUND (the file) or
 * STATUS_OBJECT_PATH_NOT_FOUND (a parent), impacket's smbserver with STATUS_NO_SUCH_FILE.
 *
 * @since 0.1.0
 * @category errors
 */
export const isNotFound = (error: RequestError): boolean => error._tag === "ServerError" && ABSENT.has(error.status)

// No stack trace: it would point here, not at the caller, and capturing it costs an Error per call.
const span = (name: string, tree: TreeShape, attributes: Record<string, unknown>) =>
  withVisibleSpan(`smb.files.${name}`, { attributes: { share: tree.share, ...attributes }, captureStackTrace: false })

/**
 * Opens a file or directory: see File.open.
 *
 * @since 0.1.0
 * @category operations
 */
export const open = (tree: TreeShape, path: string, options?: OpenOptions): Effect.Effect<FileHandle, RequestError, Scope.Scope> =>
  File.open(tree, path, options)

/** Opens `path`, runs `use` on the handle, closes it. */
const withFile = <A, E>(
  tree: TreeShape,
  path: string,
  options: OpenOptions,
  use: (handle: FileHandle) => Effect.Effect<A, E>
): Effect.Effect<A, E | RequestError> => Effect.scoped(Effect.flatMap(File.open(tree, path, options), use))

/**
 * The most a small-file operation moves in its one compound round trip (CREATE + READ or WRITE +
 * CLOSE): one credit's worth, so that many small operations fit the credit window together.
 */
const COMPOUND_BYTES = 64 * 1024

/**
 * The whole file in one buffer (chunks read in parallel). A file of up to 64 KiB (or one chunk,
 * when smaller) is read in one round trip: CREATE, READ and CLOSE compounded; a larger one is
 * then opened again and read in chunks.
 *
 * @since 0.1.0
 * @category operations
 */
export const readFile = (tree: TreeShape, path: string, options?: TransferOptions): Effect.Effect<Uint8Array, RequestError> =>
  Effect.flatMap(
    Compound.openActClose(tree, path, { access: "read", directory: false }, [
      Compound.readStep(0, Math.min(COMPOUND_BYTES, transferPlan(tree, "read", options).chunkSize))
    ]),
    ({ created, replies }) =>
      Effect.flatMap(Compound.readData(replies[0]!), (data) =>
        data.byteLength >= Number(created.endOfFile)
          ? Effect.succeed(data)
          : withFile(tree, path, { access: "read", directory: false, durable: true }, (handle) => handle.read(0, handle.size, options)))
  ).pipe(span("read_file", tree, { path }))

/**
 * Runs an effect on `local` at a position: the platform's file has one position, so each chunk
 * seeks and reads or writes under one lock.
 */
const positioned = (local: FileSystem.File) =>
  Effect.map(
    Effect.makeSemaphore(1),
    (lock) => <A, E>(position: number, effect: Effect.Effect<A, E>): Effect.Effect<A, E | PlatformError> =>
      lock.withPermits(1)(Effect.zipRight(local.seek(position, "start"), effect))
  )

/**
 * Copies the file to `destination` on the local file system and returns the bytes copied. Chunks
 * are read in parallel and written at their positions as they arrive; their buffers are reused,
 * so a large download allocates next to nothing per chunk.
 *
 * Nothing is lost on failure: a regular (or missing) destination is written as a temporary file
 * beside it (".name.smb-<random>.part", created exclusively) and renamed over it once complete,
 * so a failed download leaves the old file as it was and removes the temporary one. Anything else
 * (a device, a pipe) and `inPlace: true` are written directly.
 *
 * @since 0.1.0
 * @category operations
 */
export const download = (
  tree: TreeShape,
  path: string,
  destination: string,
  options: DownloadOptions = {}
): Effect.Effect<number, RequestError | PlatformError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const handle = yield* File.open(tree, path, { access: "read", directory: false, durable: true })
    const existing = yield* Effect.option(fs.stat(destination))
    const replace = options.inPlace !== true && (Option.isNone(existing) || existing.value.type === "File")
    const target = replace ? localTemporaryPath(destination) : destination
    const local = yield* fs.open(target, { flag: replace ? "wx" : "w" })
    if (replace) yield* Effect.addFinalizer((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(fs.remove(target)))
    const at = yield* positioned(local)
    const bytes = yield* handle.readEach((chunk, position) => at(position, local.writeAll(chunk)), options)
    if (replace) {
      yield* local.sync
      yield* fs.rename(target, destination)
    }
    return bytes
  })).pipe(span("download", tree, { path }))

/**
 * @since 0.1.0
 * @category models
 */
export interface DownloadOptions extends TransferOptions {
  /** Write into the existing local file (truncated first) rather than replace it whole. Default false. */
  readonly inPlace?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface UploadOptions extends WriteFileOptions {
  /**
   * Write into the existing file rather than replace it whole. By default an upload of the whole
   * file (no `offset`, disposition "overwriteIf" or "supersede") writes a temporary file in the
   * same folder and renames it over `path` once complete, so a failure (a lock, a full disk, a
   * dropped connection) leaves the old file as it was. Replaced that way, the file is a new one:
   * it does not keep the old one's security descriptor, attributes or streams. An alternate data
   * stream (`path:stream`) is always written in place: a temporary name would be another file.
   * Default false.
   */
  readonly inPlace?: boolean | undefined
}

/** Whether `path` names an alternate data stream ("file.txt:stream"; see Metadata). */
const isStreamPath = (path: string): boolean => (toWirePath(path).split("\\").pop() ?? "").includes(":")

/**
 * Copies the local file `source` to `path` on the share (by default created, or emptied when it
 * exists) and returns the bytes copied. The mirror of `download`: chunks are read from the local
 * file into reused buffers and written with several WRITEs in flight, so a large upload allocates
 * next to nothing per chunk. A local file that shrinks while it is copied fails with
 * SystemError("UnexpectedEof").
 *
 * @since 0.1.0
 * @category operations
 */
export const upload = (
  tree: TreeShape,
  source: string,
  path: string,
  options: UploadOptions = {}
): Effect.Effect<number, RequestError | PlatformError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const local = yield* fs.open(source, { flag: "r" })
    const size = Number((yield* local.stat).size)
    const disposition = options.disposition ?? "overwriteIf"
    const whole = options.inPlace !== true && !isStreamPath(path) && (options.offset ?? 0) === 0 && (disposition === "overwriteIf" || disposition === "supersede")
    // Until renamed over `path`, the temporary file goes again when anything fails or the upload
    // is interrupted: the cleanup is registered together with the open, with no interruption
    // point between them (the open itself is not interruptible), and runs before the close.
    const handle = whole
      ? yield* Effect.uninterruptible(Effect.tap(
        File.open(tree, temporaryPath(path), {
          access: File.accessMask("write") | AccessMask.DELETE,
          disposition: "create",
          directory: false,
          durable: "owned"
        }),
        (temporary) => Effect.addFinalizer((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(temporary.delete))
      ))
      : yield* File.open(tree, path, { access: "write", disposition, directory: false, durable: true })
    const at = yield* positioned(local)
    const base = options.offset ?? 0
    const fill = (chunk: Uint8Array, position: number) =>
      at(
        position - base,
        Effect.gen(function*() {
          for (let filled = 0; filled < chunk.length;) {
            const n = Number(yield* local.read(chunk.subarray(filled)))
            if (n === 0) {
              return yield* new SystemError({
                reason: "UnexpectedEof",
                module: "FileSystem",
                method: "read",
                pathOrDescriptor: source,
                description: `${source} ended at ${position - base + filled} bytes; it had ${size} when the copy began`
              })
            }
            filled += n
          }
        })
      )
    const written = yield* handle.writeEach(size, fill, options)
    if (whole) yield* handle.rename(path, { replace: true })
    return written
  })).pipe(span("upload", tree, { path }))

/**
 * Writes `data` as the file's content (by default creating or emptying it first).
 *
 * @since 0.1.0
 * @category operations
 */
export const writeFile = (
  tree: TreeShape,
  path: string,
  data: Uint8Array,
  options: WriteFileOptions = {}
): Effect.Effect<void, RequestError> => {
  const open: OpenOptions = { access: "write", disposition: options.disposition ?? "overwriteIf", directory: false }
  const inChunks = (from: OpenOptions, bytes: Uint8Array, writeOptions: WriteFileOptions) =>
    withFile(tree, path, from, (handle) => handle.write(bytes, writeOptions))
  const offset = options.offset ?? 0
  const length = data.byteLength
  // Data that fits one round trip goes with the CREATE and the CLOSE; what a short WRITE left
  // is written the usual way (unless the thread worker took the buffer: see ThreadBackend).
  const compounded = Effect.flatMap(
    Compound.openActClose(tree, path, open, length === 0 ? [] : [Compound.writeStep(offset, data)]),
    ({ replies }) =>
      length === 0 ? Effect.void : Effect.flatMap(Compound.writtenCount(replies[0]!), (count) => {
        if (count >= length) return Effect.void
        const rest = data.subarray(count)
        return rest.byteLength === length - count
          ? inChunks({ ...open, disposition: "open" }, rest, { ...options, offset: offset + count })
          : Effect.fail(new InvalidState({ reason: "ShortWrite", detail: `WRITE of ${path}: the server took ${count} of ${length} bytes` }))
      })
  )
  const written = length > Math.min(COMPOUND_BYTES, transferPlan(tree, "write", options).chunkSize)
    ? inChunks(open, data, options)
    : Effect.zipRight(checkRange(offset, length), compounded)
  return written.pipe(Effect.asVoid, span("write_file", tree, { path, length }))
}

/**
 * The file's content as a stream of chunks, several READs in flight; the file is open while the
 * stream runs.
 *
 * @since 0.1.0
 * @category operations
 */
export const readStream = (tree: TreeShape, path: string, options?: ReadOptions): Stream.Stream<Uint8Array, RequestError> =>
  Stream.unwrapScoped(Effect.map(File.open(tree, path, { access: "read", directory: false }), (handle) => handle.readStream(options)))

/**
 * A Sink that writes the file (by default created or emptied first) and ends with the bytes
 * written. It keeps a reference to each buffer it receives until the buffer is written.
 *
 * @since 0.1.0
 * @category operations
 */
export const sink = (tree: TreeShape, path: string, options: WriteFileOptions = {}): Sink.Sink<number, Uint8Array, never, RequestError> =>
  Sink.unwrapScoped(
    Effect.map(
      File.open(tree, path, { access: "write", disposition: options.disposition ?? "overwriteIf", directory: false }),
      (handle) => handle.sink(options)
    )
  )

/**
 * Writes `stream` into the file (see `sink`); returns the bytes written.
 *
 * @since 0.1.0
 * @category operations
 */
export const writeStream = <E, R>(
  tree: TreeShape,
  path: string,
  stream: Stream.Stream<Uint8Array, E, R>,
  options?: WriteFileOptions
): Effect.Effect<number, RequestError | E, R> =>
  Stream.run(stream, sink(tree, path, options)).pipe(span("write_stream", tree, { path }))

/**
 * The entries of the directory at `path` ("." and ".." left out). The first round goes with the
 * CREATE that opens the directory (one round trip fewer). On a reconnecting connection, a listing
 * that a reconnect cuts opens the directory again and carries on: every entry once.
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (tree: TreeShape, path: string, options: ListOptions = {}): Stream.Stream<DirectoryEntry, RequestError> =>
  resumingList(Listing.list(tree, path, options.pattern), tree.session.connection.reconnect !== undefined)

/**
* Every entry below the directory at `path`, breadth-first: see Folders.walk.
 *
 * @since 0.1.0
 * @category operations
 */
export const walk = (tree: TreeShape, path: string, options?: Folders.WalkOptions): Stream.Stream<DirectoryEntry, RequestError> =>
  Folders.walk(tree, path, options)

/**
 * What `path` is (from the CREATE response of an attributes-only open, compounded with its CLOSE:
 * one round trip; the CREATE response carries what a QUERY_INFO would).
 *
 * @since 0.1.0
 * @category operations
 */
export const stat = (tree: TreeShape, path: string): Effect.Effect<FileStat, RequestError> =>
  Compound.openActClose(tree, path, { access: AccessMask.FILE_READ_ATTRIBUTES }).pipe(
    Effect.map(({ created }) => toFileStat(created)),
    span("stat", tree, { path })
  )

/**
 * The size and free space of the volume behind the share, as the server reports them for `path`
 * (default the share's root): FileFsFullSizeInformation, in bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface FsSize {
  readonly totalBytes: number
  /** Free bytes this user may use (quotas applied). */
  readonly availableBytes: number
  /** Free bytes on the volume. */
  readonly freeBytes: number
  /** The allocation unit (cluster) size. */
  readonly unitBytes: number
}

/**
 * QUERY_INFO FileFsFullSizeInformation on `path` (default the share root), like `df`.
 *
 * @since 0.1.0
 * @category operations
 */
export const statfs = (tree: TreeShape, path = ""): Effect.Effect<FsSize, RequestError> =>
  withFile(tree, path, { access: AccessMask.FILE_READ_ATTRIBUTES }, (handle) =>
    Effect.map(Requests.queryFsFullSizeInformation(tree, handle.fileId), (fs) => {
      const unit = fs.sectorsPerAllocationUnit * fs.bytesPerSector
      return {
        totalBytes: Number(fs.totalAllocationUnits) * unit,
        availableBytes: Number(fs.callerAvailableAllocationUnits) * unit,
        freeBytes: Number(fs.actualAvailableAllocationUnits) * unit,
        unitBytes: unit
      }
    })).pipe(span("statfs", tree, { path }))

/**
 * Whether `path` exists (a missing file or parent directory is `false`; other errors fail).
 *
 * @since 0.1.0
 * @category operations
 */
export const exists = (tree: TreeShape, path: string): Effect.Effect<boolean, RequestError> =>
  stat(tree, path).pipe(
    Effect.as(true),
    Effect.catchIf(isNotFound, () => Effect.succeed(false))
  )

/**
 * Deletes the file at `path` (not a directory: STATUS_FILE_IS_A_DIRECTORY; see `rmdir`).
 *
 * @since 0.1.0
 * @category operations
 */
export const remove = (tree: TreeShape, path: string): Effect.Effect<void, RequestError> =>
  Compound.openActClose(tree, path, { access: AccessMask.DELETE, directory: false, deleteOnClose: true }).pipe(
    Effect.asVoid,
    span("remove", tree, { path })
  )

/**
 * Creates the directory at `path`.
 *
 * @since 0.1.0
 * @category operations
 */
export const mkdir = (tree: TreeShape, path: string, options: MkdirOptions = {}): Effect.Effect<void, RequestError> => {
  const access = AccessMask.FILE_READ_ATTRIBUTES
  if (options.recursive !== true) {
    return Compound.openActClose(tree, path, { access, disposition: "create", directory: true }).pipe(Effect.asVoid, span("mkdir", tree, { path }))
  }
  const segments = toWirePath(path).split("\\")
  return Effect.forEach(
    segments.map((_, i) => segments.slice(0, i + 1).join("\\")),
    (prefix) => Compound.openActClose(tree, prefix, { access, disposition: "openIf", directory: true }),
    { discard: true }
  ).pipe(span("mkdir", tree, { path, recursive: true }))
}

/**
 * Removes the empty directory at `path` (STATUS_DIRECTORY_NOT_EMPTY otherwise).
 *
 * @since 0.1.0
 * @category operations
 */
export const rmdir = (tree: TreeShape, path: string): Effect.Effect<void, RequestError> =>
  Compound.openActClose(tree, path, { access: AccessMask.DELETE, directory: true }, [Compound.deletePendingStep]).pipe(
    Effect.asVoid,
    span("rmdir", tree, { path })
  )

/**
 * Renames or moves `from` to `to` (both share-relative), a file or a directory.
 *
 * @since 0.1.0
 * @category operations
 */
export const rename = (tree: TreeShape, from: string, to: string, options: RenameOptions = {}): Effect.Effect<void, RequestError> =>
  // On a DFS share the target's name depends on where a referral sent the source: the handle knows.
  (tree.isDfs === true
    ? withFile(tree, from, { access: AccessMask.DELETE }, (handle) => handle.rename(to, options))
    : Effect.asVoid(Compound.openActClose(tree, from, { access: AccessMask.DELETE }, [Compound.renameStep(to, options.replace === true)]))
  ).pipe(span("rename", tree, { from, to }))

/**
 * Sets the file's size: cuts it, or extends it with zeros.
 *
 * @since 0.1.0
 * @category operations
 */
export const truncate = (tree: TreeShape, path: string, size: number): Effect.Effect<void, RequestError> =>
  Effect.zipRight(
    checkRange(size, 0),
    Compound.openActClose(tree, path, { access: AccessMask.FILE_WRITE_DATA, directory: false }, [Compound.endOfFileStep(size)])
  ).pipe(
    Effect.asVoid,
    span("truncate", tree, { path, size })
  )

/**
 * Changes in the directory at `path`, as long as the stream runs; ending it cancels the pending
 * notification and closes the directory.
 *
 * @since 0.1.0
 * @category operations
 */
export const watch = (tree: TreeShape, path: string, options?: WatchOptions): Stream.Stream<Change, RequestError> =>
  Stream.unwrapScoped(
    Effect.map(
      File.open(tree, path, { access: AccessMask.FILE_LIST_DIRECTORY, directory: true }),
      (handle) => handle.watch(options)
    )
  )

/**
 * Copies a file on one tree, on the server when it can (see Copy.copy).
 *
 * @since 0.1.0
 * @category operations
 */
export const copy = Copy.copy

/**
 * Copies a file from one tree to another, streamed (see Copy.copyBetween).
 *
 * @since 0.1.0
 * @category operations
 */
export const copyBetween = Copy.copyBetween

/**
 * Moves a file: a rename on one tree, a copy and a removal between two (see Copy.moveBetween).
 *
 * @since 0.1.0
 * @category operations
 */
export const moveBetween = Copy.moveBetween

/** @since 0.1.0 @category models */
export type { CopyChunkLimits, CopyOptions, CopyResult, MoveOptions } from "./Copy.js"

/**
 * Everything the server says about `path` in one query (FileAllInformation): Files.stat's fields
 * and the file id, links, pending delete, EA size and the server's name for it (see Details.ts).
 *
 * @since 0.1.0
 * @category operations
 */
export const details = Details.details

/** @since 0.1.0 @category models */
export type { FileDetails } from "./Details.js"

/**
 * Times and attributes set, streams listed: see Metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const { setAttributes, setTimes, streams } = Metadata

/**
 * The security descriptor read and written: see Security.
 *
 * @since 0.1.0
 * @category operations
 */
export const { getSecurity, setSecurity } = Security

/**
 * The operations of this module bound to one tree.
 *
 * @since 0.1.0
 * @category models
 */
export interface FilesShape {
  readonly tree: TreeShape
  readonly open: (path: string, options?: OpenOptions) => Effect.Effect<FileHandle, RequestError, Scope.Scope>
  readonly readFile: (path: string, options?: TransferOptions) => Effect.Effect<Uint8Array, RequestError>
  readonly download: (
    path: string,
    destination: string,
    options?: DownloadOptions
  ) => Effect.Effect<number, RequestError | PlatformError, FileSystem.FileSystem>
  readonly upload: (
    source: string,
    path: string,
    options?: UploadOptions
  ) => Effect.Effect<number, RequestError | PlatformError, FileSystem.FileSystem>
  readonly writeFile: (path: string, data: Uint8Array, options?: WriteFileOptions) => Effect.Effect<void, RequestError>
  readonly readStream: (path: string, options?: ReadOptions) => Stream.Stream<Uint8Array, RequestError>
  readonly sink: (path: string, options?: WriteFileOptions) => Sink.Sink<number, Uint8Array, never, RequestError>
  readonly writeStream: <E, R>(
    path: string,
    stream: Stream.Stream<Uint8Array, E, R>,
    options?: WriteFileOptions
  ) => Effect.Effect<number, RequestError | E, R>
  readonly list: (path: string, options?: ListOptions) => Stream.Stream<DirectoryEntry, RequestError>
  readonly walk: (path: string, options?: Folders.WalkOptions) => Stream.Stream<DirectoryEntry, RequestError>
  readonly stat: (path: string) => Effect.Effect<FileStat, RequestError>
  readonly statfs: (path?: string) => Effect.Effect<FsSize, RequestError>
  readonly exists: (path: string) => Effect.Effect<boolean, RequestError>
  readonly remove: (path: string) => Effect.Effect<void, RequestError>
  readonly mkdir: (path: string, options?: MkdirOptions) => Effect.Effect<void, RequestError>
  readonly rmdir: (path: string) => Effect.Effect<void, RequestError>
  readonly rename: (from: string, to: string, options?: RenameOptions) => Effect.Effect<void, RequestError>
  readonly truncate: (path: string, size: number) => Effect.Effect<void, RequestError>
  readonly watch: (path: string, options?: WatchOptions) => Stream.Stream<Change, RequestError>
  readonly copy: (from: string, to: string, options?: Copy.CopyOptions) => Effect.Effect<Copy.CopyResult, RequestError>
  readonly details: (path: string) => Effect.Effect<Details.FileDetails, RequestError>
  readonly setTimes: (path: string, times: Metadata.Times) => Effect.Effect<void, RequestError>
  readonly setAttributes: (path: string, changes: Metadata.AttributeChanges) => Effect.Effect<number, RequestError>
  readonly streams: (path: string) => Effect.Effect<ReadonlyArray<Metadata.StreamInfo>, RequestError>
  readonly getSecurity: (path: string, parts?: Security.SecurityParts) => Effect.Effect<Security.SecurityDescriptor, RequestError>
  readonly setSecurity: (
    path: string,
    sd: Security.SecurityDescriptor,
    parts?: Security.SecurityParts
  ) => Effect.Effect<void, RequestError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Files extends Context.Tag("effect-smb/Files")<Files, FilesShape>() {}

/**
 * Binds the operations to `tree`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (tree: TreeShape): FilesShape => ({
  tree,
  open: (path, options) => open(tree, path, options),
  readFile: (path, options) => readFile(tree, path, options),
  download: (path, destination, options) => download(tree, path, destination, options),
  upload: (source, path, options) => upload(tree, source, path, options),
  writeFile: (path, data, options) => writeFile(tree, path, data, options),
  readStream: (path, options) => readStream(tree, path, options),
  sink: (path, options) => sink(tree, path, options),
  writeStream: (path, stream, options) => writeStream(tree, path, stream, options),
  list: (path, options) => list(tree, path, options),
  walk: (path, options) => walk(tree, path, options),
  stat: (path) => stat(tree, path),
  statfs: (path) => statfs(tree, path),
  exists: (path) => exists(tree, path),
  remove: (path) => remove(tree, path),
  mkdir: (path, options) => mkdir(tree, path, options),
  rmdir: (path) => rmdir(tree, path),
  rename: (from, to, options) => rename(tree, from, to, options),
  truncate: (path, size) => truncate(tree, path, size),
  watch: (path, options) => watch(tree, path, options),
  copy: (from, to, options) => copy(tree, from, to, options),
  details: (path) => details(tree, path),
  setTimes: (path, times) => setTimes(tree, path, times),
  setAttributes: (path, changes) => setAttributes(tree, path, changes),
  streams: (path) => streams(tree, path),
  getSecurity: (path, parts) => getSecurity(tree, path, parts),
  setSecurity: (path, sd, parts) => setSecurity(tree, path, sd, parts)
})

/**
 * The Files service on the Tree in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Files, never, Tree> = Layer.effect(Files, Effect.map(Tree, make))
