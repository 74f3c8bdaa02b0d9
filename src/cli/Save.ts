/**
 * How `smb get` writes a remote file to a local path, so that a get that fails never removes
 * or spoils anything it did not create. What happens depends on what the path is now:
 *
 * - nothing, or a regular file: the data goes to a temporary file in the same directory
 *   (".smb-get-<random>.part", created exclusively, O_EXCL, so never through a planted link,
 *   with the mode of a new file), which is synced and renamed over the path once complete. On
 *   failure or Ctrl-C only the temporary file is removed: an existing file keeps its content
 *   and inode. A file that may not be written is not replaced (as `cp` would refuse it). A
 *   replaced file is a new file: the mode and owner of a new one, and hard links to the old
 *   one keep the old content.
 * - a symbolic link: refused. Writing through it would change a file elsewhere (in a shared
 *   directory, one that someone else chose by planting the link); replacing it would silently
 *   destroy the link. The user decides: give the path it points to, or remove the link.
 * - a directory: refused (get.ts has already put a directory's remote name inside it).
 * - a device or FIFO (/dev/null, a named pipe): written directly and in order, opened without
 *   O_CREAT or O_TRUNC, and never removed, also when the write fails (/dev/full). A socket
 *   cannot be opened, and fails so.
 *
 * Node's fs is used directly: @effect/platform's FileSystem has neither lstat nor O_NOFOLLOW.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import { constants } from "node:fs"
import type { FileHandle as LocalFile } from "node:fs/promises"
import { access, lstat, open, rename, unlink } from "node:fs/promises"
import { dirname, join } from "node:path"
import type { FileHandle } from "../client/File.js"
import type { RequestError } from "../errors.js"
import { CliError } from "./errors.js"
import { localError } from "./Local.js"

const attempt = <A>(path: string, io: () => Promise<A>): Effect.Effect<A, CliError> =>
  Effect.tryPromise({ try: io, catch: localError("write", path) })

const kindOf = (path: string) =>
  attempt(path, async () => {
    const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => error.code === "ENOENT" ? undefined : Promise.reject(error))
    if (stats === undefined) return "absent"
    if (stats.isSymbolicLink()) return "symlink"
    if (stats.isDirectory()) return "directory"
    if (!stats.isFile()) return "special"
    // The rename would replace a file its owner made read-only; opening it for writing would not.
    await access(path, constants.W_OK)
    return "file"
  })

/** Writes all of `chunk`, at `position`, or at the current offset when null (a pipe has none). */
const writeAll = async (file: LocalFile, chunk: Uint8Array, position: number | null): Promise<void> => {
  for (let done = 0; done < chunk.length;) {
    const { bytesWritten } = await file.write(chunk, done, chunk.length - done, position === null ? null : position + done)
    if (bytesWritten === 0) throw new Error("the write made no progress")
    done += bytesWritten
  }
}

const close = (file: LocalFile) => Effect.promise(() => file.close().catch(() => undefined))

// Chunks arrive out of order, several at a time, and are written at their positions.
const replace = (handle: FileHandle, path: string): Effect.Effect<number, CliError | RequestError> =>
  Effect.scoped(Effect.gen(function*() {
    const temp = join(dirname(path), `.smb-get-${randomBytes(6).toString("hex")}.part`)
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
    const file = yield* Effect.acquireRelease(attempt(path, () => open(temp, flags, 0o666)), close)
    yield* Effect.addFinalizer((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.promise(() => unlink(temp).catch(() => undefined)))
    const bytes = yield* handle.readEach((chunk, position) => attempt(path, () => writeAll(file, chunk, position)))
    yield* attempt(path, () => file.sync())
    // Closed before the rename, so that a failing close (a full NFS disk) still fails the get.
    yield* attempt(path, () => file.close())
    yield* attempt(path, () => rename(temp, path))
    return bytes
  }))

// In order: a device or pipe has no positions. No O_CREAT: if the device went away, fail
// rather than leave a regular file behind.
const direct = (handle: FileHandle, path: string): Effect.Effect<number, CliError | RequestError> =>
  Effect.scoped(Effect.gen(function*() {
    const flags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NOCTTY
    // Interruptible: opening a FIFO waits for a reader, and Ctrl-C must still end the command.
    const file = yield* Effect.acquireRelease(Effect.interruptible(attempt(path, () => open(path, flags))), close)
    return yield* handle.readStream().pipe(
      Stream.runFoldEffect(0, (bytes, chunk) => Effect.as(attempt(path, () => writeAll(file, chunk, null)), bytes + chunk.length))
    )
  }))

/**
 * Copies the open remote file to `path` (see above) and returns the bytes copied.
 *
 * @since 0.1.0
 * @category files
 */
export const save = (handle: FileHandle, path: string): Effect.Effect<number, CliError | RequestError> =>
  Effect.flatMap(kindOf(path), (kind) => {
    switch (kind) {
      case "absent":
      case "file":
        return replace(handle, path)
      case "special":
        return direct(handle, path)
      case "directory":
        return new CliError({ reason: "LocalFile", detail: `cannot write ${path}: is a directory` })
      case "symlink":
        return new CliError({
          reason: "LocalFile",
          detail: `cannot write ${path}: it is a symbolic link (give the path it points to, or remove the link)`
        })
    }
  })
