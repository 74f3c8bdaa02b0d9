/**
 * `smb df URL`: the size and free space of the volume behind the share (or behind the URL's path),
 * as the server reports them (QUERY_INFO FileFsFullSizeInformation). Text: total, available and
 * free bytes with a readable size; `--json`: one object with `share`, `totalBytes`,
 * `availableBytes` (this user may use), `freeBytes` (on the volume) and `unitBytes`.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { run } from "../Run.js"
import { readable } from "../Size.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "df",
  { url: ConnectOptions.url, options: ConnectOptions.options },
  ({ options, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) =>
        Effect.flatMap(Files.statfs(tree, target.path.join("/")), (size) =>
          Console.log(
            options.json
              ? JSON.stringify({ share: tree.share, ...size })
              : [
                `total      ${size.totalBytes} (${readable(size.totalBytes)})`,
                `available  ${size.availableBytes} (${readable(size.availableBytes)})`,
                `free       ${size.freeBytes} (${readable(size.freeBytes)})`
              ].join("\n")
          )))
    )
).pipe(Command.withDescription("Print the size and free space of the volume behind the share."))
