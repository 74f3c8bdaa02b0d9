/**
 * `smb ls URL`: the entries of the directory the URL names (the share root without a path), one
 * line each, in the order the server returns them: type ("d" or "-"), size, last write time
 * (UTC) and name, a directory's with a trailing "/", its control characters escaped (Escape.ts).
 * With --json, one JSON object per line. A URL that names a file lists that file alone.
 *
 * A URL without a share (`smb://host/`) lists the server's shares instead (src/rpc/Shares.ts,
 * srvsvc over IPC$): name, type and comment in aligned columns, in the server's order, escaped
 * as above; with --json one object per line.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { FileStat } from "../../client/File.js"
import * as Files from "../../client/Files.js"
import type { RequestError } from "../../errors.js"
import * as Shares from "../../rpc/Shares.js"
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
 * The shares as text lines: name, type and comment in columns (the last without padding).
 *
 * @since 0.1.0
 * @category output
 */
export const shareLines = (shares: ReadonlyArray<Shares.Share>): Array<string> => {
  const rows = shares.map((share) => [Escape.text(share.name), Shares.typeLabel(share), Escape.text(share.comment)] as const)
  const nameWidth = Math.max(0, ...rows.map(([name]) => name.length))
  const typeWidth = Math.max(0, ...rows.map(([, type]) => type.length))
  return rows.map(([name, type, comment]) =>
    comment === "" ? `${name.padEnd(nameWidth)}  ${type}` : `${name.padEnd(nameWidth)}  ${type.padEnd(typeWidth)}  ${comment}`
  )
}

/**
 * One share as a JSON line.
 *
 * @since 0.1.0
 * @category output
 */
export const shareJson = (share: Shares.Share): string =>
  Escape.json({
    name: share.name,
    type: share.type,
    special: share.special,
    temporary: share.temporary,
    typeCode: share.typeCode,
    comment: share.comment
  })

const listShares = (text: string, options: ConnectOptions.ConnectOptions) =>
  Effect.gen(function*() {
    const url = yield* Connect.resolve(text, options)
    const connection = yield* Connect.connection(url, options)
    const session = yield* Connect.session(connection, url, options)
    const shares = yield* Shares.list(session)
    yield* Connect.progress(options, `${shares.length} shares`)
    for (const line of options.json ? shares.map(shareJson) : shareLines(shares)) yield* Console.log(line)
  })

const namesShare = (text: string): boolean => Either.getOrElse(Either.map(Url.parse(text), (url) => url.share !== undefined), () => true)

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
      !namesShare(url) ? listShares(url, options) :
      Connect.withShare(url, options, (tree, target) => {
        const path = Url.filePath(target)
        const single = Stream.fromEffect(
          Effect.map(Files.stat(tree, path), (stat): Listed => ({ ...stat, name: Url.baseName(target) ?? "", path }))
        )
        return Files.list(tree, path).pipe(
          Stream.catchSome((error) => isNotADirectory(error) ? Option.some(single) : Option.none()),
          // One write per chunk of entries, not per line: a 10,000-entry folder's lines cost a
          // third of the command's time when each was its own console.log.
          Stream.runForEachChunk((chunk) =>
            Chunk.isEmpty(chunk)
              ? Effect.void
              : Console.log(Chunk.toReadonlyArray(chunk).map((entry: Listed) => options.json ? json(entry) : line(entry)).join("\n"))
          )
        )
      })
    )
).pipe(
  Command.withDescription(
    "List a directory (or describe one file); with a URL that names no share (smb://host/), list the server's shares: " +
      "name, type (Disk, Printer, IPC; special, temporary) and comment."
  )
)
