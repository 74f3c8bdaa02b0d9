/**
 * Folders: operations on whole directory trees, built on Files' path-level functions (so every
 * improvement there, compound requests included, carries over): `walk` (every entry below a
 * directory, breadth-first), `upload` (a local directory into a remote one), `download` (the
 * other way) and `remove` (a remote directory and everything under it).
 *
 * Bounds, so that a tree of any size runs in bounded memory and handles:
 * - directories are listed `listConcurrency` at a time (default 4), each holding one open handle
 *   while its entries are read; `list` hands them out in chunks of at most 1,024, so only a few
 *   chunks per directory are buffered, never the tree. What is kept per tree is the paths of the
 *   directories still to visit (breadth-first), and for `remove` the directories to delete last.
 * - files are copied or removed `concurrency` at a time (default 16), each with at most one
 *   remote handle open. A file that fits in one READ or WRITE (and at most 1 MiB) is moved whole in
 *   memory (`Files.readFile`, `Files.writeFile`: open, transfer and close, the fewest round trips);
 *   a larger one goes through `Files.download` / `Files.upload`, which pipeline chunks of their
 *   own (up to 32 MiB in flight), so at most two large files move at once.
 * - every concurrency is bounded by the worker's `maxInFlight` (1 on the single worker).
 *
 * A failure stops the operation and fails with a FolderError naming the remote path (and the
 * local one) it was about; what was copied or removed before stays so. `download` writes each
 * file under a temporary name and renames it into place once complete, so a failed or
 * interrupted download leaves no truncated file under a final name. `walk` fails with the
 * RequestError of the listing that failed, as `Files.list` does.
 *
 * Loops: a directory the server lists twice under one file id (a symbolic link followed by
 * Samba, say) is walked once; reparse points (Windows junctions and links) are listed but not
 * entered. Locally, `upload` follows symbolic links, enters each directory (device and inode)
 * once, and skips what is neither a file nor a directory (sockets, FIFOs, devices).
 *
 * @since 0.1.0
 */
import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { RequestError } from "../errors.js"
import { FileAttributes } from "../wire/Create.js"
import { Status } from "../wire/Status.js"
import type { DirectoryEntry } from "./File.js"
import * as Files from "./Files.js"
import { forEachBounded } from "./internal/forEachBounded.js"
import { listLocalDirectory, localDirectoryKey, readSmallFile, replaceSmallFile, SYNC_LIMIT } from "./internal/localFile.js"
import { fromWirePath, joinPath, localTemporaryPath } from "./internal/path.js"
import { transferPlan } from "./internal/transferPlan.js"
import * as Metadata from "./Metadata.js"
import type { TreeShape } from "./Tree.js"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * A tree operation failed at one path. `reason` says what was being done there: "List" (a
 * remote directory), "Mkdir" (creating a remote or local directory), "Upload", "Download",
 * "Remove" (a file), "Rmdir" (a directory), "LocalList" (reading a local directory).
 *
 * @since 0.1.0
 * @category errors
 */
export class FolderError extends Data.TaggedError("FolderError")<{
  readonly reason: "List" | "Mkdir" | "Upload" | "Download" | "Remove" | "Rmdir" | "LocalList" | "UnsafeName"
  readonly share: string
  /** The share-relative path, "/"-separated. */
  readonly path: string
  /** The local path, for Upload, Download, LocalList and a local Mkdir. */
  readonly local?: string | undefined
  /** None for "UnsafeName". */
  readonly cause?: RequestError | PlatformError | undefined
}> {
  override get message(): string {
    const remote = `'${this.share}/${this.path}'`
    const local = this.local === undefined ? "" : `'${this.local}'`
    const what = {
      List: `cannot list ${remote}`,
      Mkdir: this.local === undefined ? `cannot create ${remote}` : `cannot create ${local}`,
      Upload: `cannot upload ${local} to ${remote}`,
      Download: `cannot download ${remote} to ${local}`,
      Remove: `cannot remove ${remote}`,
      Rmdir: `cannot remove the directory ${remote}`,
      LocalList: `cannot list ${local}`,
      UnsafeName: `refusing ${remote}: its name would lead outside the destination`
    }[this.reason]
    return this.cause === undefined ? what : `${what}: ${this.cause.message}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WalkOptions {
  /** Directories listed at once, each with one open handle while it is read. Default 4. */
  readonly concurrency?: number | undefined
  /** How many levels to go down: 1 lists the directory itself only. Default: all of them. */
  readonly maxDepth?: number | undefined
}

/**
 * Where a tree operation has got to, after each file or directory.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly files: number
  readonly directories: number
  readonly bytes: number
  /** The share-relative path just done. */
  readonly path: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TreeOptions {
  /** Files copied or removed at once, each with at most one open handle. Default 16. */
  readonly concurrency?: number | undefined
  /** Directories listed at once. Default 4. */
  readonly listConcurrency?: number | undefined
  /** Told after each file or directory; called one at a time. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * What a tree operation did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly files: number
  readonly directories: number
  readonly bytes: number
}

// ---------------------------------------------------------------------------------------------
// Options, resolved once
// ---------------------------------------------------------------------------------------------

const DEFAULT_CONCURRENCY = 16
const DEFAULT_LIST_CONCURRENCY = 4
/** Large files moving at once: each pipelines up to 32 MiB of its own. */
const LARGE_AT_ONCE = 2
const SMALL_FILE_LIMIT = 1024 * 1024

interface Plan {
  readonly concurrency: number
  readonly listConcurrency: number
  /** Files up to this size move whole, in one READ or WRITE. */
  readonly smallFile: number
  readonly large: Effect.Semaphore
  /**
   * Every request of the operation goes through it: on a worker that serves one request at a time
   * (the single worker fails a caller whose response is not the next frame) it lets one through
   * at a time, so the listing, the directories and the files take turns; elsewhere it does nothing.
   */
  readonly exclusive: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Whether `exclusive` lets one request through at a time. */
  readonly serial: boolean
  /** Counts a file or directory done, and tells `onProgress`. */
  readonly progress: (path: string, kind: "file" | "directory", bytes: number) => Effect.Effect<void>
  readonly summary: () => Summary
}

const bounded = (wanted: number | undefined, fallback: number, tree: TreeShape): number =>
  Math.max(1, Math.min(Math.floor(wanted ?? fallback), tree.session.connection.handler.maxInFlight))

const makePlan = (tree: TreeShape, direction: "read" | "write", options: TreeOptions): Effect.Effect<Plan> =>
  Effect.gen(function*() {
    const large = yield* Effect.makeSemaphore(LARGE_AT_ONCE)
    const lock = yield* Effect.makeSemaphore(1)
    const one = yield* Effect.makeSemaphore(1)
    const serial = tree.session.connection.handler.maxInFlight === 1
    let files = 0
    let directories = 0
    let bytes = 0
    const report = options.onProgress
    return {
      concurrency: bounded(options.concurrency, DEFAULT_CONCURRENCY, tree),
      listConcurrency: bounded(options.listConcurrency, DEFAULT_LIST_CONCURRENCY, tree),
      smallFile: Math.min(SMALL_FILE_LIMIT, transferPlan(tree, direction).chunkSize),
      large,
      exclusive: serial ? one.withPermits(1) : (effect) => effect,
      serial,
      progress: (path, kind, n) =>
        Effect.suspend(() => {
          if (kind === "file") files++
          else directories++
          bytes += n
          return report === undefined ? Effect.void : lock.withPermits(1)(report({ files, directories, bytes, path }))
        }),
      summary: () => ({ files, directories, bytes })
    }
  })

// ---------------------------------------------------------------------------------------------
// walk
// ---------------------------------------------------------------------------------------------

const descends = (entry: DirectoryEntry): boolean => entry.isDirectory && (entry.attributes & FileAttributes.REPARSE_POINT) === 0

/**
 * The walk itself, with the error of each listing turned by `onError` (given the directory).
 * `whole`, or an `exclusive` to take turns with the operation's other requests under: each
 * directory is read to the end and its handle closed before its entries are handed out (for
 * `remove`, so that no file is deleted from a directory the server is still enumerating, where
 * a file system may skip or repeat entries), so memory is bounded by the largest directory
 * instead of a response.
 */
const walkWith = <E>(
  tree: TreeShape,
  path: string,
  concurrency: number,
  maxDepth: number,
  onError: (directory: string, error: RequestError) => E,
  whole = false,
  exclusive?: Plan["exclusive"]
): Stream.Stream<DirectoryEntry, E> =>
  Stream.suspend(() => {
    const seen = new Set<bigint>()
    const level = (directories: ReadonlyArray<string>, depth: number): Stream.Stream<DirectoryEntry, E> =>
      Stream.suspend(() => {
        const next: Array<string> = []
        const here = Stream.fromIterable(directories).pipe(
          Stream.flatMap((directory) => {
            const entries = Stream.mapError(Files.list(tree, directory), (error) => onError(directory, error))
            if (exclusive !== undefined) return Stream.unwrap(exclusive(Effect.map(Stream.runCollect(entries), Stream.fromChunk)))
            return whole ? Stream.unwrap(Effect.map(Stream.runCollect(entries), Stream.fromChunk)) : entries
          }, { concurrency }),
          Stream.tap((entry) =>
            Effect.sync(() => {
              if (depth >= maxDepth || !descends(entry)) return
              // 0 is "no id": such a server's directories cannot be told apart, so all are entered.
              if (entry.fileId !== 0n) {
                if (seen.has(entry.fileId)) return
                seen.add(entry.fileId)
              }
              next.push(entry.path)
            })
          )
        )
        return Stream.concat(here, Stream.suspend(() => (next.length === 0 ? Stream.empty : level(next, depth + 1))))
      })
    return level([fromWirePath(path)], 1)
  })

/**
 * Every entry below the directory at `path`, files and directories, each with its share-relative
 * `path`: breadth-first (a directory's entries come after every entry of the level above), the
 * directories of one level listed `concurrency` at a time, so their entries interleave. Memory
 * is bounded by a few listing chunks per directory being read plus the paths of the directories
 * still to visit, never by the tree.
 *
 * @since 0.1.0
 * @category operations
 */
export const walk = (tree: TreeShape, path: string, options: WalkOptions = {}): Stream.Stream<DirectoryEntry, RequestError> =>
  walkWith(
    tree,
    path,
    bounded(options.concurrency, DEFAULT_LIST_CONCURRENCY, tree),
    Math.max(1, options.maxDepth ?? Number.POSITIVE_INFINITY),
    (_, error) => error
  ).pipe(Stream.withSpan("smb.folders.walk", { attributes: { share: tree.share, path } }))

// ---------------------------------------------------------------------------------------------
// upload
// ---------------------------------------------------------------------------------------------

interface LocalFile {
  readonly local: string
  readonly remote: string
  readonly size: number
}

const isCollision = (error: RequestError): boolean => error._tag === "ServerError" && error.status === Status.OBJECT_NAME_COLLISION

/** Creates the remote directory `path`; one that exists already is fine. */
const ensureRemoteDirectory = (tree: TreeShape, plan: Plan, path: string): Effect.Effect<void, FolderError> =>
  plan.exclusive(Files.mkdir(tree, path)).pipe(
    Effect.catchIf(isCollision, () => Effect.void),
    Effect.mapError((cause) => new FolderError({ reason: "Mkdir", share: tree.share, path, cause }))
  )

/**
 * The files below the local directory `root`, breadth-first; each remote directory is created
 * before the files inside it are handed out.
 */
const localFiles = (
  tree: TreeShape,
  root: string,
  remoteRoot: string,
  plan: Plan
): Stream.Stream<LocalFile, FolderError> =>
  Stream.suspend(() => {
    const seen = new Set<string>()
    const listed = (directory: { readonly local: string; readonly remote: string }, next: Array<typeof directory>) =>
      Effect.map(
        Effect.mapError(
          listLocalDirectory(directory.local),
          (cause) => new FolderError({ reason: "LocalList", share: tree.share, path: directory.remote, local: directory.local, cause })
        ),
        (entries) => {
          const files: Array<LocalFile> = []
          const parent = directory.local.replace(/\/+$/, "")
          for (const entry of entries) {
            const local = `${parent}/${entry.name}`
            const remote = joinPath(directory.remote, entry.name)
            if (entry.type === "File") files.push({ local, remote, size: entry.size })
            else if (entry.type === "Directory" && enter(entry.key)) next.push({ local, remote })
          }
          return files
        }
      )
    const enter = (key: string): boolean => {
      if (seen.has(key)) return false
      seen.add(key)
      return true
    }
    const level = (directories: ReadonlyArray<{ readonly local: string; readonly remote: string }>): Stream.Stream<LocalFile, FolderError> =>
      Stream.suspend(() => {
        const next: Array<{ readonly local: string; readonly remote: string }> = []
        const here = Stream.fromIterable(directories).pipe(
          Stream.mapEffect(
            (directory) =>
              Effect.zipRight(
                Effect.zipRight(
                  ensureRemoteDirectory(tree, plan, directory.remote),
                  plan.progress(directory.remote, "directory", 0)
                ),
                listed(directory, next)
              ),
            { concurrency: plan.listConcurrency, unordered: true }
          ),
          Stream.flattenIterables
        )
        return Stream.concat(here, Stream.suspend(() => (next.length === 0 ? Stream.empty : level(next))))
      })
    return Stream.unwrap(Effect.map(
      Effect.mapError(localDirectoryKey(root), (cause) => new FolderError({ reason: "LocalList", share: tree.share, path: remoteRoot, local: root, cause })),
      (key) => {
        enter(key)
        return level([{ local: root, remote: remoteRoot }])
      }
    ))
  })

const uploadFile = (fs: FileSystem.FileSystem, tree: TreeShape, plan: Plan, file: LocalFile) => {
  const read = file.size <= SYNC_LIMIT ? readSmallFile(file.local) : fs.readFile(file.local)
  const copy: Effect.Effect<number, RequestError | PlatformError> = file.size <= plan.smallFile
    ? Effect.flatMap(read, (data) => Effect.as(Files.writeFile(tree, file.remote, data), data.length))
    : plan.large.withPermits(1)(Effect.provideService(Files.upload(tree, file.local, file.remote), FileSystem.FileSystem, fs))
  return plan.exclusive(copy).pipe(
    Effect.mapError((cause) => new FolderError({ reason: "Upload", share: tree.share, path: file.remote, local: file.local, cause })),
    Effect.tap((bytes) => plan.progress(file.remote, "file", bytes))
  )
}

/**
 * Copies the contents of the local directory `source` into the directory `path` on the share
 * (created when missing, parents too), subdirectories and all; existing remote files of the same
 * names are replaced, others are left alone. Returns what was copied (the directories count
 * `path` itself).
 *
 * @since 0.1.0
 * @category operations
 */
export const upload = (
  tree: TreeShape,
  source: string,
  path: string,
  options: TreeOptions = {}
): Effect.Effect<Summary, FolderError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const plan = yield* makePlan(tree, "write", options)
    const root = fromWirePath(path)
    if (root !== "") {
      yield* plan.exclusive(Files.mkdir(tree, root, { recursive: true })).pipe(
        Effect.mapError((cause) => new FolderError({ reason: "Mkdir", share: tree.share, path: root, cause }))
      )
    }
    yield* forEachBounded(localFiles(tree, source, root, plan), (file) => uploadFile(fs, tree, plan, file), plan.concurrency)
    return plan.summary()
  }).pipe(Effect.withSpan("smb.folders.upload", { attributes: { share: tree.share, path } }))

// ---------------------------------------------------------------------------------------------
// download
// ---------------------------------------------------------------------------------------------

/**
 * Writes `data` as the local file `local`, whole or not at all: into a temporary file beside it,
 * created exclusively and renamed over `local` once written (as `Files.download` does), so that
 * a failed or interrupted download never leaves a truncated file under the final name. The
 * temporary file goes again when anything fails, or the write is interrupted.
 */
const replaceLocal = (fs: FileSystem.FileSystem, local: string, data: Uint8Array): Effect.Effect<void, PlatformError> =>
  Effect.suspend(() => {
    const temporary = localTemporaryPath(local)
    return fs.writeFile(temporary, data, { flag: "wx" }).pipe(
      Effect.zipRight(fs.rename(temporary, local)),
      Effect.onError(() => Effect.ignore(fs.remove(temporary)))
    )
  })

const safeName = (name: string): boolean => name !== "" && name !== "." && name !== ".." && !/[\\/\0]/.test(name)

/**
 * Copies everything below the directory `path` on the share into the local directory
 * `destination` (created when missing, parents too), subdirectories and all. Each file is
 * written under a temporary name beside its destination (`.NAME.smb-<random>.part`) and renamed
 * into place once complete, so an existing local file of the same name is replaced whole (a new
 * file: it does not keep the old one's mode or hard links), and a failed or interrupted download
 * leaves no truncated file under a final name. Returns what was copied (the directories count
 * `destination` itself).
 *
 * @since 0.1.0
 * @category operations
 */
export const download = (
  tree: TreeShape,
  path: string,
  destination: string,
  options: TreeOptions = {}
): Effect.Effect<Summary, FolderError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const plan = yield* makePlan(tree, "read", options)
    const root = fromWirePath(path)
    const prefix = root === "" ? 0 : root.length + 1
    const localOf = (remote: string) => `${destination.replace(/\/+$/, "")}/${remote.slice(prefix)}`
    const made = new Set<string>()
    const localDirectory = (local: string, remote: string) =>
      made.has(local) ? Effect.void : fs.makeDirectory(local, { recursive: true }).pipe(
        Effect.tap(() => Effect.sync(() => made.add(local))),
        Effect.mapError((cause) => new FolderError({ reason: "Mkdir", share: tree.share, path: remote, local, cause }))
      )
    yield* localDirectory(destination, root)
    yield* plan.progress(root, "directory", 0)
    const one = (entry: DirectoryEntry): Effect.Effect<void, FolderError> => {
      // A name is the server's word: one that names a parent or holds a separator could put a
      // file anywhere on this machine.
      if (!safeName(entry.name)) return new FolderError({ reason: "UnsafeName", share: tree.share, path: entry.path })
      const local = localOf(entry.path)
      if (entry.isDirectory) return Effect.zipRight(localDirectory(local, entry.path), plan.progress(entry.path, "directory", 0))
      // The listing may come before the directory's own entry was handled (entries of one level
      // run concurrently): the parent is made here too, at most once per directory.
      const parent = local.slice(0, local.lastIndexOf("/"))
      const copy: Effect.Effect<number, RequestError | PlatformError> = entry.size <= plan.smallFile
        ? Effect.flatMap(
          Files.readFile(tree, entry.path),
          (data) => Effect.as(data.length <= SYNC_LIMIT ? replaceSmallFile(local, data) : replaceLocal(fs, local, data), data.length)
        )
        : plan.large.withPermits(1)(Effect.provideService(Files.download(tree, entry.path, local), FileSystem.FileSystem, fs))
      return Effect.zipRight(
        localDirectory(parent, entry.path),
        plan.exclusive(copy).pipe(
          Effect.mapError((cause) => new FolderError({ reason: "Download", share: tree.share, path: entry.path, local, cause })),
          Effect.flatMap((bytes) => plan.progress(entry.path, "file", bytes))
        )
      )
    }
    const entries = walkWith(
      tree,
      root,
      plan.listConcurrency,
      Number.POSITIVE_INFINITY,
      (directory, cause) => new FolderError({ reason: "List", share: tree.share, path: directory, cause }),
      false,
      plan.serial ? plan.exclusive : undefined
    )
    yield* forEachBounded(entries, one, plan.concurrency)
    return plan.summary()
  }).pipe(Effect.withSpan("smb.folders.download", { attributes: { share: tree.share, path } }))

// ---------------------------------------------------------------------------------------------
// remove
// ---------------------------------------------------------------------------------------------

/** The server refused to delete a file or directory for its read-only attribute. */
const isReadOnlyRefusal = (error: RequestError): boolean => error._tag === "ServerError" && error.status === Status.CANNOT_DELETE

/**
 * Runs `remove` (of `at`); when the server refuses it for the read-only attribute
 * (STATUS_CANNOT_DELETE), clears that attribute and runs it again. Only then: the common case
 * costs nothing more.
 */
const clearingReadOnly = (
  tree: TreeShape,
  at: string,
  exclusive: Plan["exclusive"],
  remove: Effect.Effect<void, RequestError>
): Effect.Effect<void, RequestError> =>
  exclusive(remove).pipe(
    Effect.catchIf(isReadOnlyRefusal, () =>
      Effect.zipRight(exclusive(Metadata.setAttributes(tree, at, { readOnly: false })), exclusive(remove)))
  )

/**
 * Removes `path` and, when it is a directory, everything under it: files as the walk finds them,
 * `concurrency` at a time, then the directories, deepest first. A file that does not exist any
 * more when its turn comes is not an error (someone else removed it). A file or directory that
 * the server refuses to delete for its read-only attribute (STATUS_CANNOT_DELETE) has that
 * attribute cleared and is deleted (as Unix `rm -rf` removes read-only files and Windows
 * `rd /s` read-only folders; smbclient 4.17's `deltree` stops there instead). The share root ("")
 * cannot be removed: its contents are, and it stays. Returns what was removed.
 *
 * @since 0.1.0
 * @category operations
 */
export const remove = (tree: TreeShape, path: string, options: TreeOptions = {}): Effect.Effect<Summary, FolderError> =>
  Effect.gen(function*() {
    const plan = yield* makePlan(tree, "read", options)
    const root = fromWirePath(path)
    const failed = (reason: "Remove" | "Rmdir", at: string) => (cause: RequestError) =>
      new FolderError({ reason, share: tree.share, path: at, cause })
    const removeFile = (at: string) =>
      clearingReadOnly(tree, at, plan.exclusive, Files.remove(tree, at)).pipe(
        Effect.catchIf(Files.isNotFound, () => Effect.void),
        Effect.mapError(failed("Remove", at)),
        Effect.zipRight(plan.progress(at, "file", 0))
      )
    const removeDirectory = (at: string) =>
      clearingReadOnly(tree, at, plan.exclusive, Files.rmdir(tree, at)).pipe(
        Effect.mapError(failed("Rmdir", at)),
        Effect.zipRight(plan.progress(at, "directory", 0))
      )
    if (root !== "") {
      const info = yield* Effect.mapError(plan.exclusive(Files.stat(tree, root)), failed("Remove", root))
      if (!info.isDirectory) {
        yield* removeFile(root)
        return plan.summary()
      }
    }
    // Directories by depth, removed deepest first once every file is gone.
    const levels: Array<Array<string>> = []
    const depthOf = (at: string) => at.split("/").length
    const files = walkWith(tree, root, plan.listConcurrency, Number.POSITIVE_INFINITY, (directory, cause) =>
      new FolderError({ reason: "List", share: tree.share, path: directory, cause }), true, plan.exclusive).pipe(
        Stream.filter((entry) => {
          if (!entry.isDirectory) return true
          ;(levels[depthOf(entry.path)] ??= []).push(entry.path)
          return false
        })
      )
    yield* forEachBounded(files, (entry) => removeFile(entry.path), plan.concurrency)
    for (let depth = levels.length - 1; depth >= 0; depth--) {
      yield* Effect.forEach(levels[depth] ?? [], removeDirectory, { concurrency: plan.concurrency, discard: true })
    }
    if (root !== "") yield* removeDirectory(root)
    return plan.summary()
  }).pipe(Effect.withSpan("smb.folders.remove", { attributes: { share: tree.share, path } }))
