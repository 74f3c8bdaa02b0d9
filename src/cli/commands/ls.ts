/**
 * `smb ls URL`: the entries of the directory the URL names (the share root without a path), one
 * line each, in the order the server returns them: type ("d" or "-"), size, last write time
 * (UTC) and name, a directory's with a trailing "/", its control characters escaped (Escape.ts).
 * With --json, one JSON object per line. A URL that names a file lists that file alone.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { FileStat } from "../../client/File.js"
import * as Files from "../../client/Files.js"
import type { RequestError } from "../../errors.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import * as Escape from "../Escape.js"
import { run } from "../Run.js"
import * as Url from "../Url.js"

/**
 * What `ls` prints about one entry.
 *
 * @since 0.1.0
 * @category models
 */
export interface Listed extends FileStat {
  readonly name: string
  readonly path: string
}

const isNotADirectory = (error: RequestError) => error._tag === "ServerError" && error.reason === "STATUS_NOT_A_DIRECTORY"

const stamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z")

/**
 * One entry as a text line.
 *
 * @since 0.1.0
 * @category output
 */
export const line = (entry: Listed): string =>
  `${entry.isDirectory ? "d" : "-"} ${String(entry.size).padStart(12)}  ${stamp(entry.lastWriteTime)}  ${Escape.text(entry.name)}${entry.isDirectory ? "/" : ""}`

/**
 * One entry as a JSON line.
 *
 * @since 0.1.0
 * @category output
 */
export const json = (entry: Listed): string =>
  Escape.json({
    name: entry.name,
    path: entry.path,
    type: entry.isDirectory ? "directory" : "file",
    size: entry.size,
    lastWriteTime: entry.lastWriteTime.toISOString(),
    creationTime: entry.creationTime.toISOString(),
    attributes: entry.attributes
  })

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "ls",
  { url: ConnectOptions.url, options: ConnectOptions.options },
  ({ options, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) => {
        const path = Url.filePath(target)
        const single = Stream.fromEffect(
          Effect.map(Files.stat(tree, path), (stat): Listed => ({ ...stat, name: Url.baseName(target) ?? "", path }))
        )
        return Files.list(tree, path).pipe(
          Stream.catchSome((error) => isNotADirectory(error) ? Option.some(single) : Option.none()),
          Stream.runForEach((entry: Listed) => Console.log(options.json ? json(entry) : line(entry)))
        )
      })
    )
).pipe(Command.withDescription("List a directory (or describe one file)."))
