/**
 * `smb get URL [LOCAL|-]`: copies a remote file to LOCAL (by default its own name in the current
 * directory; into LOCAL when that is a directory), or to stdout with "-". The remote file is
 * opened before the local one, so a missing remote file never clobbers a local one; a transfer
 * that fails or is interrupted removes the partial local file. With --json, prints one object
 * (remote path, local path, bytes) when done; otherwise nothing.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as NodeSink from "@effect/platform-node/NodeSink"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Files from "../../client/Files.js"
import * as Connect from "../Connect.js"
import * as ConnectOptions from "../ConnectOptions.js"
import { CliError } from "../errors.js"
import * as Local from "../Local.js"
import { run } from "../Run.js"
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
          let bytes = 0
          const data = handle.readStream().pipe(Stream.tap((chunk) => Effect.sync(() => bytes += chunk.length)))
          if (Option.getOrUndefined(local) === "-") return yield* Stream.run(data, stdout)

          const fs = yield* FileSystem.FileSystem
          const path = yield* Path.Path
          const name = Url.baseName(target)!
          const given = Option.getOrElse(local, () => name)
          const destination = (yield* Local.isDirectory(given)) ? path.join(given, name) : given
          yield* Connect.progress(options, `getting /${remote} (${handle.size} bytes) into ${destination}`)
          // To a file: chunks written at their positions from reused buffers (Files.download).
          bytes = yield* Files.download(tree, remote, destination).pipe(
            Effect.catchTags({ SystemError: Local.localError("write", destination), BadArgument: Local.localError("write", destination) }),
            Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(fs.remove(destination)))
          )
          if (options.json) yield* Console.log(JSON.stringify({ remote, local: destination, bytes }))
        }))
    )
).pipe(Command.withDescription("Copy a remote file to a local file or to stdout (-)."))
