/**
 * `smb mv URL URL`: moves a file or directory. Inside one share it is a rename (an existing file
 * at the target is replaced); between shares or servers, a file is copied (streamed through this
 * process) and then removed. When the target URL names the share root or a directory, the source
 * keeps its name there. With --json, prints one object (`from`, `to`, `renamed`); otherwise
 * nothing.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { run } from "../Run.js"
import { withSharePair } from "../SharePair.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "mv",
  {
    from: Args.text({ name: "source" }).pipe(
      Args.withDescription(
        `What to move: smb://[[DOMAIN;]user[:password]@]host[:port]/share/path, percent-encoded (the password as for every command: ` +
          "prefer --password-file, SMB_PASSWORD or the prompt)."
      )
    ),
    to: Args.text({ name: "target" }).pipe(
      Args.withDescription(
        "Where to move it: a new name, or a directory (or share root) that gets its name; another share or server too. " +
          "The same account on the same server shares the source's connection and password."
      )
    ),
    options: ConnectOptions.options
  },
  ({ from, options, to }) =>
    run(
      options,
      withSharePair(from, to, options, (source, target) =>
        Effect.gen(function*() {
          const { renamed } = yield* Files.moveBetween(source.tree, source.path, target.tree, target.path)
          yield* Connect.progress(options, `/${source.path} ${renamed ? "renamed" : "copied and removed"}`)
          if (options.json) yield* Console.log(JSON.stringify({ from: source.path, to: target.path, renamed }))
        }))
    )
).pipe(Command.withDescription("Move or rename a file or directory, inside a share or to another share or server."))
