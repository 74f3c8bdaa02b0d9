/**
 * Files: path-level operations on a tree, each one a complete open-act-close: read and write
 * whole files or streams, list, stat, remove, mkdir, rmdir, rename, truncate and watch.
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
import { randomBytes } from "node:crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type { RequestError } from "../errors.js"
import { AccessMask } from "../wire/Create.js"
import { Status } from "../wire/Status.js"
import type { Change, DirectoryEntry, Disposition, FileHandle, FileStat, OpenOptions, ReadOptions, TransferOptions, WatchOptions } from "./File.js"
import * as File from "./File.js"
import { toWirePath } from "./internal/path.js"
import * as Requests from "./internal/requests.js"
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

const span = (name: string, tree: TreeShape, attributes: Record<string, unknown>) =>
  Effect.withSpan(`smb.files.${name}`, { attributes: { share: tree.share, ...attributes } })

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
 * The whole file in one buffer (chunks read in parallel).
 *
 * @since 0.1.0
 * @category operations
 */
export const readFile = (tree: TreeShape, path: string, options?: TransferOptions): Effect.Effect<Uint8Array, RequestError> =>
  withFile(tree, path, { access: "read", directory: false, durable: true }, (handle) => handle.read(0, handle.size, options)).pipe(
    span("read_file", tree, { path })
  )

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
 * Copies the file to `destination` on the local file system (created, or emptied when it
 * exists) and returns the bytes copied. Chunks are read in parallel and written at their
 * positions as they arrive; their buffers are reused, so a large download allocates next to
 * nothing per chunk. On failure the local file keeps what was written so far.
 *
 * @since 0.1.0
 * @category operations
 */
export const download = (
  tree: TreeShape,
  path: string,
  destination: string,
  options?: TransferOptions
): Effect.Effect<number, RequestError | PlatformError, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const handle = yield* File.open(tree, path, { access: "read", directory: false, durable: true })
    const local = yield* fs.open(destination, { flag: "w" })
    const at = yield* positioned(local)
    return yield* handle.readEach((chunk, position) => at(position, local.writeAll(chunk)), options)
  })).pipe(span("download", tree, { path }))

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
   * it does not keep the old one's security descriptor, attributes or streams. Default false.
   */
  readonly inPlace?: boolean | undefined
}

/** The temporary name a whole-file upload writes before renaming it over `path`. */
const temporaryPath = (path: string): string => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.smb-${randomBytes(6).toString("hex")}.part`
}

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
    const whole = options.inPlace !== true && (options.offset ?? 0) === 0 && (disposition === "overwriteIf" || disposition === "supersede")
    // Until renamed over `path`, the temporary file goes again when anything fails or the upload
    // is interrupted: the cleanup is registered together with the open, with no interruption
    // point between them (the open itself is not interruptible), and runs before the close.
    const handle = whole
      ? yield* Effect.uninterruptible(Effect.tap(
        File.open(tree, temporaryPath(path), {
          access: File.accessMask("write") | AccessMask.DELETE,
          disposition: "create",
          directory: false,
          durable: true
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
): Effect.Effect<void, RequestError> =>
  withFile(
    tree,
    path,
    { access: "write", disposition: options.disposition ?? "overwriteIf", directory: false },
    (handle) => handle.write(data, options)
  ).pipe(Effect.asVoid, span("write_file", tree, { path, length: data.length }))

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
 * The entries of the directory at `path` ("." and ".." left out).
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (tree: TreeShape, path: string, options: ListOptions = {}): Stream.Stream<DirectoryEntry, RequestError> =>
  Stream.unwrapScoped(
    Effect.map(
      File.open(tree, path, { access: AccessMask.FILE_LIST_DIRECTORY, directory: true }),
      (handle) => handle.list(options.pattern)
    )
  )

/**
 * What `path` is (from the CREATE response of an attributes-only open).
 *
 * @since 0.1.0
 * @category operations
 */
export const stat = (tree: TreeShape, path: string): Effect.Effect<FileStat, RequestError> =>
  withFile(tree, path, { access: AccessMask.FILE_READ_ATTRIBUTES }, (handle) => Effect.succeed(handle.info)).pipe(
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
  withFile(
    tree,
    path,
    { access: AccessMask.DELETE, directory: false, deleteOnClose: true },
    () => Effect.void
  ).pipe(span("remove", tree, { path }))

/**
 * Creates the directory at `path`.
 *
 * @since 0.1.0
 * @category operations
 */
export const mkdir = (tree: TreeShape, path: string, options: MkdirOptions = {}): Effect.Effect<void, RequestError> => {
  const access = AccessMask.FILE_READ_ATTRIBUTES
  if (options.recursive !== true) {
    return withFile(tree, path, { access, disposition: "create", directory: true }, () => Effect.void).pipe(span("mkdir", tree, { path }))
  }
  const segments = toWirePath(path).split("\\")
  return Effect.forEach(
    segments.map((_, i) => segments.slice(0, i + 1).join("\\")),
    (prefix) => withFile(tree, prefix, { access, disposition: "openIf", directory: true }, () => Effect.void),
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
  withFile(
    tree,
    path,
    { access: AccessMask.DELETE, directory: true },
    (handle) => handle.delete
  ).pipe(span("rmdir", tree, { path }))

/**
 * Renames or moves `from` to `to` (both share-relative), a file or a directory.
 *
 * @since 0.1.0
 * @category operations
 */
export const rename = (tree: TreeShape, from: string, to: string, options: RenameOptions = {}): Effect.Effect<void, RequestError> =>
  withFile(
    tree,
    from,
    { access: AccessMask.DELETE },
    (handle) => handle.rename(to, options)
  ).pipe(span("rename", tree, { from, to }))

/**
 * Sets the file's size: cuts it, or extends it with zeros.
 *
 * @since 0.1.0
 * @category operations
 */
export const truncate = (tree: TreeShape, path: string, size: number): Effect.Effect<void, RequestError> =>
  withFile(
    tree,
    path,
    { access: AccessMask.FILE_WRITE_DATA, directory: false },
    (handle) => handle.truncate(size)
  ).pipe(span("truncate", tree, { path, size }))

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
    options?: TransferOptions
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
  readonly stat: (path: string) => Effect.Effect<FileStat, RequestError>
  readonly statfs: (path?: string) => Effect.Effect<FsSize, RequestError>
  readonly exists: (path: string) => Effect.Effect<boolean, RequestError>
  readonly remove: (path: string) => Effect.Effect<void, RequestError>
  readonly mkdir: (path: string, options?: MkdirOptions) => Effect.Effect<void, RequestError>
  readonly rmdir: (path: string) => Effect.Effect<void, RequestError>
  readonly rename: (from: string, to: string, options?: RenameOptions) => Effect.Effect<void, RequestError>
  readonly truncate: (path: string, size: number) => Effect.Effect<void, RequestError>
  readonly watch: (path: string, options?: WatchOptions) => Stream.Stream<Change, RequestError>
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
  stat: (path) => stat(tree, path),
  statfs: (path) => statfs(tree, path),
  exists: (path) => exists(tree, path),
  remove: (path) => remove(tree, path),
  mkdir: (path, options) => mkdir(tree, path, options),
  rmdir: (path) => rmdir(tree, path),
  rename: (from, to, options) => rename(tree, from, to, options),
  truncate: (path, size) => truncate(tree, path, size),
  watch: (path, options) => watch(tree, path, options)
})

/**
 * The Files service on the Tree in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Files, never, Tree> = Layer.effect(Files, Effect.map(Tree, make))
