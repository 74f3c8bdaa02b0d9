/**
 * `smb get URL [LOCAL|-]`: copies a remote file to LOCAL (by default its own name in the current
 * directory; into LOCAL when that is a directory), or to stdout with "-". The remote file is
 * opened before anything local is touched, and a file is replaced only once the copy is
 * complete: a get that fails or is interrupted leaves the local side as it was (Save.ts says
 * how, and how devices, FIFOs and symbolic links are treated). With --json, prints one object
 * (remote path, local path, bytes) when done; otherwise nothing.
 *
 * `smb get -r URL [LOCALDIR]` copies the contents of the remote directory into LOCALDIR (by
 * default the directory's own name in the current directory; created when missing) with
 * Folders.download. Each file is written under a temporary name beside it and renamed into place
 * once complete, so an interrupted get -r leaves no truncated file under its final name; a name
 * the server lists that would lead outside LOCALDIR is refused. --json prints the remote and local
 * paths and the files, directories and bytes copied. On a terminal, stderr shows its progress.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Path from "@effect/platform/Path"
import * as NodeSink from "@effect/platform-node/NodeSink"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Files from "../../client/Files.js"
import * as Folders from "../../client/Folders.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { CliError } from "../errors.js"
import * as Local from "../Local.js"
import { run } from "../Run.js"
import * as Save from "../Save.js"
import * as TreeProgress from "../TreeProgress.js"
import * as Url from "../Url.js"

const stdout = NodeSink.fromWritable<CliError, Uint8Array>(
  () => process.stdout,
  (cause) => {
    const code = (cause as { readonly code?: unknown } | undefined)?.code
    return new CliError({ reason: "LocalFile", detail: `cannot write to stdout${typeof code === "string" ? ` (${code})` : ""}`, cause })
  },
  { endOnDone: false }
)

/** get -r: the URL's directory's contents into LOCAL. */
const getTree = (url: string, local: Option.Option<string>, options: ConnectOptions.ConnectOptions) =>
  Connect.withShare(url, options, (tree, target) =>
    Effect.gen(function*() {
      if (Option.getOrUndefined(local) === "-") {
        return yield* new CliError({ reason: "Usage", detail: "-r copies a directory: it cannot go to - (stdout)" })
      }
      const remote = Url.filePath(target)
      const destination = Option.getOrElse(local, () => Url.baseName(target) ?? target.share ?? ".")
      yield* Connect.progress(options, `getting the contents of /${remote} into ${destination}`)
      const summary = yield* TreeProgress.withProgress("get", (onProgress) => Folders.download(tree, remote, destination, { onProgress }))
      if (options.json) yield* Console.log(JSON.stringify({ remote, local: destination, ...summary }))
    }))

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "get",
  {
    recursive: Options.boolean("recursive").pipe(
      Options.withAlias("r"),
      Options.withDescription("The URL is a directory: copy its contents, subdirectories and all, into LOCAL (created when missing).")
    ),
    url: ConnectOptions.url,
    local: Args.text({ name: "local" }).pipe(
      Args.withDescription("Where to write: a file, a directory, or - for stdout (with -r, the directory to copy into)."),
      Args.optional
    ),
    options: ConnectOptions.options
  },
  ({ local, options, recursive, url }) =>
    run(
      options,
      recursive ? getTree(url, local, options) : Connect.withShare(url, options, (tree, target) =>
        Effect.gen(function*() {
          const remote = yield* Connect.requirePath(target)
          const handle = yield* Files.open(tree, remote, { access: "read", directory: false })
          if (Option.getOrUndefined(local) === "-") return yield* Stream.run(handle.readStream(), stdout)

          const path = yield* Path.Path
          const name = Url.baseName(target)!
          const given = Option.getOrElse(local, () => name)
          const destination = (yield* Local.isDirectory(given)) ? path.join(given, name) : given
          yield* Connect.progress(options, `getting /${remote} (${handle.size} bytes) into ${destination}`)
          const bytes = yield* Save.save(handle, destination)
          if (options.json) yield* Console.log(JSON.stringify({ remote, local: destination, bytes }))
        }))
    )
).pipe(Command.withDescription("Copy a remote file to a local file or to stdout (-); with -r, a directory's contents."))
