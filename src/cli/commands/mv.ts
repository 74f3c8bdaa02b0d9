/**
 * `smb mv URL URL`: moves a file or directory. Inside one share it is a rename (an existing file
 * at the target is replaced); between shares or servers, a file is copied (streamed through this
 * process) and then removed. When the target URL names the share root or a directory, the source
 * keeps its name there. With --json, prints one object (`from`, `to`, `renamed`); otherwise
 * nothing.
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
import * as SharePair from "../SharePair.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "mv",
  {
    ...SharePair.args("What to move", "Where to move it: a new name, or a directory (or share root) that gets its name"),
    options: ConnectOptions.options
  },
  ({ from, options, to }) =>
    run(
      options,
      SharePair.withSharePair(from, to, options, (source, target) =>
        Effect.gen(function*() {
          const { renamed } = yield* Files.moveBetween(source.tree, source.path, target.tree, target.path)
          yield* Connect.progress(options, `/${source.path} ${renamed ? "renamed" : "copied and removed"}`)
          if (options.json) yield* Console.log(JSON.stringify({ from: source.path, to: target.path, renamed }))
        }))
    )
).pipe(Command.withDescription("Move or rename a file or directory, inside a share or to another share or server."))
