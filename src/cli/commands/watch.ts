/**
 * `smb watch URL`: prints the changes in the directory the URL names (the share root without a
 * path) until interrupted (Ctrl-C: the pending CHANGE_NOTIFY is cancelled, the connection
 * closed, exit code 130). One line per change: the action ("added", "removed", "modified",
 * "renamedFrom", "renamedTo", ...) and the name relative to the directory, its control
 * characters escaped (Escape.ts); "overflow" when the server had too many changes to list
 * (rescan the directory). With --json, one JSON object per line. --recursive watches the whole
 * subtree.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Change } from "../../client/File.js"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import * as Escape from "../Escape.js"
import { run } from "../Run.js"
import * as Url from "../Url.js"

/**
 * One change as a text line.
 *
 * @since 0.1.0
 * @category output
 */
export const line = (change: Change): string => change._tag === "Overflow" ? "overflow" : `${change.action} ${Escape.text(change.name)}`

/**
 * One change as a JSON line.
 *
 * @since 0.1.0
 * @category output
 */
export const json = (change: Change): string =>
  Escape.json(change._tag === "Overflow" ? { action: "overflow" } : { action: change.action, name: change.name })

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "watch",
  {
    url: ConnectOptions.url,
    recursive: Options.boolean("recursive").pipe(Options.withAlias("r"), Options.withDescription("Watch the whole subtree.")),
    options: ConnectOptions.options
  },
  ({ options, recursive, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) =>
        Connect.progress(options, `watching /${Url.filePath(target)}${recursive ? " and below" : ""}`).pipe(
          Effect.zipRight(
            Files.watch(tree, Url.filePath(target), { recursive }).pipe(
              Stream.runForEach((change) => Console.log(options.json ? json(change) : line(change)))
            )
          )
        ))
    )
).pipe(Command.withDescription("Print changes in a directory until interrupted."))
