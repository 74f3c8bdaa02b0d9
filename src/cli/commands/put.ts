/**
 * `smb put LOCAL URL`: copies a local file (or stdin with "-") to the URL. When the URL names the
 * share root or an existing directory, the file keeps its local name there. An existing remote
 * file is replaced. The local file is checked before the remote one is created, so a typo in
 * LOCAL never empties a remote file. With --json, prints one object (local path, remote path,
 * bytes) when done; otherwise nothing.
 *
 * `smb put -r LOCALDIR URL` copies LOCALDIR's contents into the directory at the URL (created
 * when missing, parents too) with Folders.upload; --json prints the local and remote paths and
 * the files, directories and bytes copied. On a terminal, stderr shows its progress.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Path from "@effect/platform/Path"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Files from "../../client/Files.js"
import * as Folders from "../../client/Folders.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { CliError } from "../errors.js"
import * as Local from "../Local.js"
import { remoteTarget } from "../RemoteTarget.js"
import { run } from "../Run.js"
import * as TreeProgress from "../TreeProgress.js"
import * as Url from "../Url.js"

/** put -r: LOCAL's contents into the URL's directory. */
const putTree = (local: string, url: string, options: ConnectOptions.ConnectOptions) =>
  Effect.gen(function*() {
    if (local === "-") return yield* new CliError({ reason: "Usage", detail: "-r copies a directory: - (stdin) is not one" })
    if (!(yield* Local.isDirectory(local))) {
      return yield* new CliError({ reason: "LocalFile", detail: `cannot read ${local}: not a directory (-r copies a directory's contents)` })
    }
    return yield* Connect.withShare(url, options, (tree, target) =>
      Effect.gen(function*() {
        const remote = Url.filePath(target)
        yield* Connect.progress(options, `putting the contents of ${local} into /${remote}`)
        const summary = yield* TreeProgress.withProgress("put", (onProgress) => Folders.upload(tree, local, remote, { onProgress }))
        if (options.json) yield* Console.log(JSON.stringify({ local, remote, ...summary }))
      }))
  })

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "put",
  {
    recursive: Options.boolean("recursive").pipe(
      Options.withAlias("r"),
      Options.withDescription("LOCAL is a directory: copy its contents, subdirectories and all, into the directory at the URL (created when missing).")
    ),
    local: Args.text({ name: "local" }).pipe(Args.withDescription("The file to copy, or - for stdin (with -r, a directory).")),
    url: ConnectOptions.url,
    options: ConnectOptions.options
  },
  ({ local, options, recursive, url }) =>
    run(
      options,
      recursive ? putTree(local, url, options) : Effect.gen(function*() {
        const path = yield* Path.Path
        const fromStdin = local === "-"
        if (!fromStdin) yield* Local.requireFile(local)
        return yield* Connect.withShare(url, options, (tree, target) =>
          Effect.gen(function*() {
            const remote = yield* remoteTarget(tree, target, fromStdin ? undefined : path.basename(local))
            yield* Connect.progress(options, `putting ${fromStdin ? "stdin" : local} into /${remote}`)
            // From a file: chunks read into reused buffers (Files.upload).
            const bytes = yield* (fromStdin
              ? Files.writeStream(tree, remote, NodeStream.stdin)
              : Files.upload(tree, local, remote).pipe(
                Effect.catchTags({ SystemError: Local.localError("read", local), BadArgument: Local.localError("read", local) })
              ))
            if (options.json) yield* Console.log(JSON.stringify({ local, remote, bytes }))
          }))
      })
    )
).pipe(Command.withDescription("Copy a local file (or stdin, -) to the server; with -r, a directory's contents."))
