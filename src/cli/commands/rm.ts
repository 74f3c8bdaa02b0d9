/**
 * `smb rm URL`: removes a file (a directory is refused with STATUS_FILE_IS_A_DIRECTORY: see
 * `smb rmdir`). Silent when it succeeds. `smb rm -r URL` removes a directory and everything under
 * it (or a file) with Folders.remove, read-only entries included (their attribute is cleared
 * when the server refuses the delete for it); --json then prints what was removed, and on a
 * terminal stderr shows its progress. The share root is refused.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Files from "../../client/Files.js"
import * as Folders from "../../client/Folders.js"
import type { RequestError } from "../../errors.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { run } from "../Run.js"
import * as TreeProgress from "../TreeProgress.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "rm",
  {
    recursive: Options.boolean("recursive").pipe(
      Options.withAlias("r"),
      Options.withDescription("Remove a directory and everything under it (or a file).")
    ),
    url: ConnectOptions.url,
    options: ConnectOptions.options
  },
  ({ options, recursive, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) =>
        Effect.flatMap(Connect.requirePath(target), (path): Effect.Effect<void, RequestError | Folders.FolderError> =>
          recursive
            ? Effect.gen(function*() {
              yield* Connect.progress(options, `removing /${path} and everything under it`)
              const summary = yield* TreeProgress.withProgress("rm", (onProgress) => Folders.remove(tree, path, { onProgress }))
              if (options.json) yield* Console.log(JSON.stringify({ remote: path, files: summary.files, directories: summary.directories }))
            })
            : Files.remove(tree, path)))
    )
).pipe(Command.withDescription("Remove a file; with -r, a directory and everything under it."))
