/**
 * Where a file goes on the server, as `cp` decides it: the URL's path, or the file's name inside
 * it when the URL names the share root or an existing directory. For `smb put`, `smb cp` and
 * `smb mv`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Files from "../client/Files.js"
import type { TreeShape } from "../client/Tree.js"
import { CliError } from "./errors.js"
import * as Url from "./Url.js"

/**
 * The share-relative path a file named `name` is written to; with no name (a file from stdin),
 * the URL must name the file itself.
 *
 * @since 0.1.0
 */
export const remoteTarget = (tree: TreeShape, url: Url.SmbUrl, name: string | undefined) =>
  Effect.gen(function*() {
    const path = Url.filePath(url)
    const isDirectory = path === "" ||
      (yield* Files.stat(tree, path).pipe(
        Effect.map((stat) => stat.isDirectory),
        Effect.catchIf(Files.isNotFound, () => Effect.succeed(false))
      ))
    if (!isDirectory) return path
    if (name === undefined) {
      return yield* new CliError({ reason: "Usage", detail: "with - (stdin), the URL must name the remote file" })
    }
    return path === "" ? name : `${path}/${name}`
  })
