/**
 * `smb cp URL URL`: copies a file. Inside one share the server copies it (no data crosses the
 * network; a server without server-side copy gets it streamed); between shares or servers it is
 * streamed through this process. An existing target is replaced once the copy is complete, so a
 * failed copy leaves it as it was. When the target URL names the share root or a directory, the
 * file keeps its name there. With --json, prints one object (`from`, `to`, `bytes`, `serverSide`);
 * otherwise nothing.
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
import * as Url from "../Url.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "cp",
  {
    ...SharePair.args("The file to copy", "Where to copy it: a file, or a directory (or share root) that gets the file's name"),
    options: ConnectOptions.options
  },
  ({ from, options, to }) =>
    run(
      options,
      SharePair.withSharePair(from, to, options, (source, target) =>
        Effect.gen(function*() {
          yield* Connect.progress(options, `copying /${source.path} to ${Url.format({ ...target.url, path: target.path.split("/") })}`)
          const result = yield* Files.copyBetween(source.tree, source.path, target.tree, target.path)
          yield* Connect.progress(options, `${result.bytes} bytes ${result.serverSide ? "copied by the server" : "streamed"}`)
          if (options.json) {
            yield* Console.log(JSON.stringify({ from: source.path, to: target.path, bytes: result.bytes, serverSide: result.serverSide }))
          }
        }))
    )
).pipe(Command.withDescription("Copy a file on the server (inside a share), or to another share or server."))
