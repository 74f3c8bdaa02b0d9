/**
 * Small local files read whole, or written whole, in synchronous calls, for the tree operations'
 * small files.
 *
 * Departure from DESIGN.md (local files go through the platform's FileSystem service): the
 * service reads a file as four requests to libuv's thread pool (open, fstat, read, close), and
 * writes one as four more (open, write, close, rename), each with its callback and its fiber
 * resumption, where the data is a few KiB. For a tree of 1,000 files of 4 KiB that was about 150
 * ms of our CPU in a process of 2 s, the machine's other core busy with smbd; read in one call
 * (1,000 of them: 25-48 ms), the event loop waits a few microseconds per file. Only files of at
 * most SYNC_LIMIT bytes come here, so a slow disk never holds the loop for long; the failures
 * are the SystemError the service would give.
 *
 * @since 0.1.0
 * @internal
 */
import type { SystemErrorReason } from "@effect/platform/Error"
import { SystemError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { localTemporaryPath } from "./path.js"

/**
 * The most `readSmallFile` reads and `replaceSmallFile` writes: one compound's worth (what
 * `Files.writeFile` sends with its CREATE and CLOSE, `Files.readFile` reads with them).
 *
 * @since 0.1.0
 * @internal
 */
export const SYNC_LIMIT = 64 * 1024

// As @effect/platform-node names errno codes.
const reasons: Record<string, SystemErrorReason> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EEXIST: "AlreadyExists",
  EISDIR: "BadResource",
  ENOTDIR: "BadResource",
  EBUSY: "Busy",
  ELOOP: "BadResource"
}

/**
 * The content of the local file at `path`, which the caller knows to be small (at most
 * SYNC_LIMIT bytes when it looked).
 *
 * @since 0.1.0
 * @internal
 */
export const readSmallFile = (path: string): Effect.Effect<Uint8Array, SystemError> =>
  Effect.try({ try: (): Uint8Array => readFileSync(path), catch: systemError("readFile", path) })

/**
 * Writes `data` (at most SYNC_LIMIT bytes) as the local file `path`, whole or not at all: into a
 * temporary file beside it, created exclusively, then renamed over `path`; the temporary file is
 * removed when either step fails. One synchronous step, so no interruption falls between them.
 *
 * @since 0.1.0
 * @internal
 */
export const replaceSmallFile = (path: string, data: Uint8Array): Effect.Effect<void, SystemError> =>
  Effect.suspend(() => {
    const temporary = localTemporaryPath(path)
    let method = "writeFile"
    return Effect.try({
      try: () => {
        try {
          writeFileSync(temporary, data, { flag: "wx" })
          method = "rename"
          renameSync(temporary, path)
        } catch (error) {
          rmSync(temporary, { force: true })
          throw error
        }
      },
      catch: (error) => systemError(method, method === "rename" ? path : temporary)(error)
    })
  })

/**
 * An entry of a local directory, its symbolic links followed. `key` (device and inode) tells
 * directories apart, for those only.
 *
 * @since 0.1.0
 * @internal
 */
export type LocalEntry =
  | { readonly name: string; readonly type: "File"; readonly size: number }
  | { readonly name: string; readonly type: "Directory"; readonly key: string }
  | { readonly name: string; readonly type: "Other" }

/**
 * The entries of the local directory `path`, read and each stat'ed in one synchronous step: the
 * service's `readDirectory` and one `stat` per entry cost a thread-pool round trip and a fiber
 * each (1,000 files: ~90 ms of a `put -r` of 2 s of CPU), where a stat is a few microseconds (a
 * 10,000-entry directory holds the event loop ~30 ms). A failure is the SystemError the service
 * would give, naming the entry.
 *
 * @since 0.1.0
 * @internal
 */
export const listLocalDirectory = (path: string): Effect.Effect<Array<LocalEntry>, SystemError> =>
  Effect.suspend(() => {
    let method = "readDirectory"
    let failed = path
    return Effect.try({
      try: () =>
        readdirSync(path).map((name): LocalEntry => {
          const entry = `${path.replace(/\/+$/, "")}/${name}`
          method = "stat"
          failed = entry
          const info = statSync(entry)
          if (info.isFile()) return { name, type: "File", size: info.size }
          if (!info.isDirectory()) return { name, type: "Other" }
          return { name, type: "Directory", key: directoryKey(entry) }
        }),
      catch: (error) => systemError(method, failed)(error)
    })
  })

// Inodes may pass 2^53: the key from exact numbers.
const directoryKey = (path: string): string => {
  const info = statSync(path, { bigint: true })
  return `${info.dev}:${info.ino}`
}

/**
 * The device and inode of the local `path` (symbolic links followed), as `listLocalDirectory`
 * keys its directories.
 *
 * @since 0.1.0
 * @internal
 */
export const localDirectoryKey = (path: string): Effect.Effect<string, SystemError> =>
  Effect.try({ try: () => directoryKey(path), catch: systemError("stat", path) })

const systemError = (method: string, path: string) => (error: unknown): SystemError => {
  const failure = error as NodeJS.ErrnoException
  return new SystemError({
    reason: reasons[failure.code ?? ""] ?? "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    ...(failure.syscall === undefined ? {} : { syscall: failure.syscall }),
    description: failure.message,
    cause: error
  })
}
