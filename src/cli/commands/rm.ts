/**
 * `smb rm URL`: removes a file (a directory is refused with STATUS_FILE_IS_A_DIRECTORY: see
 * `smb rmdir`). Silent when it succeeds.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { run } from "../Run.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "rm",
  { url: ConnectOptions.url, options: ConnectOptions.options },
  ({ options, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) => Effect.flatMap(Connect.requirePath(target), (path) => Files.remove(tree, path)))
    )
).pipe(Command.withDescription("Remove a file."))
