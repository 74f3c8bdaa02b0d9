/**
 * `smb get URL [LOCAL|-]`: copies a remote file to LOCAL (by default its own name in the current
 * directory; into LOCAL when that is a directory), or to stdout with "-". The remote file is
 * opened before anything local is touched, and a file is replaced only once the copy is
 * complete: a get that fails or is interrupted leaves the local side as it was (Save.ts says
 * how, and how devices, FIFOs and symbolic links are treated). With --json, prints one object
 * (remote path, local path, bytes) when done; otherwise nothing.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Path from "@effect/platform/Path"
import * as NodeSink from "@effect/platform-node/NodeSink"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { CliError } from "../errors.js"
import * as Local from "../Local.js"
import { run } from "../Run.js"
import * as Save from "../Save.js"
import * as Url from "../Url.js"

const stdout = NodeSink.fromWritable<CliError, Uint8Array>(
  () => process.stdout,
  (cause) => {
    const code = (cause as { readonly code?: unknown } | undefined)?.code
    return new CliError({ reason: "LocalFile", detail: `cannot write to stdout${typeof code === "string" ? ` (${code})` : ""}`, cause })
  },
  { endOnDone: false }
)

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "get",
  {
    url: ConnectOptions.url,
    local: Args.text({ name: "local" }).pipe(Args.withDescription("Where to write: a file, a directory, or - for stdout."), Args.optional),
    options: ConnectOptions.options
  },
  ({ local, options, url }) =>
    run(
      options,
      Connect.withShare(url, options, (tree, target) =>
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
).pipe(Command.withDescription("Copy a remote file to a local file or to stdout (-)."))
