/**
 * The local side of `get` and `put`: files through @effect/platform's FileSystem, with its
 * errors turned into one readable CliError ("cannot read LOCAL: no such file").
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import { CliError } from "./errors.js"

const reasons: Partial<Record<string, string>> = {
  NotFound: "no such file or directory",
  PermissionDenied: "permission denied",
  AlreadyExists: "already exists",
  Busy: "busy"
}

/**
 * A local file error as the CLI reports it.
 *
 * @since 0.1.0
 * @category errors
 */
export const localError = (verb: string, path: string) => (error: PlatformError) =>
  new CliError({
    reason: "LocalFile",
    detail: `cannot ${verb} ${path}: ${(error._tag === "SystemError" ? reasons[error.reason] : undefined) ?? error.message}`,
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
