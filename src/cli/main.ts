#!/usr/bin/env node
/**
 * `smb`: the command-line tool over effect-smb, the package's bin. Subcommands: info, ls, get,
 * put, rm, mkdir, rmdir, watch, df, cp, mv, stat, acl (see `smb --help`, and `smb <command> --help`); every one takes an
 * `smb://` URL (src/cli/Url.ts) and the connection options of src/cli/ConnectOptions.ts.
 *
 * Exit codes: 0 done; 1 the operation failed (one line on stderr: "smb: <message>"); 2 the
 * command line was wrong (bad URL, unknown option; @effect/cli prints its own message for the
 * latter); 130 interrupted by Ctrl-C (SIGINT) or SIGTERM, after the connection was closed.
 * NodeRuntime.runMain interrupts the program on those signals; its own error reporting is off,
 * since src/cli/Run.ts has already printed the one line; src/cli/Stderr.ts keeps every stderr
 * line in that form. Logs go to stderr too, so that stdout carries only the command's output
 * (`smb get URL -` writes the file there).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { fileURLToPath } from "node:url"
import * as acl from "./commands/acl.js"
import * as cp from "./commands/cp.js"
import * as df from "./commands/df.js"
import * as get from "./commands/get.js"
import * as info from "./commands/info.js"
import * as ls from "./commands/ls.js"
import * as mkdir from "./commands/mkdir.js"
import * as mv from "./commands/mv.js"
import * as put from "./commands/put.js"
import * as rm from "./commands/rm.js"
import * as rmdir from "./commands/rmdir.js"
import * as stat from "./commands/stat.js"
import * as watch from "./commands/watch.js"
import * as Help from "./Help.js"
import { ExitCode } from "./Run.js"
import * as Stderr from "./Stderr.js"

const smb = Command.make("smb").pipe(
  Command.withDescription("Talk to an SMB2/3 server: smb <command> [options] smb://[[DOMAIN;]user[:password]@]host[:port]/share[/path]"),
  Command.withSubcommands([info.command, ls.command, get.command, put.command, rm.command, mkdir.command, rmdir.command, watch.command, df.command, cp.command, mv.command, stat.command, acl.command])
)

const version = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(fileURLToPath(new URL("../../package.json", import.meta.url)))
  return yield* Effect.try(() => String((JSON.parse(text) as { version?: unknown }).version ?? "unknown"))
}).pipe(Effect.orElseSucceed(() => "unknown"))

const program = Effect.gen(function*() {
  const cli = Command.run(smb, { name: "smb", version: yield* version })
  return yield* cli(process.argv).pipe(
    Effect.as(ExitCode.Ok),
    Effect.catchIf(ValidationError.isValidationError, () => Effect.succeed(ExitCode.Usage)),
    Effect.catchTag("Reported", (reported) => Effect.succeed(reported.reason === "Usage" ? ExitCode.Usage : ExitCode.Failed))
  )
}).pipe(
  (self) =>
    Effect.consoleWith((base) =>
      Console.withConsole(
        self,
        Stderr.console(Help.console(base, {
          help: Help.isHelpRequest(process.argv.slice(2)),
          colour: process.stdout.isTTY === true && process.env.NO_COLOR === undefined
        }))
      )
    ),
  Effect.provide([
    // What @effect/cli and the commands use; NodeContext.layer would also load child_process
    // and a worker manager at every start.
    NodeFileSystem.layer,
    NodePath.layer,
    NodeTerminal.layer,
    Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true })),
    Logger.minimumLogLevel(LogLevel.Warning)
  ])
)

// A reader that stops early (`smb ls URL | head`) closes the pipe: stop quietly, as Unix tools
// do, rather than die of an unhandled EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error
  process.exit(ExitCode.Ok)
})

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : ExitCode.Ok)
        : Cause.isInterruptedOnly(exit.cause)
        ? ExitCode.Interrupted
        : ExitCode.Failed
    )
})
