/**
 * `smb stat URL`: what the server knows of a file or directory, from one QUERY_INFO
 * (FileAllInformation, see client/Details.ts), asking for no more access than reading attributes.
 * Text: one field a line, names escaped as `ls` does (Escape.ts); `--json`: one object with `share`, `path`, `type` ("file" or
 * "directory"), `size`, `allocationSize`, the four times (ISO 8601, UTC), `attributes` (the
 * number) and `attributeNames`, `fileId` (a decimal string: it may not fit a JSON number),
 * `links`, `deletePending`, `eaSize` and `serverName`.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { FileDetails } from "../../client/Details.js"
import { attributeNames } from "../../client/Details.js"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import * as Escape from "../Escape.js"
import { run } from "../Run.js"
import { readable } from "../Size.js"
import * as Url from "../Url.js"

/**
 * The fields as printed with --json.
 *
 * @since 0.1.0
 * @category models
 */
export const describe = (share: string, path: string, d: FileDetails) => ({
  share,
  path,
  type: d.isDirectory ? "directory" : "file",
  size: d.size,
  allocationSize: d.allocationSize,
  creationTime: d.creationTime.toISOString(),
  lastAccessTime: d.lastAccessTime.toISOString(),
  lastWriteTime: d.lastWriteTime.toISOString(),
  changeTime: d.changeTime.toISOString(),
  attributes: d.attributes,
  attributeNames: attributeNames(d.attributes),
  fileId: d.fileId.toString(),
  links: d.links,
  deletePending: d.deletePending,
  eaSize: d.eaSize,
  serverName: d.serverName
})

const text = (info: ReturnType<typeof describe>): string => {
  const rows: Array<readonly [string, string]> = [
    ["path", `${Escape.text(info.share)}/${Escape.text(info.path)}`],
    ["type", info.type],
    ["size", `${info.size} (${readable(info.size)})`],
    ["allocated", `${info.allocationSize} (${readable(info.allocationSize)})`],
    ["created", info.creationTime],
    ["modified", info.lastWriteTime],
    ["changed", info.changeTime],
    ["accessed", info.lastAccessTime],
    ["attributes", `${info.attributeNames.join(" ") || "-"} (0x${info.attributes.toString(16).padStart(8, "0")})`],
    ["file id", info.fileId],
    ["links", String(info.links)],
    ["delete pending", info.deletePending ? "yes" : "no"],
    ["EA size", String(info.eaSize)],
    // the server's separators as "/", as the other names here
    ["server name", Escape.text(info.serverName.replaceAll("\\", "/"))]
  ]
  const width = Math.max(...rows.map(([key]) => key.length))
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n")
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "stat",
  { url: ConnectOptions.url, options: ConnectOptions.options },
  ({ options, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) =>
        Effect.flatMap(Files.details(tree, Url.filePath(target)), (details) => {
          const info = describe(tree.share, Url.filePath(target), details)
          return Console.log(options.json ? Escape.json(info) : text(info))
        }))
    )
).pipe(Command.withDescription("Print what the server knows of a file or directory: size, times, attributes, file id, links."))
