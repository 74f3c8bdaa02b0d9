/**
 * `smb mkdir [--parents] URL`: creates a directory; with --parents (-p) its missing parents too,
 * and no error when it exists. Silent when it succeeds.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
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
  "mkdir",
  {
    url: ConnectOptions.url,
    parents: Options.boolean("parents").pipe(
      Options.withAlias("p"),
      Options.withDescription("Create missing parent directories too; no error when the directory exists.")
    ),
    options: ConnectOptions.options
  },
  ({ options, parents, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) =>
        Effect.flatMap(Connect.requirePath(target), (path) => Files.mkdir(tree, path, { recursive: parents })))
    )
).pipe(Command.withDescription("Create a directory."))
