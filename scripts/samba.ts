/**
 * `npm run samba`: a throwaway Samba on 127.0.0.1 to try effect-smb against. It prints the
 * SMB_URL and SMB_PASSWORD that the examples, `npm start` and the `smb` command read, and runs
 * until Ctrl-C (SIGINT) or SIGTERM, then stops smbd and everything it started and deletes its
 * working directory (/tmp/effect-smb-*). Uses the test harness (test/support/samba: needs root;
 * installs Samba with apt-get when missing), as the tour and the tests do.
 *
 *   npm run samba -- --port 4450     a chosen port instead of a free one
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { ensureSambaInstalled, startSamba, stopSamba } from "../test/support/samba/Samba.js"

class SambaScriptError extends Data.TaggedError("SambaScriptError")<{ readonly detail: string }> {
  override get message(): string {
    return this.detail
  }
}

const portArgument = (): number | undefined => {
  const at = process.argv.indexOf("--port")
  if (at < 0) return undefined
  const port = Number(process.argv[at + 1])
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`--port takes a port number, not ${process.argv[at + 1] ?? "nothing"}`)
  }
  return port
}

const program = Effect.gen(function*() {
  const port = yield* Effect.try({
    try: portArgument,
    catch: (cause) => new SambaScriptError({ detail: cause instanceof Error ? cause.message : String(cause) })
  })
  const server = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        await ensureSambaInstalled()
        return startSamba({ variant: "default", ...(port === undefined ? {} : { port }) })
      },
      catch: (cause) =>
        new SambaScriptError({ detail: `could not start Samba: ${cause instanceof Error ? cause.message : String(cause)}` })
    }),
    (server) =>
      Effect.promise(() => stopSamba(server)).pipe(
        Effect.zipRight(Console.log(`\nSamba (pid ${server.pid}) stopped; ${server.workdir} removed.`))
      )
  )
  const url = `smb://${server.user}@${server.host}:${server.port}/${server.share}`
  yield* Console.log(
    [
      `Samba is running on ${server.host}:${server.port} (pid ${server.pid}), share "${server.share}",`,
      `user ${server.user}; the share's files are in ${server.sharePath}.`,
      "",
      "In another shell:",
      "",
      `  export SMB_URL=${url}`,
      `  export SMB_PASSWORD=${server.password}`,
      "",
      "  npx vite-node examples/quickstart.ts",
      "  npm start",
      "  npx vite-node src/cli/main.ts ls $SMB_URL",
      "",
      "Ctrl-C stops it."
    ].join("\n")
  )
  // Runs until interrupted (Ctrl-C, SIGTERM), or until whoever started it is gone: a parent
  // killed without passing the signal on would otherwise leave this, and smbd, running.
  const parent = process.ppid
  return yield* Effect.sync(() => process.ppid).pipe(
    Effect.repeat({ until: (ppid) => ppid !== parent, schedule: Schedule.spaced("1 second") }),
    Effect.zipRight(Console.log("\nThe parent process is gone; stopping."))
  )
})

program.pipe(
  Effect.scoped,
  Effect.tapErrorCause((cause) => Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(`npm run samba: ${Cause.pretty(cause)}`)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
