/**
 * The local side of `get` and `put`: checks through @effect/platform's FileSystem, and local
 * file errors (the platform's or Node's) turned into one readable CliError ("cannot read LOCAL:
 * no such file or directory"). Save.ts writes what `get` fetches.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import { CliError } from "./errors.js"

// What an errno means, as `ls` or `cp` would say it; anything else keeps its own message.
const errnoText: Partial<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  EBUSY: "busy",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
  EFBIG: "file too large",
  ENAMETOOLONG: "file name too long",
  ENXIO: "no such device or address",
  EIO: "input/output error"
}

// A Node error carries its errno code; @effect/platform's SystemError keeps that error as its cause.
const errnoCode = (error: unknown): string | undefined => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  if (typeof code === "string") return code
  const cause = (error as { readonly cause?: unknown } | undefined)?.cause
  return cause === undefined || cause === error ? undefined : errnoCode(cause)
}

/**
 * A local file error (@effect/platform's, or Node's own) as the CLI reports it: "cannot write
 * /dev/full: no space left on device".
 *
 * @since 0.1.0
 * @category errors
 */
export const localError = (verb: string, path: string) => (error: unknown) =>
  new CliError({
    reason: "LocalFile",
    detail: `cannot ${verb} ${path}: ${errnoText[errnoCode(error) ?? ""] ?? (error instanceof Error ? error.message : String(error))}`,
    cause: error
  })

/**
 * Whether `path` is an existing directory (false when it does not exist).
 *
 * @since 0.1.0
 * @category files
 */
export const isDirectory = (path: string): Effect.Effect<boolean, never, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.stat(path)).pipe(
    Effect.map((info) => info.type === "Directory"),
    Effect.orElseSucceed(() => false)
  )

/**
 * Succeeds when `path` is a readable regular file.
 *
 * @since 0.1.0
 * @category files
 */
export const requireFile = (path: string): Effect.Effect<void, CliError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(path).pipe(Effect.mapError(localError("read", path)))
    if (info.type !== "File") return yield* new CliError({ reason: "LocalFile", detail: `cannot read ${path}: not a regular file` })
    yield* fs.access(path, { readable: true }).pipe(Effect.mapError(localError("read", path)))
  })
